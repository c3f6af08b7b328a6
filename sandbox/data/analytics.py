"""GA4 facts per calendar day, consistent with the orders of that day.

Each fact is one (date, channel, landing page, event, page path) cell with its
metric values; runReport groups facts by the requested dimensions and sums the
requested metrics. Purchases are the day's orders, so `totalRevenue` for a day
equals the sum of that day's order totals and `ecommercePurchases` their count.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal
from functools import lru_cache

from .catalog import DEFAULT_SEED
from .orders import CHANNEL_WEIGHTS, CHANNELS, LANDING_PAGES, orders_for_day

DIMENSIONS = ("date", "sessionDefaultChannelGroup", "landingPage", "eventName", "pagePath")
METRICS = {  # name → GA4 MetricType
    "sessions": "TYPE_INTEGER",
    "totalRevenue": "TYPE_CURRENCY",
    "conversions": "TYPE_INTEGER",
    "eventCount": "TYPE_INTEGER",
    "ecommercePurchases": "TYPE_INTEGER",
    "activeUsers": "TYPE_INTEGER",
}
_PAGE_WEIGHTS = (30, 16, 14, 10, 10, 8, 7, 5)
_FUNNEL = (
    ("page_view", None, 3.2),
    ("view_item", "/products/ptfe-braided-hose", 0.6),
    ("add_to_cart", "/cart", 0.08),
    ("begin_checkout", "/checkouts", 0.03),
)


@dataclass(frozen=True)
class Fact:
    dims: tuple[str, str, str, str, str]  # in DIMENSIONS order; date is YYYYMMDD
    metrics: dict[str, Decimal]


def _metrics(**values) -> dict[str, Decimal]:
    return {name: Decimal(str(values.get(name, 0))) for name in METRICS}


def _traffic(seed: int, day: date, fraction: float) -> list[Fact]:
    rng = random.Random(f"{seed}:ga4:{day.isoformat()}")
    stamp = day.strftime("%Y%m%d")
    base = rng.randint(450, 800) * (1.25 if day.weekday() >= 5 else 1.0) * fraction
    facts = []
    total_c, total_p = sum(CHANNEL_WEIGHTS), sum(_PAGE_WEIGHTS)
    for channel, c_weight in zip(CHANNELS, CHANNEL_WEIGHTS, strict=True):
        for page, p_weight in zip(LANDING_PAGES, _PAGE_WEIGHTS, strict=True):
            sessions = round(base * c_weight / total_c * p_weight / total_p * rng.uniform(0.8, 1.2))
            if sessions <= 0:
                continue
            users = max(1, round(sessions * rng.uniform(0.8, 0.92)))
            cell = (stamp, channel, page)
            facts.append(
                Fact(
                    (*cell, "session_start", page),
                    _metrics(sessions=sessions, activeUsers=users, eventCount=sessions),
                )
            )
            for event, path, rate in _FUNNEL:
                count = round(sessions * rate * rng.uniform(0.85, 1.15))
                if count:
                    facts.append(Fact((*cell, event, path or page), _metrics(eventCount=count)))
    return facts


def _purchases(seed: int, day: date, now: datetime) -> list[Fact]:
    stamp = day.strftime("%Y%m%d")
    return [
        Fact(
            (stamp, o.channel, o.landing_page, "purchase", "/checkouts/thank-you"),
            _metrics(totalRevenue=o.total, conversions=1, eventCount=1, ecommercePurchases=1),
        )
        for o in orders_for_day(day, seed, now)
    ]


@lru_cache(maxsize=1024)
def _complete_day(seed: int, day: date) -> tuple[Fact, ...]:
    end_of_day = datetime.combine(day, time.max, UTC)
    return tuple(_traffic(seed, day, 1.0) + _purchases(seed, day, end_of_day))


def facts_for_day(day: date, seed: int = DEFAULT_SEED, now: datetime | None = None) -> list[Fact]:
    """The day's facts as of `now` (today's traffic is scaled by the share of the day gone)."""
    now = now or datetime.now(UTC)
    if day > now.date():
        return []
    if day < now.date():
        return list(_complete_day(seed, day))
    elapsed = (now - datetime.combine(day, time(), UTC)).total_seconds() / 86_400
    return _traffic(seed, day, elapsed) + _purchases(seed, day, now)


def revenue_for_day(day: date, seed: int = DEFAULT_SEED, now: datetime | None = None) -> Decimal:
    """GA4 `totalRevenue` for `day` (= the sum of the day's order totals)."""
    return sum((o.total for o in orders_for_day(day, seed, now)), Decimal("0"))
