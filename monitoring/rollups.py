"""Hourly rollups of probe history, and pruning of raw results already rolled up.

Latency percentiles come from a fixed-bucket histogram, so hours can be merged
into any window (24 h, 7 d, 30 d) without touching raw results again.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Count, Max, Min, Q, Sum
from django.db.models.functions import TruncHour
from django.utils import timezone

from monitoring.models import CheckResult, CheckRollup

log = logging.getLogger(__name__)

# Upper bounds (ms) of the histogram buckets; one overflow bucket follows the last.
BUCKETS_MS = [5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000]
ROLLUP_FIELDS = [
    "count",
    "failures",
    "degraded",
    "latency_sum_ms",
    "latency_histogram",
    "p50_ms",
    "p95_ms",
    "p99_ms",
]


def floor_hour(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


def percentile(histogram: list[int], q: float, max_ms: float | None = None) -> float | None:
    """Estimate the q-quantile (0..1) by linear interpolation inside its bucket."""
    total = sum(histogram)
    if total == 0:
        return None
    rank, seen = q * total, 0
    for index, count in enumerate(histogram):
        if count and seen + count >= rank:
            lower = BUCKETS_MS[index - 1] if index else 0.0
            upper = BUCKETS_MS[index] if index < len(BUCKETS_MS) else (max_ms or lower * 2)
            return lower + (upper - lower) * (rank - seen) / count
        seen += count
    return float(BUCKETS_MS[-1])


def merge_histograms(histograms) -> list[int]:
    merged = [0] * (len(BUCKETS_MS) + 1)
    for histogram in histograms:
        for index, count in enumerate(histogram or []):
            merged[index] += count
    return merged


def _aggregate(since: datetime, integration_ids=None):
    cumulative = {
        f"le{i}": Count("pk", filter=Q(latency_ms__lte=bound)) for i, bound in enumerate(BUCKETS_MS)
    }
    query = CheckResult.objects.filter(checked_at__gte=since)
    if integration_ids is not None:
        query = query.filter(integration_id__in=integration_ids)
    return (
        query.annotate(hour=TruncHour("checked_at"))
        .values("integration_id", "hour")
        .annotate(
            n=Count("pk"),
            fails=Count("pk", filter=Q(status=CheckResult.Status.FAIL)),
            slow=Count("pk", filter=Q(status=CheckResult.Status.DEGRADED)),
            timed=Count("latency_ms"),
            total_ms=Sum("latency_ms"),
            max_ms=Max("latency_ms"),
            **cumulative,
        )
    )


def _rollup(row: dict) -> CheckRollup:
    cumulative = [row[f"le{i}"] for i in range(len(BUCKETS_MS))]
    histogram = [c - (cumulative[i - 1] if i else 0) for i, c in enumerate(cumulative)]
    histogram.append(row["timed"] - cumulative[-1])
    return CheckRollup(
        integration_id=row["integration_id"],
        hour=row["hour"],
        count=row["n"],
        failures=row["fails"],
        degraded=row["slow"],
        latency_sum_ms=row["total_ms"] or 0.0,
        latency_histogram=histogram,
        p50_ms=percentile(histogram, 0.50, row["max_ms"]),
        p95_ms=percentile(histogram, 0.95, row["max_ms"]),
        p99_ms=percentile(histogram, 0.99, row["max_ms"]),
    )


def rollups_refresh(
    *, hours: int | None = None, now: datetime | None = None, integration_ids=None
) -> int:
    """Recompute hourly rollups and return how many rows were written.

    With `hours`, the last that many whole or partial hours. Without, it catches up:
    from the newest hour already rolled up (it may have been partial) — so after the
    job cluster was down for a while, the missed hours are rolled up before pruning
    can delete their raw results — and never less than the last two hours.
    Upserts on (integration, hour), so running it again is always safe.
    """
    now = now or timezone.now()
    since = floor_hour(now) - timedelta(hours=max(hours or 2, 1) - 1)
    if hours is None:
        since = min(since, _catch_up_from(now))
    rows = [_rollup(row) for row in _aggregate(since, integration_ids)]
    CheckRollup.objects.bulk_create(
        rows,
        batch_size=500,
        update_conflicts=True,
        unique_fields=["integration", "hour"],
        update_fields=ROLLUP_FIELDS,
    )
    return len(rows)


def _catch_up_from(now: datetime) -> datetime:
    oldest_kept = floor_hour(now - timedelta(days=settings.CHECK_RETENTION_DAYS))
    newest = CheckRollup.objects.aggregate(newest=Max("hour"))["newest"]
    if newest is None:
        first = CheckResult.objects.aggregate(first=Min("checked_at"))["first"]
        newest = floor_hour(first) if first else floor_hour(now)
    return max(newest, oldest_kept)


def rollups_prune(*, days: int, now: datetime | None = None) -> int:
    """Delete hourly rollups older than `days` (the long-term history's retention)."""
    cutoff = (now or timezone.now()) - timedelta(days=days)
    return CheckRollup.objects.filter(hour__lt=cutoff).delete()[0]


def checks_prune(*, days: int, now: datetime | None = None, batch: int = 10_000) -> int:
    """Delete raw results older than `days`, in batches, once their hours are rolled up."""
    cutoff = floor_hour((now or timezone.now()) - timedelta(days=days))
    newest_rollup = CheckRollup.objects.aggregate(newest=Max("hour"))["newest"]
    if newest_rollup is None or newest_rollup < cutoff:
        log.warning("not pruning: rollups are behind the retention cutoff %s", cutoff)
        return 0
    deleted = 0
    while True:
        pks = list(
            CheckResult.objects.filter(checked_at__lt=cutoff).values_list("pk", flat=True)[:batch]
        )
        if not pks:
            return deleted
        deleted += CheckResult.objects.filter(pk__in=pks).delete()[0]
