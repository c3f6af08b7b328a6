"""Webhook freshness: deliveries signed and sent by the vendor sandbox to a live server;
a topic silent for many of its usual gaps becomes a finding, and a new delivery settles it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from integrations.models import WebhookEvent
from monitoring.models import Finding
from monitoring.slo.signals.webhooks import webhooks_evaluate

pytestmark = pytest.mark.django_db(transaction=True)
SECRET = "shpss_slo_freshness_secret"


@pytest.fixture
def deliver(sandbox, live_server, monkeypatch, from_catalogue):
    monkeypatch.setenv("SHOPIFY_WEBHOOK_SECRET", SECRET)
    from_catalogue("shopify")

    def send(topic: str) -> str:
        answer = sandbox.deliver_webhook(
            vendor="shopify",
            topic=topic,
            target_url=f"{live_server.url}/webhooks/shopify/",
            secret=SECRET,
            timeout_s=30,
        )
        assert answer["deliveries"][0]["status"] == 202
        return answer["event_id"]

    return send


def spread(event_ids: list[str], last_ago: timedelta, gap: timedelta) -> None:
    """Move the stored deliveries back in time: one every `gap`, the newest `last_ago` ago."""
    now = timezone.now()
    for n, event_id in enumerate(reversed(event_ids)):
        WebhookEvent.objects.filter(event_id=event_id).update(received_at=now - last_ago - n * gap)


def test_topic_gone_quiet__finding_then_settled_by_a_delivery(deliver):
    ids = [deliver("orders/create") for _ in range(6)]
    spread(ids, last_ago=timedelta(hours=3), gap=timedelta(minutes=10))

    assert webhooks_evaluate(timezone.now()) == 1

    finding = Finding.objects.get(kind="webhook_quiet", status="open")
    assert finding.key == "shopify:orders/create" and finding.integration.slug == "shopify"
    assert finding.data["usual_interval_s"] == 600 and finding.data["lateness"] >= 18
    assert "quiet for 3.0 h" in finding.title

    deliver("orders/create")
    assert webhooks_evaluate(timezone.now()) == 0
    assert not Finding.objects.filter(kind="webhook_quiet", status="open").exists()


def test_topic_at_its_usual_pace__not_quiet(deliver):
    ids = [deliver("orders/create") for _ in range(6)]
    spread(ids, last_ago=timedelta(minutes=20), gap=timedelta(minutes=10))

    assert webhooks_evaluate(timezone.now()) == 0


def test_too_few_deliveries_to_know_the_rate__not_judged(deliver):
    ids = [deliver("orders/create") for _ in range(2)]
    spread(ids, last_ago=timedelta(days=2), gap=timedelta(minutes=1))

    assert webhooks_evaluate(timezone.now()) == 0
