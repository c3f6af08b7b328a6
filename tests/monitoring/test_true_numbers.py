"""True numbers (issue 12): a latency percentile never leaves [slowest, fastest] probe —
exact from raw results, a bounded estimate from the rollups' histogram — and the slow
count of the latency SLI respects the same bounds. Every expected number is a literal,
worked out by hand in the comment beside it."""

from __future__ import annotations

import importlib
from datetime import UTC, datetime, timedelta

import pytest
from django.apps import apps

from integrations.models import Integration
from monitoring import selectors
from monitoring.models import CheckResult, CheckRollup
from monitoring.rollups import (
    BUCKETS_MS,
    exact_percentile,
    merge_bounds,
    percentile,
    rollups_refresh,
)
from monitoring.slo.maths import slow_count
from monitoring.slo.series import rollup_ranges

NOW = datetime(2026, 11, 22, 15, 40, tzinfo=UTC)
HOUR = NOW.replace(minute=0)


def histogram(**counts: int) -> list[int]:
    """histogram(b10=2) → 2 probes in bucket 10, i.e. (5000, 10000] ms."""
    found = [0] * (len(BUCKETS_MS) + 1)
    for name, count in counts.items():
        found[int(name[1:])] = count
    return found


@pytest.fixture
def shop(db):
    return Integration.objects.create(
        slug="shop", name="Shop", kind="http", base_url="https://x.io", slo_latency_ms=8000
    )


def checks(integration, at, latencies):
    CheckResult.objects.bulk_create(
        CheckResult(integration=integration, checked_at=at, status="ok", latency_ms=ms)
        for ms in latencies
    )


# --- raw results: exact, by nearest rank ---------------------------------------------


def test_exact_percentile__three_probes__nearest_rank():
    latencies = [100, 200, 5468]
    # p50: rank ceil(0.50 × 3) = ceil(1.5) = 2 → 200.
    assert exact_percentile(latencies, 0.50) == 200.0
    # p95: rank ceil(0.95 × 3) = ceil(2.85) = 3 → 5468, the slowest probe, not beyond it.
    assert exact_percentile(latencies, 0.95) == 5468.0
    # p99: rank ceil(2.97) = 3 → 5468.
    assert exact_percentile(latencies, 0.99) == 5468.0


def test_exact_percentile__rank_exactly_on_a_value__not_pushed_up_by_float_noise():
    latencies = [float(ms) for ms in range(1, 101)]  # 1, 2, …, 100 ms
    # p7: 0.07 × 100 is exactly rank 7 → 7 ms (in floats 0.07 × 100 = 7.000…01 → rank 8).
    assert exact_percentile(latencies, 0.07) == 7.0
    # p95: 0.95 × 100 = 95 → 95 ms.
    assert exact_percentile(latencies, 0.95) == 95.0


def test_exact_percentile__nothing_timed__none():
    assert exact_percentile([None, None], 0.95) is None


# --- histogram: clamped to [min, max], within one bucket width -------------------------


def test_percentile__top_bucket_5000_to_10000_with_max_5468__p99_is_at_most_5468():
    # 100 ms → bucket 4 (50, 100]; 200 ms → bucket 5 (100, 250]; 5468 → bucket 10.
    hist = histogram(b4=1, b5=1, b10=1)
    # p99: rank 3 falls in bucket 10, 1 of 1 → its upper edge narrowed to max: 5468.
    assert percentile(hist, 0.99, low=100, high=5468) == 5468.0
    # p50: rank 2 in bucket 5 (100, 250], 1 of 1 → 250: the true 200 is within 150 ms,
    # the bucket's width.
    assert percentile(hist, 0.50, low=100, high=5468) == 250.0


def test_percentile__without_bounds__the_bucket_edge_not_an_invention():
    hist = histogram(b10=2)
    # p50: rank 1 of 2 in (5000, 10000] → 5000 + 5000 × 1/2 = 7500.
    assert percentile(hist, 0.50) == 7500.0


def test_percentile__demo_shopify_hour__p95_and_p99_not_beyond_the_slowest_probe():
    """18 probes at 400 ms and 2 at 5468 ms; the old code read p95 7,500 and p99 9,500."""
    hist = histogram(b6=18, b10=2)  # 400 → (250, 500]; 5468 → (5000, 10000]
    # p95: rank ceil(19) = 19 → 1st of 2 in bucket 10, narrowed to (5000, 5468]:
    # 5000 + 468 × 1/2 = 5234.
    assert percentile(hist, 0.95, low=400, high=5468) == 5234.0
    # p99: rank ceil(19.8) = 20 → 2nd of 2 → 5000 + 468 × 2/2 = 5468.
    assert percentile(hist, 0.99, low=400, high=5468) == 5468.0
    # p50: rank 10 of 18 in (250, 500] narrowed to (400, 500]: 400 + 100 × 10/18 = 455.55…
    assert percentile(hist, 0.50, low=400, high=5468) == pytest.approx(455.5556, abs=1e-4)


def test_percentile__all_probes_one_latency__exactly_that_latency():
    # min = max = 5468: every estimate collapses onto it.
    assert percentile(histogram(b10=7), 0.5, low=5468, high=5468) == 5468.0


def test_percentile__overflow_bucket__max_known_or_the_30s_floor():
    hist = histogram(b12=4)  # all over 30,000 ms
    # Unknown max: the bucket's lower edge, 30,000 — a floor, never above what was seen.
    assert percentile(hist, 0.99) == 30000.0
    # Max 42,000: rank 4 of 4 → 30,000 + 12,000 × 4/4 = 42,000.
    assert percentile(hist, 0.99, high=42000) == 42000.0


def test_merge_bounds__an_hour_without_bounds_makes_that_side_unknown():
    parts = [(histogram(b4=1), 60.0, 90.0), (histogram(b10=1), 5100.0, 5468.0)]
    assert merge_bounds(parts) == (60.0, 5468.0)
    legacy = [*parts, (histogram(b11=1), None, None)]
    assert merge_bounds(legacy) == (None, None)
    empty_hour = [*parts, (histogram(), None, None)]  # no timed probe: does not count
    assert merge_bounds(empty_hour) == (60.0, 5468.0)


# --- stored rollups and what reads them --------------------------------------------------


def test_rollup__keeps_min_and_max__stored_percentiles_inside_them(shop):
    checks(shop, HOUR.replace(minute=5), [400] * 18 + [5468] * 2)
    rollups_refresh(now=NOW)
    rollup = CheckRollup.objects.get()
    assert (rollup.min_ms, rollup.max_ms) == (400.0, 5468.0)
    # As in the demo-hour test above: p95 5234, p99 5468.
    assert (rollup.p95_ms, rollup.p99_ms) == (5234.0, 5468.0)


def test_latency_24h__from_rollups__p99_is_the_slowest_probe_not_9700(shop):
    checks(shop, HOUR.replace(minute=5), [400] * 18 + [5468] * 2)
    checks(shop, HOUR - timedelta(hours=3), [100])
    rollups_refresh(now=NOW, hours=24)
    figures = selectors.latency([shop.pk], timedelta(hours=24), NOW)[shop.pk]
    # Merged: 100 → (50, 100] ×1, 400 → (250, 500] ×18, 5468 → (5000, 10000] ×2; 21 probes,
    # min 100, max 5468. p95: rank ceil(19.95) = 20 → 1st of 2 in bucket 10 →
    # 5000 + 468 × 1/2 = 5234. p99: rank ceil(20.79) = 21 → 5468.
    assert figures["count"] == 21
    assert (figures["p95_ms"], figures["p99_ms"]) == (5234.0, 5468.0)


def test_latency_1h__from_raw_results__exact(shop):
    checks(shop, NOW - timedelta(minutes=20), [100, 200, 5468])
    checks(shop, NOW - timedelta(minutes=90), [9999])  # outside the hour
    figures = selectors.latency([shop.pk], timedelta(hours=1), NOW)[shop.pk]
    # As test_exact_percentile__three_probes__nearest_rank.
    assert figures["count"] == 3
    assert (figures["p50_ms"], figures["p95_ms"], figures["p99_ms"]) == (200.0, 5468.0, 5468.0)


def test_migration_backfill__bounds_from_raw_results_else_bucket_edges(shop):
    backfill = importlib.import_module("monitoring.migrations.0007_rollup_min_max").backfill
    checks(shop, HOUR.replace(minute=5), [400] * 18 + [5468] * 2)
    rollups_refresh(now=NOW)
    pruned = HOUR - timedelta(days=20)
    CheckRollup.objects.create(
        integration=shop, hour=pruned, count=3, latency_histogram=histogram(b4=1, b10=2)
    )
    CheckRollup.objects.update(min_ms=None, max_ms=None, p99_ms=9700.0)  # as before 0007

    backfill(apps, None)

    kept = CheckRollup.objects.get(hour=HOUR)
    assert (kept.min_ms, kept.max_ms, kept.p99_ms) == (400.0, 5468.0, 5468.0)
    old = CheckRollup.objects.get(hour=pruned)
    # Raw results gone: the outer edges of buckets 4 (50, 100] and 10 (5000, 10000].
    assert (old.min_ms, old.max_ms) == (50.0, 10000.0)


# --- latency SLI: slow probes counted within the same bounds ---------------------------


def test_slow_count__threshold_above_the_slowest_probe__none_slow():
    hist = histogram(b6=18, b10=2)
    # Threshold 8,000 ms, slowest probe 5,468: nothing is slow. Without the max, the
    # interpolation would call (10000 − 8000) / 5000 × 2 = 0.8 of a probe slow.
    assert slow_count(hist, 8000, BUCKETS_MS, low=400, high=5468) == 0.0
    assert slow_count(hist, 8000, BUCKETS_MS) == pytest.approx(0.8)


def test_slow_count__threshold_below_the_fastest_probe__all_slow():
    # Threshold 300 ms inside (250, 500], fastest probe 400: all 20 are slow.
    assert slow_count(histogram(b6=18, b10=2), 300, BUCKETS_MS, low=400, high=5468) == 20.0


def test_slo_latency_counts__rollups_with_max_under_threshold__no_slow_probe(shop):
    checks(shop, HOUR.replace(minute=5), [400] * 18 + [5468] * 2)
    rollups_refresh(now=NOW)
    found = rollup_ranges({shop.pk: 8000}, {"hour": (HOUR, HOUR + timedelta(hours=1))})
    # 20 probes, the slowest 5,468 ms against an 8,000 ms objective: 0 slow (was round(0.8) = 1).
    assert (found[shop.pk]["hour"].total, found[shop.pk]["hour"].slow) == (20, 0)
