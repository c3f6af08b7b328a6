"""A small client of the vendor sandbox's control API (docs/sandbox.md), for the console.

    faults_all()                 GET    /_control/faults
    faults_patch(key, changes)   PATCH  /_control/faults/{key}
    faults_clear(key)            DELETE /_control/faults/{key}
    sandbox_reset()              POST   /_control/reset

Sandbox only: it talks to settings.SANDBOX_URL, never to a vendor. Calls go through
the gateway (one attempt, short deadline). Raises SandboxUnreachable when the sandbox
does not answer and SandboxRefused with the sandbox's own detail (and the offending
`field`) when it refuses a change.
"""

from __future__ import annotations

from urllib.parse import quote

from django.conf import settings

from hotdash.errors import DomainError, ValidationFailed
from integrations.http import Gateway, GatewayError, Limits

COMMON_FIELDS = (
    "latency_ms",
    "error_rate",
    "outage",
    "outage_mode",
    "throttle",
    "malformed",
    "wrong_auth",
)
LIMITS = Limits(connect_s=2.0, read_s=5.0, deadline_s=5.0, max_attempts=1)


class SandboxUnreachable(DomainError):
    code = "sandbox_unreachable"
    http_status = 502


class SandboxRefused(ValidationFailed):
    code = "invalid_fault"


def base_url() -> str:
    return settings.SANDBOX_URL.rstrip("/")


def _call(method: str, path: str, body: dict | None = None) -> dict:
    url = f"{base_url()}/_control/{path}"
    gateway = Gateway("sandbox-control", limits=LIMITS)
    try:
        result = gateway.request(method, url, json=body, expect=range(200, 500), idempotent=False)
        data = result.json()
    except GatewayError as exc:
        raise SandboxUnreachable(
            f"The sandbox at {base_url()} did not answer: {exc.detail}"
        ) from None
    if result.status >= 300:
        detail = data.get("detail") if isinstance(data, dict) else None
        field = data.get("field") if isinstance(data, dict) else None
        raise SandboxRefused(
            detail or f"The sandbox answered HTTP {result.status}.",
            extra={"field": field} if field else None,
        )
    return data


def faults_all() -> dict[str, dict]:
    """Every fault key's effective settings: {"shopify": {...}, "mcp/github": {...}, …}."""
    return _call("GET", "faults")["faults"]


def faults_patch(key: str, changes: dict) -> dict:
    """Merge `changes` into one key's faults; returns the key's settings after the change."""
    return _call("PATCH", f"faults/{quote(key, safe='/')}", changes)["faults"]


def faults_clear(key: str) -> dict:
    return _call("DELETE", f"faults/{quote(key, safe='/')}")["faults"]


def sandbox_reset() -> None:
    """Clear every fault, bucket, quota, session and recording."""
    _call("POST", "reset")
