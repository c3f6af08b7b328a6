"""The generic `http` probe: GET the base URL (plus `config["path"]`); any 2xx is up."""

from __future__ import annotations

from integrations.clients.base import VendorClient
from integrations.probing import ProbeOutcome, register_probe

from .base import probe_ok


@register_probe("http")
def probe_http(integration) -> ProbeOutcome:
    client = VendorClient.for_probe(integration)
    path = str(client.config.get("path", ""))
    url = client.url(path) if path else client.base_url
    result = client.gateway.request("GET", url)
    return probe_ok(client, f"HTTP {result.status}")
