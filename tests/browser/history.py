"""Thirty days of made-up hourly rollups, so charts and sparklines have something to draw."""

from __future__ import annotations

import math
from datetime import timedelta

from django.utils import timezone

from monitoring.models import CheckRollup
from monitoring.rollups import BUCKETS_MS, floor_hour, percentile


def _histogram(centre_ms: float, count: int) -> list[int]:
    histogram = [0] * (len(BUCKETS_MS) + 1)
    for share, factor in ((0.5, 1.0), (0.3, 1.6), (0.15, 2.6), (0.05, 5.0)):
        value = centre_ms * factor
        index = next((i for i, bound in enumerate(BUCKETS_MS) if value <= bound), len(BUCKETS_MS))
        histogram[index] += round(count * share)
    return histogram


def rollups_fill(integration, *, hours: int = 30 * 24, base_ms: float = 120.0) -> int:
    """One rollup per past hour (the current hour is left to real probes); a daily wave
    in latency and a bad spell 30 hours ago with failures."""
    now = floor_hour(timezone.now())
    rows = []
    for back in range(1, hours + 1):
        hour = now - timedelta(hours=back)
        centre = base_ms * (1 + 0.5 * math.sin(back / 24 * 2 * math.pi))
        failures = 12 if 28 <= back <= 31 else (1 if back % 17 == 0 else 0)
        histogram = _histogram(centre * (3 if failures > 5 else 1), 60)
        rows.append(
            CheckRollup(
                integration=integration,
                hour=hour,
                count=60,
                failures=failures,
                latency_sum_ms=centre * 60,
                latency_histogram=histogram,
                p50_ms=percentile(histogram, 0.5),
                p95_ms=percentile(histogram, 0.95),
                p99_ms=percentile(histogram, 0.99),
            )
        )
    CheckRollup.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)
