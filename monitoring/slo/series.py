"""The reads behind SLOs: probe counts per window, maintenance and upstream intervals.

Cost per evaluation, for every integration at once:
- windows up to 6 h: one aggregate over raw results of the last 6 h (bounded by
  the `check_time` index; raw results are kept CHECK_RETENTION_DAYS anyway);
- 1 d, 3 d and the 30-day window: one aggregate over hourly rollups, summing the
  latency histogram bucket by bucket in SQL (JSON key transforms, on PostgreSQL
  and SQLite alike), so no raw history is read for them;
- both group by integration and band (`bands`): each row is read into one band, not
  once per window that holds it;
- transitions touching maintenance and incidents caused upstream: small indexed
  reads; only the few integrations that have some get a second, corrected count.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from django.db.models import Count, F, IntegerField, Max, Min, Q, Sum
from django.db.models.fields.json import KT
from django.db.models.functions import Cast

from integrations.models import IntegrationState
from monitoring.models import CheckResult, CheckRollup, Incident, StateTransition
from monitoring.rollups import BUCKETS_MS, floor_hour
from monitoring.slo import bands
from monitoring.slo.maths import RAW_WINDOWS, ROLLUP_WINDOWS, WINDOWS, Counts, slow_count

MAINTENANCE = IntegrationState.Status.MAINTENANCE
Interval = tuple[datetime, datetime]
BUCKETS = range(len(BUCKETS_MS) + 1)


def raw_counts(thresholds: dict[int, int], now: datetime) -> dict[int, dict[str, Counts]]:
    """{integration id: {window: Counts}} for the raw windows (5 m … 6 h) ending at `now`.

    `thresholds` maps integration id → latency objective (ms). Probes taken while an
    integration was in maintenance are left out.
    """
    since = now - WINDOWS[RAW_WINDOWS[-1]]
    found = _raw_aggregate(CheckResult.objects.filter(integration_id__in=thresholds), since, now)
    for pk, intervals in maintenance_intervals(list(thresholds), since, now).items():
        query = CheckResult.objects.filter(integration_id=pk).exclude(_within(intervals))
        found.pop(pk, None)  # nothing left outside maintenance means no row at all
        found.update(_raw_aggregate(query, since, now))
    return {pk: found.get(pk, dict.fromkeys(RAW_WINDOWS, Counts())) for pk in thresholds}


def _raw_aggregate(query, since: datetime, now: datetime) -> dict[int, dict[str, Counts]]:
    fail, slow = (
        Q(status=CheckResult.Status.FAIL),
        Q(latency_ms__gt=F("integration__slo_latency_ms")),
    )
    edges, members = bands.cut({name: (now - WINDOWS[name], now) for name in RAW_WINDOWS})
    rows = (
        query.filter(checked_at__gt=since, checked_at__lte=now)
        .annotate(band=bands.band("checked_at", edges, after=True))
        .values("integration_id", "band")
        .annotate(t=Count("pk"), b=Count("pk", filter=fail), s=Count("pk", filter=slow))
    )
    found = defaultdict(dict)
    for row in rows:
        found[row["integration_id"]][row["band"]] = Counts(row["t"], row["b"], row["s"])
    return {
        pk: {n: sum((per[i] for i in members[n] if i in per), Counts()) for n in RAW_WINDOWS}
        for pk, per in found.items()
    }


def rollup_counts(
    thresholds: dict[int, int], now: datetime, days: int
) -> dict[int, dict[str, Counts]]:
    """{integration id: {"1d", "3d", "window": Counts}} from hourly rollups.

    Windows start at the hour holding `now - window` (at most one hour longer than
    asked) and include the current, partial hour; hours overlapping maintenance are
    left out.
    """
    spans = {name: WINDOWS[name] for name in ROLLUP_WINDOWS} | {"window": timedelta(days=days)}
    until = floor_hour(now) + timedelta(hours=1)
    ranges = {name: (floor_hour(now - span), until) for name, span in spans.items()}
    return rollup_ranges(thresholds, ranges)


def rollup_ranges(
    thresholds: dict[int, int], ranges: dict[str, tuple[datetime, datetime]]
) -> dict[int, dict[str, Counts]]:
    """{integration id: {name: Counts}} over rollup hours in each [since, until) of `ranges`,
    leaving out hours that overlap maintenance. One aggregate, plus one per integration
    that had maintenance."""
    since = min(start for start, _ in ranges.values())
    until = max(end for _, end in ranges.values())
    rows = rollup_aggregate(CheckRollup.objects.filter(integration_id__in=thresholds), ranges)
    for pk, intervals in maintenance_intervals(list(thresholds), since, until).items():
        query = CheckRollup.objects.filter(integration_id=pk)
        rows.pop(pk, None)
        rows.update(rollup_aggregate(query.exclude(hour__in=hours_touching(intervals)), ranges))
    return {
        pk: {name: row_counts(rows.get(pk), name, threshold) for name in ranges}
        for pk, threshold in thresholds.items()
    }


def rollup_aggregate(query, ranges: dict[str, tuple[datetime, datetime]]) -> dict[int, dict]:
    """{integration id: row} with t_/b_/h{i}_ sums per named range (histogram bucket by
    bucket) and lo_/hi_: the smallest and largest latency in it. One aggregate grouped by
    integration and band (monitoring.slo.bands), however many ranges."""
    edges, members = bands.cut(ranges)
    if len(edges) < 2:
        return {}
    columns = {"t": Sum("count"), "b": Sum("failures"), "lo": Min("min_ms"), "hi": Max("max_ms")}
    columns |= {f"h{i}": Sum(_bucket(i)) for i in BUCKETS}
    rows = (
        query.filter(hour__gte=edges[0], hour__lt=edges[-1])
        .annotate(band=bands.band("hour", edges))
        .values("integration_id", "band")
        .annotate(**columns)
    )
    found = defaultdict(dict)
    for row in rows:
        found[row["integration_id"]][row["band"]] = row
    pick = {key: sum for key in columns} | {"lo": min, "hi": max}
    return {pk: bands.merge(per, members, pick) for pk, per in found.items()}


def _bucket(index: int):
    return Cast(KT(f"latency_histogram__{index}"), IntegerField())


def row_counts(row: dict | None, name: str, threshold_ms: int) -> Counts:
    if not row or not row[f"t_{name}"]:
        return Counts()
    histogram = [row[f"h{i}_{name}"] or 0 for i in BUCKETS]
    low, high = row.get(f"lo_{name}"), row.get(f"hi_{name}")
    if histogram[-1] and (high is None or high <= BUCKETS_MS[-1]):
        high = None  # an hour rolled up before max_ms was kept had an overflow probe
    slow = round(slow_count(histogram, threshold_ms, BUCKETS_MS, low=low, high=high))
    return Counts(row[f"t_{name}"], row[f"b_{name}"] or 0, slow)


def maintenance_intervals(ids: list[int], since: datetime, now: datetime) -> dict[int, list]:
    """{id: [(start, end), …]} of maintenance inside [since, now], only for ids that had some.

    Rebuilt from the transitions into and out of `maintenance` plus the current status.
    """
    moves = defaultdict(list)
    touching = Q(to_status=MAINTENANCE) | Q(from_status=MAINTENANCE)
    for pk, at, before, after in (
        StateTransition.objects.filter(touching, integration_id__in=ids, at__gt=since, at__lte=now)
        .order_by("at")
        .values_list("integration_id", "at", "from_status", "to_status")
    ):
        moves[pk].append((at, before, after))
    result = {pk: _intervals(steps, since, now) for pk, steps in moves.items()}
    still = IntegrationState.objects.filter(integration_id__in=ids, status=MAINTENANCE)
    for pk in still.exclude(integration_id__in=list(moves)).values_list("pk", flat=True):
        result[pk] = [(since, now)]  # in maintenance the whole time
    return {pk: intervals for pk, intervals in result.items() if intervals}


def _intervals(steps: list, since: datetime, now: datetime) -> list[Interval]:
    intervals, start = [], since if steps[0][1] == MAINTENANCE else None
    for at, _before, after in steps:
        if after == MAINTENANCE and start is None:
            start = at
        elif after != MAINTENANCE and start is not None:
            intervals.append((start, at))
            start = None
    if start is not None:
        intervals.append((start, now))
    return intervals


def upstream_intervals(ids: list[int], since: datetime, now: datetime) -> dict[int, list]:
    """{id: [(opened, resolved or now), …]} of incidents explained by an upstream outage."""
    found = defaultdict(list)
    for pk, opened, resolved in (
        Incident.objects.filter(integration_id__in=ids, caused_by__isnull=False)
        .filter(Q(resolved_at__isnull=True) | Q(resolved_at__gt=since), opened_at__lte=now)
        .values_list("integration_id", "opened_at", "resolved_at")
    ):
        found[pk].append((max(opened, since), min(resolved or now, now)))
    return dict(found)


def upstream_failures(ids: list[int], since: datetime, now: datetime) -> dict[int, int]:
    """Failed probes per integration in the rollup hours its upstream-caused incidents touch."""
    result = {}
    for pk, intervals in upstream_intervals(ids, since, now).items():
        hours = hours_touching(intervals)
        total = CheckRollup.objects.filter(integration_id=pk, hour__in=hours).aggregate(
            n=Sum("failures")
        )["n"]
        result[pk] = total or 0
    return result


def hours_touching(intervals: list[Interval]) -> list[datetime]:
    hours = set()
    for start, end in intervals:
        hour = floor_hour(start)
        while hour < end:
            hours.add(hour)
            hour += timedelta(hours=1)
    return sorted(hours)


def _within(intervals: list[Interval]) -> Q:
    q = Q(pk__in=[])
    for start, end in intervals:
        q |= Q(checked_at__gte=start, checked_at__lt=end)
    return q
