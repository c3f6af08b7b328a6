"""The error-budget policy: while an integration's budget is exhausted, its live actions
need one more approver, and the request says why."""

from __future__ import annotations

from datetime import timedelta

import pytest

from approvals import policies, registry
from approvals.services import approval_request_approve, approval_request_create
from integrations.selectors import SLUG_SCHEMA
from monitoring.slo.policy import NAME
from tests.monitoring.conftest import make_integration
from tests.monitoring.slo.conftest import rollups

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def poke_actions():
    """A live and a safe action aimed at an integration by slug."""
    for name, risk in (("tests.live_poke", registry.LIVE), ("tests.safe_poke", registry.SAFE)):
        registry.register(
            name,
            schema=SLUG_SCHEMA,
            risk=risk,
            perform=lambda params, key: {"poked": params["slug"]},
            integration=lambda p: p["slug"],
            replace=True,
        )
    yield
    registry.unregister("tests.live_poke")
    registry.unregister("tests.safe_poke")


@pytest.fixture
def shop(db, now):
    shop = make_integration("shop", slo_availability="99.500")
    rollups(shop, now - timedelta(days=30), now)
    return shop


def overspend(integration, now):
    """A day at 20 % failures: 0.7 % of the month's probes, over the 0.5 % budget."""
    rollups(integration, now - timedelta(days=1), now + timedelta(hours=1), failures=12)


def test_policy__registered_by_monitoring_at_start():
    assert NAME in policies._policies


def test_budget_exhausted__live_action_needs_one_more_approver(
    shop, now, operator, approver, other_approver
):
    overspend(shop, now)

    request = approval_request_create(
        action="tests.live_poke", params={"slug": "shop"}, requested_by=operator, enqueue=False
    )

    assert request.required_approvals == 2
    [rule] = request.policy["rules"]
    assert rule["name"] == NAME and rule["extra_approvals"] == 1
    assert "shop's 30-day error budget is exhausted" in rule["reason"]
    assert request.policy["base_approvals"] == 1 and request.policy["required_approvals"] == 2

    approval_request_approve(request_id=request.pk, approver=approver)
    request.refresh_from_db()
    assert request.status == "pending"
    approval_request_approve(request_id=request.pk, approver=other_approver)
    request.refresh_from_db()
    assert request.status == "approved"


def test_budget_left__the_usual_single_approver(shop, operator):
    request = approval_request_create(
        action="tests.live_poke", params={"slug": "shop"}, requested_by=operator, enqueue=False
    )

    assert request.required_approvals == 1
    assert request.policy == {"risk": "live", "required_approvals": 1}


def test_budget_exhausted__safe_actions_still_run_at_once(shop, now, operator):
    overspend(shop, now)

    request = approval_request_create(
        action="tests.safe_poke", params={"slug": "shop"}, requested_by=operator, enqueue=False
    )

    assert request.status == "approved" and request.required_approvals == 0


def test_a_crashing_policy__recorded_and_skipped(shop, operator):
    def broken(action, params):
        raise RuntimeError("boom")

    policies.register("tests.broken", broken)
    try:
        request = approval_request_create(
            action="tests.live_poke", params={"slug": "shop"}, requested_by=operator, enqueue=False
        )
    finally:
        policies.unregister("tests.broken")

    assert request.required_approvals == 1
    assert request.policy["rules"] == [
        {"name": "tests.broken", "extra_approvals": 0, "reason": "policy failed"}
    ]
