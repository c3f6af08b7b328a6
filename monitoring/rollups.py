"""Hourly rollups of probe history, and pruning of raw results already rolled up.

Latency percentiles come from a fixed-bucket histogram, so hours can be merged
into any window (24 h, 7 d, 30 d) without touching raw results again. Each hour also
keeps its smallest and largest latency, so an estimate never leaves what was observed.

The two places that compute a latency percentile (docs/slo.md, "Latency percentiles"):
- `exact_percentile(values, q)`: from raw latencies, by nearest rank (always a latency
  some probe really had);
- `percentile(histogram, q, low=, high=)`: from a histogram, the same rank located in
  its bucket and interpolated there, clamped to [low, high]. It lies in the bucket of
  the true value, so it is off by at most that bucket's width.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable
from datetime import datetime, timedelta
from fractions import Fraction

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
    "min_ms",
    "max_ms",
    "p50_ms",
    "p95_ms",
    "p99_ms",
]


def floor_hour(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


def _rank(q: float, total: int) -> int:
    """The nearest rank of quantile q among `total` values: ceil(q × total), at least 1.
    Exact rationals, so 0.95 × 100 is rank 95 and not 96."""
    return min(max(math.ceil(Fraction(str(q)) * total), 1), total)


def exact_percentile(values: Iterable[float | None], q: float) -> float | None:
    """The q-quantile (0..1) of raw latencies by nearest rank: the ceil(q·n)-th smallest.

    Always one of the values, so never outside [min, max]. None without values.
    """
    ordered = sorted(v for v in values if v is not None)
    return float(ordered[_rank(q, len(ordered)) - 1]) if ordered else None


def bucket_edges(index: int) -> tuple[float, float | None]:
    """(lower, upper] of histogram bucket `index`; the overflow bucket has no upper edge."""
    lower = float(BUCKETS_MS[index - 1]) if index else 0.0
    return lower, (float(BUCKETS_MS[index]) if index < len(BUCKETS_MS) else None)


def percentile(
    histogram: list[int], q: float, *, low: float | None = None, high: float | None = None
) -> float | None:
    """Estimate the q-quantile (0..1) of a histogram's latencies; None when it is empty.

    `low` and `high` are the smallest and largest latency observed (None: unknown). The
    nearest rank (as `exact_percentile`) is found in its bucket and interpolated linearly
    between the bucket's edges narrowed to [low, high]; the result is clamped to
    [low, high]. The true value lies in the same bucket, so the error is at most the
    bucket's width. In the overflow bucket with `high` unknown it is the bucket's lower
    edge (30 000 ms): a floor, never above what was seen.
    """
    total = sum(histogram)
    if total == 0:
        return None
    rank, seen = _rank(q, total), 0
    for index, count in enumerate(histogram):
        if count and seen + count >= rank:
            lower, upper = bucket_edges(index)
            start = lower if low is None else max(lower, low)
            end = upper if high is None else high if upper is None else min(upper, high)
            end = start if end is None or end < start else end
            return clamp(start + (end - start) * (rank - seen) / count, low, high)
        seen += count
    return None  # pragma: no cover - the ranks always fall inside the histogram


def clamp(value: float, low: float | None, high: float | None) -> float:
    """`value` kept inside [low, high]; a None bound does not limit."""
    if high is not None:
        value = min(value, high)
    if low is not None:
        value = max(value, low)
    return value


def merge_bounds(parts: Iterable[tuple[list[int] | None, float | None, float | None]]):
    """(low, high) over (histogram, min_ms, max_ms) parts: the smallest min and largest max.

    A side is None (unknown) as soon as one part with latencies lacks it (an hour rolled
    up before min/max were kept); parts without latencies do not count.
    """
    low = high = None
    known_low = known_high = True
    for histogram, part_low, part_high in parts:
        if not any(histogram or []):
            continue
        known_low &= part_low is not None
        known_high &= part_high is not None
        if part_low is not None:
            low = part_low if low is None else min(low, part_low)
        if part_high is not None:
            high = part_high if high is None else max(high, part_high)
    return (low if known_low else None), (high if known_high else None)


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
            min_ms=Min("latency_ms"),
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
        min_ms=row["min_ms"],
        max_ms=row["max_ms"],
        **percentiles(histogram, row["min_ms"], row["max_ms"]),
    )


def percentiles(histogram: list[int], low: float | None, high: float | None) -> dict:
    """{"p50_ms", "p95_ms", "p99_ms"} of one histogram (the rollup row's stored columns)."""
    return {f"p{q}_ms": percentile(histogram, q / 100, low=low, high=high) for q in (50, 95, 99)}


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
