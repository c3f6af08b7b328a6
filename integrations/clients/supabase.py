"""Supabase client: PostgREST reads, counted reads and inserts, and GoTrue health.

Quirks (vendor-contracts.md §5; docs.postgrest.org pagination_count, errors):
- The `apikey` header goes on every route, health included (the API gateway
  checks it). New `sb_secret_…`/`sb_publishable_…` keys go in `apikey` only;
  a legacy JWT key is also sent as `Authorization: Bearer`.
- `Prefer: count=exact` answers `Content-Range: 0-24/3573458` (206 when partial).
- PostgREST errors are `{code, details, hint, message}`; the gateway in front
  answers `{message, hint}`. Both become the error detail.
- Do not probe `/rest/v1/` with a publishable key (403 since 2026-04-08).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from integrations.http import ContractBroken, HttpResult

from .base import VendorClient

READ_OK = {200, 206}


@dataclass(frozen=True)
class Page:
    rows: list[dict[str, Any]]
    total: int | None  # from Content-Range when counted, else None


class SupabaseClient(VendorClient):
    def headers(self, **extra: str) -> dict[str, str]:
        key = self.credentials.get("api_key", "")
        headers = {"apikey": key, "Accept": "application/json", **extra}
        if key.startswith("eyJ"):  # a legacy anon/service_role JWT
            headers["Authorization"] = f"Bearer {key}"
        return headers

    def auth_health(self) -> dict[str, Any]:
        """GoTrue's `/auth/v1/health` body (`{"version", "name", "description"}`)."""
        result = self.gateway.request(
            "GET",
            self.url("auth/v1/health"),
            headers=self.headers(),
            check=lambda r: r.json()["name"],
            describe=describe_error,
        )
        return result.json()

    def select(
        self,
        table: str,
        *,
        columns: str = "*",
        filters: dict[str, str] | None = None,
        order: str | None = None,
        limit: int | None = None,
        offset: int | None = None,
        count: bool = False,
    ) -> Page:
        """Rows of `table`; `filters` use PostgREST operators (`{"status": "eq.paid"}`).

        With `count`, `Page.total` is the exact count from `Content-Range`.
        """
        params: dict[str, Any] = {"select": columns, **(filters or {})}
        params |= {
            k: v
            for k, v in {"order": order, "limit": limit, "offset": offset}.items()
            if v is not None
        }
        headers = self.headers(Prefer="count=exact") if count else self.headers()
        result = self.gateway.request(
            "GET",
            self.url(f"rest/v1/{table}"),
            headers=headers,
            params=params,
            expect=READ_OK,
            check=_check_rows,
            describe=describe_error,
        )
        total = parse_content_range(result.headers.get("Content-Range")) if count else None
        return Page(list(result.json()), total)

    def count(self, table: str, *, filters: dict[str, str] | None = None) -> int:
        """The exact number of matching rows (reads at most one)."""
        page = self.select(table, filters=filters, limit=1, count=True)
        if page.total is None:
            raise ContractBroken(f"no count in Content-Range for {table}")
        return page.total

    def insert(self, table: str, rows: dict | list[dict]) -> list[dict[str, Any]]:
        """Insert one row or several (all or nothing); returns them as stored. Never retried."""
        result = self.gateway.request(
            "POST",
            self.url(f"rest/v1/{table}"),
            headers=self.headers(Prefer="return=representation"),
            json=rows,
            expect={201},
            check=_check_rows,
            describe=describe_error,
        )
        return list(result.json())


def parse_content_range(value: str | None) -> int | None:
    """The total from `0-24/3573458` or `*/0`; None for `*/*` or a missing header."""
    if not value or "/" not in value:
        return None
    total = value.rsplit("/", 1)[1].strip()
    return int(total) if total.isdigit() else None


def _check_rows(result: HttpResult) -> None:
    if not isinstance(result.json(), list):
        raise ContractBroken("PostgREST answer is not a list of rows", vendor_status=result.status)


def describe_error(result: HttpResult) -> str:
    """`code: message (details; hint)` from PostgREST or the API gateway's error JSON."""
    try:
        body = result.json()
    except ContractBroken:
        return " ".join(result.text.split())[:200]
    if not isinstance(body, dict):
        return str(body)[:200]
    parts = [p for p in (body.get("details"), body.get("hint")) if p]
    text = str(body.get("message") or body)
    if body.get("code"):
        text = f"{body['code']}: {text}"
    return (f"{text} ({'; '.join(map(str, parts))})" if parts else text)[:300]
