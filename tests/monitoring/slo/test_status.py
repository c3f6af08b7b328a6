"""SLO status from stored history: objective, current value, budget left, burn per window —
maintenance left out, upstream-caused failures tagged, latency from the histograms."""

from __future__ import annotations

from datetime import timedelta

import pytest

from integrations.models import IntegrationState
from monitoring.models import Incident, StateTransition
from monitoring.rollups import floor_hour
from monitoring.slo.status import slo_status
from tests.monitoring.conftest import make_integration
from tests.monitoring.slo.conftest import checks, rollup, rollups

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(db):
    return make_integration("shop", slo_availability="99.500", slo_latency_ms=1000)


def test_healthy_month__full_budget_and_no_burn(shop, now):
    rollups(shop, now - timedelta(days=30), now)
    checks(shop, now - timedelta(hours=6), now)

    status = slo_status(shop, now=now)

    assert status.availability.current == 100.0
    assert status.availability.budget_remaining == 1.0
    assert status.latency.current == 100.0
    assert status.availability.burns["5m"] == 0.0 and status.availability.burns["3d"] == 0.0
    assert status.level is None


def test_some_failures__budget_spent_in_proportion(shop, now):
    """0.25 % failed against a 0.5 % budget: half of it is left."""
    rollups(shop, now - timedelta(days=30), now, count=400, failures=1)

    status = slo_status(shop, now=now)

    assert status.availability.current == pytest.approx(99.75)
    assert status.availability.budget_remaining == pytest.approx(0.5)
    assert status.availability.burns["1d"] == pytest.approx(0.5)
    assert not status.budget_exhausted


def test_budget_overspent__exhausted(shop, now):
    rollups(shop, now - timedelta(days=30), now, count=100, failures=1)

    status = slo_status(shop, now=now)

    assert status.availability.budget_remaining == pytest.approx(-1.0)
    assert status.budget_exhausted


def test_maintenance__its_probes_are_left_out(shop, now):
    """Three hours of failures inside a maintenance window cost nothing."""
    rollups(shop, now - timedelta(days=2), now)
    start = floor_hour(now - timedelta(hours=30))
    for hour in range(3):
        rollup(shop, start + timedelta(hours=hour), failures=60)
    StateTransition.objects.create(
        integration=shop, at=start, from_status="ok", to_status="maintenance"
    )
    StateTransition.objects.create(
        integration=shop, at=start + timedelta(hours=3), from_status="maintenance", to_status="ok"
    )
    checks(shop, now - timedelta(hours=6), now)

    status = slo_status(shop, now=now)

    assert status.availability.bad == 0
    assert status.availability.events == 60 * (len(range(49)) - 3)


def test_maintenance_now__recent_raw_probes_left_out(shop, now):
    checks(shop, now - timedelta(hours=2), now, fail=True)
    IntegrationState.objects.filter(integration=shop).update(status="maintenance")
    StateTransition.objects.create(
        integration=shop, at=now - timedelta(hours=3), from_status="ok", to_status="maintenance"
    )

    status = slo_status(shop, now=now)

    assert status.counts["1h"].total == 0
    assert status.availability.burns["1h"] is None


def test_upstream_caused_failures__counted_but_tagged(shop, now):
    upstream = make_integration("db")
    rollups(shop, now - timedelta(days=3), now, count=100)
    outage = floor_hour(now - timedelta(hours=20))
    rollup(shop, outage, count=100, failures=100)
    Incident.objects.create(
        integration=shop,
        title="shop down",
        opened_at=outage,
        resolved_at=outage + timedelta(minutes=50),
        status="resolved",
        caused_by=upstream,
    )

    status = slo_status(shop, now=now)

    assert status.availability.bad == 100
    assert status.availability.upstream_bad == 100
    assert status.availability.budget_remaining < 0
    assert status.availability.budget_remaining_own == 1.0


def test_latency_objective__share_under_the_threshold(shop, now):
    """A day of 60 probes/h; 3 hours at 2.5 s: 95.8 % under 1 s against 95 %."""
    rollups(shop, now - timedelta(hours=24), now, latency_ms=100)
    for hour in range(3):
        rollup(shop, now - timedelta(hours=5 + hour), latency_ms=2500)

    status = slo_status(shop, now=now)

    slow = 3 * 60
    assert status.latency.bad == slow
    assert status.latency.current == pytest.approx(100 * (1 - slow / status.latency.events))
    assert status.availability.current == 100.0


def test_raw_windows__count_recent_probes_only(shop, now):
    checks(shop, now - timedelta(hours=7), now - timedelta(minutes=10))
    checks(shop, now - timedelta(minutes=10), now, fail=True)

    status = slo_status(shop, now=now)

    # windows are (now - span, now]: the probe exactly 5 minutes ago is outside
    assert status.counts["5m"].bad == status.counts["5m"].total == 4
    assert status.counts["30m"].bad == 10 and status.counts["30m"].total == 29
    assert status.counts["6h"].total == 359
