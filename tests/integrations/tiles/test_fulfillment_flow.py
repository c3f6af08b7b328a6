"""Fulfillment Flow against the sandbox: age buckets, holds, oldest order, missed promises."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from integrations.tiles.context import TileContext
from integrations.tiles.fulfillment_flow import ship_by
from integrations.tiles.selectors import tile_read
from integrations.tiles.services import tiles_refresh
from sandbox import data
from tests.integrations.tiles.conftest import NOW, STORE_TZ, store_day_start

pytestmark = pytest.mark.django_db


@pytest.fixture
def tile(store):
    assert tiles_refresh(keys=["fulfillment_flow"], now=NOW) == {"fulfillment_flow": "ok"}
    return tile_read("fulfillment_flow")["data"]


@pytest.fixture
def open_orders(frozen_sandbox):
    """(order, its fulfillment order statuses) for every non-cancelled order not fulfilled."""
    found = []
    for order in data.recent_orders(frozen_sandbox.seed, NOW):
        if order.cancelled_at is None and order.fulfillment_status(NOW) != "FULFILLED":
            found.append((order, {fo.status for fo in data.fulfillment_orders(order, NOW)}))
    return found


def waiting(open_orders):
    return sorted(
        (o for o, statuses in open_orders if "ON_HOLD" not in statuses and statuses & {"OPEN"}),
        key=lambda o: (o.created_at, o.name),
    )


def test_fulfillment_flow__by_age__buckets_of_unfulfilled_orders(tile, open_orders):
    ages = [(NOW - o.created_at) / timedelta(hours=1) for o in waiting(open_orders)]
    assert tile["unfulfilled"] == len(ages)
    assert tile["by_age"] == {
        "under_24h": sum(a < 24 for a in ages),
        "24_to_48h": sum(24 <= a < 48 for a in ages),
        "48_to_72h": sum(48 <= a < 72 for a in ages),
        "over_72h": sum(a >= 72 for a in ages),
    }


def test_fulfillment_flow__on_hold_and_oldest(tile, open_orders):
    assert tile["on_hold"] == sum("ON_HOLD" in statuses for _, statuses in open_orders)
    oldest = waiting(open_orders)[0]
    assert tile["oldest_unfulfilled"]["name"] == oldest.name
    assert tile["oldest_unfulfilled"]["created_at"] == oldest.created_at.isoformat()


def end_of_second_business_day(placed: datetime) -> datetime:
    """The promise, computed by hand: Mon–Fri only, end of the day, store time."""
    day, counted = placed.astimezone(STORE_TZ).date(), 0
    while counted < 2:
        day += timedelta(days=1)
        if day.weekday() < 5:
            counted += 1
    return store_day_start(day + timedelta(days=1))


def test_fulfillment_flow__past_promise__two_business_days(tile, open_orders):
    late = [o for o in waiting(open_orders) if end_of_second_business_day(o.created_at) <= NOW]
    on_time = [o for o in waiting(open_orders) if o not in late]
    assert late and on_time  # the frozen Tuesday has both
    assert tile["past_promise"]["count"] == len(late)
    assert [row["name"] for row in tile["past_promise"]["oldest"]] == [o.name for o in late][:10]


@pytest.mark.parametrize(
    ("placed", "deadline"),
    [
        ("2026-05-08T18:00:00+00:00", "2026-05-13T07:00:00+00:00"),  # Fri 11:00 → end of Tue
        ("2026-05-09T18:00:00+00:00", "2026-05-13T07:00:00+00:00"),  # Sat → end of Tue
        ("2026-05-12T06:30:00+00:00", "2026-05-14T07:00:00+00:00"),  # Mon 23:30 LA → end of Wed
    ],
)
def test_ship_by__business_days_in_the_store_time_zone(placed, deadline):
    ctx = TileContext(now=NOW, tz=STORE_TZ)
    assert ship_by(datetime.fromisoformat(placed), 2, ctx) == datetime.fromisoformat(
        deadline
    ).astimezone(UTC)
