"""Switching an integration between the vendor sandbox and the real vendor.

    integrations.switch_live     (live, 1 approval)  sandbox → live, credentials required
    integrations.switch_sandbox  (safe)              live → sandbox: stopping is always allowed

Both set `Integration.mode`, the one record of live vs sandbox, and audit the
change in the same transaction; both reset the integration's vendor state (a pause
the vendor asked for, its rate-limit report, the circuit) and bring its probe forward. Credentials are checked for presence only: their
values are never read into a message, a log line or the audit trail.
"""

from __future__ import annotations

import os

from django.db import transaction

from approvals import registry
from approvals.audit import Actor, audit_record
from hotdash.errors import NotFound, ValidationFailed
from integrations.http.state import vendor_state_reset
from integrations.models import Integration

EXECUTOR = Actor.system("approvals-executor")

SLUG_SCHEMA = {
    "type": "object",
    "properties": {"slug": {"type": "string", "pattern": r"^[-a-zA-Z0-9_]{1,80}$"}},
    "required": ["slug"],
    "additionalProperties": False,
}


def credentials_missing(integration: Integration) -> list[str]:
    """The NAMES of credential variables absent (or blank) in this process's environment."""
    names = sorted((integration.credential_env or {}).values())
    return [name for name in names if not os.environ.get(name, "").strip()]


def _integration(slug: str) -> Integration:
    integration = Integration.objects.filter(slug=slug).first()
    if integration is None:
        raise NotFound(f"No integration {slug!r}.")
    return integration


def _snapshot(integration: Integration) -> dict:
    return {
        "mode": integration.mode,
        "credential_env": sorted((integration.credential_env or {}).values()),
        # The approval binds to where the calls will go: an edit after the request is a
        # payload change (409 at decision, `conflict` at execution).
        "base_url": integration.base_url,
        "config": integration.config,
    }


def switch_live_precondition(params: dict) -> dict:
    """Refuses (400) unless the integration is in sandbox and every credential variable is set."""
    integration = _integration(params["slug"])
    if integration.mode == Integration.Mode.LIVE:
        raise ValidationFailed(f"{integration.slug} is already live.", code="already_live")
    missing = credentials_missing(integration)
    if missing:
        raise ValidationFailed(
            f"{integration.slug} cannot go live: {', '.join(missing)} not set in the environment.",
            code="credentials_missing",
            extra={"missing": missing},
        )
    return _snapshot(integration)


def switch_sandbox_precondition(params: dict) -> dict:
    return _snapshot(_integration(params["slug"]))


def _switch(slug: str, mode: str, reason: str) -> dict:
    """Set the mode and audit it; both or neither. The vendor state is reset with it: a
    pause, a rate-limit report or an open circuit of one side never holds the other."""
    live = mode == Integration.Mode.LIVE
    with transaction.atomic():
        integration = Integration.objects.select_for_update().get(slug=slug)
        if live and credentials_missing(integration):
            raise registry.ActionFailed(f"{slug}: credential variables are not all set.")
        before = integration.mode
        Integration.objects.filter(pk=integration.pk).update(mode=mode)
        vendor_state_reset(integration.pk)
        audit_record(
            actor=EXECUTOR,
            verb="integration.mode_changed",
            target=integration,
            changes={"mode": {"before": before, "after": mode}},
            reason=reason,
        )
    return {"slug": slug, "mode": mode}


def switch_live_perform(params: dict, idempotency_key: str) -> dict:
    return _switch(params["slug"], Integration.Mode.LIVE, f"approved ({idempotency_key})")


def switch_sandbox_perform(params: dict, idempotency_key: str) -> dict:
    return _switch(params["slug"], Integration.Mode.SANDBOX, f"requested ({idempotency_key})")


def _summary(to_mode: str):
    """The approver's rows. `destination` is where calls will go after the switch: the
    live URL bound by the snapshot (an edit since is a conflict), or the vendor sandbox."""

    def rows(params: dict, before: dict) -> list[tuple[str, str]]:
        names = ", ".join(before.get("credential_env", [])) or "none needed"
        live = to_mode == Integration.Mode.LIVE
        destination = (before.get("base_url") or "?") if live else "the vendor sandbox"
        return [
            ("integration", params["slug"]),
            ("mode", f"{before.get('mode', '?')} → {to_mode}"),
            ("destination", destination),
            ("credential variables", names),
        ]

    return rows


def register() -> None:
    """Register both actions."""
    common = {
        "schema": SLUG_SCHEMA,
        "target": lambda p: f"integrations.Integration:{p['slug']}",
        "integration": lambda p: p["slug"],
        "replace": True,
    }
    registry.register(
        "integrations.switch_live",
        risk=registry.LIVE,
        required_approvals=1,
        perform=switch_live_perform,
        precondition=switch_live_precondition,
        summary=_summary("live"),
        description="Talk to the real vendor: needs every credential variable set.",
        **common,
    )
    registry.register(
        "integrations.switch_sandbox",
        risk=registry.SAFE,
        perform=switch_sandbox_perform,
        precondition=switch_sandbox_precondition,
        summary=_summary("sandbox"),
        bypasses_kill_switches=True,  # going back to the sandbox stops live traffic
        description="Back to the vendor sandbox (no approval: stopping is always allowed).",
        **common,
    )
