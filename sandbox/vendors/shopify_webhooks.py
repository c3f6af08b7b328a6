"""Webhook subscriptions in the Shopify sandbox: the `webhookSubscriptions` query and the
`webhookSubscriptionCreate` mutation (Admin GraphQL, 2024+ versions).

Shapes (shopify.dev/docs/api/admin-graphql/2025-10/mutations/webhookSubscriptionCreate,
…/objects/WebhookSubscription, changelog "consolidate-webhook-graphql-surfaces"):
- `webhookSubscriptionCreate(topic: WebhookSubscriptionTopic!, webhookSubscription:
  WebhookSubscriptionInput!)` → `{webhookSubscription, userErrors {field message}}`.
  The input's address is `uri` from 2025-10 on, `callbackUrl` before (both accepted here).
- `webhookSubscriptions(first|last, after, topics, uri)` is a connection of
  WebhookSubscription `{id, topic, uri, callbackUrl, endpoint, format, includeFields,
  filter, createdAt, updatedAt}` (`callbackUrl` and `endpoint` are deprecated).
- userErrors [S]: a blank address, a non-https address, and the same topic and
  address twice ("Address for this topic has already been taken").
"""

from __future__ import annotations

import threading
from datetime import datetime

from ..schema.execute import FieldError
from .shopify_query import connection, gid, parse_gid, ts

# The WebhookSubscriptionTopic values the sandbox knows (a subset of Shopify's enum).
TOPICS = frozenset(
    {
        "ORDERS_CREATE",
        "ORDERS_UPDATED",
        "ORDERS_PAID",
        "ORDERS_CANCELLED",
        "ORDERS_FULFILLED",
        "INVENTORY_LEVELS_UPDATE",
        "INVENTORY_ITEMS_UPDATE",
        "PRODUCTS_UPDATE",
        "FULFILLMENT_ORDERS_ORDER_ROUTING_COMPLETE",
        "FULFILLMENT_ORDERS_PLACED_ON_HOLD",
        "FULFILLMENT_ORDERS_HOLD_RELEASED",
        "FULFILLMENT_ORDERS_CANCELLED",
        "FULFILLMENT_ORDERS_MOVED",
        "APP_UNINSTALLED",
    }
)
FIRST_ID = 1_480_000_000


class WebhookSubscriptions:
    """The store's subscriptions (in memory until `reset`), as GraphQL root fields."""

    def __init__(self, now) -> None:
        self.now = now  # () -> datetime
        self.lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.subs: list[dict] = []
            self.next_id = FIRST_ID

    def snapshot(self) -> list[dict]:
        with self.lock:
            return [{"topic": s["topic"], "uri": s["uri"]} for s in self.subs]

    def query_fields(self) -> dict:
        return {"webhookSubscriptions": self.connection, "webhookSubscription": self.one}

    def mutation_fields(self) -> dict:
        return {"webhookSubscriptionCreate": self.create}

    # Reads ---------------------------------------------------------------------------------
    def connection(self, args: dict) -> dict:
        wanted = set(args.get("topics") or [])
        address = args.get("uri") or args.get("callbackUrl")
        with self.lock:
            subs = [
                s
                for s in self.subs
                if (not wanted or s["topic"] in wanted) and (not address or s["uri"] == address)
            ]
        return connection(subs, args, "WebhookSubscription", _node, lambda s: s["id"])

    def one(self, args: dict) -> dict | None:
        ident = parse_gid(args.get("id"), "WebhookSubscription")
        with self.lock:
            found = next((s for s in self.subs if s["id"] == ident), None)
        return _node(found) if found else None

    # The mutation ---------------------------------------------------------------------------
    def create(self, args: dict) -> dict:
        """Subscribe `topic` to the input's address, or answer userErrors and change nothing."""
        topic = args.get("topic")
        if topic not in TOPICS:
            raise FieldError(
                f"Argument 'topic' on Field 'webhookSubscriptionCreate' has an invalid value "
                f"({topic}). Expected type 'WebhookSubscriptionTopic!'.",
                "argumentLiteralsIncompatible",
            )
        spec = args.get("webhookSubscription") or {}
        key = "uri" if "uri" in spec else "callbackUrl"
        address = str(spec.get(key) or "").strip()
        with self.lock:
            error = self._problem(topic, address)
            if error:
                return _payload(None, [{"field": ["webhookSubscription", key], "message": error}])
            sub = self._add(topic, address, spec)
        return _payload(_node(sub), [])

    def _problem(self, topic: str, address: str) -> str | None:
        if not address:
            return "Address can't be blank"
        if not address.startswith("https://"):
            return f"Address protocol {address.split('://')[0]}:// is not supported"
        if any(s["topic"] == topic and s["uri"] == address for s in self.subs):
            return "Address for this topic has already been taken"
        return None

    def _add(self, topic: str, address: str, spec: dict) -> dict:
        now: datetime = self.now()
        sub = {
            "id": self.next_id,
            "topic": topic,
            "uri": address,
            "format": spec.get("format") or "JSON",
            "includeFields": list(spec.get("includeFields") or []),
            "filter": spec.get("filter"),
            "created_at": now,
        }
        self.next_id += 1
        self.subs.append(sub)
        return sub


def _payload(node: dict | None, errors: list[dict]) -> dict:
    user_errors = [{"__typename": "UserError", **e} for e in errors]
    return {
        "__typename": "WebhookSubscriptionCreatePayload",
        "webhookSubscription": node,
        "userErrors": user_errors,
    }


def _node(sub: dict) -> dict:
    return {
        "__typename": "WebhookSubscription",
        "id": gid("WebhookSubscription", sub["id"]),
        "legacyResourceId": str(sub["id"]),
        "topic": sub["topic"],
        "uri": sub["uri"],
        "callbackUrl": sub["uri"],
        "endpoint": {"__typename": "WebhookHttpEndpoint", "callbackUrl": sub["uri"]},
        "format": sub["format"],
        "includeFields": sub["includeFields"],
        "filter": sub["filter"],
        "createdAt": ts(sub["created_at"]),
        "updatedAt": ts(sub["created_at"]),
    }
