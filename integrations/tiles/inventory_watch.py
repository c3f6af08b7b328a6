"""Inventory Watch (Shopify inventory): what runs out, and what the stock is worth.

Rules (all quantities summed over the item's locations):
- Sell-through: units on non-cancelled orders created in the last 14 × 24 h,
  by SKU; daily rate = units / 14. Days of cover = available / daily rate
  (null when nothing sold).
- Reorder point: `config["reorder_points"][sku]` on the shopify integration
  when set; otherwise the default rule
  max(`reorder_min_units` (5), ceil(daily rate × `reorder_cover_days` (21)))
  — two weeks of supplier lead time plus one week of safety stock.
- A SKU is under its reorder point when available + incoming ≤ the reorder point.
- Out of stock: available ≤ 0 over all locations; a location stock-out is a
  location at 0 while another still has stock.
- Inventory value: on_hand × unit cost (`InventoryItem.unitCost`); items
  without a unit cost are counted apart. Untracked items are ignored.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

from integrations.tiles.context import TileContext
from integrations.tiles.money import Tally
from integrations.tiles.registry import Tile, tile_register
from integrations.tiles.shopify_reads import iter_nodes, search_time

SELL_THROUGH_DAYS = 14
DEFAULT_COVER_DAYS = 21
DEFAULT_MIN_UNITS = 5
ITEMS_SHOWN = 25

VARIANTS = """
query TileVariants($first: Int!, $after: String) {
  productVariants(first: $first, after: $after) {
    nodes {
      id sku displayName
      inventoryItem {
        tracked
        unitCost { amount currencyCode }
        inventoryLevels(first: 5) { nodes {
          location { name }
          quantities(names: ["available", "on_hand", "incoming"]) { name quantity }
        } }
      }
    }
    pageInfo { hasNextPage endCursor }
  }
}"""
VARIANT_NODE_COST = 19  # inventoryItem 1 + unitCost 1 + levels (2 + 5 × 3)

ORDER_LINES = """
query TileOrderLines($first: Int!, $after: String, $q: String) {
  orders(first: $first, after: $after, query: $q) {
    nodes { cancelledAt lineItems(first: 10) { nodes { sku quantity } } }
    pageInfo { hasNextPage endCursor }
  }
}"""
ORDER_NODE_COST = 12  # lineItems 2 + 10 × 1


@dataclass(frozen=True)
class Sku:
    sku: str
    title: str
    available: int
    on_hand: int
    incoming: int
    stocked_out_at: tuple[str, ...]
    unit_cost: Decimal | None
    currency: str | None

    @classmethod
    def from_node(cls, node: dict) -> Sku:
        item = node["inventoryItem"]
        levels = [
            (
                level["location"]["name"],
                {q["name"]: int(q["quantity"]) for q in level["quantities"]},
            )
            for level in item["inventoryLevels"]["nodes"]
        ]
        cost = item.get("unitCost")
        total = Counter()
        for _, quantities in levels:
            total.update(quantities)
        return cls(
            sku=node.get("sku") or "",
            title=node["displayName"],
            available=total["available"],
            on_hand=total["on_hand"],
            incoming=total["incoming"],
            stocked_out_at=tuple(name for name, q in levels if q.get("available", 0) <= 0),
            unit_cost=Decimal(str(cost["amount"])) if cost else None,
            currency=cost["currencyCode"] if cost else None,
        )


def _skus(ctx: TileContext) -> list[Sku]:
    nodes = iter_nodes(
        ctx.shopify, VARIANTS, "productVariants", page_size=40, node_cost=VARIANT_NODE_COST
    )
    return [Sku.from_node(n) for n in nodes if n["inventoryItem"]["tracked"]]


def _units_sold(ctx: TileContext) -> Counter:
    since = ctx.now - timedelta(days=SELL_THROUGH_DAYS)
    sold: Counter = Counter()
    for order in iter_nodes(
        ctx.shopify,
        ORDER_LINES,
        "orders",
        variables={"q": f"created_at:>={search_time(since)}"},
        page_size=50,
        node_cost=ORDER_NODE_COST,
    ):
        if not order.get("cancelledAt"):
            for line in order["lineItems"]["nodes"]:
                sold[line.get("sku") or ""] += int(line["quantity"])
    return sold


def days_of_cover(available: int, sold: int) -> float | None:
    """available / (sold / 14 days), one decimal; None when nothing sold."""
    if sold <= 0:
        return None
    cover = Decimal(max(available, 0)) * SELL_THROUGH_DAYS / Decimal(sold)
    return float(cover.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def reorder_point(sku: str, sold: int, config: dict) -> int:
    """The configured point for `sku`, else max(min units, ceil(daily rate × cover days))."""
    overrides = config.get("reorder_points") or {}
    if sku in overrides:
        return int(overrides[sku])
    cover_days = int(config.get("reorder_cover_days", DEFAULT_COVER_DAYS))
    minimum = int(config.get("reorder_min_units", DEFAULT_MIN_UNITS))
    return max(minimum, math.ceil(Decimal(sold) * cover_days / SELL_THROUGH_DAYS))


def _row(item: Sku, sold: int, point: int) -> dict:
    return {
        "sku": item.sku,
        "title": item.title,
        "available": item.available,
        "incoming": item.incoming,
        "reorder_point": point,
        "sold_14d": sold,
        "days_of_cover": days_of_cover(item.available, sold),
    }


def _by_urgency(row: dict) -> tuple:
    cover = row["days_of_cover"]
    return (cover is None, cover if cover is not None else 0, row["sku"])


def compute(ctx: TileContext) -> dict:
    config = ctx.config("shopify")
    skus, sold = _skus(ctx), _units_sold(ctx)
    value, no_cost = Tally(), 0
    under, out, location_out = [], [], []
    for item in skus:
        point = reorder_point(item.sku, sold[item.sku], config)
        if item.available + item.incoming <= point:
            under.append(_row(item, sold[item.sku], point))
        if item.available <= 0:
            out.append({"sku": item.sku, "title": item.title, "incoming": item.incoming})
        elif item.stocked_out_at:
            location_out += [{"sku": item.sku, "location": name} for name in item.stocked_out_at]
        if item.unit_cost is None:
            no_cost += 1
        else:
            value.add(item.unit_cost * max(item.on_hand, 0), item.currency)
    under.sort(key=_by_urgency)
    return {
        "skus": len(skus),
        "inventory_value": value.as_money(),
        "skus_without_unit_cost": no_cost,
        "sell_through_days": SELL_THROUGH_DAYS,
        "reorder_rule": {
            "cover_days": int(config.get("reorder_cover_days", DEFAULT_COVER_DAYS)),
            "min_units": int(config.get("reorder_min_units", DEFAULT_MIN_UNITS)),
            "configured_skus": len(config.get("reorder_points") or {}),
        },
        "under_reorder_point": {"count": len(under), "items": under[:ITEMS_SHOWN]},
        "out_of_stock": {"count": len(out), "items": out[:ITEMS_SHOWN]},
        "location_stockouts": {"count": len(location_out), "items": location_out[:ITEMS_SHOWN]},
    }


TILE = tile_register(
    Tile(
        key="inventory_watch",
        title="Inventory Watch",
        sources=("shopify",),
        compute=compute,
        max_age_seconds=1800,
        refresh_seconds=600,
        events=(
            "shopify:inventory_levels/update",
            "shopify:inventory_items/update",
            "shopify:products/update",
            "shopify:orders/create",
            "shopify:orders/cancelled",
        ),
        position=40,
    )
)
