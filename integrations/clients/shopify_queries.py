"""The Admin GraphQL queries the dashboard needs (2024+ versions) and their typed results.

Field names from the shopify.dev object pages (Order, InventoryItem,
InventoryLevel, ProductVariant, FulfillmentOrder); see vendor-contracts.md §1.
Ids are GIDs; money amounts are strings, parsed to Decimal here.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

SHOP = "query ShopName { shop { name } }"

RECENT_ORDERS = """
query RecentOrders($first: Int!, $after: String, $q: String) {
  orders(first: $first, after: $after, sortKey: CREATED_AT, reverse: true, query: $q) {
    edges { cursor node {
      id name createdAt processedAt displayFinancialStatus displayFulfillmentStatus
      totalPriceSet { shopMoney { amount currencyCode } }
      currentTotalPriceSet { shopMoney { amount currencyCode } }
      subtotalPriceSet { shopMoney { amount currencyCode } }
    } }
    pageInfo { hasNextPage endCursor }
  }
}"""

INVENTORY = """
query Inventory($id: ID!) {
  inventoryItem(id: $id) {
    id sku tracked
    unitCost { amount currencyCode }
    inventoryLevels(first: 10) { nodes {
      id location { id name }
      quantities(names: ["available", "on_hand", "committed", "incoming"]) { name quantity }
    } }
  }
}"""

VARIANT_COST = """
query VariantCost($id: ID!) {
  productVariant(id: $id) {
    id sku price inventoryQuantity inventoryItem { id unitCost { amount currencyCode } }
  }
}"""

FULFILLMENT_ORDERS = """
query FulfillmentOrders($id: ID!) {
  order(id: $id) { fulfillmentOrders(first: 10) { nodes {
    id status requestStatus fulfillAt assignedLocation { name }
    lineItems(first: 50) { nodes { remainingQuantity totalQuantity } }
  } } }
}"""


@dataclass(frozen=True)
class Money:
    amount: Decimal
    currency: str

    @classmethod
    def from_node(cls, node: dict | None) -> Money | None:
        """From a MoneyV2 (`{amount, currencyCode}`) or a MoneyBag (`{shopMoney: …}`)."""
        if not node:
            return None
        node = node.get("shopMoney", node)
        return cls(Decimal(str(node["amount"])), node["currencyCode"])


@dataclass(frozen=True)
class Order:
    id: str
    name: str
    created_at: str
    financial_status: str
    fulfillment_status: str
    total: Money
    current_total: Money | None
    subtotal: Money | None

    @classmethod
    def from_node(cls, node: dict) -> Order:
        return cls(
            id=node["id"],
            name=node["name"],
            created_at=node["createdAt"],
            financial_status=node["displayFinancialStatus"],
            fulfillment_status=node["displayFulfillmentStatus"],
            total=Money.from_node(node["totalPriceSet"]),
            current_total=Money.from_node(node.get("currentTotalPriceSet")),
            subtotal=Money.from_node(node.get("subtotalPriceSet")),
        )


@dataclass(frozen=True)
class InventoryLevel:
    location_id: str
    location_name: str
    quantities: dict[str, int]


@dataclass(frozen=True)
class InventoryItem:
    id: str
    sku: str | None
    tracked: bool
    unit_cost: Money | None
    levels: list[InventoryLevel]

    @classmethod
    def from_node(cls, node: dict) -> InventoryItem:
        levels = [
            InventoryLevel(
                location_id=level["location"]["id"],
                location_name=level["location"]["name"],
                quantities={qty["name"]: int(qty["quantity"]) for qty in level["quantities"]},
            )
            for level in node["inventoryLevels"]["nodes"]
        ]
        return cls(
            node["id"],
            node.get("sku"),
            bool(node["tracked"]),
            Money.from_node(node["unitCost"]),
            levels,
        )


@dataclass(frozen=True)
class VariantCost:
    id: str
    sku: str | None
    price: Decimal
    inventory_quantity: int | None
    unit_cost: Money | None

    @classmethod
    def from_node(cls, node: dict) -> VariantCost:
        item = node.get("inventoryItem") or {}
        return cls(
            node["id"],
            node.get("sku"),
            Decimal(str(node["price"])),
            node.get("inventoryQuantity"),
            Money.from_node(item.get("unitCost")),
        )


@dataclass(frozen=True)
class FulfillmentOrder:
    id: str
    status: str
    request_status: str
    fulfill_at: str | None
    location_name: str | None
    remaining_quantity: int
    total_quantity: int

    @classmethod
    def from_node(cls, node: dict) -> FulfillmentOrder:
        lines = node["lineItems"]["nodes"]
        return cls(
            id=node["id"],
            status=node["status"],
            request_status=node["requestStatus"],
            fulfill_at=node.get("fulfillAt"),
            location_name=(node.get("assignedLocation") or {}).get("name"),
            remaining_quantity=sum(int(line["remainingQuantity"]) for line in lines),
            total_quantity=sum(int(line["totalQuantity"]) for line in lines),
        )
