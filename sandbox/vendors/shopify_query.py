"""Shopify query helpers: GIDs, money, cursors/connections and the search `query:` syntax.

Search syntax: https://shopify.dev/docs/api/usage/search-syntax
(`created_at:>=2025-01-01 status:any`, `sku:HRAN-*`, comparators `: :> :>= :< :<=`).
Pagination: https://shopify.dev/docs/api/usage/pagination-graphql (max 250 per page).
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from ..data import CURRENCY
from ..schema.execute import FieldError

MAX_PAGE = 250
_TERM = re.compile(r"""(-?)(\w+):(>=|<=|>|<)?('[^']*'|"[^"]*"|\S+)|(\S+)""")


def gid(kind: str, ident: int | str) -> str:
    return f"gid://shopify/{kind}/{ident}"


def parse_gid(value: Any, kind: str) -> int:
    """The integer id in `gid://shopify/{kind}/{id}`. Raises FieldError otherwise."""
    match = re.fullmatch(rf"gid://shopify/{kind}/(\d+)(\?.*)?", str(value or ""))
    if not match:
        raise FieldError(f"Invalid global id '{value}'", "argumentLiteralsIncompatible")
    return int(match.group(1))


def ts(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if moment else None


def money(amount: Decimal) -> dict:
    """MoneyV2: the amount is a string, as Shopify sends it."""
    return {"__typename": "MoneyV2", "amount": f"{amount:.2f}", "currencyCode": CURRENCY}


def money_bag(amount: Decimal) -> dict:
    return {"__typename": "MoneyBag", "shopMoney": money(amount), "presentmentMoney": money(amount)}


def encode_cursor(ident: int) -> str:
    raw = json.dumps({"last_id": ident}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        return int(json.loads(base64.urlsafe_b64decode(padded))["last_id"])
    except (ValueError, KeyError, TypeError):
        raise FieldError(
            "Invalid cursor for current pagination sort.", "argumentLiteralsIncompatible"
        ) from None


def _page_bounds(ids: list[int], args: dict) -> tuple[int, int]:
    start, end = 0, len(ids)
    if args.get("after"):
        after = decode_cursor(args["after"])
        start = ids.index(after) + 1 if after in ids else len(ids)
    if args.get("before"):
        before = decode_cursor(args["before"])
        end = ids.index(before) if before in ids else end
    return start, max(start, end)


def connection(
    items: list, args: dict, typename: str, node: Callable[[Any], dict], ident: Callable[[Any], int]
) -> dict:
    """A Relay connection page over `items` (already filtered and sorted)."""
    first, last = args.get("first"), args.get("last")
    if first is None and last is None:
        raise FieldError("you must provide one of first or last", "argumentLiteralsIncompatible")
    for name, size in (("first", first), ("last", last)):
        if size is not None and not 0 <= size <= MAX_PAGE:
            raise FieldError(
                f"Argument '{name}' must be between 0 and {MAX_PAGE}, got {size}",
                "argumentLiteralsIncompatible",
            )
    ids = [ident(item) for item in items]
    start, end = _page_bounds(ids, args)
    lo, hi = start, end
    if first is not None:
        hi = min(end, start + first)
    if last is not None:
        lo = max(lo, hi - last)
    page = items[lo:hi]
    nodes = [node(item) for item in page]
    edges = [
        {"__typename": f"{typename}Edge", "cursor": encode_cursor(ident(item)), "node": n}
        for item, n in zip(page, nodes, strict=True)
    ]
    info = {
        "__typename": "PageInfo",
        "hasNextPage": hi < len(items),
        "hasPreviousPage": lo > 0,
        "startCursor": edges[0]["cursor"] if edges else None,
        "endCursor": edges[-1]["cursor"] if edges else None,
    }
    return {"__typename": f"{typename}Connection", "edges": edges, "nodes": nodes, "pageInfo": info}


@dataclass(frozen=True)
class Term:
    field: str | None  # None: free text
    op: str
    value: str
    negate: bool = False


def parse_search(text: str | None) -> list[Term]:
    """`created_at:>=2025-01-01 -status:cancelled hose` → terms (AND/OR words are dropped)."""
    terms = []
    for neg, name, op, value, free in _TERM.findall(text or ""):
        if free:
            if free.upper() not in ("AND", "OR"):
                terms.append(Term(None, ":", free.strip("'\"")))
            continue
        terms.append(Term(name.lower(), op or ":", value.strip("'\""), bool(neg)))
    return terms


def _as_datetime(text: str) -> datetime | None:
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            return datetime.combine(date.fromisoformat(text), datetime.min.time(), UTC)
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    except ValueError:
        return None


def _compare(actual: Any, op: str, wanted: str) -> bool:
    if isinstance(actual, datetime):
        other = _as_datetime(wanted)
        if other is None:
            return False
        if op == ":" and len(wanted) == 10:  # `created_at:2025-01-01` means that whole day
            return actual.date() == other.date()
        left, right = actual, other
    elif isinstance(actual, int | Decimal):
        try:
            left, right = Decimal(actual), Decimal(wanted)
        except ArithmeticError:
            return False
    else:
        values = actual if isinstance(actual, tuple) else (actual,)
        wanted = wanted.lower()
        if wanted.endswith("*"):
            return any(str(v).lower().startswith(wanted[:-1]) for v in values)
        return any(str(v).lower() == wanted for v in values)
    return {
        ":": left == right,
        ">": left > right,
        ">=": left >= right,
        "<": left < right,
        "<=": left <= right,
    }[op]


def search(
    items: Iterable,
    text: str | None,
    getters: dict[str, Callable[[Any], Any]],
    free_text: Callable[[Any], str] = str,
) -> list:
    """Items matching every term; unknown fields are ignored, as Shopify does."""
    terms = parse_search(text)
    out = []
    for item in items:
        ok = True
        for term in terms:
            if term.field is None:
                ok = term.value.lower() in free_text(item).lower()
            elif term.field in getters:
                ok = _compare(getters[term.field](item), term.op, term.value) != term.negate
            if not ok:
                break
        if ok:
            out.append(item)
    return out
