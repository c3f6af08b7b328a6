"""The analytics idea pool: ideas and experiments kept in the Supabase table `idea_pool`.

Reads and writes go through PostgREST with the Supabase client, so the
integration's mode decides where they land: the vendor sandbox in sandbox
mode, the real project in live mode (the approval-gated live flag). Every
vendor failure becomes an `IdeaPoolError` with a stable code, never a 500:

| Supabase answers                | HTTP | code                 |
|---------------------------------|------|----------------------|
| 401/403 (bad or missing key)    | 502  | `vendor_auth`        |
| 404 PGRST205, other 4xx, bad body | 502 | `vendor_contract`   |
| 409 23505 (duplicate key)       | 409  | `duplicate`          |
| 429                             | 503  | `vendor_throttled`   |
| 5xx, refused connection, open circuit | 503 | `vendor_unavailable` |
| no answer in time               | 504  | `vendor_timeout`     |
| missing integration or credential | 503 | `vendor_config`     |
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from approvals.audit import audit_record
from approvals.models import AuditEvent
from hotdash.errors import DomainError
from integrations.clients.supabase import SupabaseClient
from integrations.http import (
    AuthRejected,
    CallTimedOut,
    ConfigInvalid,
    ContractBroken,
    GatewayError,
    RequestRejected,
    Throttled,
)
from integrations.models import Integration

INTEGRATION_SLUG = "supabase"
DEFAULT_TABLE = "idea_pool"
STATUSES = ("proposed", "planned", "testing", "shipped", "rejected")
COLUMNS = "id,title,hypothesis,metric,status,owner,created_at"
ORDERINGS = {
    "created_at": "created_at.asc,id.asc",
    "-created_at": "created_at.desc,id.desc",
    "id": "id.asc",
    "-id": "id.desc",
    "title": "title.asc,id.asc",
    "-title": "title.desc,id.desc",
}


class IdeaPoolError(DomainError):
    """The idea pool could not be read or written; `code` says why (see the module table)."""

    def __init__(self, detail: str, *, code: str, http_status: int, extra: dict | None = None):
        super().__init__(detail, code=code, extra=extra)
        self.http_status = http_status


@dataclass(frozen=True)
class IdeaPage:
    rows: list[dict[str, Any]]
    total: int


# (error classes, vendor status or None for any, code, HTTP status, what the client reads)
_FAILURES = (
    (RequestRejected, 409, "duplicate", 409, "An idea with this key already exists"),
    (AuthRejected, None, "vendor_auth", 502, "Supabase refused the platform's API key"),
    (RequestRejected | ContractBroken, None, "vendor_contract", 502, "Supabase refused the call"),
    (CallTimedOut, None, "vendor_timeout", 504, "Supabase did not answer in time"),
    (Throttled, None, "vendor_throttled", 503, "Supabase is rate limiting us; retry later"),
    (ConfigInvalid, None, "vendor_config", 503, "The Supabase integration is misconfigured"),
    (GatewayError, None, "vendor_unavailable", 503, "Supabase is unavailable"),
)


def _failure(exc: GatewayError) -> IdeaPoolError:
    """The client-facing error for a Supabase failure (first matching row of _FAILURES)."""
    _, _, code, status, text = next(
        row for row in _FAILURES if isinstance(exc, row[0]) and row[1] in (None, exc.vendor_status)
    )
    extra = {"vendor_status": exc.vendor_status} if exc.vendor_status else {}
    if exc.retry_after is not None:
        extra["retry_after"] = exc.retry_after
    return IdeaPoolError(f"{text}: {exc.detail}", code=code, http_status=status, extra=extra)


def _client() -> tuple[SupabaseClient, str]:
    integration = Integration.objects.filter(slug=INTEGRATION_SLUG, enabled=True).first()
    if integration is None:
        raise IdeaPoolError(
            f"The {INTEGRATION_SLUG!r} integration is missing or disabled.",
            code="vendor_config",
            http_status=503,
        )
    table = str((integration.config or {}).get("idea_pool_table", DEFAULT_TABLE))
    return SupabaseClient(integration), table


def idea_list(
    *,
    limit: int,
    offset: int,
    status: str | None = None,
    owner: str | None = None,
    ordering: str = "-created_at",
) -> IdeaPage:
    """One page of ideas with the exact total (`Prefer: count=exact` → `Content-Range`).

    An offset past the end gives an empty page (PostgREST's 416 is absorbed).
    Raises IdeaPoolError.
    """
    filters = {k: f"eq.{v}" for k, v in (("status", status), ("owner", owner)) if v}
    try:
        client, table = _client()
        try:
            page = client.select(
                table,
                columns=COLUMNS,
                filters=filters,
                order=ORDERINGS[ordering],
                limit=limit,
                offset=offset,
                count=True,
            )
        except RequestRejected as exc:
            if exc.vendor_status != 416:  # PGRST103: the range starts past the last row
                raise
            return IdeaPage([], client.count(table, filters=filters))
    except GatewayError as exc:
        raise _failure(exc) from None
    if page.total is None:
        raise _failure(ContractBroken("no total in Content-Range"))
    return IdeaPage(page.rows, page.total)


def idea_create(*, actor, title: str, hypothesis: str, metric: str, status: str, owner: str):
    """Insert one idea and return the stored row; the attempt lands on the audit trail.

    actor: the request (or user) adding it. Raises IdeaPoolError.
    """
    row = {
        "title": title,
        "hypothesis": hypothesis,
        "metric": metric,
        "status": status,
        "owner": owner,
    }
    try:
        client, table = _client()
        stored = client.insert(table, row)[0]
    except (GatewayError, IdeaPoolError, IndexError) as exc:
        failure = _as_failure(exc)
        _audit(actor, row, "", AuditEvent.Outcome.FAILURE, f"{failure.code}: {failure.detail}")
        raise failure from None
    _audit(actor, stored, str(stored.get("id", "")), AuditEvent.Outcome.SUCCESS, "")
    return stored


def _as_failure(exc: Exception) -> IdeaPoolError:
    if isinstance(exc, IdeaPoolError):
        return exc
    if isinstance(exc, GatewayError):
        return _failure(exc)
    return _failure(ContractBroken("the insert returned no row"))


def _audit(actor, row: dict, row_id: str, outcome: str, reason: str) -> None:
    audit_record(
        actor=actor,
        verb="idea_pool.create",
        target=("supabase.idea_pool", row_id, str(row.get("title", ""))[:300]),
        changes={"after": row},
        outcome=outcome,
        reason=reason,
    )
