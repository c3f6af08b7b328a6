"""Sales Pulse against the sandbox: today so far vs the same weekday last week, GA4 sessions."""

from __future__ import annotations

from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytest

from integrations.tiles.selectors import tile_read
from integrations.tiles.services import tiles_refresh
from sandbox import data
from tests.integrations.tiles.conftest import NOW, STORE_TZ, store_day_start

pytestmark = pytest.mark.django_db
CENT = Decimal("0.01")


def expected_orders(start, end, seed) -> dict:
    """Known answer: non-cancelled orders created in [start, end), revenue after refunds."""
    orders = [
        o
        for o in data.recent_orders(seed, NOW)
        if start <= o.created_at < end and o.cancelled_at is None
    ]
    revenue = sum((o.current_total for o in orders), Decimal("0"))
    aov = (revenue / len(orders)).quantize(CENT, ROUND_HALF_UP) if orders else None
    return {
        "orders": len(orders),
        "revenue": {"amount": str(revenue.quantize(CENT)), "currency": data.CURRENCY},
        "average_order_value": {"amount": str(aov), "currency": data.CURRENCY} if aov else None,
    }


def refresh_and_read():
    assert tiles_refresh(keys=["sales_pulse"], now=NOW) == {"sales_pulse": "ok"}
    return tile_read("sales_pulse")["data"]


def test_sales_pulse__today__counts_the_store_day_not_the_utc_day(store, frozen_sandbox):
    today = NOW.astimezone(STORE_TZ).date()
    start = store_day_start(today)
    tile = refresh_and_read()
    assert tile["date"] == today.isoformat() and tile["currency"] == data.CURRENCY
    assert tile["today"] == expected_orders(start, NOW, frozen_sandbox.seed)
    # The UTC day would also count the orders placed before 07:00 UTC (last evening in LA).
    utc_day = [o for o in data.orders_for_day(NOW.date(), frozen_sandbox.seed, NOW)]
    assert any(o.created_at < start for o in utc_day)


def test_sales_pulse__last_week__same_weekday_up_to_the_same_local_time(store, frozen_sandbox):
    day = NOW.astimezone(STORE_TZ).date() - timedelta(days=7)
    start = store_day_start(day)
    cutoff = start + (NOW - store_day_start(NOW.astimezone(STORE_TZ).date()))  # no DST change
    tile = refresh_and_read()
    expected = expected_orders(start, cutoff, frozen_sandbox.seed)
    assert tile["same_weekday_last_week"] == {"date": day.isoformat(), **expected}
    before, now = expected["orders"], tile["today"]["orders"]
    assert tile["change_percent"]["orders"] == round((now - before) / before * 100, 1)


def test_sales_pulse__ga4__sessions_and_conversion_rate_of_the_store_date(store, frozen_sandbox):
    day = NOW.astimezone(STORE_TZ).date()
    facts = data.facts_for_day(day, frozen_sandbox.seed, NOW)
    sessions = int(sum(f.metrics["sessions"] for f in facts))
    purchases = int(sum(f.metrics["ecommercePurchases"] for f in facts))
    tile = refresh_and_read()
    assert tile["ga4"] == {
        "sessions": sessions,
        "purchases": purchases,
        "conversion_rate_percent": round(purchases / sessions * 100, 2),
    }
