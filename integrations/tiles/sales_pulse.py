"""Sales Pulse (Shopify orders + GA4): today so far against the same weekday last week.

Rules:
- "Today" is the store's calendar day (`TileContext.today`); last week's figure
  is the same weekday seven days earlier, counted up to the same local time,
  so a morning is never compared with a whole day.
- An order counts unless it was cancelled (`cancelledAt`); revenue is the sum
  of `currentTotalPriceSet.shopMoney` (after refunds), in the shop's currency.
- Sessions and purchases come from one GA4 runReport for the store date
  (GA4 reads dates in the property's time zone, which should be the store's);
  conversion rate = ecommercePurchases / sessions.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

from integrations.tiles.context import TileContext
from integrations.tiles.money import Tally, percent_change, ratio_percent
from integrations.tiles.registry import Tile, tile_register
from integrations.tiles.shopify_reads import iter_nodes, search_time

ORDERS = """
query TileSalesOrders($first: Int!, $after: String, $q: String) {
  orders(first: $first, after: $after, query: $q, sortKey: CREATED_AT) {
    nodes { id createdAt cancelledAt currentTotalPriceSet { shopMoney { amount currencyCode } } }
    pageInfo { hasNextPage endCursor }
  }
}"""
SHOP_CURRENCY = "query TileShopCurrency { shop { currencyCode } }"
ORDER_NODE_COST = 2  # currentTotalPriceSet { shopMoney }


def _orders_summary(ctx: TileContext, start: datetime, end: datetime) -> dict:
    """Orders created in [start, end): count, revenue and average order value."""
    query = f"created_at:>={search_time(start)} created_at:<{search_time(end)}"
    tally = Tally()
    for node in iter_nodes(
        ctx.shopify,
        ORDERS,
        "orders",
        variables={"q": query},
        page_size=100,
        node_cost=ORDER_NODE_COST,
    ):
        if node.get("cancelledAt"):
            continue
        shop_money = node["currentTotalPriceSet"]["shopMoney"]
        tally.add(Decimal(str(shop_money["amount"])), shop_money["currencyCode"])
    if tally.currency is None:  # no orders yet: the shop's currency still labels the zero
        tally.currency = ctx.shopify.graphql(SHOP_CURRENCY)["shop"]["currencyCode"]
    return {
        "orders": tally.count,
        "revenue": tally.as_money(),
        "average_order_value": tally.average(),
    }


def _same_time_on(ctx: TileContext, day: date) -> datetime:
    """The current local wall-clock time on the store's `day`, in UTC."""
    local = datetime.combine(day, ctx.local_now.time().replace(tzinfo=None), ctx.tz)
    return local.astimezone(ctx.now.tzinfo)


def _ga4_today(ctx: TileContext) -> dict:
    day = ctx.today.isoformat()
    report = ctx.ga4.run_report(
        metrics=["sessions", "ecommercePurchases"], date_ranges=[(day, day)]
    )
    row = report.rows[0] if report.rows else {}
    sessions = int(row.get("sessions", 0))
    purchases = int(row.get("ecommercePurchases", 0))
    return {
        "sessions": sessions,
        "purchases": purchases,
        "conversion_rate_percent": ratio_percent(purchases, sessions),
    }


def compute(ctx: TileContext) -> dict:
    start, _ = ctx.day_bounds(ctx.today)
    today = _orders_summary(ctx, start, ctx.now)
    last_week_day = ctx.today - timedelta(days=7)
    cutoff = _same_time_on(ctx, last_week_day)
    last_week = _orders_summary(ctx, ctx.day_start(last_week_day), cutoff)
    return {
        "date": ctx.today.isoformat(),
        "time_zone": str(ctx.tz),
        "as_of": ctx.local_now.isoformat(),
        "currency": today["revenue"]["currency"],
        "today": today,
        "same_weekday_last_week": {"date": last_week_day.isoformat(), **last_week},
        "change_percent": {
            "orders": percent_change(today["orders"], last_week["orders"]),
            "revenue": percent_change(
                Decimal(today["revenue"]["amount"]), Decimal(last_week["revenue"]["amount"])
            ),
        },
        "ga4": _ga4_today(ctx),
    }


TILE = tile_register(
    Tile(
        key="sales_pulse",
        title="Sales Pulse",
        sources=("shopify", "ga4"),
        compute=compute,
        max_age_seconds=600,
        refresh_seconds=120,
        events=(
            "shopify:orders/create",
            "shopify:orders/updated",
            "shopify:orders/cancelled",
            "shopify:refunds/create",
        ),
        position=20,
    )
)
