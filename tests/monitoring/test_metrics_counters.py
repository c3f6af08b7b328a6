"""Issue 16 item 3: the `_total` counters of /metrics count what was stored, by hand-counted
fixtures, and never fall when the rows they count are pruned."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families
from rest_framework.test import APIClient

from integrations.webhooks.models import WebhookEvent, WebhookRejection
from monitoring.models import CheckResult, Notification, SignalState
from tests.monitoring.conftest import make_integration

pytestmark = pytest.mark.django_db


def scrape(user) -> dict:
    """{family name: family} of one GET /metrics as `user`."""
    api = APIClient()
    api.force_authenticate(user)
    response = api.get("/metrics")
    assert response.status_code == 200
    return {f.name: f for f in text_string_to_metric_families(response.content.decode())}


def values(families: dict, name: str, *labels: str, sample: str | None = None) -> dict:
    """{label values: value} of one family's samples (`sample`: only that sample name)."""
    return {
        tuple(s.labels[label] for label in labels): s.value
        for s in families[name].samples
        if sample is None or s.name == sample
    }


def checks(integration, statuses: str, *, ago: timedelta) -> None:
    """One CheckResult per letter: o(k), d(egraded), f(ail), `ago` before now."""
    status = {"o": "ok", "d": "degraded", "f": "fail"}
    CheckResult.objects.bulk_create(
        CheckResult(integration=integration, checked_at=timezone.now() - ago, status=status[letter])
        for letter in statuses
    )


def probes(user) -> dict:
    return values(
        scrape(user), "hotdash_probes", "integration", "result", sample="hotdash_probes_total"
    )


def test_probes_total__counts_every_stored_probe_by_result(viewer):
    shop, chat = make_integration("shop"), make_integration("chat")
    checks(shop, "ooodf", ago=timedelta(minutes=5))
    checks(shop, "oof", ago=timedelta(hours=5))  # older than the fold: counted once, stored
    checks(chat, "f", ago=timedelta(minutes=1))
    assert probes(viewer) == {
        ("chat", "ok"): 0,
        ("chat", "degraded"): 0,
        ("chat", "fail"): 1,
        ("shop", "ok"): 5,
        ("shop", "degraded"): 1,
        ("shop", "fail"): 2,
    }


def test_probes_total__raw_results_pruned__never_falls(viewer):
    # Given 3 old probes folded into the tally by a first scrape, and 2 recent ones
    shop = make_integration("shop")
    checks(shop, "off", ago=timedelta(days=2))
    checks(shop, "oo", ago=timedelta(minutes=3))
    before = probes(viewer)
    assert before[("shop", "ok")] == 3 and before[("shop", "fail")] == 2
    # When the old raw rows are pruned and one more probe is stored
    CheckResult.objects.filter(checked_at__lt=timezone.now() - timedelta(days=1)).delete()
    checks(shop, "f", ago=timedelta(seconds=1))
    # Then the counters only went up, by the one new probe
    after = probes(viewer)
    assert after[("shop", "ok")] == 3
    assert after[("shop", "fail")] == 3


def test_probes_total__two_scrapes_in_one_hour__fold_once(viewer):
    shop = make_integration("shop")
    checks(shop, "ooo", ago=timedelta(hours=3))
    first = probes(viewer)
    stored = SignalState.objects.get(key="metrics.probes").data
    second = probes(viewer)
    assert first == second
    assert first[("shop", "ok")] == 3
    assert SignalState.objects.get(key="metrics.probes").data == stored
    assert stored["counts"] == {f'["{shop.pk}", "ok"]': 3}


def _event(n: int, topic: str, source: str = "shopify", **fields) -> WebhookEvent:
    return WebhookEvent.objects.create(source=source, event_id=f"e{n}", topic=topic, **fields)


def test_webhook_intake__3_accepted_1_rejected__exact_counts(viewer):
    for n in range(3):
        _event(n, "orders/create")
    _event(9, "shop/redact")  # a topic the platform does not act on
    WebhookRejection.objects.create(
        window_start=timezone.now(), address="203.0.113.7", source="shopify", reason="bad_signature"
    )
    intake = values(
        scrape(viewer),
        "hotdash_webhook_intake",
        "source",
        "topic",
        "outcome",
        sample="hotdash_webhook_intake_total",
    )
    assert intake == {
        ("shopify", "orders/create", "accepted"): 3,
        ("shopify", "other", "accepted"): 1,
        ("shopify", "unverified", "bad_signature"): 1,
    }


def test_webhook_intake__rows_pruned__never_falls(viewer):
    old = timezone.now() - timedelta(days=20)
    _event(1, "orders/create", received_at=old, status="processed")
    _event(2, "orders/create")
    WebhookRejection.objects.create(
        window_start=old, address="203.0.113.7", source="chatwoot", reason="stale", count=4
    )
    name = "hotdash_webhook_intake"
    before = values(scrape(viewer), name, "topic", "outcome", sample=f"{name}_total")
    WebhookEvent.objects.filter(received_at=old).delete()
    WebhookRejection.objects.all().delete()
    after = values(scrape(viewer), name, "topic", "outcome", sample=f"{name}_total")
    assert before == after == {("orders/create", "accepted"): 2, ("unverified", "stale"): 4}


def test_webhook_events__backlog_by_status(viewer):
    _event(1, "orders/create")
    _event(2, "orders/create", status="failed")
    _event(3, "orders/create", status="processed")
    backlog = values(scrape(viewer), "hotdash_webhook_events", "source", "status")
    assert backlog[("shopify", "received")] == 1
    assert backlog[("shopify", "failed")] == 1
    assert backlog[("shopify", "processing")] == 0
    assert ("shopify", "processed") not in backlog


def test_notifications__2_sent_1_failed_1_suppressed_1_queued(viewer, mail_channel):
    for n, status in enumerate(["sent", "sent", "failed", "suppressed", "queued"]):
        Notification.objects.create(
            channel=mail_channel, event="opened", dedupe_key=f"k{n}", status=status
        )
    families = scrape(viewer)
    done = values(
        families,
        "hotdash_notifications",
        "channel",
        "outcome",
        sample="hotdash_notifications_total",
    )
    assert {k: v for k, v in done.items() if k[0] == "email"} == {
        ("email", "sent"): 2, ("email", "failed"): 1, ("email", "suppressed"): 1,
    }  # fmt: skip
    assert {v for k, v in done.items() if k[0] != "email"} == {0}  # every kind, from zero
    assert values(families, "hotdash_notifications_waiting", "channel") == {
        ("email",): 1, ("slack",): 0, ("webhook",): 0,
    }  # fmt: skip
