"""Inventory Watch against the sandbox: reorder points, stock-outs, cover, value at unit cost."""

from __future__ import annotations

import math
from collections import Counter
from datetime import timedelta
from decimal import Decimal

import pytest

from integrations.tiles.selectors import tile_read
from integrations.tiles.services import tiles_refresh
from sandbox import data
from tests.integrations.tiles.conftest import NOW

pytestmark = pytest.mark.django_db


def refresh_and_read():
    assert tiles_refresh(keys=["inventory_watch"], now=NOW) == {"inventory_watch": "ok"}
    return tile_read("inventory_watch")["data"]


@pytest.fixture
def sold(frozen_sandbox) -> Counter:
    """Units per SKU on non-cancelled orders of the last 14 days."""
    since = NOW - timedelta(days=14)
    units = Counter()
    for order in data.recent_orders(frozen_sandbox.seed, NOW):
        if order.created_at >= since and order.cancelled_at is None:
            for line in order.line_items:
                units[line.sku] += line.quantity
    return units


@pytest.fixture
def variants(frozen_sandbox):
    return data.variants(frozen_sandbox.seed)


def incoming(v) -> int:
    return sum(level.incoming for level in v.stock)


def test_inventory_watch__under_reorder_point__default_rule(store, sold, variants):
    point = {v.sku: max(5, math.ceil(Decimal(sold[v.sku]) * 21 / 14)) for v in variants}
    under = [v for v in variants if v.inventory_quantity + incoming(v) <= point[v.sku]]
    assert under  # the seeded store has work for this tile
    tile = refresh_and_read()
    rows = {row["sku"]: row for row in tile["under_reorder_point"]["items"]}
    assert tile["under_reorder_point"]["count"] == len(under)
    assert set(rows) == {v.sku for v in under}
    for v in under:
        cover = round(v.inventory_quantity * 14 / sold[v.sku], 1) if sold[v.sku] else None
        assert rows[v.sku] == {
            "sku": v.sku,
            "title": v.display_name,
            "available": v.inventory_quantity,
            "incoming": incoming(v),
            "reorder_point": point[v.sku],
            "sold_14d": sold[v.sku],
            "days_of_cover": cover,
        }


def test_inventory_watch__reorder_point_from_config__wins_over_the_rule(store, variants):
    chosen = variants[0]
    shopify = store["shopify"]
    shopify.config = {**shopify.config, "reorder_points": {chosen.sku: 10_000}}
    shopify.save(update_fields=["config"])
    tile = refresh_and_read()
    row = next(r for r in tile["under_reorder_point"]["items"] if r["sku"] == chosen.sku)
    assert row["reorder_point"] == 10_000 and tile["reorder_rule"]["configured_skus"] == 1


def test_inventory_watch__stock_outs__store_wide_and_per_location(store, variants):
    out = [v for v in variants if v.inventory_quantity <= 0]
    at_location = [
        (v.sku, data.location_by_id(level.location_id).name)
        for v in variants
        if v.inventory_quantity > 0
        for level in v.stock
        if level.available <= 0
    ]
    tile = refresh_and_read()
    assert tile["out_of_stock"]["count"] == len(out)
    assert tile["location_stockouts"]["count"] == len(at_location) > 0
    assert {(r["sku"], r["location"]) for r in tile["location_stockouts"]["items"]} == set(
        at_location
    )


def test_inventory_watch__value__on_hand_at_unit_cost(store, variants):
    value = sum((v.unit_cost * sum(s.on_hand for s in v.stock) for v in variants), Decimal("0"))
    tile = refresh_and_read()
    assert tile["inventory_value"] == {"amount": f"{value:.2f}", "currency": data.CURRENCY}
    assert (tile["skus"], tile["skus_without_unit_cost"]) == (len(variants), 0)
