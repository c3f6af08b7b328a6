"""Hourly rollups from a latency histogram, and pruning that never outruns them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from integrations.models import Integration, IntegrationState
from monitoring.models import CheckResult, CheckRollup
from monitoring.rollups import (
    BUCKETS_MS,
    checks_prune,
    merge_histograms,
    percentile,
    rollups_prune,
    rollups_refresh,
)
from monitoring.summaries import summaries_refresh

NOW = datetime(2026, 11, 22, 15, 40, tzinfo=UTC)


@pytest.fixture
def svc(db):
    return Integration.objects.create(slug="svc", name="svc", kind="http", base_url="https://x.io")


def checks(integration, at, latencies, status="ok"):
    CheckResult.objects.bulk_create(
        CheckResult(integration=integration, checked_at=at, status=status, latency_ms=ms)
        for ms in latencies
    )


def test_percentile__uniform_bucket__interpolates():
    histogram = [0] * (len(BUCKETS_MS) + 1)
    histogram[4] = 100  # all between 50 and 100 ms
    assert percentile(histogram, 0.5) == pytest.approx(75)
    assert percentile(histogram, 0.95) == pytest.approx(97.5)


def test_percentile__empty__none():
    assert percentile([0] * 13, 0.5) is None


def test_merge_histograms__sums_bucketwise():
    assert merge_histograms([[1, 2, 0], [0, 1, 5]])[:3] == [1, 3, 5]


def test_refresh__one_hour__counts_failures_and_percentiles(svc):
    at = NOW.replace(minute=10)
    checks(svc, at, [20] * 90 + [400] * 10)
    checks(svc, at, [None, None], status="fail")
    assert rollups_refresh(now=NOW) == 1
    rollup = CheckRollup.objects.get()
    assert (rollup.count, rollup.failures, rollup.hour) == (102, 2, NOW.replace(minute=0))
    assert sum(rollup.latency_histogram) == 100
    assert 10 < rollup.p50_ms <= 25
    assert 250 < rollup.p95_ms <= 500


def test_refresh__run_again_after_more_checks__upserts_same_row(svc):
    checks(svc, NOW, [10])
    rollups_refresh(now=NOW)
    checks(svc, NOW, [10, 10])
    rollups_refresh(now=NOW)
    assert list(CheckRollup.objects.values_list("count", flat=True)) == [3]


def test_refresh__hours_window__older_hours_untouched(svc):
    checks(svc, NOW - timedelta(hours=5), [10])
    checks(svc, NOW, [10])
    assert rollups_refresh(now=NOW, hours=2) == 1


def test_prune__rolled_up_old_results__deleted_recent_kept(svc):
    old = NOW - timedelta(days=8)
    checks(svc, old, [10] * 3)
    checks(svc, NOW, [10])
    rollups_refresh(now=NOW, hours=24 * 9)
    assert checks_prune(days=7, now=NOW, batch=2) == 3
    assert CheckResult.objects.count() == 1
    assert CheckRollup.objects.count() == 2  # history kept as rollups


def test_prune__rollups_behind__deletes_nothing(svc):
    checks(svc, NOW - timedelta(days=8), [10])
    assert checks_prune(days=7, now=NOW) == 0
    assert CheckResult.objects.count() == 1


def test_summaries__refreshed_onto_states(svc):
    IntegrationState.objects.create(integration=svc, status="ok")
    checks(svc, NOW, [20] * 10)
    rollups_refresh(now=NOW)
    assert summaries_refresh(now=NOW) == 1
    summary = IntegrationState.objects.get().summary
    assert summary["latency_24h"]["count"] == 10
    assert summary["availability"]["24h"] == 1.0


def test_refresh__after_jobs_were_down__catches_up_missed_hours(svc):
    checks(svc, NOW - timedelta(hours=6), [10])
    rollups_refresh(now=NOW - timedelta(hours=6))  # the last run before the outage
    for hours_ago in (5, 4, 3):
        checks(svc, NOW - timedelta(hours=hours_ago), [10])
    rollups_refresh(now=NOW)
    assert CheckRollup.objects.count() == 4


def test_refresh__first_run__rolls_up_what_is_kept(svc, settings):
    settings.CHECK_RETENTION_DAYS = 2
    checks(svc, NOW - timedelta(days=1), [10])
    checks(svc, NOW - timedelta(days=5), [10])  # past retention: left to pruning
    assert rollups_refresh(now=NOW) == 1


def test_rollups_prune__older_than_retention__deleted(svc):
    CheckRollup.objects.create(integration=svc, hour=NOW - timedelta(days=500))
    CheckRollup.objects.create(integration=svc, hour=NOW - timedelta(days=5))
    assert rollups_prune(days=400, now=NOW) == 1
    assert CheckRollup.objects.count() == 1
