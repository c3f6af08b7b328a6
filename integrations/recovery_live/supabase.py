"""`supabase.project_resume` (live, 1 approval): restore a paused Supabase project through
the Management API (`POST /v1/projects/{ref}/restore`, supabase.com/docs/reference/api).

The project is `config["project_ref"]` of the Supabase integration; the
Management API token is read from the variable `config["management_token_env"]`
(default SUPABASE_ACCESS_TOKEN), a personal access token, not the data API key.

The precondition reads the project's status: only a paused (INACTIVE) project
may be resumed, and the status is bound into the approval, so a project that
came back (or was restored by someone else) before execution is a conflict and
is never restored twice. Supabase takes no idempotency key; after a lost
answer, `reconcile` reads the status back (RESTORING, COMING_UP, ACTIVE_*: done).
"""

from __future__ import annotations

import re

from approvals import registry
from hotdash.errors import ValidationFailed
from integrations.clients.platform import platform_base_url
from integrations.clients.supabase_mgmt import (
    PAUSED,
    RESTORED,
    SUPABASE_MGMT,
    SupabaseManagementClient,
)
from integrations.models import Integration
from integrations.selectors import integration_by_slug

from .common import as_failure, read, register_live, token_present, vendor_call, where

PROJECT_REF = re.compile(r"^[a-z0-9]{1,40}$")
DEFAULT_TOKEN_ENV = "SUPABASE_ACCESS_TOKEN"
# The precondition's read runs again when a person approves, under the request's row
# lock (on SQLite, the database's write lock): keep it short.
PRECONDITION_TIMEOUT_S = 5.0


def project_of(integration: Integration) -> dict:
    """`{"project_ref", "token_env"}` from config; 400 `project_ref_missing` without a ref."""
    config = integration.config or {}
    ref = str(config.get("project_ref") or "")
    if not PROJECT_REF.fullmatch(ref):
        raise ValidationFailed(
            f"{integration.slug} has no Supabase project: set config.project_ref "
            "(the <ref> of https://<ref>.supabase.co).",
            code="project_ref_missing",
        )
    return {"project_ref": ref, "token_env": str(config.get("management_token_env") or "")}


def _checked(
    integration: Integration, timeout_s: float | None = None
) -> tuple[SupabaseManagementClient, str]:
    """The client and project ref; refusals (400) before anything is sent."""
    project = project_of(integration)
    token_env = project["token_env"] or DEFAULT_TOKEN_ENV
    token_present(integration, token_env)
    client = SupabaseManagementClient(integration, token_env=token_env, timeout_s=timeout_s)
    return client, project["project_ref"]


def precondition(params: dict) -> dict:
    """Mode, project and its status, which must be INACTIVE (400 `not_paused` otherwise).
    Reads the Management API: when it cannot be read, nothing is approved or executed."""
    integration = integration_by_slug(params["slug"])
    client, ref = _checked(integration, PRECONDITION_TIMEOUT_S)
    status = client.status(ref)
    if status != PAUSED:
        raise ValidationFailed(
            f"Supabase project {ref} is {status}, not paused: there is nothing to resume.",
            code="not_paused",
        )
    return {
        "integration": integration.slug,
        "mode": integration.mode,
        "project_ref": ref,
        "status": status,
    }


def perform(params: dict, idempotency_key: str) -> dict:
    """Ask for the restore. Refused or unsent → ActionFailed; sent, no answer → OutcomeUnknown."""
    integration = integration_by_slug(params["slug"])
    client, ref = as_failure(lambda: _checked(integration))
    answer = vendor_call(lambda: client.restore(ref))
    return {"project_ref": ref, "status_before": PAUSED, "answer": answer}


def reconcile(params: dict, idempotency_key: str) -> dict | None:
    """Read the status back: INACTIVE → not performed; restoring or active → performed;
    anything else (or no answer) → None, for a person to settle."""
    integration = integration_by_slug(params["slug"])
    try:
        client, ref = as_failure(lambda: _checked(integration))
        status = read(lambda: client.status(ref), "reading the project")
    except registry.ActionFailed:
        return None
    if status == PAUSED:
        return {"performed": False, "status": status}
    return {"performed": True, "status": status} if status in RESTORED else None


def _rows(params: dict, before: dict) -> list[tuple[str, str]]:
    integration, label = where(params["slug"])
    api = platform_base_url(integration, SUPABASE_MGMT) if integration else "?"
    return [
        ("integration", label),
        ("project", f"{before.get('project_ref', '?')} ({before.get('status', '?')})"),
        ("Management API", api),
        ("effect", "the paused project restores; its data API returns in a few minutes"),
    ]


def register() -> None:
    register_live(
        "supabase.project_resume",
        perform=perform,
        precondition=precondition,
        reconcile=reconcile,
        summary=_rows,
        description="Restore (resume) the paused Supabase project behind the integration.",
    )
