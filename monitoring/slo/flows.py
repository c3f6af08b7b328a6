"""Business flows per hour: Shopify orders, Chatwoot new conversations, webhook deliveries
per topic, stored as FlowCount rows for the business-flow anomalies.

Only complete hours are written, each with its count even when it is zero (a missing
row means "not collected", never "nothing happened"). Each run re-reads the last two
complete hours and backfills FLOW_BACKFILL_DAYS the first time, so a missed run
heals itself. Vendor reads go through the typed clients (sandbox or live by mode).
"""

from __future__ import annotations

import logging
from collections import Counter
from datetime import UTC, datetime, timedelta

from django.db.models import Count, Max
from django.db.models.functions import TruncHour
from django.utils import timezone

from integrations.http import GatewayError
from integrations.models import Integration, WebhookEvent
from monitoring.conf import knob
from monitoring.models import FlowCount
from monitoring.rollups import floor_hour

log = logging.getLogger(__name__)
ORDERS, CONVERSATIONS = "orders", "conversations"
WEBHOOK_PREFIX = "webhook:"
# Which integration kind a webhook source's deliveries belong to.
WEBHOOK_KINDS = {"shopify": "shopify", "chatwoot": "chatwoot"}


def webhook_metric(source: str, topic: str) -> str:
    return f"{WEBHOOK_PREFIX}{source}:{topic}"


def _start(integration: Integration, metric: str, end: datetime) -> datetime:
    """Where collection resumes: two hours before the last collected, or the backfill start."""
    last = FlowCount.objects.filter(integration=integration, metric=metric).aggregate(
        last=Max("hour")
    )["last"]
    backfill = end - timedelta(days=int(knob("FLOW_BACKFILL_DAYS")))
    return backfill if last is None else max(backfill, last - timedelta(hours=1))


def counts_store(integration: Integration, metric: str, start, end, counts: Counter) -> int:
    """Upsert one row per hour in [start, end), zeros included. Returns rows written."""
    rows, hour = [], start
    while hour < end:
        rows.append(
            FlowCount(integration=integration, metric=metric, hour=hour, count=counts[hour])
        )
        hour += timedelta(hours=1)
    FlowCount.objects.bulk_create(
        rows,
        batch_size=500,
        update_conflicts=True,
        unique_fields=["integration", "metric", "hour"],
        update_fields=["count"],
    )
    return len(rows)


def orders_collect(integration: Integration, end: datetime) -> int:
    """Orders created per hour, one Shopify search per day of the range (newest first)."""
    from integrations.clients.shopify import ShopifyClient

    start = _start(integration, ORDERS, end)
    client, counts = ShopifyClient(integration), Counter()
    day_start = start
    while day_start < end:
        day_end = min(day_start + timedelta(days=1), end)
        search = f"created_at:>={_iso(day_start)} created_at:<{_iso(day_end)} status:any"
        for order in client.iter_orders(query=search, page_size=100):
            created = floor_hour(_parse(order.created_at))
            if start <= created < end:
                counts[created] += 1
        day_start = day_end
    return counts_store(integration, ORDERS, start, end, counts)


def conversations_collect(integration: Integration, end: datetime) -> int:
    """Conversations opened per hour. Chatwoot lists by last activity, newest first, so
    paging stops at the first page whose activity is all older than the range."""
    from integrations.clients.chatwoot import ChatwootClient

    start = _start(integration, CONVERSATIONS, end)
    client, counts = ChatwootClient(integration), Counter()
    for page in range(1, int(knob("FLOW_MAX_PAGES")) + 1):
        items = client.conversations(status="all", page=page)
        for item in items:
            created = floor_hour(datetime.fromtimestamp(int(item["created_at"]), UTC))
            if start <= created < end:
                counts[created] += 1
        if not items or all(int(i.get("timestamp") or 0) < start.timestamp() for i in items):
            break
    return counts_store(integration, CONVERSATIONS, start, end, counts)


def webhooks_collect(end: datetime) -> int:
    """Deliveries per (source, topic) and hour from WebhookEvent, with zero rows for topics
    seen before that went quiet. One aggregate per run."""
    owners = {
        source: Integration.objects.enabled().filter(kind=kind).order_by("pk").first()
        for source, kind in WEBHOOK_KINDS.items()
    }
    written = 0
    for source, integration in owners.items():
        if integration is None:
            continue
        written += _webhooks_of(source, integration, end)
    return written


def _webhooks_of(source: str, integration: Integration, end: datetime) -> int:
    known = set(
        FlowCount.objects.filter(integration=integration, metric__startswith=WEBHOOK_PREFIX)
        .values_list("metric", flat=True)
        .distinct()
    )
    last = FlowCount.objects.filter(integration=integration, metric__in=known).aggregate(
        last=Max("hour")
    )["last"]
    backfill = end - timedelta(days=int(knob("FLOW_BACKFILL_DAYS")))
    start = backfill if last is None else max(backfill, last - timedelta(hours=1))
    per_metric: dict[str, Counter] = {metric: Counter() for metric in known}
    for row in (
        WebhookEvent.objects.filter(source=source, received_at__gte=start, received_at__lt=end)
        .annotate(hour=TruncHour("received_at"))
        .values("topic", "hour")
        .annotate(n=Count("pk"))
    ):
        per_metric.setdefault(webhook_metric(source, row["topic"]), Counter())[row["hour"]] = row[
            "n"
        ]
    prefix = webhook_metric(source, "")
    return sum(
        counts_store(integration, metric, start, end, counts)
        for metric, counts in per_metric.items()
        if metric.startswith(prefix)
    )


COLLECTORS = {"shopify": orders_collect, "chatwoot": conversations_collect}


def flows_collect(*, now: datetime | None = None) -> dict[str, int]:
    """Collect every flow up to the last complete hour; prune old rows. Returns rows per flow.

    A vendor that does not answer is skipped this time (logged); its hours are
    re-read on the next run.
    """
    end = floor_hour(now or timezone.now())
    written: dict[str, int] = {}
    for integration in Integration.objects.enabled().filter(kind__in=COLLECTORS):
        try:
            written[integration.slug] = COLLECTORS[integration.kind](integration, end)
        except GatewayError as exc:
            log.warning("flows: %s not collected: %s", integration.slug, exc.detail)
    written["webhooks"] = webhooks_collect(end)
    cutoff = end - timedelta(days=int(knob("FLOW_RETENTION_DAYS")))
    FlowCount.objects.filter(hour__lt=cutoff).delete()
    return written


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse(text: str) -> datetime:
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
