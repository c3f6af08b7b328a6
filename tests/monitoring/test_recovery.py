"""Auto-recovery: safe steps run on their own, live ones become approval requests, no loops."""

from __future__ import annotations

import pytest

from approvals import registry
from approvals.models import ApprovalRequest
from approvals.services import approval_request_approve
from integrations.models import IntegrationState
from monitoring.engine import probe_now
from monitoring.models import CheckResult, Incident
from monitoring.services.recovery import recovery_run
from tests.monitoring.conftest import make_integration, vendor_says

pytestmark = pytest.mark.django_db


@pytest.fixture
def outage(vendor):
    shop = make_integration("shop")
    vendor_says(vendor, shop, 503)
    probe_now([shop])
    return shop, Incident.objects.get()


@pytest.fixture
def live_step():
    performed = []
    registry.register(
        "tests.restart_service",
        schema={"type": "object", "properties": {"slug": {"type": "string"}}},
        risk=registry.LIVE,
        perform=lambda params, key: performed.append(key) or {"restarted": True},
        replace=True,
    )
    yield performed
    registry.unregister("tests.restart_service")


def timeline(incident):
    return list(incident.events.values_list("kind", "message"))


def test_safe_steps__vendor_back__recovered_and_incident_resolved(vendor, outage):
    shop, incident = outage
    vendor_says(vendor, shop, 200)
    assert recovery_run(incident.pk) == "recovered"
    incident.refresh_from_db()
    assert incident.status == "resolved"
    assert ("recovery", "monitoring.reprobe: succeeded") in timeline(incident)
    run = ApprovalRequest.objects.get(action="monitoring.reprobe")
    assert run.context == {"incident": incident.pk} and run.result["recovered"] is True


def test_safe_steps__still_down__every_step_tried_then_exhausted(outage):
    shop, incident = outage
    assert recovery_run(incident.pk) == "playbook exhausted"
    actions = list(ApprovalRequest.objects.order_by("pk").values_list("action", flat=True))
    assert actions == ["monitoring.reprobe", "integrations.circuit_reset"]
    assert IntegrationState.objects.get(pk=shop.pk).circuit_state == "closed"


def test_live_step__becomes_an_approval_request_and_is_not_performed(outage, live_step):
    shop, incident = outage
    shop.config = {**shop.config, "playbook": ["tests.restart_service"]}
    shop.save()
    assert recovery_run(incident.pk) == "waiting for approval"
    request = ApprovalRequest.objects.get(action="tests.restart_service")
    assert (request.status, request.context) == ("pending", {"incident": incident.pk})
    assert live_step == []
    assert any(kind == "approval" for kind, _ in timeline(incident))


def test_run_twice__same_steps_not_repeated(outage):
    _, incident = outage
    recovery_run(incident.pk)
    recovery_run(incident.pk)
    assert ApprovalRequest.objects.filter(action="monitoring.reprobe").count() == 1


def test_step_limit__reached__pauses_instead_of_looping(outage, settings):
    settings.RECOVERY_MAX_STEPS_PER_HOUR = 1
    _, incident = outage
    assert recovery_run(incident.pk).startswith("auto-recovery paused")
    assert ApprovalRequest.objects.count() == 1


def test_step_limit__counts_each_step_once(outage, settings):
    # Given room for two steps this hour and a playbook of two safe steps
    settings.RECOVERY_MAX_STEPS_PER_HOUR = 2
    _, incident = outage
    # When the vendor stays down, Then both steps run before the playbook is exhausted
    assert recovery_run(incident.pk) == "playbook exhausted"
    assert ApprovalRequest.objects.count() == 2


def play(integration, *steps: str) -> None:
    integration.config = {**integration.config, "playbook": list(steps)}
    integration.save()


def checks(integration) -> int:
    return CheckResult.objects.filter(integration=integration).count()


def test_reprobe_step__still_down__only_its_own_probes(outage, settings):
    # Given the re-probe step alone, and the vendor still down
    shop, incident = outage
    play(shop, "monitoring.reprobe")
    before = checks(shop)
    # When it runs, Then the step's probes (one per delay) are the only ones: it is not
    # probed again to verify it
    assert recovery_run(incident.pk) == "playbook exhausted"
    assert checks(shop) - before == len(settings.RECOVERY_REPROBE_DELAYS)


def test_reprobe_step__vendor_back__one_probe_recovers_it(vendor, outage):
    shop, incident = outage
    play(shop, "monitoring.reprobe")
    vendor_says(vendor, shop, 200)
    before = checks(shop)
    assert recovery_run(incident.pk) == "recovered"
    assert checks(shop) - before == 1


def test_other_step__vendor_back__verified_by_one_probe(vendor, outage):
    shop, incident = outage
    play(shop, "integrations.circuit_reset")
    vendor_says(vendor, shop, 200)
    before = checks(shop)
    assert recovery_run(incident.pk) == "recovered"
    assert checks(shop) - before == 1


def test_each_step__one_line_on_the_timeline(outage):
    _, incident = outage
    recovery_run(incident.pk)
    steps = [(k, m) for k, m in timeline(incident) if k in ("recovery", "approval")]
    assert steps == [
        ("recovery", "monitoring.reprobe: succeeded"),
        ("recovery", "integrations.circuit_reset: succeeded"),
    ]


@pytest.mark.parametrize("step", ["monitoring.reprobe", "integrations.circuit_reset"])
def test_step_that_recovers__its_line_comes_before_resolved(vendor, outage, step):
    # Given a step that brings the integration back
    shop, incident = outage
    play(shop, step)
    vendor_says(vendor, shop, 200)
    # When it runs, Then the timeline reads: the step, then the resolution it caused
    recovery_run(incident.pk)
    tail = timeline(incident)[-2:]
    assert tail == [("recovery", f"{step}: succeeded"), ("resolved", tail[1][1])]


def test_caused_upstream__no_recovery_attempted(vendor):
    supabase = make_integration("supabase")
    chatwoot = make_integration("chatwoot")
    chatwoot.depends_on.add(supabase)
    for integration in (supabase, chatwoot):
        vendor_says(vendor, integration, 503)
        probe_now([integration])
    incident = Incident.objects.get(integration=chatwoot)
    assert recovery_run(incident.pk) == "no auto-recovery: the cause is upstream"
    assert not ApprovalRequest.objects.exists()


def test_unknown_step__skipped_with_a_note(outage):
    shop, incident = outage
    shop.config = {**shop.config, "playbook": ["nope.missing", "integrations.circuit_reset"]}
    shop.save()
    recovery_run(incident.pk)
    assert any("nope.missing is not a registered action" in m for _, m in timeline(incident))


def test_live_step__approved_and_performed__both_on_the_incident_timeline(
    outage, live_step, other_approver, sync_jobs, django_capture_on_commit_callbacks
):
    shop, incident = outage
    shop.config = {**shop.config, "playbook": ["tests.restart_service"]}
    shop.save()
    recovery_run(incident.pk)
    request = ApprovalRequest.objects.get(action="tests.restart_service")
    with django_capture_on_commit_callbacks(execute=True):
        approval_request_approve(request_id=request.pk, approver=other_approver, comment="go")
    messages = [m for _, m in timeline(incident)]
    assert f"#{request.pk} tests.restart_service: approved — bob: go" in messages
    assert f"#{request.pk} tests.restart_service: performed" in messages
    assert len(live_step) == 1
