"""Fly.io Machines API client: list an app's Machines, restart one.

`https://api.machines.dev/v1/apps/{app}/machines` with `Authorization: Bearer
<token>` (fly.io/docs/machines/api/machines-resource). Quirks kept here:
- The API takes no idempotency key, so "did our restart happen?" is read back
  from each Machine's `events`: `{type: "restart", source: "user", timestamp}`
  with the timestamp in unix milliseconds (superfly/flyctl machine types).
- A restart is a POST without a body; it is never repeated once sent.
- Errors are `{"error": "..."}`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from integrations.http import ContractBroken, HttpResult

from .platform import Platform, PlatformClient, describe_error

FLY = Platform("fly", "https://api.machines.dev", "fly", "sandbox-fly-token")


@dataclass(frozen=True)
class Machine:
    id: str
    name: str
    state: str  # started, stopped, suspended, starting, stopping, replacing, destroyed, …
    region: str
    restarts_ms: tuple[int, ...]  # timestamps of restarts a user (or we) asked for

    @classmethod
    def from_json(cls, node: dict) -> Machine:
        events = node.get("events") or []
        restarts = tuple(
            int(e["timestamp"])
            for e in events
            if e.get("type") == "restart" and e.get("source", "user") == "user"
        )
        return cls(
            node["id"], node.get("name", ""), node["state"], node.get("region", ""), restarts
        )

    def restarted_since(self, moment: datetime) -> bool:
        return any(ms >= moment.timestamp() * 1000 for ms in self.restarts_ms)


class FlyClient(PlatformClient):
    platform = FLY

    def machines(self, app: str) -> list[Machine]:
        """Every Machine of `app` (GET, repeated on transient errors)."""
        result = self.gateway.request(
            "GET",
            self.url(f"v1/apps/{app}/machines"),
            headers=self.headers(),
            check=_check_machines,
            describe=describe_error,
        )
        return [Machine.from_json(node) for node in result.json()]

    def restart(self, app: str, machine_id: str) -> None:
        """Restart one Machine. Raises a GatewayError; `sent` tells whether it may have acted."""
        self.gateway.request(
            "POST",
            self.url(f"v1/apps/{app}/machines/{machine_id}/restart"),
            headers=self.headers(),
            describe=describe_error,
            idempotent=False,
        )


def _check_machines(result: HttpResult) -> None:
    body = result.json()
    if not isinstance(body, list) or any("id" not in m or "state" not in m for m in body):
        raise ContractBroken("Fly machines answer is not a list of Machines", vendor_status=200)
