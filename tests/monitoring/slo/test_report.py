"""The weekly SLA report: availability, incidents, longest outage, budget spent and
upstream-caused time per integration; CSV (the weekly mail: tests/monitoring/test_report_mail.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from integrations.models import IntegrationState
from monitoring.models import Incident, StateTransition
from monitoring.slo.report import sla_report, sla_report_csv, week_bounds
from tests.monitoring.conftest import make_integration
from tests.monitoring.slo.conftest import rollups

pytestmark = pytest.mark.django_db
MONDAY = datetime(2026, 11, 16, tzinfo=UTC)  # ISO week 2026-W47
AFTER = MONDAY + timedelta(days=9)


def outage(integration, start, minutes, caused_by=None, cause="down"):
    return Incident.objects.create(
        integration=integration,
        cause=cause,
        title="x",
        status="resolved",
        opened_at=start,
        resolved_at=start + timedelta(minutes=minutes),
        caused_by=caused_by,
    )


@pytest.fixture
def week(db):
    shop, db_ = make_integration("shop", slo_availability="99.500"), make_integration("db")
    IntegrationState.objects.filter(pk=shop.pk).update(status="ok")
    rollups(shop, MONDAY - timedelta(days=1), AFTER, count=60)
    rollups(
        shop,
        MONDAY + timedelta(days=1, hours=10),
        MONDAY + timedelta(days=1, hours=12),
        failures=60,
    )
    tuesday = MONDAY + timedelta(days=1, hours=10)
    outage(shop, tuesday, 90)
    outage(shop, MONDAY + timedelta(days=2), 60, caused_by=db_)
    outage(shop, MONDAY - timedelta(hours=1), 120)  # began the Sunday before
    outage(shop, MONDAY + timedelta(days=3), 5, cause="anomaly")
    for at, before, after in [
        (tuesday, "ok", "down"),
        (tuesday + timedelta(minutes=90), "down", "ok"),
    ]:
        StateTransition.objects.create(integration=shop, at=at, from_status=before, to_status=after)
    return shop


def test_week_bounds__iso_week_and_last_complete_week():
    assert week_bounds("2026-W47") == (MONDAY, MONDAY + timedelta(days=7))
    assert week_bounds(now=AFTER)[0] == MONDAY


def test_report__one_row_per_integration_with_the_week_figures(week):
    start, end = week_bounds("2026-W47")

    [db_row, row] = sla_report(start, end, now=AFTER)

    assert db_row["integration"] == "db" and db_row["probes"] == 0
    assert row["week"] == "2026-W47"
    assert row["probes"] == 7 * 24 * 60 and row["failed_probes"] == 120
    assert row["availability"] == pytest.approx(100 * (1 - 120 / 10080))
    assert row["uptime"] == pytest.approx(100 * (1 - 90 / (7 * 24 * 60)))
    assert row["incidents"] == 3  # opened in the week: two outages and an anomaly
    assert row["outages"] == 3  # the Sunday one still counts for its hour in the week
    assert row["longest_outage_seconds"] == 90 * 60
    assert row["downtime_seconds"] == (90 + 60 + 60) * 60
    assert row["upstream_caused_seconds"] == 60 * 60
    allowed = 0.005 * 10080 * 30 / 7
    assert row["error_budget_spent"] == pytest.approx(120 / allowed, abs=1e-4)


def test_report_csv__header_then_rows(week):
    lines = "".join(sla_report_csv(sla_report(*week_bounds("2026-W47"), now=AFTER))).splitlines()

    assert lines[0].startswith("integration,name,week,availability_objective,availability")
    assert len(lines) == 3
