"""Orders and fulfillment orders, generated per calendar day (UTC).

Each day's orders come from an RNG seeded by (seed, date), so a day's orders
are the same across restarts; today's list grows as `now` passes their
`created_at`. Statuses that depend on time (fulfilled or not) take `now`.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from functools import lru_cache

from .catalog import CENT, DEFAULT_SEED, LOCATIONS, variants

ORDER_HISTORY_DAYS = 60  # Shopify exposes 60 days of orders without read_all_orders
ORDER_ID_BASE = 5_600_000_000_000
ORDER_NUMBER_EPOCH = date(2024, 1, 1)
TAX_RATE = Decimal("0.0825")
FREE_SHIPPING_OVER = Decimal("99.00")
SHIPPING = Decimal("9.95")
CHANNELS = ("Organic Search", "Paid Search", "Direct", "Organic Social", "Email", "Referral")
CHANNEL_WEIGHTS = (34, 18, 20, 12, 10, 6)
LANDING_PAGES = (
    "/",
    "/collections/an-fittings",
    "/collections/fuel-pumps",
    "/products/ptfe-braided-hose",
    "/collections/carburetors",
    "/blogs/tech/an-line-sizing",
    "/collections/headers",
    "/pages/e85-guide",
)
_FIRST = ("Jake", "Maria", "Luis", "Tasha", "Cody", "Ray", "Erin", "Dwayne", "Kim", "Hank")
_LAST = ("Miller", "Garcia", "Nguyen", "Walker", "Brooks", "Ortiz", "Hale", "Price")
_FINANCIAL = (
    ("PAID", 85),
    ("PENDING", 4),
    ("AUTHORIZED", 3),
    ("PARTIALLY_REFUNDED", 3),
    ("REFUNDED", 3),
    ("VOIDED", 2),
)


@dataclass(frozen=True)
class LineItem:
    id: int
    variant_id: int
    sku: str
    title: str
    quantity: int
    unit_price: Decimal


@dataclass(frozen=True)
class Order:
    """One order. `fulfil_after` None means it is never fulfilled (stuck)."""

    id: int
    number: int
    created_at: datetime
    customer_name: str
    email: str
    line_items: tuple[LineItem, ...]
    subtotal: Decimal
    shipping: Decimal
    tax: Decimal
    total: Decimal
    refunded: Decimal
    financial_status: str
    fulfil_after: timedelta | None
    on_hold: bool
    partial: bool
    location_id: int
    channel: str
    landing_page: str

    @property
    def name(self) -> str:
        return f"#{self.number}"

    @property
    def current_total(self) -> Decimal:
        return self.total - self.refunded

    @property
    def cancelled_at(self) -> datetime | None:
        return self.created_at + timedelta(hours=1) if self.financial_status == "VOIDED" else None

    def fulfilled_at(self, now: datetime) -> datetime | None:
        if self.fulfil_after is None or self.on_hold or self.cancelled_at:
            return None
        at = self.created_at + self.fulfil_after
        return at if at <= now else None

    def fulfillment_status(self, now: datetime) -> str:
        """Shopify's displayFulfillmentStatus at `now`."""
        if self.on_hold:
            return "ON_HOLD"
        if self.fulfilled_at(now) is None:
            return "UNFULFILLED"
        return "PARTIALLY_FULFILLED" if self.partial else "FULFILLED"

    def updated_at(self, now: datetime) -> datetime:
        return self.fulfilled_at(now) or self.cancelled_at or self.created_at


@dataclass(frozen=True)
class FulfillmentOrder:
    id: int
    order_id: int
    status: str  # OPEN, IN_PROGRESS, SCHEDULED, ON_HOLD, INCOMPLETE, CLOSED, CANCELLED
    location_id: int
    fulfill_at: datetime
    line_items: tuple[tuple[int, int], ...]  # (remaining, total) per line


def _weighted(rng: random.Random, pairs) -> str:
    values, weights = zip(*pairs, strict=True)
    return rng.choices(values, weights)[0]


def _lines(rng: random.Random, order_id: int, seed: int) -> tuple[LineItem, ...]:
    pool = variants(seed)
    picked = rng.sample(pool, rng.choice((1, 1, 2, 2, 3)))
    return tuple(
        LineItem(order_id * 10 + i, v.id, v.sku, v.display_name, rng.randint(1, 4), v.price)
        for i, v in enumerate(picked)
    )


def _order(rng: random.Random, seed: int, day: date, index: int, second: int) -> Order:
    order_id = ORDER_ID_BASE + day.toordinal() * 1000 + index
    lines = _lines(rng, order_id, seed)
    subtotal = sum((li.unit_price * li.quantity for li in lines), Decimal("0"))
    shipping = Decimal("0.00") if subtotal >= FREE_SHIPPING_OVER else SHIPPING
    tax = (subtotal * TAX_RATE).quantize(CENT)
    total = subtotal + shipping + tax
    financial = _weighted(rng, _FINANCIAL)
    refunded = {"REFUNDED": total, "VOIDED": total}.get(financial, Decimal("0.00"))
    if financial == "PARTIALLY_REFUNDED":
        refunded = lines[0].unit_price
    fate = rng.random()  # 3% stuck unfulfilled, 4% on hold, 3% partially fulfilled
    first, last = rng.choice(_FIRST), rng.choice(_LAST)
    return Order(
        id=order_id,
        number=1001 + (day - ORDER_NUMBER_EPOCH).days * 100 + index,
        created_at=datetime.combine(day, time(), UTC) + timedelta(seconds=second),
        customer_name=f"{first} {last}",
        email=f"{first}.{last}{rng.randint(1, 99)}@example.com".lower(),
        line_items=lines,
        subtotal=subtotal,
        shipping=shipping,
        tax=tax,
        total=total,
        refunded=refunded,
        financial_status=financial,
        fulfil_after=None if fate < 0.03 else timedelta(hours=rng.uniform(4, 72)),
        on_hold=0.03 <= fate < 0.07,
        partial=0.07 <= fate < 0.10 and len(lines) > 1,
        location_id=rng.choice(LOCATIONS).id,
        channel=rng.choices(CHANNELS, CHANNEL_WEIGHTS)[0],
        landing_page=rng.choice(LANDING_PAGES),
    )


@lru_cache(maxsize=2048)
def _full_day(seed: int, day: date) -> tuple[Order, ...]:
    rng = random.Random(f"{seed}:orders:{day.isoformat()}")
    count = rng.randint(6, 16) + (3 if day.weekday() >= 5 else 0)
    seconds = sorted(rng.randrange(86_400) for _ in range(count))
    return tuple(_order(rng, seed, day, i, s) for i, s in enumerate(seconds))


def _now(now: datetime | None) -> datetime:
    return now or datetime.now(UTC)


def orders_for_day(day: date, seed: int = DEFAULT_SEED, now: datetime | None = None) -> list[Order]:
    """The orders created on UTC `day` up to `now` (default: the current time)."""
    now = _now(now)
    return [o for o in _full_day(seed, day) if o.created_at <= now]


def order_window(now: datetime | None = None) -> list[date]:
    """The days whose orders the Shopify API shows: today and the 60 before it."""
    today = _now(now).date()
    return [today - timedelta(days=n) for n in range(ORDER_HISTORY_DAYS, -1, -1)]


def recent_orders(seed: int = DEFAULT_SEED, now: datetime | None = None) -> list[Order]:
    """Every order in the 60-day window, oldest first."""
    now = _now(now)
    return [o for day in order_window(now) for o in orders_for_day(day, seed, now)]


def order_by_id(
    order_id: int, seed: int = DEFAULT_SEED, now: datetime | None = None
) -> Order | None:
    ordinal, index = divmod(order_id - ORDER_ID_BASE, 1000)
    try:
        day = date.fromordinal(ordinal)
    except (ValueError, OverflowError):
        return None
    return next((o for o in orders_for_day(day, seed, now) if o.id == order_id), None)


def fulfillment_orders(order: Order, now: datetime | None = None) -> list[FulfillmentOrder]:
    """The order's fulfillment orders at `now` (a partial order has a second, still OPEN one)."""
    now = _now(now)
    status = order.fulfillment_status(now)
    first_status = {"ON_HOLD": "ON_HOLD", "UNFULFILLED": "OPEN"}.get(status, "CLOSED")
    if order.cancelled_at:
        first_status = "CANCELLED"
    lines = order.line_items
    if order.partial and len(lines) > 1:
        other = next(loc.id for loc in LOCATIONS if loc.id != order.location_id)
        split = (lines[:1], lines[1:])
        return [
            _fo(order, 1, first_status, order.location_id, split[0]),
            _fo(order, 2, "OPEN", other, split[1]),
        ]
    return [_fo(order, 1, first_status, order.location_id, lines)]


def _fo(order: Order, n: int, status: str, location_id: int, lines) -> FulfillmentOrder:
    done = status in ("CLOSED", "CANCELLED")
    counts = tuple((0 if done else li.quantity, li.quantity) for li in lines)
    return FulfillmentOrder(
        order.id * 10 + n, order.id, status, location_id, order.created_at, counts
    )
