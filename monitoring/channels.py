"""How an alert is worded and delivered, per channel kind (Slack, e-mail, signed webhook).

`send(channel, payload)` returns the receiver's answer or raises a GatewayError
(HTTP channels) or SendFailed (e-mail), each with `retryable` set. A payload is either
an incident's (`payload()`) or a message of its own, such as the weekly SLA report:
`subject`, `text` and optional `attachments` ([{"name", "content", "mimetype"}]).
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

from django.conf import settings
from django.core.mail import EmailMessage, get_connection

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
    severity = str(body.get("severity") or "")
    level = int(severity[3:]) if severity[3:].isdigit() else 0
    emoji = SEVERITY_EMOJI.get(level, ":large_blue_circle:")
    headline = body.get("subject") or body["text"]
    detail = body.get("summary") if "summary" in body else body.get("text")
    blocks = [
        {"type": "section", "text": {"type": "mrkdwn", "text": f"{emoji} *{headline}*"}},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": detail or "-"}]},
    ]
    SlackWebhookClient(channel.slack_integration).post(headline, blocks=blocks)
    return "ok"


def email_message(channel: Channel, body: dict, connection=None) -> EmailMessage:
    """The e-mail for a payload: a message of its own (`subject`) is sent as written, with
    its attachments; an incident alert has its headline as subject and its fields as body."""
    recipients = [line.strip() for line in channel.recipients.splitlines() if line.strip()]
    if "subject" in body:
        subject, text = body["subject"], body.get("text", "")
    else:
        subject = body["text"]
        text = "\n".join(f"{k}: {v}" for k, v in body.items() if k != "text")
    message = EmailMessage(subject, text, None, recipients, connection=connection)
    for attachment in body.get("attachments") or []:
        message.attach(
            attachment["name"], attachment["content"], attachment.get("mimetype") or None
        )
    return message


def _email(channel: Channel, body: dict) -> str:
    """Send through an explicit connection with EMAIL_TIMEOUT, so a hung mail server fails
    the attempt (retried with backoff) instead of holding a worker."""
    connection = get_connection(fail_silently=False, timeout=settings.EMAIL_TIMEOUT)
    message = email_message(channel, body, connection)
    if not message.to:
        raise SendFailed("the channel has no recipients", retryable=False)
    try:
        sent = message.send(fail_silently=False)
    except PERMANENT_SMTP as exc:
        raise SendFailed(f"mail refused: {type(exc).__name__}", retryable=False) from None
    except (smtplib.SMTPException, OSError) as exc:
        raise SendFailed(f"mail server: {type(exc).__name__}: {exc}", retryable=True) from None
    return f"mailed to {len(message.to)} recipient(s)" if sent else "mail backend sent nothing"


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
