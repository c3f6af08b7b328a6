"""Shopify catalogue objects (Product, ProductVariant, InventoryItem, InventoryLevel, Location).

Field names follow the shopify.dev object pages; inventory quantity names follow
the 2023-08-28 changelog "New inventory states" (vendor-contracts.md §1).
"""

from __future__ import annotations

from .. import data
from ..schema.execute import FieldError
from .shopify_query import connection, gid, money, search, ts

QUANTITY_NAMES = (
    "available",
    "on_hand",
    "committed",
    "incoming",
    "reserved",
    "damaged",
    "safety_stock",
    "quality_control",
)


def sorted_by(items: list, key, args: dict) -> list:
    """`items` ordered by `key` then id, reversed when the `reverse` argument is true."""
    return sorted(items, key=lambda item: (key(item), item.id), reverse=bool(args.get("reverse")))


class CatalogObjects:
    """Builders for the catalogue types; mixed into `Schema` (needs `self.seed`)."""

    seed: int

    def _products(self, args: dict) -> dict:
        getters = {
            "title": lambda p: p.title,
            "product_type": lambda p: p.product_type,
            "vendor": lambda p: data.SHOP_NAME,
            "status": lambda p: "active",
            "sku": lambda p: tuple(v.sku for v in p.variants),
            "handle": lambda p: p.handle,
        }
        items = search(list(data.catalog(self.seed)), args.get("query"), getters, lambda p: p.title)
        sort = {
            "TITLE": lambda p: p.title,
            "CREATED_AT": lambda p: p.created_at,
            "PRODUCT_TYPE": lambda p: p.product_type,
        }.get(args.get("sortKey") or "ID", lambda p: p.id)
        return connection(
            sorted_by(items, sort, args), args, "Product", self.product, lambda p: p.id
        )

    def _variants(self, args: dict) -> dict:
        getters = {
            "sku": lambda v: v.sku,
            "product_id": lambda v: v.product_id,
            "title": lambda v: v.title,
        }
        items = search(
            list(data.variants(self.seed)), args.get("query"), getters, lambda v: v.display_name
        )
        key = {"SKU": lambda v: v.sku, "TITLE": lambda v: v.title}.get(
            args.get("sortKey") or "ID", lambda v: v.id
        )
        return connection(
            sorted_by(items, key, args),
            args,
            "ProductVariant",
            self.variant,
            lambda v: v.id,
        )

    def _inventory_items(self, args: dict) -> dict:
        getters = {"sku": lambda v: v.sku, "id": lambda v: v.inventory_item_id}
        items = search(list(data.variants(self.seed)), args.get("query"), getters, lambda v: v.sku)
        return connection(
            sorted_by(items, lambda v: v.inventory_item_id, args),
            args,
            "InventoryItem",
            self.inventory_item,
            lambda v: v.inventory_item_id,
        )

    def product(self, p: data.Product) -> dict:
        return {
            "__typename": "Product",
            "id": gid("Product", p.id),
            "legacyResourceId": str(p.id),
            "title": p.title,
            "handle": p.handle,
            "vendor": data.SHOP_NAME,
            "productType": p.product_type,
            "status": "ACTIVE",
            "tags": [],
            "createdAt": ts(p.created_at),
            "updatedAt": ts(p.created_at),
            "tracksInventory": True,
            "totalInventory": sum(v.inventory_quantity for v in p.variants),
            "onlineStoreUrl": f"https://hotrodan.example/products/{p.handle}",
            "variants": lambda a: connection(
                list(p.variants), a, "ProductVariant", self.variant, lambda v: v.id
            ),
        }

    def variant(self, v: data.Variant) -> dict:
        return {
            "__typename": "ProductVariant",
            "id": gid("ProductVariant", v.id),
            "legacyResourceId": str(v.id),
            "title": v.title,
            "displayName": v.display_name,
            "sku": v.sku,
            "price": f"{v.price:.2f}",
            "compareAtPrice": None,
            "inventoryQuantity": v.inventory_quantity,
            "availableForSale": v.inventory_quantity > 0,
            "inventoryItem": lambda _: self.inventory_item(v),
            "product": lambda _: self.product(data.product_by_id(v.product_id, self.seed)),
        }

    def inventory_item(self, v: data.Variant) -> dict:
        return {
            "__typename": "InventoryItem",
            "id": gid("InventoryItem", v.inventory_item_id),
            "legacyResourceId": str(v.inventory_item_id),
            "sku": v.sku,
            "tracked": True,
            "requiresShipping": True,
            "unitCost": money(v.unit_cost),
            "variant": lambda _: self.variant(v),
            "inventoryLevels": lambda a: connection(
                list(v.stock),
                a,
                "InventoryLevel",
                lambda s: self.level(v, s),
                lambda s: s.location_id,
            ),
        }

    def level(self, v: data.Variant, stock: data.Stock) -> dict:
        values = {
            "available": stock.available,
            "on_hand": stock.on_hand,
            "committed": stock.committed,
            "incoming": stock.incoming,
        }
        return {
            "__typename": "InventoryLevel",
            "id": f"gid://shopify/InventoryLevel/{stock.location_id}?inventory_item_id={v.inventory_item_id}",
            "location": self.location(data.location_by_id(stock.location_id)),
            "quantities": lambda a: self._quantities(values, a.get("names")),
        }

    @staticmethod
    def _quantities(values: dict, names) -> list[dict]:
        if not names:
            raise FieldError(
                "Field 'quantities' is missing required arguments: names",
                "missingRequiredArguments",
            )
        bad = [n for n in names if n not in QUANTITY_NAMES]
        if bad:
            raise FieldError(f"Invalid quantity name(s): {', '.join(bad)}", "INVALID")
        return [
            {"__typename": "InventoryQuantity", "name": n, "quantity": values.get(n, 0)}
            for n in names
        ]

    def location(self, loc: data.Location) -> dict:
        return {
            "__typename": "Location",
            "id": gid("Location", loc.id),
            "name": loc.name,
            "isActive": True,
            "legacyResourceId": str(loc.id),
        }
