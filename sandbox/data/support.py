"""Chatwoot conversations, generated per calendar day (UTC) like the orders.

Times that depend on `now` (replied yet? resolved yet?) are methods taking `now`.
Agent 1 (Dana Ruiz) owns the sandbox API token, so she is "me" in filters.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache

from .catalog import DEFAULT_SEED

CONVERSATION_HISTORY_DAYS = 14
ACCOUNT_ID = 1
ME_AGENT_ID = 1
AGENTS = {1: "Dana Ruiz", 2: "Marcus Lee", 3: "Priya Shah"}
INBOXES = {
    1: ("Website chat", "Channel::WebWidget"),
    2: ("Email support", "Channel::Email"),
    3: ("Instagram", "Channel::Instagram"),
}
EPOCH = date(2024, 1, 1)
TOPICS = {
    "order-status": (
        "Hi, where is my order? It has been a few days since I ordered.",
        "Thanks for reaching out! Your order shipped and tracking is on its way.",
    ),
    "an-sizing": (
        "What size AN line do I need for a 450 hp carbureted small block?",
        "For about 450 hp on gasoline a -8 AN feed with a -6 AN return is the usual pick.",
    ),
    "e85": (
        "Is your PTFE braided hose OK with E85?",
        "Yes: PTFE-lined hose is rated for E85 and methanol; rubber hose is not.",
    ),
    "fuel-pump": (
        "My 255 LPH inline pump is whining loudly, is that normal?",
        "Some whine is normal; loud whine usually means a restriction on the inlet.",
    ),
    "returns": (
        "I ordered -8 fittings but need -6, can I swap them?",
        "Sure, unused fittings can be exchanged within 30 days. I started an RMA.",
    ),
    "carb-tuning": (
        "My 750 CFM carb bogs off idle, what should I check?",
        "Start with the accelerator pump cam and squirter size, then float level.",
    ),
    "headers": (
        "Will the shorty headers clear the steering box on a 67 Chevelle?",
        "The SBC shorty headers clear the stock steering box on 64-72 A-bodies.",
    ),
    "shipping": (
        "Do you ship to Canada and how long does it take?",
        "We ship to Canada with duties prepaid; it takes 4-7 business days.",
    ),
}
_CONTACTS = (
    "Alice Moreno",
    "Bubba Greene",
    "Carla Diaz",
    "Derek Stone",
    "Elena Park",
    "Frank Castillo",
    "Gina Howell",
    "Hector Ruiz",
    "Ivy Chen",
    "Jimmy Vance",
)


@dataclass(frozen=True)
class Conversation:
    """One support conversation; None delays mean "never" (unanswered, never resolved)."""

    id: int
    inbox_id: int
    contact_id: int
    contact_name: str
    topic: str
    created_at: datetime
    first_reply_after: timedelta | None
    resolve_after: timedelta | None
    parked: str | None  # "pending" or "snoozed" while unresolved
    assignee_id: int | None
    priority: str | None

    def first_reply_at(self, now: datetime) -> datetime | None:
        if self.first_reply_after is None:
            return None
        at = self.created_at + self.first_reply_after
        return at if at <= now else None

    def resolved_at(self, now: datetime) -> datetime | None:
        if self.resolve_after is None or self.first_reply_at(now) is None:
            return None
        at = self.created_at + self.resolve_after
        return at if at <= now else None

    def status(self, now: datetime) -> str:
        if self.resolved_at(now):
            return "resolved"
        return self.parked or "open"

    def last_activity_at(self, now: datetime) -> datetime:
        return self.resolved_at(now) or self.first_reply_at(now) or self.created_at

    @property
    def first_message(self) -> str:
        return TOPICS[self.topic][0]

    @property
    def reply(self) -> str:
        return TOPICS[self.topic][1]


def _conversation(rng: random.Random, day: date, index: int, second: int) -> Conversation:
    replied = rng.random() > 0.15
    reply_after = timedelta(minutes=rng.uniform(3, 480)) if replied else None
    resolve_after = None
    if replied and rng.random() < 0.8:
        resolve_after = reply_after + timedelta(hours=rng.uniform(0.5, 36))
    assignee = rng.choice((1, 1, 2, 3, None)) if replied else rng.choice((None, None, 2))
    contact = rng.randrange(len(_CONTACTS))
    return Conversation(
        id=1000 + (day - EPOCH).days * 20 + index,
        inbox_id=rng.choice((1, 1, 2, 3)),
        contact_id=500 + contact,
        contact_name=_CONTACTS[contact],
        topic=rng.choice(list(TOPICS)),
        created_at=datetime.combine(day, time(), UTC) + timedelta(seconds=second),
        first_reply_after=reply_after,
        resolve_after=resolve_after,
        parked=rng.choice((None, None, None, "pending", "snoozed")),
        assignee_id=assignee,
        priority=rng.choice((None, None, "low", "medium", "high", "urgent")),
    )


@lru_cache(maxsize=512)
def _full_day(seed: int, day: date) -> tuple[Conversation, ...]:
    rng = random.Random(f"{seed}:conversations:{day.isoformat()}")
    seconds = sorted(rng.randrange(86_400) for _ in range(rng.randint(3, 9)))
    return tuple(_conversation(rng, day, i, s) for i, s in enumerate(seconds))


def conversations_for_day(
    day: date, seed: int = DEFAULT_SEED, now: datetime | None = None
) -> list[Conversation]:
    """Conversations opened on UTC `day` up to `now`."""
    now = now or datetime.now(UTC)
    return [c for c in _full_day(seed, day) if c.created_at <= now]


def conversations(seed: int = DEFAULT_SEED, now: datetime | None = None) -> list[Conversation]:
    """Conversations of the last 14 days and today, newest activity first."""
    now = now or datetime.now(UTC)
    today = now.date()
    days = [today - timedelta(days=n) for n in range(CONVERSATION_HISTORY_DAYS, -1, -1)]
    found = [c for day in days for c in conversations_for_day(day, seed, now)]
    return sorted(found, key=lambda c: (c.last_activity_at(now), c.id), reverse=True)
