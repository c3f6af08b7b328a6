"""Helpers shared by the per-kind probes."""

from __future__ import annotations

from integrations.probing import ProbeOutcome


def probe_ok(client, message: str = "", **details) -> ProbeOutcome:
    """The outcome of a probe whose calls all answered as contracted, from `client.gateway`."""
    gateway = client.gateway
    return ProbeOutcome(
        ok=True,
        http_status=gateway.last_status,
        message=message,
        rate_limit=dict(gateway.rate_limit),
        headroom=gateway.headroom,
        details=details,
    )
