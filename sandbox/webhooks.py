"""The sandbox as a webhook SENDER: `POST /_control/webhooks/deliver`.

Makes the sandbox deliver a Shopify or Chatwoot webhook to a URL, signed the
way the vendor signs it, over the exact bytes it sends (vendor-contracts.md:
"The sandbox must sign exactly the bytes it sends").

Request body (JSON):

| field | default | meaning |
|---|---|---|
| vendor | (required) | `shopify` or `chatwoot` |
| topic | (required) | `orders/create`, `message_created`, … |
| target_url | (required) | where to POST (http or https) |
| payload | a small sample per topic | the JSON body; Chatwoot's gets `"event": topic` |
| secret | "" | the signing secret (required when `sign`) |
| sign | true | false: no signature headers (an old Chatwoot, a forged Shopify call) |
| duplicate | 0 | extra deliveries of the same event (0–20), sent one after another |
| event_id | a new uuid | X-Shopify-Event-Id / X-Chatwoot-Delivery (same on duplicates) |
| timestamp | now | Chatwoot: X-Chatwoot-Timestamp (unix seconds), to test staleness |
| timeout_s | 5 | per delivery (Shopify waits 5 s in total) |

Headers sent. Shopify (shopify-app-js lib/webhooks/header-names.ts): Topic,
Hmac-Sha256 (base64), Shop-Domain, API-Version, Webhook-Id (new per delivery),
Event-Id (same across duplicates), Triggered-At. Chatwoot (PR #13573):
X-Chatwoot-Signature `sha256=<hex HMAC of "{timestamp}.{body}">`,
X-Chatwoot-Timestamp, X-Chatwoot-Delivery (stable across retries).

Answer: `200 {"vendor", "topic", "event_id", "deliveries": [{"status", "body",
"elapsed_ms", "webhook_id"} | {"status": null, "error"}]}`; a bad request
`400 {"error": "invalid_delivery", "detail"}`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.client
import json
import time
import uuid
from datetime import UTC, datetime
from urllib.parse import urlsplit

from .data import SHOP_DOMAIN
from .wire import Request, Response, dumps, json_response

API_VERSION = "2025-10"
MAX_DUPLICATES = 20


class DeliveryError(ValueError):
    pass


def deliver(req: Request) -> Response:
    """Handle `POST /_control/webhooks/deliver` (see the module docstring)."""
    try:
        spec = _spec(req)
    except DeliveryError as exc:
        return json_response(400, {"error": "invalid_delivery", "detail": str(exc)})
    body = dumps(_payload(spec))
    event_id = str(spec.get("event_id") or uuid.uuid4())
    triggered = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    deliveries = []
    for _ in range(1 + spec["duplicate"]):
        headers = _headers(spec, body, event_id, triggered)
        deliveries.append(_post(spec["target_url"], body, headers, spec["timeout_s"]))
    answer = {"vendor": spec["vendor"], "topic": spec["topic"], "event_id": event_id}
    return json_response(200, {**answer, "deliveries": deliveries})


def _spec(req: Request) -> dict:
    try:
        spec = req.json()
    except ValueError as exc:
        raise DeliveryError(f"body is not valid JSON: {exc}") from None
    if not isinstance(spec, dict):
        raise DeliveryError("body must be a JSON object")
    if spec.get("vendor") not in ("shopify", "chatwoot"):
        raise DeliveryError("vendor must be 'shopify' or 'chatwoot'")
    if not isinstance(spec.get("topic"), str) or not spec["topic"]:
        raise DeliveryError("topic is required")
    if urlsplit(str(spec.get("target_url", ""))).scheme not in ("http", "https"):
        raise DeliveryError("target_url must be an http(s) URL")
    if spec.get("payload") is not None and not isinstance(spec["payload"], dict):
        raise DeliveryError("payload must be a JSON object")
    spec.setdefault("sign", True)
    if spec["sign"] and not spec.get("secret"):
        raise DeliveryError("secret is required when sign is true")
    duplicate = spec.setdefault("duplicate", 0)
    if not isinstance(duplicate, int) or not 0 <= duplicate <= MAX_DUPLICATES:
        raise DeliveryError(f"duplicate must be an integer 0-{MAX_DUPLICATES}")
    spec.setdefault("timeout_s", 5)
    return spec


def _payload(spec: dict) -> dict:
    payload = dict(spec.get("payload") or sample_payload(spec["vendor"], spec["topic"]))
    if spec["vendor"] == "chatwoot":
        payload.setdefault("event", spec["topic"])
    return payload


def _headers(spec: dict, body: bytes, event_id: str, triggered: str) -> dict[str, str]:
    headers = {"Content-Type": "application/json", "User-Agent": "hotdash-sandbox-webhooks/1.0"}
    secret = str(spec.get("secret", "")).encode("utf-8")
    if spec["vendor"] == "shopify":
        headers |= {
            "X-Shopify-Topic": spec["topic"],
            "X-Shopify-Shop-Domain": spec.get("shop_domain", SHOP_DOMAIN),
            "X-Shopify-API-Version": spec.get("api_version", API_VERSION),
            "X-Shopify-Webhook-Id": str(uuid.uuid4()),
            "X-Shopify-Event-Id": event_id,
            "X-Shopify-Triggered-At": triggered,
        }
        if spec["sign"]:
            mac = hmac.new(secret, body, hashlib.sha256).digest()
            headers["X-Shopify-Hmac-Sha256"] = base64.b64encode(mac).decode("ascii")
        return headers
    headers["X-Chatwoot-Delivery"] = event_id
    if spec["sign"]:
        stamp = str(int(spec.get("timestamp") or time.time()))
        mac = hmac.new(secret, stamp.encode("ascii") + b"." + body, hashlib.sha256)
        headers["X-Chatwoot-Timestamp"] = stamp
        headers["X-Chatwoot-Signature"] = "sha256=" + mac.hexdigest()
    return headers


def _post(url: str, body: bytes, headers: dict[str, str], timeout_s: float) -> dict:
    parts = urlsplit(url)
    kind = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    started = time.perf_counter()
    connection = kind(parts.hostname, parts.port, timeout=timeout_s)
    try:
        connection.request("POST", path, body=body, headers=headers)
        resp = connection.getresponse()
        raw = resp.read()
    except (OSError, http.client.HTTPException) as exc:
        return {"status": None, "error": f"{type(exc).__name__}: {exc}"}
    finally:
        connection.close()
    return {
        "status": resp.status,
        "body": _decoded(raw),
        "elapsed_ms": round((time.perf_counter() - started) * 1000, 2),
        "webhook_id": headers.get("X-Shopify-Webhook-Id"),
    }


def _decoded(raw: bytes):
    try:
        return json.loads(raw)
    except ValueError:
        return raw.decode("utf-8", "replace")[:500]


def sample_payload(vendor: str, topic: str) -> dict:
    """A small body in the vendor's shape (REST resource JSON for Shopify; webhook_data
    plus `event` for Chatwoot: vendor-contracts.md §2 and §3). Processing treats it as a hint."""
    stamp = datetime.now(UTC).isoformat()
    if vendor == "chatwoot":
        return {
            "event": topic,
            "id": 1,
            "content": "Hi, where is my order?",
            "created_at": stamp,
            "message_type": "incoming",
            "sender": {"id": 10, "name": "Alice", "type": "contact"},
            "account": {"id": 1, "name": "Hot Rod AN"},
            "conversation": {"id": 42, "status": "open"},
        }
    if topic.startswith("inventory_levels/"):
        return {
            "inventory_item_id": 808950810,
            "location_id": 655441491,
            "available": 6,
            "updated_at": stamp,
        }
    if topic.startswith("fulfillment_orders/"):
        return {"fulfillment_order": {"id": 1046000778, "status": "open"}}
    return {
        "id": 820982911946154508,
        "admin_graphql_api_id": "gid://shopify/Order/820982911946154508",
        "name": "#9999",
        "total_price": "199.00",
        "currency": "USD",
        "created_at": stamp,
        "updated_at": stamp,
    }
