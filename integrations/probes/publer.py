"""Publer probe: `GET /api/v1/users/me` (no workspace needed); X-RateLimit-* give the headroom."""

from __future__ import annotations

from integrations.clients.publer import PublerClient
from integrations.probing import ProbeOutcome, register_probe

from .base import probe_ok


@register_probe("publer")
def probe_publer(integration) -> ProbeOutcome:
    client = PublerClient.for_probe(integration)
    user = client.me()
    return probe_ok(client, "users/me answered", user_id=str(user.get("id", "")))
