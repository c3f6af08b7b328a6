"""Slack probe: the invalid-payload technique, which never posts a message.

`400 invalid_payload` = the webhook is alive; `404 no_service` (or 403
invalid_token, 410 channel_is_archived) = revoked, reported as `auth`.
"""

from __future__ import annotations

from integrations.clients.slack import SlackWebhookClient
from integrations.probing import ProbeOutcome, register_probe

from .base import probe_ok


@register_probe("slack")
def probe_slack(integration) -> ProbeOutcome:
    client = SlackWebhookClient.for_probe(integration)
    answer = client.check_alive()
    return probe_ok(client, f"webhook alive ({answer})", technique="invalid_payload")
