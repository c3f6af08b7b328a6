"""Supabase tables served by the sandbox's PostgREST, and the PostgREST query subset.

Filters: `col=eq.X` (eq neq gt gte lt lte like ilike is in), `select=a,b`,
`order=col.desc.nullslast,col2`, `limit`, `offset`
(https://docs.postgrest.org/en/stable/references/api/tables_views.html).
Errors carry the four keys code/details/hint/message (docs.postgrest.org errors).
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from .. import data


class PostgrestError(Exception):
    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        details: str | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.body = {"code": code, "details": details, "hint": hint, "message": message}


@dataclass(frozen=True)
class Table:
    name: str
    columns: dict[str, str]  # name → PostgreSQL type
    required: tuple[str, ...]
    writable: bool


TABLES = {
    "idea_pool": Table(
        "idea_pool",
        {
            "id": "bigint",
            "title": "text",
            "hypothesis": "text",
            "metric": "text",
            "status": "text",
            "owner": "text",
            "created_at": "timestamptz",
        },
        ("title",),
        True,
    ),
    "kb_gold_replies": Table(
        "kb_gold_replies",
        {
            "id": "bigint",
            "conversation_id": "bigint",
            "question": "text",
            "reply": "text",
            "approved_by": "text",
            "created_at": "timestamptz",
        },
        ("question", "reply"),
        True,
    ),
    "orders_snapshot": Table(
        "orders_snapshot",
        {"day": "date", "orders_count": "integer", "revenue": "numeric", "currency": "text"},
        (),
        False,
    ),
}
_EPOCH = datetime(2026, 1, 5, 16, 0, tzinfo=UTC)
_IDEAS = [
    (
        "Free shipping threshold at $149",
        "Raising the threshold lifts AOV without hurting conversion",
        "average_order_value",
        "testing",
        "maria",
    ),
    (
        "E85 compatibility badge on hose pages",
        "A badge answers the top pre-sale question",
        "conversion_rate",
        "proposed",
        "dana",
    ),
    (
        "Bundle AN fittings with PTFE hose",
        "Bundles cut support questions about fitting sizes",
        "attach_rate",
        "proposed",
        "marcus",
    ),
    (
        "Carburetor tuning video series",
        "Tech content brings organic search traffic",
        "organic_sessions",
        "shipped",
        "priya",
    ),
    (
        "Back-in-stock emails for fuel pumps",
        "Pumps sell out; alerts recover lost demand",
        "recovered_revenue",
        "testing",
        "dana",
    ),
]


def seed_rows(table: str, seed: int, now: datetime) -> list[dict]:
    """The rows a table starts with (orders_snapshot is recomputed from the orders)."""
    if table == "idea_pool":
        return [
            {
                "id": i + 1,
                "title": t,
                "hypothesis": h,
                "metric": m,
                "status": s,
                "owner": o,
                "created_at": (_EPOCH + timedelta(days=7 * i)).isoformat(),
            }
            for i, (t, h, m, s, o) in enumerate(_IDEAS)
        ]
    if table == "kb_gold_replies":
        return [
            {
                "id": i + 1,
                "conversation_id": 1000 + i,
                "question": q,
                "reply": r,
                "approved_by": "dana",
                "created_at": (_EPOCH + timedelta(days=i)).isoformat(),
            }
            for i, (q, r) in enumerate(list(data.TOPICS.values())[:4])
        ]
    days = [now.date() - timedelta(days=n) for n in range(30, -1, -1)]
    return [
        {
            "day": d.isoformat(),
            "orders_count": len(orders := data.orders_for_day(d, seed, now)),
            "revenue": float(sum((o.total for o in orders), Decimal(0))),
            "currency": data.CURRENCY,
        }
        for d in days
    ]


def coerce(table: Table, column: str, value: Any) -> Any:
    """A value converted to the column's type. Raises PostgrestError 22P02."""
    kind = table.columns[column]
    if value is None:
        return None
    try:
        if kind in ("bigint", "integer"):
            if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
                raise ValueError
            return int(value)
        if kind == "numeric":
            return float(Decimal(str(value)))
        if kind == "timestamptz":
            parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
            return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).isoformat()
        return str(value) if kind in ("text", "date") else value
    except (ValueError, ArithmeticError):
        raise PostgrestError(
            400, "22P02", f'invalid input syntax for type {kind}: "{value}"'
        ) from None


def _column(table: Table, name: str) -> str:
    if name not in table.columns:
        raise PostgrestError(400, "42703", f"column {table.name}.{name} does not exist")
    return name


def _match(op: str, actual: Any, raw: str, table: Table, column: str) -> bool:
    if op == "is":
        wanted = {"null": None, "true": True, "false": False}.get(raw.lower(), raw)
        return actual is wanted or actual == wanted
    if op == "in":
        items = [
            coerce(table, column, v.strip().strip('"')) for v in raw.strip("()").split(",") if v
        ]
        return actual in items
    if op in ("like", "ilike"):
        pattern = raw.replace("%", "*")
        text, pattern = (
            (str(actual), pattern) if op == "like" else (str(actual).lower(), pattern.lower())
        )
        return actual is not None and fnmatch.fnmatchcase(text, pattern)
    wanted = coerce(table, column, raw)
    if actual is None:
        return False
    return {
        "eq": actual == wanted,
        "neq": actual != wanted,
        "gt": actual > wanted,
        "gte": actual >= wanted,
        "lt": actual < wanted,
        "lte": actual <= wanted,
    }[op]


_OPS = ("eq", "neq", "gt", "gte", "lt", "lte", "like", "ilike", "is", "in")
RESERVED = ("select", "order", "limit", "offset", "on_conflict", "columns", "apikey")


def apply_filters(table: Table, rows: list[dict], query: dict[str, list[str]]) -> list[dict]:
    """Rows passing every `col=op.value` filter (`not.` negates). Raises PostgrestError."""
    for column, values in query.items():
        if column in RESERVED:
            continue
        _column(table, column)
        for raw in values:
            negate = raw.startswith("not.")
            op, _, value = raw.removeprefix("not.").partition(".")
            if op not in _OPS:
                raise PostgrestError(
                    400,
                    "PGRST100",
                    f'"failed to parse filter ({raw})" (line 1, column 1)',
                    f'unexpected "{op[:1]}" expecting operator',
                )
            rows = [r for r in rows if _match(op, r.get(column), value, table, column) != negate]
    return rows


def apply_order(table: Table, rows: list[dict], order: str | None) -> list[dict]:
    for term in reversed([t for t in (order or "").split(",") if t]):
        column, *mods = term.split(".")
        _column(table, column)
        desc, nulls_first = (
            "desc" in mods,
            "nullsfirst" in mods or ("desc" in mods and "nullslast" not in mods),
        )
        present = sorted(
            (r for r in rows if r.get(column) is not None), key=lambda r: r[column], reverse=desc
        )
        missing = [r for r in rows if r.get(column) is None]
        rows = missing + present if nulls_first else present + missing
    return rows


def apply_select(table: Table, rows: list[dict], select: str | None) -> list[dict]:
    if not select or select.strip() == "*":
        return rows
    columns = []
    for part in select.split(","):
        part = part.strip()
        alias, _, name = part.rpartition(":")
        columns.append((alias or name, _column(table, re.sub(r"::\w+$", "", name))))
    return [{alias: r.get(name) for alias, name in columns} for r in rows]
