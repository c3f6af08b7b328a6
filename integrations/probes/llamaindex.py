"""LlamaIndex probe: `GET /health` (no token) must say `status: ok`."""

from __future__ import annotations

from integrations.clients.llamaindex import LlamaIndexClient
from integrations.probing import ProbeOutcome, register_probe

from .base import probe_ok


@register_probe("llamaindex")
def probe_llamaindex(integration) -> ProbeOutcome:
    client = LlamaIndexClient.for_probe(integration)
    body = client.health()
    index = body.get("index") or {}
    return probe_ok(client, "health ok", index_documents=index.get("documents"))
