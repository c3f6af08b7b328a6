"""GA4 Data API `runReport`: request validation and aggregation over the seeded facts.

Request/response shape: googleapis `google/analytics/data/v1beta/data.proto` and
`analytics_data_api.proto` (vendor-contracts.md §4). Every value is a string,
`date` is YYYYMMDD; an empty report omits `rows` and `rowCount` (proto3 JSON
drops defaults; marked [!] in the contracts). Without `orderBys` rows are in
ascending order of their dimension values.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from decimal import Decimal

from .. import data

SCHEMA_DOC = "https://developers.google.com/analytics/devguides/reporting/data/v1/api-schema"
MAX_DIMENSIONS, MAX_METRICS, MAX_RANGES, MAX_LIMIT = 9, 10, 4, 250_000
_DIM_INDEX = {name: i for i, name in enumerate(data.DIMENSIONS)}


class ReportError(ValueError):
    """An INVALID_ARGUMENT (400) with Google's message text."""


def parse_date(text: object, today: date) -> date:
    """`YYYY-MM-DD`, `NdaysAgo`, `yesterday` or `today`. Raises ReportError."""
    text = str(text)
    if text == "today":
        return today
    if text == "yesterday":
        return today - timedelta(days=1)
    match = re.fullmatch(r"(\d+)daysAgo", text)
    if match:
        return today - timedelta(days=int(match.group(1)))
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            return date.fromisoformat(text)
    except ValueError:
        pass
    raise ReportError(
        f"Invalid date '{text}'. Dates must be YYYY-MM-DD, NdaysAgo, yesterday, or today."
    )


def _names(body: dict, key: str) -> list[str]:
    items = body.get(key) or []
    if not isinstance(items, list) or not all(
        isinstance(i, dict) and isinstance(i.get("name"), str) for i in items
    ):
        raise ReportError(f"Invalid {key}: every entry needs a name.")
    return [i["name"] for i in items]


def _ranges(body: dict, today: date) -> list[tuple[date, date]]:
    ranges = body.get("dateRanges")
    if not ranges or not isinstance(ranges, list):
        raise ReportError("A date range must be specified.")
    if len(ranges) > MAX_RANGES:
        raise ReportError(
            f"Requests are limited to {MAX_RANGES} date ranges; {len(ranges)} were requested."
        )
    out = []
    for item in ranges:
        if not isinstance(item, dict):
            raise ReportError("Invalid dateRanges entry.")
        start = parse_date(item.get("startDate"), today)
        end = parse_date(item.get("endDate"), today)
        if start > end:
            raise ReportError(
                f"The dateRange startDate ({start}) must not be after its endDate ({end})."
            )
        out.append((start, end))
    return out


def validate(body: dict, today: date) -> tuple[list[str], list[str], list[tuple[date, date]]]:
    """(dimensions, metrics, date ranges) of a runReport body. Raises ReportError."""
    dims, metrics = _names(body, "dimensions"), _names(body, "metrics")
    if len(dims) > MAX_DIMENSIONS:
        raise ReportError(
            f"Requests are limited to {MAX_DIMENSIONS} dimensions; {len(dims)} were requested."
        )
    if len(metrics) > MAX_METRICS:
        raise ReportError(
            f"Requests are limited to {MAX_METRICS} metrics; {len(metrics)} were requested."
        )
    if not dims and not metrics:
        raise ReportError("Requests must have at least one dimension or metric.")
    for kind, names, known in (("dimension", dims, _DIM_INDEX), ("metric", metrics, data.METRICS)):
        for name in names:
            if name not in known:
                raise ReportError(
                    f"Field {name} is not a valid {kind}. For a list of valid "
                    f"dimensions and metrics, see {SCHEMA_DOC} "
                )
    for key in ("limit", "offset"):
        value = body.get(key, 0)
        if not isinstance(value, int | str) or not str(value).isdigit():
            raise ReportError(f"{key} must be a non-negative integer, got {value!r}.")
    return dims, metrics, _ranges(body, today)


def token_cost(dims: list[str], ranges: list[tuple[date, date]]) -> int:
    """Quota tokens one report costs: grows with dimensions and with the days covered."""
    days = sum((end - start).days + 1 for start, end in ranges)
    return 1 + len(dims) // 3 + days // 90


def _format(name: str, value: Decimal) -> str:
    if data.METRICS[name] == "TYPE_CURRENCY":
        text = f"{value:.2f}".rstrip("0").rstrip(".")
        return text or "0"
    return str(int(value))


def _aggregate(dims, metrics, ranges, seed: int, now: datetime) -> dict[tuple, list[Decimal]]:
    groups: dict[tuple, list[Decimal]] = {}
    for index, (start, end) in enumerate(ranges):
        day = start
        while day <= end:
            for fact in data.facts_for_day(day, seed, now):
                key = tuple(fact.dims[_DIM_INDEX[d]] for d in dims)
                if len(ranges) > 1:
                    key += (f"date_range_{index}",)
                sums = groups.setdefault(key, [Decimal(0)] * len(metrics))
                for i, metric in enumerate(metrics):
                    sums[i] += fact.metrics[metric]
            day += timedelta(days=1)
    return {k: v for k, v in groups.items() if not metrics or any(v)}


def _order(rows: list[tuple], body: dict, dims: list[str], metrics: list[str]) -> list[tuple]:
    rows = sorted(rows, key=lambda kv: kv[0])
    for spec in reversed(body.get("orderBys") or []):
        desc = bool(spec.get("desc"))
        if "metric" in spec and spec["metric"].get("metricName") in metrics:
            i = metrics.index(spec["metric"]["metricName"])
            rows.sort(key=lambda kv, i=i: kv[1][i], reverse=desc)
        elif "dimension" in spec and spec["dimension"].get("dimensionName") in dims:
            i = dims.index(spec["dimension"]["dimensionName"])
            rows.sort(key=lambda kv, i=i: kv[0][i], reverse=desc)
    return rows


def run_report(body: dict, seed: int, now: datetime) -> tuple[dict, int]:
    """(response without propertyQuota, token cost). Raises ReportError for a bad request."""
    dims, metrics, ranges = validate(body, now.date())
    grouped = _aggregate(dims, metrics, ranges, seed, now)
    rows = _order(list(grouped.items()), body, dims, metrics)
    offset = int(body.get("offset") or 0)
    limit = min(int(body.get("limit") or 10_000), MAX_LIMIT)
    headers = dims + (["dateRange"] if len(ranges) > 1 else [])
    report: dict = {
        "dimensionHeaders": [{"name": d} for d in headers],
        "metricHeaders": [{"name": m, "type": data.METRICS[m]} for m in metrics],
    }
    page = rows[offset : offset + limit]
    if page:
        report["rows"] = [
            {
                "dimensionValues": [{"value": v} for v in key],
                "metricValues": [
                    {"value": _format(m, s)} for m, s in zip(metrics, sums, strict=True)
                ],
            }
            for key, sums in page
        ]
    if rows:
        report["rowCount"] = len(rows)
    report["metadata"] = {"currencyCode": data.CURRENCY, "timeZone": data.TIMEZONE}
    report["kind"] = "analyticsData#runReport"
    return report, token_cost(dims, ranges)
