"""`shopify.webhooks_register` (live, 1 approval): subscribe the store's webhooks again, to
`PUBLIC_BASE_URL + "/webhooks/shopify/"`, with the Admin GraphQL
`webhookSubscriptionCreate` mutation (shopify.dev/docs/api/admin-graphql/2025-10/
mutations/webhookSubscriptionCreate).

Not an outage fix (no playbook runs it): an operator requests it when webhook
deliveries stopped arriving (subscriptions deleted after repeated failed
deliveries, a new public URL, a re-installed app). Topics already subscribed to
that address are skipped (listed first): Shopify takes no idempotency key for
this mutation, so the list is what makes a repeat harmless, and `reconcile`
reads it back after a lost answer.
"""

from __future__ import annotations

from django.conf import settings

from approvals import registry
from hotdash.errors import ValidationFailed
from integrations.actions.mode import credentials_missing
from integrations.clients.shopify import ShopifyClient
from integrations.clients.shopify_webhooks import subscription_create, subscriptions
from integrations.models import Integration
from integrations.selectors import integration_by_slug

from .common import as_failure, read, register_live, vendor_call, where

# What the platform handles (integrations/webhooks/topics.py): orders move Sales Pulse and
# Fulfillment Flow, inventory levels move Inventory Watch, fulfillment-order changes
# move Fulfillment Flow (routing complete = ready to fulfil; holds; cancellations).
TOPICS = (
    "ORDERS_CREATE",
    "ORDERS_UPDATED",
    "INVENTORY_LEVELS_UPDATE",
    "FULFILLMENT_ORDERS_ORDER_ROUTING_COMPLETE",
    "FULFILLMENT_ORDERS_PLACED_ON_HOLD",
    "FULFILLMENT_ORDERS_HOLD_RELEASED",
    "FULFILLMENT_ORDERS_CANCELLED",
)
CALLBACK_PATH = "/webhooks/shopify/"
SCHEMA = {
    "type": "object",
    "properties": {
        "slug": {"type": "string", "pattern": r"^[-a-zA-Z0-9_]{1,80}$"},
        "topics": {
            "type": "array",
            "items": {"type": "string", "enum": list(TOPICS)},
            "minItems": 1,
            "maxItems": len(TOPICS),
        },
    },
    "required": ["slug"],
    "additionalProperties": False,
}


def callback_url() -> str:
    """PUBLIC_BASE_URL + /webhooks/shopify/; 400 `public_base_url_missing` unless https."""
    base = (getattr(settings, "PUBLIC_BASE_URL", None) or "").rstrip("/")
    if not base.startswith("https://"):
        raise ValidationFailed(
            "PUBLIC_BASE_URL must be this platform's public https:// address "
            "(Shopify delivers webhooks only to https).",
            code="public_base_url_missing",
        )
    return base + CALLBACK_PATH


def _topics(params: dict) -> list[str]:
    return list(dict.fromkeys(params.get("topics") or TOPICS))


def _shop(slug: str) -> Integration:
    integration = integration_by_slug(slug)
    if integration.kind != Integration.Kind.SHOPIFY:
        raise ValidationFailed(f"{slug} is not a Shopify integration.", code="not_shopify")
    if integration.mode == Integration.Mode.LIVE and (missing := credentials_missing(integration)):
        raise ValidationFailed(
            f"{slug} is live and {', '.join(missing)} is not set in the environment.",
            code="credentials_missing",
            extra={"missing": missing},
        )
    return integration


def precondition(params: dict) -> dict:
    """Mode, callback address and topics (no vendor call). Refuses (400) without
    an https PUBLIC_BASE_URL, for a non-Shopify integration, or live without its token."""
    integration = _shop(params["slug"])
    return {
        "integration": integration.slug,
        "mode": integration.mode,
        "callback_url": callback_url(),
        "topics": _topics(params),
    }


def _subscribed(client: ShopifyClient, topics: list[str], address: str) -> set[str]:
    return {s.topic for s in subscriptions(client, topics) if s.address == address}


def perform(params: dict, idempotency_key: str) -> dict:
    """Create the missing subscriptions; returns created / already / failed per topic.

    Listing fails → ActionFailed (nothing done). A create sent without an answer →
    OutcomeUnknown. userErrors are kept per topic; all topics failing → ActionFailed.
    """
    integration = as_failure(lambda: _shop(params["slug"]))
    address, topics = as_failure(callback_url), _topics(params)
    client = as_failure(lambda: ShopifyClient(integration))
    already = read(lambda: _subscribed(client, topics, address), "listing subscriptions")
    created, failed = [], {}
    for topic in (t for t in topics if t not in already):
        sub, errors = vendor_call(lambda t=topic: subscription_create(client, t, address))
        if sub:
            created.append(topic)
        elif any("already been taken" in e for e in errors):  # created meanwhile
            already.add(topic)
        else:
            failed[topic] = "; ".join(errors)
    if failed and not created:
        raise registry.ActionFailed(f"Shopify refused every subscription: {failed}")
    result = {"callback_url": address, "created": created, "already": sorted(already)}
    return {**result, "failed": failed}


def reconcile(params: dict, idempotency_key: str) -> dict | None:
    """Every topic subscribed to the address → performed; some missing → not performed
    (a new execution creates only those); Shopify unreadable → None."""
    try:
        integration = as_failure(lambda: _shop(params["slug"]))
        address, topics = as_failure(callback_url), _topics(params)
        client = as_failure(lambda: ShopifyClient(integration))
        found = read(lambda: _subscribed(client, topics, address), "listing subscriptions")
    except registry.ActionFailed:
        return None
    missing = [t for t in topics if t not in found]
    return {"performed": not missing, "subscribed": sorted(found), "missing": missing}


def _rows(params: dict, before: dict) -> list[tuple[str, str]]:
    _, label = where(params["slug"])
    return [
        ("integration", label),
        ("callback", before.get("callback_url", "?")),
        ("topics", ", ".join(before.get("topics", []))),
        ("effect", "creates the missing subscriptions; existing ones are left as they are"),
    ]


def register() -> None:
    register_live(
        "shopify.webhooks_register",
        schema=SCHEMA,
        perform=perform,
        precondition=precondition,
        reconcile=reconcile,
        summary=_rows,
        description="Subscribe the store's webhooks (orders, inventory, fulfillment) again.",
    )
