"""CSV exports of check history and incidents for a window, streamed row by row."""

from __future__ import annotations

import csv
from collections.abc import Iterator

CHECK_COLUMNS = [
    "integration",
    "checked_at",
    "status",
    "latency_ms",
    "lag_ms",
    "http_status",
    "error_class",
    "message",
]
INCIDENT_COLUMNS = [
    "id",
    "integration",
    "cause",
    "severity",
    "status",
    "title",
    "caused_by",
    "opened_at",
    "acknowledged_at",
    "resolved_at",
    "downtime_seconds",
]


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv(header: list[str], rows) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow(header)
    for row in rows:
        yield writer.writerow(["" if value is None else _safe(value) for value in row])


def _safe(value):
    """Defuse spreadsheet formulas in free text (CSV injection)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


def checks_csv(queryset) -> Iterator[str]:
    rows = (
        queryset.order_by("checked_at")
        .values_list("integration__slug", *CHECK_COLUMNS[1:])
        .iterator(chunk_size=2000)
    )
    return _csv(CHECK_COLUMNS, rows)


def incidents_csv(queryset) -> Iterator[str]:
    rows = (
        queryset.order_by("opened_at")
        .values_list(
            "id",
            "integration__slug",
            "cause",
            "severity",
            "status",
            "title",
            "caused_by__slug",
            "opened_at",
            "acknowledged_at",
            "resolved_at",
            "downtime_seconds",
        )
        .iterator(chunk_size=2000)
    )
    return _csv(INCIDENT_COLUMNS, rows)
