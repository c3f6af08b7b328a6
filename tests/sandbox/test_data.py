"""The seeded store data: stable per (seed, day), shaped like a hot-rod parts store."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sandbox import data

NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)


def test_orders_for_day__same_seed_and_day__are_identical():
    day = date(2026, 5, 1)
    assert data.orders_for_day(day, seed=42, now=NOW) == data.orders_for_day(day, seed=42, now=NOW)


def test_orders_for_day__other_seed__differs():
    day = date(2026, 5, 1)
    assert data.orders_for_day(day, seed=42, now=NOW) != data.orders_for_day(day, seed=7, now=NOW)


def test_orders_for_day__today__only_up_to_now():
    orders = data.orders_for_day(NOW.date(), now=NOW)
    assert all(o.created_at <= NOW for o in orders)
    assert len(orders) < len(data.orders_for_day(NOW.date(), now=NOW + timedelta(hours=12)))


def test_recent_orders__cover_61_days_with_on_hold_and_old_unfulfilled():
    orders = data.recent_orders(now=NOW)
    assert orders[0].created_at.date() == NOW.date() - timedelta(days=60)
    statuses = {o.fulfillment_status(NOW) for o in orders}
    assert {"FULFILLED", "UNFULFILLED", "ON_HOLD"} <= statuses
    old = NOW - timedelta(days=7)
    assert any(o.fulfillment_status(NOW) == "UNFULFILLED" and o.created_at < old for o in orders)


def test_catalog__about_forty_variants_with_costs_below_price():
    variants = data.variants()
    assert 36 <= len(variants) <= 44
    assert all(v.unit_cost < v.price and len(v.stock) == 2 for v in variants)


def test_order_by_id__finds_generated_order():
    order = data.orders_for_day(date(2026, 6, 1), now=NOW)[0]
    assert data.order_by_id(order.id, now=NOW) == order


def test_revenue_for_day__equals_ga4_purchase_facts():
    day = date(2026, 6, 1)
    facts = data.facts_for_day(day, now=NOW)
    assert sum(f.metrics["totalRevenue"] for f in facts) == data.revenue_for_day(day, now=NOW)
