"""The Shopify Admin GraphQL objects the platform reads, built over the seeded store.

Field names follow the shopify.dev object pages (Order, FulfillmentOrder,
InventoryItem, InventoryLevel, ProductVariant, Product, Shop); ids are GIDs and
money amounts strings (see vendor-contracts.md §1).
"""

from __future__ import annotations

import zlib
from datetime import datetime

from .. import data
from ..schema.execute import FieldError
from .shopify_catalog import CatalogObjects, sorted_by
from .shopify_query import connection, gid, money_bag, parse_gid, search, ts

ORDER_SORT = {
    "ID": lambda o, now: o.id,
    "CREATED_AT": lambda o, now: o.created_at,
    "PROCESSED_AT": lambda o, now: o.created_at,
    "UPDATED_AT": lambda o, now: o.updated_at(now),
    "ORDER_NUMBER": lambda o, now: o.number,
    "TOTAL_PRICE": lambda o, now: o.total,
    "CUSTOMER_NAME": lambda o, now: o.customer_name,
    "FINANCIAL_STATUS": lambda o, now: o.financial_status,
}
_FULFILLMENT_SEARCH = {
    "FULFILLED": ("shipped", "fulfilled"),
    "UNFULFILLED": ("unshipped", "unfulfilled"),
    "PARTIALLY_FULFILLED": ("partial",),
    "ON_HOLD": ("on_hold",),
}


class StoreObjects(CatalogObjects):
    """Builds the QueryRoot for one request (`now` fixes the time-dependent statuses)."""

    def __init__(self, seed: int, now: datetime) -> None:
        self.seed, self.now = seed, now

    def root(self) -> dict:
        return {
            "__typename": "QueryRoot",
            "shop": lambda _: self.shop(),
            "orders": self.orders,
            "order": lambda a: self._one(self._order_by_gid(a.get("id")), self.order),
            "ordersCount": lambda a: {
                "__typename": "Count",
                "count": len(self._orders(a)),
                "precision": "EXACT",
            },
            "products": lambda a: self._products(a),
            "product": lambda a: self._one(
                data.product_by_id(parse_gid(a.get("id"), "Product"), self.seed), self.product
            ),
            "productVariants": lambda a: self._variants(a),
            "productVariant": lambda a: self._one(
                data.variant_by_id(parse_gid(a.get("id"), "ProductVariant"), self.seed),
                self.variant,
            ),
            "inventoryItems": lambda a: self._inventory_items(a),
            "inventoryItem": lambda a: self._one(
                data.variant_by_inventory_item(parse_gid(a.get("id"), "InventoryItem"), self.seed),
                self.inventory_item,
            ),
            "locations": lambda a: connection(
                list(data.LOCATIONS), a, "Location", self.location, lambda loc: loc.id
            ),
            "location": lambda a: self._one(
                data.location_by_id(parse_gid(a.get("id"), "Location")), self.location
            ),
        }

    def _order_by_gid(self, value) -> data.Order | None:
        """The order, unless older than the 60-day window (no `read_all_orders` scope)."""
        order = data.order_by_id(parse_gid(value, "Order"), self.seed, self.now)
        if order is None or order.created_at.date() < data.order_window(self.now)[0]:
            return None
        return order

    @staticmethod
    def _one(found, build):
        return build(found) if found is not None else None

    def shop(self) -> dict:
        return {
            "__typename": "Shop",
            "id": gid("Shop", 68817551382),
            "name": data.SHOP_NAME,
            "email": "ops@hotrodan.example",
            "contactEmail": "support@hotrodan.example",
            "myshopifyDomain": data.SHOP_DOMAIN,
            "currencyCode": data.CURRENCY,
            "ianaTimezone": data.TIMEZONE,
            "timezoneAbbreviation": "PST",
            "primaryDomain": {
                "__typename": "Domain",
                "host": "hotrodan.example",
                "url": "https://hotrodan.example",
            },
            "plan": {
                "__typename": "ShopPlan",
                "displayName": "Basic",
                "partnerDevelopment": False,
                "shopifyPlus": False,
            },
        }

    # Orders ---------------------------------------------------------------------------------
    def _orders(self, args: dict) -> list:
        now = self.now
        getters = {
            "created_at": lambda o: o.created_at,
            "processed_at": lambda o: o.created_at,
            "updated_at": lambda o: o.updated_at(now),
            "name": lambda o: (o.name, str(o.number)),
            "financial_status": lambda o: o.financial_status.lower(),
            "fulfillment_status": lambda o: _FULFILLMENT_SEARCH[o.fulfillment_status(now)],
            "status": lambda o: ("any", "cancelled") if o.cancelled_at else ("any", "open"),
            "email": lambda o: o.email,
            "sku": lambda o: tuple(li.sku for li in o.line_items),
        }
        return search(
            data.recent_orders(self.seed, now),
            args.get("query"),
            getters,
            lambda o: f"{o.name} {o.customer_name} {o.email}",
        )

    def orders(self, args: dict) -> dict:
        sort_key = args.get("sortKey") or "ID"
        if sort_key not in ORDER_SORT:
            raise FieldError(
                f"Argument 'sortKey' on Field 'orders' has an invalid value ({sort_key}). "
                "Expected type 'OrderSortKeys'.",
                "argumentLiteralsIncompatible",
            )
        key = ORDER_SORT[sort_key]
        items = sorted_by(self._orders(args), lambda o: key(o, self.now), args)
        return connection(items, args, "Order", self.order, lambda o: o.id)

    def order(self, o: data.Order) -> dict:
        now = self.now
        return {
            "__typename": "Order",
            "id": gid("Order", o.id),
            "legacyResourceId": str(o.id),
            "name": o.name,
            "email": o.email,
            "createdAt": ts(o.created_at),
            "processedAt": ts(o.created_at),
            "updatedAt": ts(o.updated_at(now)),
            "cancelledAt": ts(o.cancelled_at),
            "closed": o.fulfillment_status(now) == "FULFILLED",
            "currencyCode": data.CURRENCY,
            "test": False,
            "tags": [],
            "sourceName": "web",
            "displayFinancialStatus": o.financial_status,
            "displayFulfillmentStatus": o.fulfillment_status(now),
            "totalPriceSet": money_bag(o.total),
            "currentTotalPriceSet": money_bag(o.current_total),
            "subtotalPriceSet": money_bag(o.subtotal),
            "totalTaxSet": money_bag(o.tax),
            "totalShippingPriceSet": money_bag(o.shipping),
            "totalRefundedSet": money_bag(o.refunded),
            "customer": {
                "__typename": "Customer",
                "id": gid("Customer", 7_000_000_000_000 + zlib.crc32(o.email.encode())),
                "displayName": o.customer_name,
                "email": o.email,
            },
            "lineItems": lambda a: connection(
                list(o.line_items), a, "LineItem", self.line_item, lambda li: li.id
            ),
            "fulfillmentOrders": lambda a: connection(
                data.fulfillment_orders(o, now),
                a,
                "FulfillmentOrder",
                lambda fo: self.fulfillment_order(fo, o),
                lambda fo: fo.id,
            ),
        }

    def line_item(self, li: data.LineItem) -> dict:
        return {
            "__typename": "LineItem",
            "id": gid("LineItem", li.id),
            "name": li.title,
            "title": li.title,
            "sku": li.sku,
            "quantity": li.quantity,
            "currentQuantity": li.quantity,
            "originalUnitPriceSet": money_bag(li.unit_price),
            "originalTotalSet": money_bag(li.unit_price * li.quantity),
            "variant": lambda _: self._one(
                data.variant_by_id(li.variant_id, self.seed), self.variant
            ),
        }

    def fulfillment_order(self, fo: data.FulfillmentOrder, order: data.Order) -> dict:
        location = data.location_by_id(fo.location_id)
        holds = (
            [
                {
                    "__typename": "FulfillmentHold",
                    "reason": "OTHER",
                    "reasonNotes": "Held for address verification",
                }
            ]
            if fo.status == "ON_HOLD"
            else []
        )
        lines = [
            {
                "__typename": "FulfillmentOrderLineItem",
                "id": gid("FulfillmentOrderLineItem", fo.id * 100 + i),
                "remainingQuantity": rem,
                "totalQuantity": tot,
            }
            for i, (rem, tot) in enumerate(fo.line_items)
        ]
        return {
            "__typename": "FulfillmentOrder",
            "id": gid("FulfillmentOrder", fo.id),
            "status": fo.status,
            "requestStatus": "UNSUBMITTED",
            "fulfillAt": ts(fo.fulfill_at),
            "createdAt": ts(fo.fulfill_at),
            "updatedAt": ts(order.updated_at(self.now)),
            "fulfillmentHolds": holds,
            "orderId": gid("Order", order.id),
            "orderName": order.name,
            "assignedLocation": {
                "__typename": "FulfillmentOrderAssignedLocation",
                "name": location.name,
                "location": self.location(location),
            },
            "lineItems": lambda a: connection(
                lines,
                a,
                "FulfillmentOrderLineItem",
                lambda x: x,
                lambda x: int(x["id"].rsplit("/", 1)[1]),
            ),
        }
