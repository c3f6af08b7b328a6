"""What each webhook topic does when processed, and which topics are known at all.

Payloads are hints: a Shopify or Chatwoot event only says "this changed", and
processing re-reads the vendor (through the tiles, which read the vendor
clients) rather than trusting the body (Shopify retries with the original
payload for up to 4 hours, so a body may be stale: vendor-contracts.md §2).

The tiles also declare the events that change them (`Tile.events`, read through
`integrations.tiles.registry.tiles_for_event`): such a topic is handled too, and
its tiles join the ones listed here. A topic neither lists is stored as
`ignored` (202). A handler is `refetch`
(it only re-reads vendor data) or `action` (it may lead to a live action, e.g.
an approval request): unsigned Chatwoot deliveries may only run `refetch` ones.
"""

from __future__ import annotations

from dataclasses import dataclass

REFETCH, ACTION = "refetch", "action"


@dataclass(frozen=True)
class Handler:
    kind: str  # REFETCH or ACTION
    tiles: tuple[str, ...] = ()  # tile keys to refresh (REFETCH)
    run: str = ""  # dotted path of a callable(event) -> dict (ACTION)


SALES, INVENTORY, FULFILLMENT, CX = "sales_pulse", "inventory_watch", "fulfillment_flow", "cx_pulse"

# Shopify topics (shopify.dev/docs/api/webhooks): a new or changed order moves sales
# and the fulfilment queue; inventory levels move Inventory Watch.
SHOPIFY: dict[str, Handler] = {
    "orders/create": Handler(REFETCH, (SALES, FULFILLMENT)),
    "orders/updated": Handler(REFETCH, (SALES, FULFILLMENT)),
    "inventory_levels/update": Handler(REFETCH, (INVENTORY,)),
}
SHOPIFY_PREFIXES: dict[str, Handler] = {
    # fulfillment_orders/* (order_routing_complete, hold_released, moved, cancelled, …)
    "fulfillment_orders/": Handler(REFETCH, (FULFILLMENT,)),
}
# Chatwoot events (Webhook::ALLOWED_WEBHOOK_EVENTS, chatwoot app/models/webhook.rb).
CHATWOOT: dict[str, Handler] = {
    "message_created": Handler(REFETCH, (CX,)),
    "conversation_status_changed": Handler(REFETCH, (CX,)),
}
GOLD_REPLIES: dict[str, Handler] = {
    "gold_reply": Handler(ACTION, run="integrations.webhooks.gold.gold_reply_process"),
}


def handler_for(source: str, topic: str) -> Handler | None:
    """The handler of a (source, topic), or None when the topic is not one we act on."""
    handler = _listed(source, topic)
    if handler is not None:
        return handler
    keys = tiles_declaring(source, topic)
    return Handler(REFETCH, keys) if keys else None


def _listed(source: str, topic: str) -> Handler | None:
    if source == "shopify":
        if topic in SHOPIFY:
            return SHOPIFY[topic]
        return next((h for p, h in SHOPIFY_PREFIXES.items() if topic.startswith(p)), None)
    if source == "chatwoot":
        return CHATWOOT.get(topic)
    if source == "gold_replies":
        return GOLD_REPLIES.get(topic)
    return None


def tiles_declaring(source: str, topic: str) -> tuple[str, ...]:
    """Keys of the registered tiles that list this event, () when none (or no tiles app)."""
    try:
        from integrations.tiles.registry import tiles_for_event
    except ImportError:  # the tiles app is optional for the webhook pipeline
        return ()
    return tuple(tiles_for_event(source, topic))


def known_topics() -> dict[str, list[str]]:
    """Topics with a handler, per source (for docs and the admin)."""
    return {
        "shopify": [*SHOPIFY, *(f"{p}*" for p in SHOPIFY_PREFIXES)],
        "chatwoot": list(CHATWOOT),
        "gold_replies": list(GOLD_REPLIES),
    }
