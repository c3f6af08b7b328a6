"""Concurrent duplicate deliveries and concurrent jobs, on PostgreSQL (skipped on SQLite).

Run: DATABASE_URL=postgres://postgres@127.0.0.1:5432/hotdash_wh .venv/bin/pytest tests/integrations/webhooks
"""

from __future__ import annotations

import random
import uuid

import pytest
from django.db import connection
from django.test import Client

from integrations.webhooks.models import WebhookEvent
from integrations.webhooks.processing import webhook_event_process
from tests.concurrency import in_threads
from tests.integrations.webhooks.conftest import ORDER, SHOPIFY_URL, shopify_headers, to_bytes

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def on_postgres():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL=postgres://…/hotdash_wh)")


def deliver(body: bytes, event_id: str) -> int:
    headers = shopify_headers(body, **{"X-Shopify-Event-Id": event_id})
    return (
        Client()
        .post(SHOPIFY_URL, body, content_type="application/json", headers=headers)
        .status_code
    )


def test_same_event_from_16_senders_at_once__one_row_one_job(jobs):
    body = to_bytes(ORDER)
    statuses = in_threads(16, lambda i: deliver(body, "evt-concurrent"))
    assert sorted(statuses) == [200] * 15 + [202]
    assert WebhookEvent.objects.count() == 1
    assert jobs == [(WebhookEvent.objects.get().pk,)]


def test_same_event_claimed_by_8_jobs_at_once__processed_once(refreshed):
    event = WebhookEvent.objects.create(
        source="shopify", event_id="e", topic="orders/create", body={}
    )
    outcomes = in_threads(8, lambda i: webhook_event_process(event_id=event.pk))
    assert sorted(outcomes) == ["processed"] + ["skipped"] * 7
    assert len(refreshed) == 1
    assert WebhookEvent.objects.get().attempts == 1


def test_redelivery_storm__none_lost_none_processed_twice(jobs, refreshed):
    """60 events, each delivered 3 times, shuffled across 12 senders; then every job runs
    twice, concurrently: each event is stored once and processed exactly once."""
    events = [(str(uuid.uuid4()), to_bytes({"id": n})) for n in range(60)]
    deliveries = [e for e in events for _ in range(3)]
    random.Random(7).shuffle(deliveries)
    shards = [deliveries[i::12] for i in range(12)]
    results = in_threads(12, lambda i: [deliver(body, key) for key, body in shards[i]])
    statuses = [s for shard in results for s in shard]
    assert statuses.count(202) == 60 and statuses.count(200) == 120
    assert WebhookEvent.objects.count() == 60 and len(jobs) == 60
    twice = [job for job in jobs for _ in range(2)]
    in_threads(12, lambda i: [webhook_event_process(event_id=j[0]) for j in twice[i::12]])
    attempts = list(WebhookEvent.objects.order_by().values_list("status", "attempts").distinct())
    assert attempts == [("processed", 1)]
