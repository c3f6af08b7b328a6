"""Business counts and reconciliations against the vendor sandbox's known answers
(sandbox.data): orders and conversations per hour, Shopify orders vs GA4
purchases per day, Publer scheduled vs published."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, time, timedelta

import pytest
from django.utils import timezone

from approvals.models import ApprovalRequest
from integrations.clients.publer import PublerClient
from integrations.models import WebhookEvent
from monitoring.models import Finding, FlowCount
from monitoring.rollups import floor_hour
from monitoring.slo.flows import conversations_collect, flows_collect, orders_collect
from monitoring.slo.signals.reconcile import publer_evaluate, shopify_ga4_evaluate
from sandbox import data

pytestmark = pytest.mark.django_db
ACCOUNTS = ["66db83154e299efa19a2d8eb", "66db83154e299efa19a2d8ec"]


@pytest.fixture(autouse=True)
def short_backfill(settings):
    settings.SLO_FLOW_BACKFILL_DAYS = 3


def stored(integration, metric, day) -> Counter:
    start = datetime.combine(day, time(), UTC)
    rows = FlowCount.objects.filter(
        integration=integration, metric=metric, hour__gte=start, hour__lt=start + timedelta(days=1)
    )
    assert rows.count() == 24  # every hour has its row, zeros included
    return Counter({h: c for h, c in rows.values_list("hour", "count") if c})


def test_orders_per_hour__match_the_sandbox_store(from_catalogue, sandbox):
    shop = from_catalogue("shopify")
    now = timezone.now()
    yesterday = now.date() - timedelta(days=1)

    orders_collect(shop, floor_hour(now))

    expected = Counter(
        floor_hour(o.created_at) for o in data.orders_for_day(yesterday, sandbox.seed)
    )
    assert stored(shop, "orders", yesterday) == expected


def test_orders__collecting_again_resumes_without_duplicates(from_catalogue):
    shop = from_catalogue("shopify")
    end = floor_hour(timezone.now())
    orders_collect(shop, end)
    total = sum(FlowCount.objects.values_list("count", flat=True))

    orders_collect(shop, end)

    assert sum(FlowCount.objects.values_list("count", flat=True)) == total


def test_conversations_per_hour__match_the_sandbox_inbox(from_catalogue, sandbox):
    chatwoot = from_catalogue("chatwoot")
    now = timezone.now()
    yesterday = now.date() - timedelta(days=1)

    conversations_collect(chatwoot, floor_hour(now))

    expected = Counter(
        floor_hour(c.created_at) for c in data.conversations_for_day(yesterday, sandbox.seed, now)
    )
    assert stored(chatwoot, "conversations", yesterday) == expected


def test_webhook_deliveries__counted_per_topic_with_zero_hours(from_catalogue):
    shop = from_catalogue("shopify")
    end = floor_hour(timezone.now())
    for n, back in enumerate((2, 2, 5)):
        WebhookEvent.objects.create(
            source="shopify",
            event_id=f"e{n}",
            topic="orders/create",
            received_at=end - timedelta(hours=back, minutes=-10),
        )

    flows_collect(now=end + timedelta(minutes=5))

    rows = dict(
        FlowCount.objects.filter(
            integration=shop, metric="webhook:shopify:orders/create"
        ).values_list("hour", "count")
    )
    assert rows[end - timedelta(hours=2)] == 2 and rows[end - timedelta(hours=5)] == 1
    assert rows[end - timedelta(hours=1)] == 0


def test_vendor_down__that_flow_skipped_others_collected(from_catalogue, sandbox):
    from_catalogue("shopify", config={"api_version": "2025-10", "max_attempts": 1})
    from_catalogue("chatwoot")
    sandbox.set_faults("shopify", outage=True)

    written = flows_collect()

    assert "shopify" not in written and written["chatwoot"] > 0


# -- Shopify vs GA4 --------------------------------------------------------------------------


def test_shopify_vs_ga4__agree__no_finding(from_catalogue):
    shop, _ = from_catalogue("shopify"), from_catalogue("ga4")
    now = timezone.now()
    orders_collect(shop, floor_hour(now))

    assert shopify_ga4_evaluate(now) == 0


def test_shopify_vs_ga4__drift_beyond_tolerance__reported_per_day(from_catalogue):
    shop, _ = from_catalogue("shopify"), from_catalogue("ga4")
    now = timezone.now()
    orders_collect(shop, floor_hour(now))
    yesterday = now.date() - timedelta(days=1)
    start = datetime.combine(yesterday, time(), UTC)
    hours = FlowCount.objects.filter(hour__gte=start, hour__lt=start + timedelta(days=1))
    orders = sum(hours.values_list("count", flat=True))
    hours.filter(hour=start + timedelta(hours=12)).update(count=orders + 20)  # GA4 misses some

    assert shopify_ga4_evaluate(now) == 1

    finding = Finding.objects.get(kind="reconciliation", status="open")
    assert finding.key == f"shopify-ga4:shopify:{yesterday.isoformat()}"
    assert finding.data["purchases"] == orders and finding.data["orders"] > orders


# -- Publer ---------------------------------------------------------------------------------


def published_request(publer, job_id: str, when: datetime) -> ApprovalRequest:
    return ApprovalRequest.objects.create(
        action="publer.publish_post",
        params={"network": "facebook", "text": "New AN fittings", "account_ids": ACCOUNTS},
        payload_hash="x" * 64,
        status="succeeded",
        requested_by_name="otto",
        expires_at=when + timedelta(days=1),
        finished_at=when,
        idempotency_key=f"k-{job_id}",
        result={"job_id": job_id, "job_status": "working"},
    )


def schedule(publer) -> str:
    post = {
        "networks": {"facebook": {"type": "status", "text": "New AN fittings"}},
        "accounts": [{"id": a} for a in ACCOUNTS],
    }
    return PublerClient(publer).publish_now([post])


def test_publer__everything_published__balanced(from_catalogue, sandbox):
    sandbox.set_faults("publer", job_delay_ms=0)
    publer = from_catalogue("publer")
    published_request(publer, schedule(publer), timezone.now() - timedelta(hours=1))

    assert publer_evaluate(timezone.now()) == {"scheduled": 2, "published": 2, "findings": 0}


def test_publer__job_failed_for_accounts__scheduled_but_not_published(from_catalogue, sandbox):
    sandbox.set_faults("publer", job_delay_ms=0, job_failure=True)
    publer = from_catalogue("publer")
    request = published_request(publer, schedule(publer), timezone.now() - timedelta(hours=1))

    assert publer_evaluate(timezone.now()) == {"scheduled": 2, "published": 0, "findings": 1}

    finding = Finding.objects.get(kind="reconciliation", key=f"publer:{request.pk}")
    assert finding.data["missing"] == sorted(ACCOUNTS)
    assert "2 of 2 not published" in finding.title


def test_publer__not_due_yet__not_judged(from_catalogue, sandbox):
    sandbox.set_faults("publer", job_delay_ms=0, job_failure=True)
    publer = from_catalogue("publer")
    published_request(publer, schedule(publer), timezone.now())

    assert publer_evaluate(timezone.now())["scheduled"] == 0
