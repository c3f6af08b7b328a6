"""The product catalogue of "Hot Rod AN": ~40 variants, unit costs and stock at 2 locations.

Prices are fixed; unit costs and stock come from an RNG seeded by the sandbox
seed, so they are stable across restarts for one seed.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import lru_cache

DEFAULT_SEED = 42
SHOP_NAME = "Hot Rod AN"
SHOP_DOMAIN = "hot-rod-an.myshopify.com"
CURRENCY = "USD"
TIMEZONE = "America/Los_Angeles"
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Location:
    id: int
    name: str


LOCATIONS = (
    Location(71234560001, "Fresno Warehouse"),
    Location(71234560002, "Bakersfield Speed Shop"),
)


@dataclass(frozen=True)
class Stock:
    location_id: int
    available: int
    committed: int
    incoming: int

    @property
    def on_hand(self) -> int:
        return self.available + self.committed


@dataclass(frozen=True)
class Variant:
    id: int
    product_id: int
    inventory_item_id: int
    sku: str
    title: str
    product_title: str
    price: Decimal
    unit_cost: Decimal
    stock: tuple[Stock, ...]

    @property
    def inventory_quantity(self) -> int:
        return sum(level.available for level in self.stock)

    @property
    def display_name(self) -> str:
        return (
            self.product_title
            if self.title == "Default Title"
            else f"{self.product_title} - {self.title}"
        )


@dataclass(frozen=True)
class Product:
    id: int
    title: str
    handle: str
    product_type: str
    created_at: datetime
    variants: tuple[Variant, ...]


# (title, product type, [(variant title, SKU, price)])
_CATALOG = [
    (
        "AN Straight Hose End Fitting",
        "Fittings",
        [
            ("-6 AN", "HRAN-HE0-06", "14.99"),
            ("-8 AN", "HRAN-HE0-08", "17.99"),
            ("-10 AN", "HRAN-HE0-10", "22.99"),
        ],
    ),
    (
        "AN 90 Degree Hose End Fitting",
        "Fittings",
        [
            ("-6 AN", "HRAN-HE90-06", "19.99"),
            ("-8 AN", "HRAN-HE90-08", "23.99"),
            ("-10 AN", "HRAN-HE90-10", "28.99"),
        ],
    ),
    (
        "AN 45 Degree Hose End Fitting",
        "Fittings",
        [("-6 AN", "HRAN-HE45-06", "18.99"), ("-8 AN", "HRAN-HE45-08", "21.99")],
    ),
    (
        "AN Union Fitting",
        "Fittings",
        [
            ("-6 AN", "HRAN-UN-06", "8.99"),
            ("-8 AN", "HRAN-UN-08", "9.99"),
            ("-10 AN", "HRAN-UN-10", "12.99"),
        ],
    ),
    (
        "AN Bulkhead Fitting",
        "Fittings",
        [("-6 AN", "HRAN-BH-06", "12.49"), ("-8 AN", "HRAN-BH-08", "14.49")],
    ),
    (
        "AN to NPT Adapter",
        "Fittings",
        [
            ("-6 AN to 3/8 NPT", "HRAN-NPT-0638", "7.99"),
            ("-8 AN to 3/8 NPT", "HRAN-NPT-0838", "8.49"),
            ("-8 AN to 1/2 NPT", "HRAN-NPT-0812", "8.99"),
        ],
    ),
    (
        "PTFE Lined Stainless Braided Hose 10 ft",
        "Hose",
        [
            ("-6 AN", "HRAN-PTFE-06", "89.99"),
            ("-8 AN", "HRAN-PTFE-08", "109.99"),
            ("-10 AN", "HRAN-PTFE-10", "139.99"),
        ],
    ),
    (
        "Nylon Braided Rubber Hose 20 ft",
        "Hose",
        [("-6 AN", "HRAN-NYL-06", "64.99"), ("-8 AN", "HRAN-NYL-08", "79.99")],
    ),
    ("Inline Fuel Pump 255 LPH", "Fuel Pumps", [("Default Title", "HRAN-FP-255", "129.99")]),
    ("Inline Fuel Pump 340 LPH E85", "Fuel Pumps", [("Default Title", "HRAN-FP-340E", "189.99")]),
    ("In-Tank Fuel Pump 450 LPH", "Fuel Pumps", [("Default Title", "HRAN-FP-450T", "249.99")]),
    (
        "Return Style Fuel Pressure Regulator",
        "Fuel System",
        [("Default Title", "HRAN-FPR-RS", "119.99")],
    ),
    (
        "Fuel Filter -8 AN",
        "Fuel System",
        [("10 Micron", "HRAN-FF-08-10", "54.99"), ("100 Micron", "HRAN-FF-08-100", "49.99")],
    ),
    ("Fuel Pressure Gauge 0-100 psi", "Fuel System", [("Default Title", "HRAN-GA-100", "34.99")]),
    ("Fuel Pump Relay Harness", "Fuel System", [("Default Title", "HRAN-RLY-01", "39.99")]),
    ("Aluminum Fuel Cell 15 gal", "Fuel System", [("Default Title", "HRAN-FC-15", "329.99")]),
    (
        "4-Barrel Carburetor 600 CFM",
        "Carburetors",
        [("Manual Choke", "HRAN-CB600-M", "429.99"), ("Electric Choke", "HRAN-CB600-E", "459.99")],
    ),
    (
        "4-Barrel Carburetor 750 CFM",
        "Carburetors",
        [
            ("Vacuum Secondary", "HRAN-CB750-V", "489.99"),
            ("Mechanical Secondary", "HRAN-CB750-M", "519.99"),
        ],
    ),
    (
        "Shorty Headers Small Block Chevy",
        "Headers",
        [
            ("Black Paint", "HRAN-HDR-SBC-B", "219.99"),
            ("Ceramic Coated", "HRAN-HDR-SBC-C", "329.99"),
        ],
    ),
    (
        "Long Tube Headers LS",
        "Headers",
        [("1-3/4 in", "HRAN-HDR-LS-175", "649.99"), ("1-7/8 in", "HRAN-HDR-LS-187", "689.99")],
    ),
    ("Header Gasket Set SBC", "Headers", [("Default Title", "HRAN-GSK-SBC", "24.99")]),
    ("AN Hose Assembly Tool Kit", "Tools", [("Default Title", "HRAN-TOOL-KIT", "59.99")]),
]


def _handle(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")


def _stock(rng: random.Random) -> tuple[Stock, ...]:
    levels = []
    for location in LOCATIONS:
        low = rng.random() < 0.15  # some SKUs run low so Inventory Watch has work
        available = rng.randint(0, 4) if low else rng.randint(12, 140)
        incoming = rng.choice((0, 0, 24, 48)) if low else 0
        levels.append(Stock(location.id, available, rng.randint(0, 8), incoming))
    return tuple(levels)


@lru_cache(maxsize=8)
def catalog(seed: int = DEFAULT_SEED) -> tuple[Product, ...]:
    """Every product with its variants; ids are stable Shopify-sized integers."""
    rng = random.Random(f"{seed}:catalog")
    products, n = [], 0
    for p_index, (title, ptype, rows) in enumerate(_CATALOG):
        product_id = 8_420_000_000_000 + p_index
        variants = []
        for title_v, sku, price in rows:
            price_d = Decimal(price)
            cost = (price_d * Decimal(str(rng.uniform(0.42, 0.62)))).quantize(CENT)
            variants.append(
                Variant(
                    44_120_000_000_000 + n,
                    product_id,
                    46_330_000_000_000 + n,
                    sku,
                    title_v,
                    title,
                    price_d,
                    cost,
                    _stock(rng),
                )
            )
            n += 1
        created = datetime(2024, 3, 1, 17, 0, tzinfo=UTC) + timedelta(days=p_index)
        products.append(Product(product_id, title, _handle(title), ptype, created, tuple(variants)))
    return tuple(products)


def variants(seed: int = DEFAULT_SEED) -> tuple[Variant, ...]:
    return tuple(v for p in catalog(seed) for v in p.variants)


def product_by_id(product_id: int, seed: int = DEFAULT_SEED) -> Product | None:
    return next((p for p in catalog(seed) if p.id == product_id), None)


def variant_by_id(variant_id: int, seed: int = DEFAULT_SEED) -> Variant | None:
    return next((v for v in variants(seed) if v.id == variant_id), None)


def variant_by_inventory_item(item_id: int, seed: int = DEFAULT_SEED) -> Variant | None:
    return next((v for v in variants(seed) if v.inventory_item_id == item_id), None)


def variant_by_sku(sku: str, seed: int = DEFAULT_SEED) -> Variant | None:
    return next((v for v in variants(seed) if v.sku == sku), None)


def location_by_id(location_id: int) -> Location | None:
    return next((loc for loc in LOCATIONS if loc.id == location_id), None)
