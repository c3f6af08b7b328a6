"""Reads on webhook events: freshness per (source, topic), for the admin and monitoring.

A webhook source that goes quiet is an outage nobody sees (a deleted Shopify
subscription after repeated failures, a Chatwoot webhook removed by hand). The
signal: time since the last event of each topic, next to the usual interval
(the median gap over the last FRESHNESS_SAMPLE events). Monitoring compares the two.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q
from django.utils import timezone

from integrations.webhooks.conf import knob
from integrations.webhooks.models import WebhookEvent


@dataclass(frozen=True)
class Freshness:
    source: str
    topic: str
    last_received_at: datetime
    since_last_s: float
    usual_interval_s: float | None  # None with fewer than two events
    sampled: int

    @property
    def lateness(self) -> float | None:
        """since_last / usual interval (1.0 = as usual, 5.0 = five usual gaps of silence)."""
        if not self.usual_interval_s:
            return None
        return self.since_last_s / self.usual_interval_s


def webhook_freshness(*, now: datetime | None = None, sample: int | None = None) -> list[Freshness]:
    """One Freshness per (source, topic) ever received (within retention), sorted by both.

    Cost: two index seeks per pair on the (source, topic, -received_at) index, never
    a scan of the table (pairs are walked one index seek at a time).
    """
    now = now or timezone.now()
    sample = sample or knob("FRESHNESS_SAMPLE")
    return [_freshness(source, topic, now, sample) for source, topic in topic_pairs()]


def topic_pairs() -> list[tuple[str, str]]:
    """Distinct (source, topic) pairs, by a loose index scan: each next pair is one seek."""
    pairs: list[tuple[str, str]] = []
    ordered = WebhookEvent.objects.order_by("source", "topic").values_list("source", "topic")
    pair = ordered.first()
    while pair is not None:
        pairs.append(pair)
        source, topic = pair
        pair = ordered.filter(Q(source__gt=source) | Q(source=source, topic__gt=topic)).first()
    return pairs


def _freshness(source: str, topic: str, now: datetime, sample: int) -> Freshness:
    times = list(
        WebhookEvent.objects.filter(source=source, topic=topic)
        .order_by("-received_at")
        .values_list("received_at", flat=True)[: sample + 1]
    )
    gaps = [(newer - older).total_seconds() for newer, older in zip(times, times[1:], strict=False)]
    return Freshness(
        source=source,
        topic=topic,
        last_received_at=times[0],
        since_last_s=max(0.0, (now - times[0]).total_seconds()),
        usual_interval_s=statistics.median(gaps) if gaps else None,
        sampled=len(times),
    )
