"""The board's and the pages' reads: sparklines and window slots from rollups (raw results
for one hour), the merged event feed, deprecations and headroom from recent results."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from approvals.services import approval_request_create
from hotdash.console import board, reads
from integrations.models import Integration
from monitoring.models import CheckResult, CheckRollup
from monitoring.rollups import floor_hour

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(db):
    from integrations.services import catalogue_seed

    catalogue_seed()
    return Integration.objects.get(slug="shopify")


def rollup(integration, hour, count=10, failures=0, histogram=None, p95=None):
    return CheckRollup.objects.create(
        integration=integration,
        hour=hour,
        count=count,
        failures=failures,
        latency_histogram=histogram or [0, 0, 0, 0, count],
        p95_ms=p95,
    )


def test_sparkline__one_point_per_hour_oldest_first_none_for_missing(shop):
    now = timezone.now()
    rollup(shop, floor_hour(now), p95=80.0)
    rollup(shop, floor_hour(now) - timedelta(hours=23), p95=40.0)
    rollup(shop, floor_hour(now) - timedelta(hours=30), p95=999.0)  # outside the 24 h
    points = board.latency_sparklines([shop.pk], now)[shop.pk]
    assert len(points) == 24 and points[0] == 40.0 and points[-1] == 80.0
    assert points[1:-1] == [None] * 22


def test_window_slots__merge_rollups_into_the_windows_slots(shop):
    now = timezone.now()
    rollup(shop, floor_hour(now) - timedelta(hours=1), count=10, failures=2)
    rollup(shop, floor_hour(now) - timedelta(hours=2), count=30, failures=0)
    slots = reads.window_slots(shop.pk, "7d", now)
    assert len(slots) == 28
    assert sum(s.count for s in slots) == 40 and sum(s.failures for s in slots) == 2
    busy = [s for s in slots if s.count]
    assert all(s.p50_ms is not None and s.p95_ms >= s.p50_ms for s in busy)
    assert all(s.p95_ms is None and s.error_rate is None for s in slots if not s.count)


def test_window_slots__one_hour_comes_from_raw_results_in_5_minute_slots(shop):
    now = timezone.now().replace(minute=4, second=30, microsecond=0)  # 4.5 min into a slot
    for minutes, status, latency in [(1, "ok", 20.0), (2, "fail", None), (50, "ok", 300.0)]:
        CheckResult.objects.create(
            integration=shop,
            checked_at=now - timedelta(minutes=minutes),
            status=status,
            latency_ms=latency,
        )
    CheckResult.objects.create(
        integration=shop, checked_at=now - timedelta(hours=2), status="ok", latency_ms=1.0
    )
    slots = reads.window_slots(shop.pk, "1h", now)
    assert len(slots) == 12 and sum(s.count for s in slots) == 3
    assert slots[-1].count == 2 and slots[-1].failures == 1 and slots[-1].error_rate == 0.5
    assert slots[-1].p50_ms is not None and slots[-1].p50_ms <= 25


@pytest.mark.parametrize("window", list(reads.SLOTS))
def test_window_slots__empty_history_gives_empty_slots(shop, window):
    slots = reads.window_slots(shop.pk, window)
    assert len(slots) == reads.SLOTS[window][1] and not any(s.count for s in slots)


def test_deprecations_and_headroom__from_recent_results(shop):
    now = timezone.now()
    details = [
        {"headroom": 0.9},
        {"headroom": 0.4, "deprecations": ["Deprecation: true"]},
        {"api_version_status": "ageing"},
    ]
    for back, detail in enumerate(reversed(details)):
        CheckResult.objects.create(
            integration=shop, checked_at=now - timedelta(minutes=back), status="ok", details=detail
        )
    history = reads.check_history(shop)
    assert [share for _, share in reads.headroom_history(history)] == [0.9, 0.4]
    assert [d["text"] for d in reads.deprecations(history)] == [
        "Deprecation: true",
        "API version status: ageing",
    ]


def test_feed__merges_transitions_incident_events_and_requests_newest_first(shop, roles):
    from monitoring.models import StateTransition
    from monitoring.services.incidents import incident_open

    StateTransition.objects.create(
        integration=shop,
        at=timezone.now() - timedelta(minutes=5),
        from_status="ok",
        to_status="down",
    )
    incident_open(integration=shop, reason="drill")
    approval_request_create(
        action="integrations.switch_sandbox", params={"slug": "shopify"}, enqueue=False
    )
    items = board.feed()
    assert [i.kind for i in items] == ["approval", "incident", "transition"]
    assert items[1].url.endswith(f"/console/incidents/{shop.incidents.get().pk}/")


def test_board__worst_status_first(shop):
    from integrations.models import IntegrationState

    IntegrationState.objects.filter(integration__slug="ga4").update(status="down")
    IntegrationState.objects.filter(integration__slug="slack").update(status="degraded")
    integrations, total = board.board_integrations()
    assert [i.slug for i in integrations[:2]] == ["ga4", "slack"]
    assert total == Integration.objects.count()
