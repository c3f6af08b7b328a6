"""The hot-path insert stores rows exactly as the ORM would, and never raises on a duplicate."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import transaction

from integrations.webhooks import insert
from integrations.webhooks.insert import event_insert
from integrations.webhooks.models import WebhookEvent

pytestmark = pytest.mark.django_db
MOMENT = datetime(2026, 11, 22, 20, 0, 0, 123456, tzinfo=UTC)
VALUES = {
    "source": "shopify",
    "event_id": "evt-1",
    "topic": "orders/create",
    "triggered_at": MOMENT,
    "received_at": MOMENT,
    "available_at": MOMENT,
    "body": {"id": 1, "nested": {"list": [1, "two", None]}, "text": "café ✓"},
    "signed": True,
    "status": "received",
}


@pytest.fixture(params=["native", "orm"])
def path(request, monkeypatch):
    if request.param == "orm":
        monkeypatch.setattr(insert, "NATIVE", set())
    return request.param


def test_insert__new_event__stored_like_the_orm_stores_it(path):
    event_id = event_insert(VALUES)
    event = WebhookEvent.objects.get(pk=event_id)
    assert {k: getattr(event, k) for k in VALUES} == VALUES
    assert (event.attempts, event.last_error, event.result, event.processed_at) == (0, "", {}, None)


def test_insert__duplicate__none_and_the_caller_transaction_survives(path):
    with transaction.atomic():
        assert event_insert(VALUES) is not None
        assert event_insert(VALUES | {"topic": "orders/updated"}) is None
        assert WebhookEvent.objects.get().topic == "orders/create"  # still usable
    assert event_insert(VALUES | {"source": "chatwoot"}) is not None


def test_insert__by_the_previous_code_without_replay_key__stored_with_an_empty_key(monkeypatch):
    """During a deploy, processes still on the previous code insert without the column."""
    previous = tuple(name for name in insert.COLUMNS if name != "replay_key")
    monkeypatch.setattr(insert, "COLUMNS", previous)
    insert._statement.cache_clear()
    try:
        event_id = event_insert(VALUES)
    finally:
        insert._statement.cache_clear()
    assert WebhookEvent.objects.get(pk=event_id).replay_key == ""
