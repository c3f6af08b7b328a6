"""Reads for the dashboard and the API. None of them scans long raw probe history:
availability comes from state transitions, latency from hourly rollups (raw results
only for windows of an hour or less, a few hundred rows), current state from the
one-row IntegrationState."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from django.db.models import Count, F, Max, Min
from django.utils import timezone

from approvals.models import ApprovalRequest
from integrations.dependencies import edges
from integrations.models import Integration, IntegrationState
from monitoring.models import CheckResult, CheckRollup, Incident, StateTransition
from monitoring.rollups import (
    clamp,
    exact_percentile,
    floor_hour,
    merge_bounds,
    merge_histograms,
    percentile,
)

Status = IntegrationState.Status
UP = {Status.OK, Status.DEGRADED}
WINDOWS = {
    "1h": timedelta(hours=1),
    "24h": timedelta(hours=24),
    "7d": timedelta(days=7),
    "30d": timedelta(days=30),
}
OPEN = (Incident.Status.OPEN, Incident.Status.ACKNOWLEDGED)
SERIOUS_SEVERITY = 2  # an open SEV1/SEV2 makes a card and the overall status not ok


def health_summary() -> dict:
    """Counts of integrations per status, open incidents, pending approvals, overall status
    ("down" / "degraded" by the integrations' states; "degraded" at least while any
    SEV1/SEV2 incident is open)."""
    counts = {status: 0 for status in Status.values}
    for row in (
        IntegrationState.objects.filter(integration__enabled=True)
        .values("status")
        .annotate(n=Count("pk"))
    ):
        counts[row["status"]] = row["n"]
    overall = "down" if counts["down"] else "degraded" if counts["degraded"] else "ok"
    if not any(counts[s] for s in (Status.OK, Status.DEGRADED, Status.DOWN)):
        overall = "unknown"
    serious = Incident.objects.filter(status__in=OPEN, severity__lte=SERIOUS_SEVERITY)
    if overall in ("ok", "unknown") and serious.exists():
        overall = "degraded"  # never "ok" while a SEV1/SEV2 is open, whatever the probes say
    return {
        "overall": overall,
        "counts": counts,
        "total": sum(counts.values()),
        "open_incidents": Incident.objects.filter(status__in=OPEN).count(),
        "pending_approvals": ApprovalRequest.objects.filter(
            status=ApprovalRequest.Status.PENDING
        ).count(),
    }  # no timestamp in the body: identical answers get the same ETag (the Date header tells)


def availability(ids: list[int], window: timedelta, now: datetime | None = None) -> dict:
    """Share of the window each integration was up (ok or degraded) over up + down time.

    Maintenance, disabled and unknown time count as neither. Reconstructed backwards
    from the current status through the transitions inside the window (one query).
    Returns {id: float 0..1 or None when there was no up or down time}.
    """
    now = now or timezone.now()
    start = now - window
    current = dict(IntegrationState.objects.filter(pk__in=ids).values_list("pk", "status"))
    moves = defaultdict(list)
    for row in (
        StateTransition.objects.filter(integration_id__in=ids, at__gt=start, at__lte=now)
        .order_by("-at")
        .values_list("integration_id", "at", "from_status")
    ):
        moves[row[0]].append((row[1], row[2]))
    return {pk: _share_up(current.get(pk, Status.UNKNOWN), moves[pk], start, now) for pk in ids}


def _share_up(status: str, moves: list, start: datetime, end: datetime) -> float | None:
    up = down = 0.0
    for at, before in moves:  # newest first: `status` held from `at` until `end`
        up, down = _tally(status, (end - at).total_seconds(), up, down)
        status, end = before, at
    up, down = _tally(status, (end - start).total_seconds(), up, down)
    return up / (up + down) if up + down else None


def _tally(status: str, seconds: float, up: float, down: float) -> tuple[float, float]:
    if status in UP:
        return up + seconds, down
    if status == Status.DOWN:
        return up, down + seconds
    return up, down


QUANTILES = (50, 95, 99)
RAW_LATENCY_WINDOW = timedelta(hours=1)  # finer than a rollup: read raw results


def latency(ids: list[int], window: timedelta, now: datetime | None = None) -> dict:
    """{id: {"count", "failures", "error_rate", "p50_ms", "p95_ms", "p99_ms"}}.

    Windows up to an hour: exact, from the raw results inside it. Longer ones: from the
    hourly rollups of the hours it touches, percentiles estimated from the merged
    histogram within the hours' smallest and largest latency (docs/slo.md).
    """
    now = now or timezone.now()
    if window <= RAW_LATENCY_WINDOW:
        return _latency_raw(ids, now - window, now)
    parts, totals = defaultdict(list), defaultdict(lambda: [0, 0])
    for pk, histogram, low, high, count, failures in CheckRollup.objects.filter(
        integration_id__in=ids, hour__gte=floor_hour(now - window)
    ).values_list("integration_id", "latency_histogram", "min_ms", "max_ms", "count", "failures"):
        parts[pk].append((histogram, low, high))
        totals[pk][0] += count
        totals[pk][1] += failures
    result = {}
    for pk in ids:
        merged = merge_histograms(histogram for histogram, _, _ in parts[pk])
        low, high = merge_bounds(parts[pk])
        result[pk] = _figures(*totals[pk])
        for q in QUANTILES:
            result[pk][f"p{q}_ms"] = _round(
                percentile(merged, q / 100, low=low, high=high), low, high
            )
    return result


def _latency_raw(ids: list[int], since: datetime, now: datetime) -> dict:
    values, totals = defaultdict(list), defaultdict(lambda: [0, 0])
    for pk, status, ms in CheckResult.objects.filter(
        integration_id__in=ids, checked_at__gt=since, checked_at__lte=now
    ).values_list("integration_id", "status", "latency_ms"):
        totals[pk][0] += 1
        totals[pk][1] += status == CheckResult.Status.FAIL
        if ms is not None:
            values[pk].append(ms)
    result = {}
    for pk in ids:
        result[pk] = _figures(*totals[pk])
        for q in QUANTILES:
            result[pk][f"p{q}_ms"] = _round(exact_percentile(values[pk], q / 100))
    return result


def _figures(count: int, failures: int) -> dict:
    return {
        "count": count,
        "failures": failures,
        "error_rate": failures / count if count else None,
    }


def _round(value: float | None, low: float | None = None, high: float | None = None):
    """To 0.1 ms, without the rounding stepping outside [low, high]."""
    return None if value is None else clamp(round(value, 1), low, high)


def open_incidents(ids: list[int]) -> dict[int, Incident]:
    """{integration id: the open incident to show and link}: its outage (cause down) if
    there is one, else the most severe, then the oldest. Each carries `worst_severity`,
    the most severe of all the integration's open incidents (what a card's status says)."""
    found = Incident.objects.filter(integration_id__in=ids, status__in=OPEN).order_by("opened_at")
    chosen: dict[int, Incident] = {}
    worst: dict[int, int] = {}
    for incident in found:
        pk = incident.integration_id
        worst[pk] = min(worst.get(pk, incident.severity), incident.severity)
        if pk not in chosen or _shown_first(incident) < _shown_first(chosen[pk]):
            chosen[pk] = incident
    for pk, incident in chosen.items():
        incident.worst_severity = worst[pk]
    return chosen


def _shown_first(incident: Incident) -> tuple:
    return (incident.cause != Incident.Cause.DOWN, incident.severity, incident.opened_at)


def error_groups(since: datetime, integration_id: int | None = None):
    """Failures grouped by fingerprint: count, first and last seen, a sample message."""
    query = CheckResult.objects.filter(checked_at__gte=since).exclude(fingerprint="")
    if integration_id:
        query = query.filter(integration_id=integration_id)
    return (
        query.values("fingerprint", "integration__slug", "error_class")
        .annotate(
            count=Count("pk"),
            first_seen=Min("checked_at"),
            last_seen=Max("checked_at"),
            sample=Max("message"),
        )
        .order_by("-last_seen")
    )


def rate_limits():
    return (
        IntegrationState.objects.select_related("integration")
        .filter(integration__enabled=True)
        .order_by(F("rate_limit_headroom").asc(nulls_last=True), "integration__slug")
    )


def integrations_with_state():
    return Integration.objects.select_related("state")


def dependency_slugs() -> dict[str, dict[int, list[str]]]:
    """{"depends_on": {id: [slug…]}, "dependants": {id: [slug…]}} for every integration, in
    two queries (cheaper than a related manager per row)."""
    names = dict(Integration.objects.values_list("pk", "slug"))
    down, up = edges()
    return {
        "depends_on": {pk: sorted(names[d] for d in targets) for pk, targets in down.items()},
        "dependants": {pk: sorted(names[d] for d in sources) for pk, sources in up.items()},
    }
