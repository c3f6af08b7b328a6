"""Credentials: which required environment variables are set (names only, never values),
which expire soon, and which the vendor has revoked.

- Presence: every role in `Integration.credential_env`. Missing in live mode is a
  critical finding; in sandbox mode it is only shown (the sandbox needs none).
- Expiry, where known: `config["credential_expires"][role]` (an ISO date an operator
  enters, e.g. for a Shopify token with an expiry), or the `exp` claim of a value that
  is a JWT (Supabase keys, some MCP tokens) — read in memory at evaluation time,
  never stored. Warned CREDENTIAL_WARN_DAYS ahead, critical CREDENTIAL_CRITICAL_DAYS.
- Revoked / uninstalled: probes failing with `auth` until the integration went down,
  or a Shopify `app/uninstalled` webhook after the last good probe. The health state
  machine still says `down` (that is what the dashboard is built on); the credential
  state says `revoked`, with a finding of its own kind, so nobody restarts a healthy
  service to fix a revoked key.
"""

from __future__ import annotations

import base64
import json
import os
from datetime import UTC, date, datetime

from integrations.models import Integration, IntegrationState, WebhookEvent
from monitoring.conf import knob
from monitoring.models import Finding
from monitoring.services.findings import finding_raise, findings_settle

AUTH = "auth"


def jwt_expiry(value: str) -> date | None:
    """The `exp` of a JWT-shaped value (signature not checked), or None."""
    parts = value.split(".")
    if len(parts) != 3:
        return None
    try:
        claims = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
        return datetime.fromtimestamp(int(claims["exp"]), UTC).date()
    except (ValueError, KeyError, TypeError, OverflowError):
        return None


def configured_expiry(integration: Integration, role: str) -> date | None:
    raw = ((integration.config or {}).get("credential_expires") or {}).get(role)
    try:
        return date.fromisoformat(str(raw)[:10]) if raw else None
    except ValueError:
        return None


def revoked(integration: Integration) -> str:
    """Why the integration's credentials look revoked ('' when they do not)."""
    state = getattr(integration, "state", None)
    if state is None:
        return ""
    if (
        state.last_error_class == AUTH
        and state.status == IntegrationState.Status.DOWN
        and state.consecutive_failures >= integration.failures_before_down
    ):
        return f"the vendor refuses the credentials ({state.last_message[:120]})"
    if integration.kind == Integration.Kind.SHOPIFY:
        uninstalled = WebhookEvent.objects.filter(source="shopify", topic="app/uninstalled")
        if state.last_success_at:
            uninstalled = uninstalled.filter(received_at__gt=state.last_success_at)
        if uninstalled.exists():
            return "Shopify sent app/uninstalled"
    return ""


def credential_report(integration: Integration, *, today: date | None = None) -> dict:
    """{"state": ok|missing|expiring|expired|revoked, "credentials": [per role]} — names,
    presence and expiry only."""
    today = today or datetime.now(UTC).date()
    rows, warn = [], int(knob("CREDENTIAL_WARN_DAYS"))
    for role, variable in sorted((integration.credential_env or {}).items()):
        value = os.environ.get(variable, "").strip()
        expires = configured_expiry(integration, role) or (jwt_expiry(value) if value else None)
        rows.append(
            {
                "role": role,
                "variable": variable,
                "present": bool(value),
                "expires": expires.isoformat() if expires else None,
                "days_left": (expires - today).days if expires else None,
            }
        )
    state = "ok"
    live = integration.mode == Integration.Mode.LIVE
    days = [r["days_left"] for r in rows if r["days_left"] is not None]
    if days and min(days) <= warn:
        state = "expired" if min(days) < 0 else "expiring"
    if live and any(not r["present"] for r in rows):
        state = "missing"
    why = revoked(integration)
    if why:
        state = "revoked"
    return {"state": state, "revoked_because": why, "credentials": rows, "live": live}


def credentials_evaluate(now: datetime) -> int:
    seen: dict[str, set] = {Finding.Kind.CREDENTIAL: set(), Finding.Kind.REVOKED: set()}
    critical = int(knob("CREDENTIAL_CRITICAL_DAYS"))
    for integration in Integration.objects.enabled().select_related("state"):
        report = credential_report(integration, today=now.date())
        if report["state"] == "revoked":
            key = integration.slug
            seen[Finding.Kind.REVOKED].add(key)
            finding_raise(
                kind=Finding.Kind.REVOKED,
                key=key,
                integration=integration,
                severity="critical",
                title=f"{integration.name}: credentials revoked or app uninstalled",
                detail=f"{report['revoked_because']}. Re-issue the credential; restarting will not help.",
                now=now,
            )
        for row in report["credentials"]:
            problem = _problem(row, report["live"], critical)
            if problem is None:
                continue
            key = f"{integration.slug}:{row['role']}"
            seen[Finding.Kind.CREDENTIAL].add(key)
            finding_raise(
                kind=Finding.Kind.CREDENTIAL,
                key=key,
                integration=integration,
                severity=problem[0],
                title=f"{integration.name}: {row['variable']} {problem[1]}",
                data={k: row[k] for k in ("role", "variable", "present", "expires", "days_left")},
                now=now,
            )
    for kind, keys in seen.items():
        findings_settle(kind=kind, seen=keys, now=now)
    return sum(len(keys) for keys in seen.values())


def _problem(row: dict, live: bool, critical_days: int) -> tuple[str, str] | None:
    if live and not row["present"]:
        return "critical", "is not set (live mode needs it)"
    days = row["days_left"]
    if days is None or days > int(knob("CREDENTIAL_WARN_DAYS")):
        return None
    if days < 0:
        return "critical", f"expired on {row['expires']}"
    return ("critical" if days <= critical_days else "warning"), f"expires in {days} days"
