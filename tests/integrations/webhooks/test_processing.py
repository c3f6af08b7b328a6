"""Processing: one run per claim, payloads as hints, retries, the sweeper, replay, pruning."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.test import TestCase
from django.utils import timezone

from approvals.models import AuditEvent
from integrations.webhooks import processing
from integrations.webhooks.models import WebhookEvent
from integrations.webhooks.processing import (
    webhook_event_process,
    webhook_event_replay,
    webhooks_prune,
    webhooks_sweep,
)
from integrations.webhooks.tasks import webhook_event_process_task

pytestmark = pytest.mark.django_db
Status = WebhookEvent.Status
ORDER_TILES = ["sales_pulse", "inventory_watch", "fulfillment_flow"]  # display order


def make_event(topic="orders/create", source="shopify", **fields) -> WebhookEvent:
    fields = {"body": {"id": 1}, **fields}
    return WebhookEvent.objects.create(
        source=source, event_id=str(uuid.uuid4()), topic=topic, **fields
    )


def reload(event: WebhookEvent) -> WebhookEvent:
    return WebhookEvent.objects.get(pk=event.pk)


# -- processing -------------------------------------------------------------------------


def test_process__order_created__refreshes_its_tiles_and_records_processed(refreshed):
    event = make_event()
    assert webhook_event_process_task(event.pk) == "processed"
    assert refreshed == [ORDER_TILES]
    event = reload(event)
    assert (event.status, event.attempts, event.last_error) == (Status.PROCESSED, 1, "")
    assert event.result["tiles"] == dict.fromkeys(ORDER_TILES, "ok")
    assert event.processed_at is not None and event.claimed_until is None


@pytest.mark.parametrize(
    ("source", "topic", "tiles"),
    [
        ("shopify", "orders/updated", ["sales_pulse", "fulfillment_flow"]),
        ("shopify", "inventory_levels/update", ["inventory_watch"]),
        ("shopify", "fulfillment_orders/order_routing_complete", ["fulfillment_flow"]),
        ("shopify", "fulfillment_orders/placed_on_hold", ["fulfillment_flow"]),
        ("chatwoot", "message_created", ["cx_pulse"]),
        ("chatwoot", "conversation_status_changed", ["cx_pulse"]),
    ],
)
def test_process__each_topic__refreshes_the_tiles_it_affects(refreshed, source, topic, tiles):
    webhook_event_process(event_id=make_event(topic, source).pk)
    assert refreshed == [tiles]


def test_process__twice__runs_once(refreshed):
    """Idempotence: a second job for the same event finds it claimed or done."""
    event = make_event()
    assert webhook_event_process(event_id=event.pk) == "processed"
    assert webhook_event_process(event_id=event.pk) == "skipped"
    assert len(refreshed) == 1 and reload(event).attempts == 1


def test_process__payload_is_a_hint__never_read(refreshed):
    """The body's content does not change what is done: the tiles re-read the vendor."""
    event = make_event(body={"total_price": "999999.00", "anything": ["goes"]})
    webhook_event_process(event_id=event.pk)
    assert refreshed == [ORDER_TILES]


def test_process__burst_before_one_refresh__later_events_coalesced(refreshed):
    """Events received before a refresh started are covered by it: one re-read, not three."""
    events = [make_event(received_at=timezone.now() - timedelta(seconds=5)) for _ in range(3)]
    for event in events:
        assert webhook_event_process(event_id=event.pk) == "processed"
    assert refreshed == [ORDER_TILES]
    assert reload(events[2]).result["coalesced"] == ORDER_TILES


def test_process__event_after_the_last_refresh__refreshes_again(refreshed):
    webhook_event_process(event_id=make_event().pk)
    later = make_event(received_at=timezone.now() + timedelta(seconds=1))
    webhook_event_process(event_id=later.pk)
    assert len(refreshed) == 2


def test_process__tile_failed__retried_later_with_backoff(monkeypatch):
    monkeypatch.setattr(
        "integrations.webhooks.refetch.tiles_refresh",
        lambda keys, **_: dict.fromkeys(keys, "failed"),
    )
    event = make_event()
    before = timezone.now()
    assert webhook_event_process(event_id=event.pk) == Status.RECEIVED
    event = reload(event)
    assert event.attempts == 1 and "tiles not refreshed yet" in event.last_error
    assert event.available_at >= before + timedelta(seconds=30)


def test_process__failing_until_max_attempts__left_failed(monkeypatch, settings):
    settings.WEBHOOK_MAX_ATTEMPTS = 2
    monkeypatch.setattr(
        "integrations.webhooks.refetch.tiles_refresh", lambda keys, **_: dict.fromkeys(keys, "busy")
    )
    event = make_event()
    assert webhook_event_process(event_id=event.pk) == Status.RECEIVED
    assert webhook_event_process(event_id=event.pk) == Status.FAILED
    assert reload(event).attempts == 2


def test_process__permanent_error__failed_at_once(monkeypatch):
    from hotdash.errors import NotFound

    def missing(**_):
        raise NotFound("No integration 'shopify'.")

    monkeypatch.setattr(processing, "tiles_refetch", missing)
    event = make_event()
    assert webhook_event_process(event_id=event.pk) == Status.FAILED
    assert reload(event).last_error == "NotFound: No integration 'shopify'."


def test_process__unexpected_exception__retried(monkeypatch):
    monkeypatch.setattr(processing, "tiles_refetch", lambda **_: 1 / 0)
    event = make_event()
    assert webhook_event_process(event_id=event.pk) == Status.RECEIVED
    assert reload(event).last_error.startswith("ZeroDivisionError")


def test_unsigned_event__may_refetch(refreshed):
    event = make_event("message_created", "chatwoot", signed=False)
    assert webhook_event_process(event_id=event.pk) == Status.PROCESSED
    assert refreshed == [["cx_pulse"]]


def test_unsigned_event__never_runs_an_action(monkeypatch):
    """Even if an unsigned row reached an action topic, the action is not run."""
    ran = []
    monkeypatch.setattr("integrations.webhooks.gold.gold_reply_process", ran.append)
    event = make_event("gold_reply", "gold_replies", signed=False)
    assert webhook_event_process(event_id=event.pk) == Status.IGNORED
    assert ran == [] and "never an action" in reload(event).result["not_run"]


# -- a worker dying, the sweeper ----------------------------------------------------------


def test_worker_dies_between_storing_and_processing__sweeper_recovers(refreshed, jobs):
    """Given an event stored whose job never ran (the process died after the commit),
    when the sweeper runs after LOST_AFTER_S, then it enqueues the event and it is processed."""
    event = make_event(available_at=timezone.now() + timedelta(seconds=60))
    assert webhooks_sweep()["enqueued"] == 0  # not lost yet
    counts = webhooks_sweep(now=timezone.now() + timedelta(seconds=61))
    assert counts["enqueued"] == 1 and jobs == [(event.pk,)]
    assert webhook_event_process_task(*jobs[0]) == Status.PROCESSED
    assert refreshed == [ORDER_TILES]


def test_sweeper__does_not_enqueue_the_same_event_on_every_run(jobs):
    make_event(available_at=timezone.now() - timedelta(seconds=1))
    assert webhooks_sweep()["enqueued"] == 1
    assert webhooks_sweep()["enqueued"] == 0


def test_worker_dies_mid_processing__claim_expires__sweeper_revives_it(refreshed, jobs):
    event = make_event(
        status=Status.PROCESSING, attempts=1, claimed_until=timezone.now() - timedelta(seconds=1)
    )
    counts = webhooks_sweep()
    assert counts == {"failed": 0, "revived": 1, "enqueued": 1}
    assert webhook_event_process(event_id=event.pk) == Status.PROCESSED
    assert reload(event).attempts == 2


def test_worker_overtaken__cannot_overwrite_the_newer_attempt(refreshed, monkeypatch):
    """A hung worker whose claim expired finishes late: its outcome is not written."""
    event = make_event()
    stale = processing._claim(event.pk)
    WebhookEvent.objects.filter(pk=event.pk).update(claimed_until=timezone.now())
    webhooks_sweep(now=timezone.now() + timedelta(seconds=1))
    assert webhook_event_process(event_id=event.pk) == Status.PROCESSED
    assert processing._record(stale, Status.FAILED, result={}) == "overtaken"
    assert reload(event).status == Status.PROCESSED


def test_stalled_past_max_attempts__failed(settings):
    settings.WEBHOOK_MAX_ATTEMPTS = 3
    event = make_event(
        status=Status.PROCESSING, attempts=3, claimed_until=timezone.now() - timedelta(seconds=1)
    )
    assert webhooks_sweep()["failed"] == 1
    assert reload(event).status == Status.FAILED
    assert "worker lost" in reload(event).last_error


# -- replay ----------------------------------------------------------------------------


def test_replay__failed_event__received_again_audited_and_processed(refreshed, jobs, operator):
    event = make_event(status=Status.FAILED, attempts=5, last_error="boom")
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert webhook_event_replay(event_id=event.pk, actor=operator) is True
    assert jobs == [(event.pk,)]
    assert reload(event).status == Status.RECEIVED
    audit = AuditEvent.objects.get(verb="webhook.replayed")
    assert (audit.actor_name, audit.target_id) == ("otto", str(event.pk))
    assert webhook_event_process(event_id=event.pk) == Status.PROCESSED


@pytest.mark.parametrize("status", [Status.PROCESSED, Status.RECEIVED, Status.IGNORED])
def test_replay__not_failed__refused(jobs, operator, status):
    event = make_event(status=status)
    assert webhook_event_replay(event_id=event.pk, actor=operator) is False
    assert reload(event).status == status and jobs == []


# -- pruning ----------------------------------------------------------------------------


def test_prune__old_done_events_go__failed_and_recent_stay(settings):
    settings.WEBHOOK_RETENTION_DAYS = 14
    old = timezone.now() - timedelta(days=15)
    gone = [make_event(status=s, received_at=old) for s in (Status.PROCESSED, Status.IGNORED)]
    kept = [make_event(status=Status.FAILED, received_at=old), make_event(status=Status.PROCESSED)]
    assert webhooks_prune() == 2
    remaining = set(WebhookEvent.objects.values_list("pk", flat=True))
    assert remaining == {e.pk for e in kept} and not remaining & {e.pk for e in gone}
