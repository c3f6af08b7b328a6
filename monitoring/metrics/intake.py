"""Notifications by outcome and webhook intake by topic and outcome: counters that never fall,
tallied from the rows (monitoring.metrics.tally), and the work still waiting.

- Notifications: each row that reached an end (`sent`, `failed` after its last attempt,
  `suppressed`), by channel kind, placed by `created_at` (a row ends within a day).
- Webhook intake: every stored delivery is `accepted`, by source and topic (topics the
  platform acts on keep their name, the rest are `other`); every refused one counts under its
  refusal's code from the `WebhookRejection` counters, with topic `unverified` (a refused
  delivery's topic is not believed). A redelivery answered `duplicate` stores nothing and is
  not counted.
"""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Count
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

from integrations.webhooks.models import WebhookEvent, WebhookRejection
from integrations.webhooks.topics import handler_for
from monitoring.metrics.tally import Tally, tally_read
from monitoring.models import Channel, Notification

ENDED = [
    s.value
    for s in (Notification.Status.SENT, Notification.Status.FAILED, Notification.Status.SUPPRESSED)
]
WAITING = [Notification.Status.QUEUED.value, Notification.Status.SENDING.value]
UNVERIFIED, OTHER = "unverified", "other"


def topic_label(source: str, topic: str) -> tuple[str, str]:
    """(source, topic) with the topic kept only when the platform acts on it: bounded by the
    tiles' and actions' declarations, whatever a vendor sends."""
    return source, topic if handler_for(source, topic) is not None else OTHER


NOTIFICATIONS = Tally(
    key="metrics.notifications",
    rows=lambda: Notification.objects.filter(status__in=ENDED),
    at="created_at",
    by=("channel__kind", "status"),
    settle=timedelta(days=1),
)
ACCEPTED = Tally(
    key="metrics.webhooks_accepted",
    rows=WebhookEvent.objects.all,
    at="received_at",
    by=("source", "topic"),
    settle=timedelta(hours=1),
    labels=lambda values: topic_label(*values),
)
REJECTED = Tally(
    key="metrics.webhooks_rejected",
    rows=WebhookRejection.objects.all,
    at="window_start",
    by=("source", "reason"),
    amount="count",
    settle=timedelta(hours=2),  # a window (5 min by default) keeps counting until it ends
)


def notification_families(now=None):
    done = CounterMetricFamily(
        "hotdash_notifications",
        "Notifications that reached an end, by channel kind and outcome",
        labels=["channel", "outcome"],
    )
    counts = tally_read(NOTIFICATIONS, now=now)
    for kind in Channel.Kind.values:
        for outcome in ENDED:
            done.add_metric([kind, outcome], counts.get((kind, outcome), 0))
    waiting = GaugeMetricFamily(
        "hotdash_notifications_waiting",
        "Notifications queued or being sent, by channel kind",
        labels=["channel"],
    )
    rows = Notification.objects.filter(status__in=WAITING).order_by()
    found = dict(rows.values_list("channel__kind").annotate(n=Count("pk")))
    for kind in Channel.Kind.values:
        waiting.add_metric([kind], found.get(kind, 0))
    yield from (done, waiting)


def webhook_families(now=None):
    intake = CounterMetricFamily(
        "hotdash_webhook_intake",
        "Inbound webhook deliveries: accepted (stored) by topic, or refused by reason",
        labels=["source", "topic", "outcome"],
    )
    for (source, topic), n in sorted(tally_read(ACCEPTED, now=now).items()):
        intake.add_metric([source, topic, "accepted"], n)
    for (source, reason), n in sorted(tally_read(REJECTED, now=now).items()):
        intake.add_metric([source, UNVERIFIED, reason], n)
    backlog = GaugeMetricFamily(
        "hotdash_webhook_events",
        "Stored webhook events not yet processed, or failed, by source and status",
        labels=["source", "status"],
    )
    statuses = [
        s.value
        for s in (
            WebhookEvent.Status.RECEIVED,
            WebhookEvent.Status.PROCESSING,
            WebhookEvent.Status.FAILED,
        )
    ]
    counts = dict(
        ((source, status), n)
        for source, status, n in WebhookEvent.objects.filter(status__in=statuses)
        .order_by()
        .values_list("source", "status")
        .annotate(n=Count("pk"))
    )
    for source in WebhookEvent.Source.values:
        for status in statuses:
            backlog.add_metric([source, status], counts.get((source, status), 0))
    yield from (intake, backlog)
