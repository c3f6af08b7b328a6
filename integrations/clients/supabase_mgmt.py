"""Supabase Management API client: read a project's status, restore a paused project.

`https://api.supabase.com/v1/projects/{ref}` with `Authorization: Bearer
<personal access token>` (supabase.com/docs/reference/api). Quirks kept here:
- A paused project reads `status: "INACTIVE"`; a restore moves it through
  RESTORING / COMING_UP to ACTIVE_HEALTHY (status values as in supabase/cli's
  generated API types). The API takes no idempotency key: the status is the
  record of whether a restore happened.
- `POST /v1/projects/{ref}/restore` takes an empty JSON body; it is never
  repeated once sent.
- Errors are `{"message": "..."}`.
"""

from __future__ import annotations

from typing import Any

from integrations.http import ContractBroken, HttpResult

from .platform import Platform, PlatformClient, describe_error

SUPABASE_MGMT = Platform(
    "supabase-mgmt", "https://api.supabase.com", "supabase-mgmt", "sandbox-supabase-access-token"
)
PAUSED = "INACTIVE"
# Statuses a project moves through after a restore was accepted.
RESTORED = frozenset({"RESTORING", "COMING_UP", "ACTIVE_HEALTHY", "ACTIVE_UNHEALTHY"})


class SupabaseManagementClient(PlatformClient):
    platform = SUPABASE_MGMT

    def project(self, ref: str) -> dict[str, Any]:
        """The project (`status`, `region`, `database`, …); GET, repeated on transient errors."""
        result = self.gateway.request(
            "GET",
            self.url(f"v1/projects/{ref}"),
            headers=self.headers(),
            check=_check_project,
            describe=describe_error,
        )
        return result.json()

    def status(self, ref: str) -> str:
        return str(self.project(ref)["status"])

    def restore(self, ref: str) -> dict[str, Any]:
        """Ask for the paused project's restore; returns the answer body (may be empty)."""
        result = self.gateway.request(
            "POST",
            self.url(f"v1/projects/{ref}/restore"),
            headers=self.headers(),
            json={},
            describe=describe_error,
            idempotent=False,
        )
        try:
            answer = result.json() if result.body.strip() else {}
        except ContractBroken:  # accepted (2xx) all the same: keep the text, do not fail
            return {"text": result.text[:200]}
        return answer if isinstance(answer, dict) else {"answer": answer}


def _check_project(result: HttpResult) -> None:
    body = result.json()
    if not isinstance(body, dict) or not isinstance(body.get("status"), str):
        raise ContractBroken("Supabase project answer has no status", vendor_status=result.status)
