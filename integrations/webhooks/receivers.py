"""One receiver per source: authenticate the raw body, parse it, name the event, store it.

Each takes the request and its raw body and returns (HTTP status, JSON answer),
or raises `signatures.Rejected` (401) or `intake.Refusal` (4xx). The order is
fixed: authenticate first (an unauthenticated caller learns nothing about our
parsing), then headers and JSON, then the insert.
"""

from __future__ import annotations

import hashlib
import re
import time
from datetime import UTC, datetime

from approvals.schema import validate
from integrations.webhooks.conf import knob
from integrations.webhooks.intake import (
    MAX_TOPIC_LENGTH,
    Delivery,
    Refusal,
    bounded,
    webhook_event_store,
)
from integrations.webhooks.signatures import (
    CHATWOOT_SECRET,
    Rejected,
    bearer_verify,
    chatwoot_verify,
    secrets_of,
    shopify_verify,
)
from integrations.webhooks.storable import json_decode

# Required by Shopify's own validator (shopify-api-js lib/webhooks, "missing header"
# cases; vendor-contracts.md §2). The HMAC header is checked first, as a 401.
SHOPIFY_REQUIRED = ("Topic", "Shop-Domain", "API-Version", "Webhook-Id")

GOLD_REPLY_SCHEMA = {
    "type": "object",
    "properties": {
        "conversation_id": {"type": "integer", "minimum": 1},
        "reply": {"type": "string", "minLength": 1, "maxLength": 5000},
        "author": {"type": "string", "minLength": 1, "maxLength": 150},
        "source": {"type": "string", "minLength": 1, "maxLength": 80},
        "question": {"type": "string", "maxLength": 5000},
    },
    "required": ["conversation_id", "reply", "author", "source"],
    "additionalProperties": False,
}
_KEY = re.compile(r"^[A-Za-z0-9._:-]{1,200}$")
_FRACTION = re.compile(r"(\.\d{6})\d+")


def shopify_receive(request, body: bytes) -> tuple[int, dict]:
    """`POST /webhooks/shopify/`: dedupe on X-Shopify-Event-Id, else X-Shopify-Webhook-Id;
    a stale X-Shopify-Triggered-At is refused (`shopify_trigger_check`)."""
    header = _shopify_headers(request)
    shopify_verify(body, header("Hmac-Sha256"))
    missing = [f"X-Shopify-{name}" for name in SHOPIFY_REQUIRED if not header(name)]
    if missing:
        raise Refusal(400, "missing_header", f"Missing {', '.join(missing)}.", missing=missing)
    payload = json_decode(body)
    webhook_id = bounded(header("Webhook-Id"), "X-Shopify-Webhook-Id")
    delivery = Delivery(
        source="shopify",
        event_id=bounded(header("Event-Id"), "X-Shopify-Event-Id") or webhook_id,
        topic=bounded(header("Topic"), "X-Shopify-Topic", MAX_TOPIC_LENGTH),
        body=payload,
        delivery_id=webhook_id,
        shop_domain=bounded(header("Shop-Domain"), "X-Shopify-Shop-Domain", 255),
        api_version=bounded(header("API-Version"), "X-Shopify-API-Version", 20),
        triggered_at=shopify_trigger_check(header("Triggered-At"), now=time.time()),
    )
    return answer(*webhook_event_store(delivery))


def shopify_trigger_check(value: str, *, now: float) -> datetime | None:
    """X-Shopify-Triggered-At, parsed, when within the replay window; None when absent.

    Refusal 400 `invalid_header` when unparsable; Rejected `stale_trigger` when older
    than SHOPIFY_TRIGGER_MAX_AGE_S (a captured delivery replayed later), `future_trigger`
    when more than SHOPIFY_TRIGGER_MAX_AHEAD_S ahead. The header is not covered by
    Shopify's HMAC (docs/webhooks.md, "Replays"): this refuses naive replays only.
    """
    if not value:
        return None
    moment = parse_triggered_at(value)
    if moment is None:
        raise Refusal(400, "invalid_header", "X-Shopify-Triggered-At is not an ISO 8601 time.")
    age = now - moment.timestamp()
    if age > knob("SHOPIFY_TRIGGER_MAX_AGE_S"):
        raise Rejected("stale_trigger", "X-Shopify-Triggered-At is older than the replay window.")
    if -age > knob("SHOPIFY_TRIGGER_MAX_AHEAD_S"):
        raise Rejected("future_trigger", "X-Shopify-Triggered-At is in the future.")
    return moment


def _shopify_headers(request):
    """Header lookup accepting `X-Shopify-<Name>` and the Events mode's `Shopify-<Name>`."""

    def header(name: str) -> str:
        return (
            request.headers.get(f"X-Shopify-{name}") or request.headers.get(f"Shopify-{name}") or ""
        )

    return header


def chatwoot_receive(request, body: bytes) -> tuple[int, dict]:
    """`POST /webhooks/chatwoot/`: the topic is the body's `event`; dedupe on X-Chatwoot-Delivery
    (stable across Chatwoot's retries), else on the body's sha256 (unsigned, older versions),
    and, when signed, also on the signed timestamp and body (`chatwoot_replay_key`)."""
    signed = chatwoot_authenticate(request, body)
    payload = json_decode(body)
    topic = payload.get("event")
    if not isinstance(topic, str) or not topic.strip():
        raise Refusal(400, "invalid_payload", "The body has no `event` name.")
    delivery_id = bounded(request.headers.get("X-Chatwoot-Delivery", ""), "X-Chatwoot-Delivery")
    delivery = Delivery(
        source="chatwoot",
        event_id=delivery_id or body_key(body),
        topic=bounded(topic, "event", MAX_TOPIC_LENGTH),
        body=payload,
        signed=signed,
        delivery_id=delivery_id,
        replay_key=chatwoot_replay_key(request, body) if signed else "",
    )
    return answer(*webhook_event_store(delivery))


def chatwoot_replay_key(request, body: bytes) -> str:
    """sha256 of the signed message, "{X-Chatwoot-Timestamp}.{body}". X-Chatwoot-Delivery
    is not signed: a replay within the 5-minute tolerance under a new delivery id has the
    same key and is a duplicate; changing the timestamp breaks the signature."""
    stamp = request.headers.get("X-Chatwoot-Timestamp", "").strip()
    return body_key(stamp.encode("ascii") + b"." + body)


def chatwoot_authenticate(request, body: bytes) -> bool:
    """True when signed and verified; False when unsigned and the operator allows that.

    A signature that does not verify is refused even when unsigned delivery is
    allowed: a bad signature is never downgraded to "unsigned".
    """
    signature = request.headers.get("X-Chatwoot-Signature", "")
    if signature and secrets_of(CHATWOOT_SECRET):
        timestamp = request.headers.get("X-Chatwoot-Timestamp")
        chatwoot_verify(body, signature, timestamp, now=time.time())
        return True
    if chatwoot_unsigned_allowed():
        return False
    if signature:
        raise Rejected(
            "not_configured", f"{CHATWOOT_SECRET} is not set; signed deliveries are refused."
        )
    raise Rejected("missing_signature", "X-Chatwoot-Signature is missing.")


def chatwoot_unsigned_allowed() -> bool:
    """Whether the Chatwoot integration's config has `"allow_unsigned_webhooks": true`
    (set by an operator for Chatwoot versions that cannot sign; docs/webhooks.md)."""
    from integrations.models import Integration

    config = (
        Integration.objects.filter(slug=knob("CHATWOOT_INTEGRATION"), enabled=True)
        .values_list("config", flat=True)
        .first()
    )
    return bool(config) and config.get("allow_unsigned_webhooks") is True


def gold_reply_receive(request, body: bytes) -> tuple[int, dict]:
    """`POST /api/webhooks/gold-replies`: dedupe on the `Idempotency-Key` header, else the
    body's sha256. The payload must fit GOLD_REPLY_SCHEMA (400 `invalid` with field errors)."""
    bearer_verify(request.headers.get("Authorization"))
    payload = json_decode(body)
    errors = validate(GOLD_REPLY_SCHEMA, payload)
    if errors:
        raise Refusal(400, "invalid", "The gold reply is invalid.", errors=errors)
    key = request.headers.get("Idempotency-Key", "").strip()
    if key and not _KEY.match(key):
        raise Refusal(400, "invalid_header", "Idempotency-Key must be 1-200 of [A-Za-z0-9._:-].")
    delivery = Delivery(
        source="gold_replies", event_id=key or body_key(body), topic="gold_reply", body=payload
    )
    return answer(*webhook_event_store(delivery))


def answer(event_id: int | None, created: bool, status: str) -> tuple[int, dict]:
    """202 for a stored event (accepted or ignored), 200 for a duplicate."""
    if not created:
        return 200, {"status": "duplicate"}
    return 202, {"status": "accepted" if status == "received" else status, "id": event_id}


def body_key(body: bytes) -> str:
    return "sha256:" + hashlib.sha256(body).hexdigest()


def parse_triggered_at(value: str) -> datetime | None:
    """X-Shopify-Triggered-At as an aware datetime; real traffic has nanoseconds
    (`2024-08-03T18:28:37.234647458Z`), cut to microseconds. None when unparsable."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(_FRACTION.sub(r"\1", value.strip()).replace("Z", "+00:00"))
        return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
    except (ValueError, OverflowError):  # OverflowError: 0001-01-01T00:00+14:00 is year 0 in UTC
        return None
