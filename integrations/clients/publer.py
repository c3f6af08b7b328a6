"""Publer API v1 client (publer.com/docs).

Quirks (vendor-contracts.md §6):
- `Authorization: Bearer-API <key>` — literally `Bearer-API`, not `Bearer`.
- `Publer-Workspace-Id` on every call except `/users/me` and `/workspaces`.
- Scheduling is asynchronous: `{"job_id": …}` with 200 or 202 (the docs
  disagree; both accepted), then `GET /job_status/{id}` until `complete(d)`; a
  non-empty `payload.failures` means some accounts failed.
- 100 requests per 2 minutes per user, reported in `X-RateLimit-*` (the gateway reads them).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from integrations.http import CallTimedOut, ContractBroken, HttpResult

from .base import VendorClient

DONE = {"complete", "completed"}


@dataclass(frozen=True)
class JobStatus:
    job_id: str
    status: str
    failures: dict[str, Any] = field(default_factory=dict)

    @property
    def done(self) -> bool:
        return self.status in DONE

    @property
    def ok(self) -> bool:
        return self.done and not self.failures


class PublerClient(VendorClient):
    def headers(self, *, workspace: bool = True) -> dict[str, str]:
        headers = {
            "Authorization": f"Bearer-API {self.credentials.get('api_key', '')}",
            "Accept": "application/json",
        }
        if workspace:
            headers["Publer-Workspace-Id"] = self.credentials.get("workspace_id", "")
        return headers

    def me(self) -> dict[str, Any]:
        """The key's user (`/users/me`, no workspace header needed): the health probe."""
        result = self.gateway.request(
            "GET",
            self.url("api/v1/users/me"),
            headers=self.headers(workspace=False),
            check=lambda r: r.json()["id"],
            describe=describe_error,
        )
        return result.json()

    def schedule(self, posts: list[dict], *, state: str = "scheduled") -> str:
        """Submit posts (Publer's bulk shape); returns the job id. Never retried."""
        return self._submit("api/v1/posts/schedule", {"bulk": {"state": state, "posts": posts}})

    def publish_now(self, posts: list[dict]) -> str:
        """Publish posts at once; returns the job id. Never retried."""
        return self._submit("api/v1/posts/schedule/publish", {"bulk": {"posts": posts}})

    def _submit(self, path: str, body: dict) -> str:
        result = self.gateway.request(
            "POST",
            self.url(path),
            headers=self.headers(),
            json=body,
            expect={200, 202},
            check=lambda r: str(r.json()["job_id"]),
            describe=describe_error,
        )
        return str(result.json()["job_id"])

    def job_status(self, job_id: str) -> JobStatus:
        """One look at a job; accepts both documented envelopes."""
        result = self.gateway.request(
            "GET",
            self.url(f"api/v1/job_status/{job_id}"),
            headers=self.headers(),
            check=lambda r: _job_body(r)["status"],
            describe=describe_error,
        )
        body = _job_body(result)
        failures = (body.get("payload") or body.get("result") or {}).get("failures") or {}
        return JobStatus(job_id, str(body["status"]), dict(failures))

    def wait_for_job(self, job_id: str, *, poll_s: float = 1.0, polls: int = 30) -> JobStatus:
        """Poll until the job is done. Raises CallTimedOut when it is not after `polls` looks."""
        for _ in range(polls):
            status = self.job_status(job_id)
            if status.done:
                return status
            self.gateway.pause(poll_s, "Publer job still working")
        raise CallTimedOut(f"Publer job {job_id} not done after {polls} polls")


def _job_body(result: HttpResult) -> dict:
    """`{"status", "payload"}` (publer.com/docs) or `{"success", "data": {...}}` [S]."""
    body = result.json()
    if "status" not in body and isinstance(body.get("data"), dict):
        body = body["data"]
    if "status" not in body:
        raise ContractBroken("Publer job status has no status", vendor_status=result.status)
    return body


def describe_error(result: HttpResult) -> str:
    try:
        body = result.json()
        text = "; ".join(map(str, body.get("errors") or [])) or body.get("error") or ""
    except (ContractBroken, AttributeError):
        text = ""
    return str(text or " ".join(result.text.split()))[:200]
