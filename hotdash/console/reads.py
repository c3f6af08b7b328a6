"""Reads for the integration and incident pages.

Charts over 24 h, 7 d and 30 d come from the hourly rollups, merged into slots
(1 h, 6 h, 1 day) with the rollups' own histogram arithmetic, kept inside each slot's
smallest and largest latency. One hour is finer than a rollup, so the 1 h window is
drawn from raw results (at most a few hundred rows, always within retention) in
5-minute slots, with exact percentiles.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone

from approvals.selectors import approval_request_list_for_incident
from integrations.dependencies import affected_ids, edges, upstream_ids
from integrations.models import Integration
from integrations.tiles.selectors import tile_list
from monitoring.models import CheckResult, CheckRollup, Incident
from monitoring.rollups import (
    exact_percentile,
    floor_hour,
    merge_bounds,
    merge_histograms,
    percentile,
)

# window → (slot length, slot count)
SLOTS = {
    "1h": (timedelta(minutes=5), 12),
    "24h": (timedelta(hours=1), 24),
    "7d": (timedelta(hours=6), 28),
    "30d": (timedelta(days=1), 30),
}
LABEL_FORMAT = {"1h": "%H:%M", "24h": "%H:00", "7d": "%a %H:00", "30d": "%b %d"}
RECENT_CHECKS = 25
HISTORY_CHECKS = 200


@dataclass
class Slot:
    start: datetime
    label: str
    count: int = 0
    failures: int = 0
    p50_ms: float | None = None
    p95_ms: float | None = None

    @property
    def error_rate(self) -> float | None:
        return self.failures / self.count if self.count else None


def _empty_slots(window: str, now: datetime) -> tuple[list[Slot], timedelta]:
    step, count = SLOTS[window]
    if window == "1h":
        end = now.replace(second=0, microsecond=0) - timedelta(minutes=now.minute % 5) + step
    else:
        end = floor_hour(now) + timedelta(hours=1)
    start = end - step * count
    fmt = LABEL_FORMAT[window]
    return [Slot(start + step * i, (start + step * i).strftime(fmt)) for i in range(count)], step


def window_slots(integration_id: int, window: str, now: datetime | None = None) -> list[Slot]:
    """Count, failures and p50/p95 latency per slot of `window` (a key of SLOTS)."""
    slots, step = _empty_slots(window, now or timezone.now())
    first = slots[0].start
    parts: list[list] = [[] for _ in slots]  # raw latencies (1 h), else rollup parts
    if window == "1h":
        rows = CheckResult.objects.filter(
            integration_id=integration_id, checked_at__gte=first
        ).values_list("checked_at", "status", "latency_ms")
        for at, status, latency in rows:
            _add_raw(slots, parts, int((at - first) / step), status, latency)
        for slot, latencies in zip(slots, parts, strict=True):
            slot.p50_ms = exact_percentile(latencies, 0.5)
            slot.p95_ms = exact_percentile(latencies, 0.95)
        return slots
    rows = CheckRollup.objects.filter(integration_id=integration_id, hour__gte=first).values_list(
        "hour", "count", "failures", "latency_histogram", "min_ms", "max_ms"
    )
    for hour, count, failures, histogram, low, high in rows:
        index = int((hour - first) / step)
        if 0 <= index < len(slots):
            slots[index].count += count
            slots[index].failures += failures
            parts[index].append((histogram, low, high))
    for slot, hours in zip(slots, parts, strict=True):
        merged = merge_histograms(histogram for histogram, _, _ in hours)
        low, high = merge_bounds(hours)
        slot.p50_ms = percentile(merged, 0.5, low=low, high=high)
        slot.p95_ms = percentile(merged, 0.95, low=low, high=high)
    return slots


def _add_raw(slots, parts, index: int, status: str, latency: float | None) -> None:
    if not 0 <= index < len(slots):
        return
    slots[index].count += 1
    slots[index].failures += status == CheckResult.Status.FAIL
    if latency is not None:
        parts[index].append(latency)


def neighbours(integration: Integration) -> dict[str, list[Integration]]:
    """Direct and transitive dependencies both ways, with their states."""
    down, up = edges()
    ids = {
        "depends_on": sorted(down.get(integration.pk, ())),
        "upstream": upstream_ids(integration.pk),
        "dependants": sorted(up.get(integration.pk, ())),
        "affected": affected_ids(integration.pk),
    }
    wanted = {pk for group in ids.values() for pk in group}
    found = Integration.objects.select_related("state").in_bulk(wanted)
    return {name: [found[pk] for pk in group if pk in found] for name, group in ids.items()}


def recent_checks(integration: Integration, limit: int = RECENT_CHECKS):
    return list(CheckResult.objects.filter(integration=integration).order_by("-checked_at")[:limit])


def check_history(integration: Integration, limit: int = HISTORY_CHECKS) -> list[dict]:
    """The newest results' details, oldest first: what rate-limit and deprecation read."""
    rows = (
        CheckResult.objects.filter(integration=integration)
        .order_by("-checked_at")
        .values("checked_at", "details")[:limit]
    )
    return list(reversed(rows))


def headroom_history(history: list[dict]) -> list[tuple[datetime, float]]:
    """(checked_at, headroom 0..1) for the results that reported one."""
    return [
        (row["checked_at"], float(row["details"]["headroom"]))
        for row in history
        if isinstance(row["details"], dict) and row["details"].get("headroom") is not None
    ]


def deprecations(history: list[dict]) -> list[dict]:
    """Each distinct deprecation signal in recent results, with when it was last seen."""
    seen: dict[str, datetime] = {}
    for row in history:
        details = row["details"] if isinstance(row["details"], dict) else {}
        notes = list(details.get("deprecations") or [])
        status = details.get("api_version_status")
        if status and status != "current":
            notes.append(f"API version status: {status}")
        for note in notes:
            seen[str(note)] = row["checked_at"]
    return [{"text": text, "last_seen": at} for text, at in seen.items()]


def affected_tiles(integration: Integration) -> list[dict]:
    """The tiles computed from this integration, as the tiles API serves them."""
    return [
        tile
        for tile in tile_list()
        if integration.slug in {s["integration"] for s in tile["sources"]}
    ]


def incident_requests(incident: Incident):
    """Approval requests made for this incident (recovery steps record it in their context)."""
    return approval_request_list_for_incident(incident_id=incident.pk)
