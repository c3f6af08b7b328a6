"""Fulfillment Flow (Shopify orders and their fulfillment orders): what waits to ship.

Rules:
- Orders read: not fulfilled (`-fulfillment_status:fulfilled`) and not
  cancelled (`cancelledAt`), within the 60 days Shopify shows without `read_all_orders`.
- On hold: an order with a fulfillment order ON_HOLD (it is not counted as unfulfilled).
- Unfulfilled: an order with a fulfillment order OPEN or IN_PROGRESS (partly
  shipped orders count); its age is measured from the order's `createdAt`.
  SCHEDULED fulfillment orders (not yet due) are left out.
- Promise: an order ships by the end of its `promise_business_days`th business
  day (config on the shopify integration, default 2) after the day it was placed,
  in the store's time zone; business days are Monday to Friday (holidays not
  counted). Orders unfulfilled past that moment are "past promise".
FulfillmentOrder statuses: shopify.dev/docs/api/admin-graphql/latest/enums/FulfillmentOrderStatus
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from integrations.tiles.context import TileContext
from integrations.tiles.registry import Tile, tile_register
from integrations.tiles.shopify_reads import iter_nodes, parse_time

DEFAULT_PROMISE_DAYS = 2
OPEN_STATUSES = {"OPEN", "IN_PROGRESS"}
BUCKETS = (("under_24h", 24), ("24_to_48h", 48), ("48_to_72h", 72), ("over_72h", None))
PAST_PROMISE_SHOWN = 10

UNFULFILLED = """
query TileUnfulfilled($first: Int!, $after: String, $q: String) {
  orders(first: $first, after: $after, query: $q, sortKey: CREATED_AT) {
    nodes {
      id name createdAt cancelledAt displayFulfillmentStatus
      fulfillmentOrders(first: 5) { nodes { status } }
    }
    pageInfo { hasNextPage endCursor }
  }
}"""
ORDER_NODE_COST = 7  # fulfillmentOrders 2 + 5 × 1


def ship_by(placed: datetime, business_days: int, ctx: TileContext) -> datetime:
    """The end of the `business_days`th Monday–Friday after the store day of `placed` (UTC)."""
    day: date = placed.astimezone(ctx.tz).date()
    counted = 0
    while counted < business_days:
        day += timedelta(days=1)
        counted += day.weekday() < 5
    return ctx.day_start(day + timedelta(days=1))


def bucket_of(age: timedelta) -> str:
    hours = age.total_seconds() / 3600
    return next(name for name, limit in BUCKETS if limit is None or hours < limit)


def _orders(ctx: TileContext) -> list[dict]:
    nodes = iter_nodes(
        ctx.shopify,
        UNFULFILLED,
        "orders",
        variables={"q": "-fulfillment_status:fulfilled"},
        page_size=50,
        node_cost=ORDER_NODE_COST,
    )
    return [n for n in nodes if not n.get("cancelledAt")]


def _summary(ctx: TileContext, waiting: tuple[datetime, datetime, dict]) -> dict:
    placed, deadline, order = waiting
    return {
        "id": order["id"],
        "name": order["name"],
        "created_at": placed.isoformat(),
        "age_hours": round((ctx.now - placed).total_seconds() / 3600, 1),
        "ship_by": deadline.isoformat(),
    }


def compute(ctx: TileContext) -> dict:
    days = int(ctx.config("shopify").get("promise_business_days", DEFAULT_PROMISE_DAYS))
    by_age = {name: 0 for name, _ in BUCKETS}
    on_hold, waiting = 0, []
    for order in _orders(ctx):
        statuses = {fo["status"] for fo in order["fulfillmentOrders"]["nodes"]}
        if "ON_HOLD" in statuses:
            on_hold += 1
        elif statuses & OPEN_STATUSES:
            placed = parse_time(order["createdAt"])
            by_age[bucket_of(ctx.now - placed)] += 1
            waiting.append((placed, ship_by(placed, days, ctx), order))
    waiting.sort(key=lambda item: (item[0], item[2]["name"]))
    late = [item for item in waiting if item[1] <= ctx.now]
    return {
        "as_of": ctx.local_now.isoformat(),
        "unfulfilled": len(waiting),
        "by_age": by_age,
        "on_hold": on_hold,
        "oldest_unfulfilled": _summary(ctx, waiting[0]) if waiting else None,
        "past_promise": {
            "count": len(late),
            "promise_business_days": days,
            "time_zone": str(ctx.tz),
            "oldest": [_summary(ctx, item) for item in late[:PAST_PROMISE_SHOWN]],
        },
    }


TILE = tile_register(
    Tile(
        key="fulfillment_flow",
        title="Fulfillment Flow",
        sources=("shopify",),
        compute=compute,
        max_age_seconds=600,
        refresh_seconds=120,
        events=(
            "shopify:orders/create",
            "shopify:orders/updated",
            "shopify:orders/cancelled",
            "shopify:fulfillments/create",
            "shopify:fulfillments/update",
            # order_routing_complete (ready to fulfil), placed_on_hold, hold_released,
            # moved, cancelled, …: every fulfilment-order change moves the queue.
            "shopify:fulfillment_orders/*",
        ),
        position=50,
    )
)
