"""Chatwoot probe: `GET /api` (its body says whether queues and data services work)
plus the open-conversation counts, which need the token and the account."""

from __future__ import annotations

from integrations.clients.chatwoot import ChatwootClient
from integrations.http import ContractBroken
from integrations.probing import ProbeOutcome, register_probe

from .base import probe_ok


@register_probe("chatwoot")
def probe_chatwoot(integration) -> ProbeOutcome:
    client = ChatwootClient.for_probe(integration)
    health = client.health()
    if not health.ok:
        # /api answers 200 even when a dependency fails (chatwoot api_controller.rb).
        raise ContractBroken(
            f"Chatwoot reports queue_services={health.queue_services}, "
            f"data_services={health.data_services}",
            vendor_status=200,
            details={"version": health.version},
        )
    counts = client.conversation_counts("open")
    return probe_ok(
        client,
        f"Chatwoot {health.version}: {counts['all_count']} open conversations",
        version=health.version,
        open_conversations=counts,
    )
