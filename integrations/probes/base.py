"""Helpers shared by the per-kind probes."""

from __future__ import annotations

from integrations.probing import ProbeOutcome


def probe_ok(client, message: str = "", **details) -> ProbeOutcome:
    """The outcome of a probe whose calls all answered as contracted, read off `client.gateway`.

    Rate-limit report and headroom are what the vendor last reported during
    this probe; deprecation signals seen on the way land in `details["deprecations"]`.
    """
    gateway = client.gateway
    if gateway.deprecations:
        details["deprecations"] = list(gateway.deprecations)
    return ProbeOutcome(
        ok=True,
        http_status=gateway.last_status,
        message=message,
        rate_limit=dict(gateway.rate_limit),
        headroom=gateway.headroom,
        details=details,
    )
