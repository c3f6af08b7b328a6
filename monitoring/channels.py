"""How an alert is worded and delivered, per channel kind (Slack, e-mail, signed webhook).

`send(channel, payload)` returns the receiver's answer or raises a GatewayError
(HTTP channels) or SendFailed (e-mail), each with `retryable` set.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import smtplib
import time
import uuid

from django.core.mail import send_mail

from integrations.clients.slack import SlackWebhookClient
from integrations.http import Gateway
from monitoring.models import Channel, Incident

SEVERITY_EMOJI = {1: ":rotating_light:", 2: ":red_circle:", 3: ":large_orange_circle:"}
PERMANENT_SMTP = (smtplib.SMTPRecipientsRefused, smtplib.SMTPAuthenticationError)


class SendFailed(Exception):
    def __init__(self, detail: str, *, retryable: bool):
        super().__init__(detail)
        self.detail, self.retryable = detail, retryable


def payload(incident: Incident, event: str) -> dict:
    """The alert's content, stored on the notification row before anything is sent."""
    integration = incident.integration
    return {
        "type": f"incident.{event}",
        "incident": incident.pk,
        "integration": integration.slug,
        "severity": f"SEV{incident.severity}",
        "status": incident.status,
        "title": incident.title,
        "summary": incident.summary,
        "caused_by": incident.caused_by.slug if incident.caused_by_id else None,
        "opened_at": incident.opened_at.isoformat(),
        "resolved_at": incident.resolved_at.isoformat() if incident.resolved_at else None,
        "text": _headline(incident, event),
    }


def _headline(incident: Incident, event: str) -> str:
    words = {
        "opened": "opened",
        "reopened": "re-opened (flapping)",
        "renotify": "still unacknowledged",
        "escalated": "escalated: nobody acknowledged",
        "resolved": "resolved",
        "maintenance_ended": "maintenance ended but it is still down",
    }.get(event, event)
    return f"[SEV{incident.severity}] #{incident.pk} {incident.title}: {words}"


def send(channel: Channel, body: dict) -> str:
    sender = {
        Channel.Kind.SLACK: _slack,
        Channel.Kind.EMAIL: _email,
        Channel.Kind.WEBHOOK: _webhook,
    }[channel.kind]
    return sender(channel, body)


def _slack(channel: Channel, body: dict) -> str:
    emoji = SEVERITY_EMOJI.get(int(body["severity"][3:]), ":large_blue_circle:")
    blocks = [
        {"type": "section", "text": {"type": "mrkdwn", "text": f"{emoji} *{body['text']}*"}},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": body["summary"] or "-"}]},
    ]
    SlackWebhookClient(channel.slack_integration).post(body["text"], blocks=blocks)
    return "ok"


def _email(channel: Channel, body: dict) -> str:
    recipients = [line.strip() for line in channel.recipients.splitlines() if line.strip()]
    text = "\n".join(f"{k}: {v}" for k, v in body.items() if k != "text")
    try:
        sent = send_mail(body["text"], text, None, recipients, fail_silently=False)
    except PERMANENT_SMTP as exc:
        raise SendFailed(f"mail refused: {type(exc).__name__}", retryable=False) from None
    except (smtplib.SMTPException, OSError) as exc:
        raise SendFailed(f"mail server: {type(exc).__name__}: {exc}", retryable=True) from None
    return f"mailed to {len(recipients)} recipient(s)" if sent else "mail backend sent nothing"


def _env(name: str) -> str:
    value = os.environ.get(name, "")
    if not value:
        raise SendFailed(f"environment variable {name} is not set", retryable=False)
    return value


def standard_webhook_headers(secret: str, body: bytes, msg_id: str, timestamp: int) -> dict:
    """Standard Webhooks headers: HMAC-SHA256 of "{id}.{timestamp}.{body}" keyed by the
    base64-decoded secret (after its `whsec_` prefix). https://www.standardwebhooks.com/"""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{msg_id}.{timestamp}.".encode() + body
    signature = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": f"v1,{signature}",
        "content-type": "application/json",
    }


def _webhook(channel: Channel, body: dict) -> str:
    url = channel.url or _env(channel.url_env)
    secret = _env(channel.secret_env)
    raw = json.dumps(body, sort_keys=True).encode()
    # Stable across retries of one notification, so the receiver can deduplicate.
    msg_id = f"msg_{uuid.uuid5(uuid.NAMESPACE_URL, body['key']).hex}"
    headers = standard_webhook_headers(secret, raw, msg_id, int(time.time()))
    gateway = Gateway(f"channel:{channel.name}", secrets=[secret, url if channel.url_env else None])
    result = gateway.request("POST", url, headers=headers, data=raw, idempotent=True)
    return f"HTTP {result.status}"
