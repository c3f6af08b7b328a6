"""Processing stored events: claim, run the topic's handler, record the outcome.

    webhook_event_process(event_id=...)          the job: at most one run per claim
    webhook_event_replay(event_id=..., actor=...) a failed event back to `received` (admin)
    webhooks_sweep()                              re-enqueue lost jobs, recover dead workers
    webhooks_prune()                              drop old processed/ignored rows

A claim is a conditional update (`received` → `processing`, attempts + 1, a
lease in `claimed_until`): of two jobs for one event only one changes the row,
on PostgreSQL and SQLite alike. The outcome is written only if the row is still
ours (same status and attempt number), so a worker overtaken by the sweeper
cannot overwrite the newer attempt's result.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.module_loading import import_string

from hotdash.errors import DomainError
from integrations.http import CircuitOpen
from integrations.http.scrub import Scrubber
from integrations.webhooks.conf import knob
from integrations.webhooks.intake import webhook_event_enqueue
from integrations.webhooks.models import WebhookEvent
from integrations.webhooks.refetch import tiles_refetch
from integrations.webhooks.topics import ACTION, handler_for

logger = logging.getLogger("integrations.webhooks")
Status = WebhookEvent.Status


class NotRun(Exception):
    """The event is not to be processed (no handler, or a live action from an unsigned sender)."""


def webhook_event_process(*, event_id: int) -> str:
    """Process one event if it can be claimed; returns the resulting status, or
    `skipped` when another run holds it or it is already done.

    1. Claim it (received → processing) with a conditional update.
    2. Run its handler: a tile re-fetch, or an action-type handler (signed events only).
    3. Record `processed` (or `ignored`) with the handler's result, or on an error
       `received` again with a back-off (transient) or `failed` (permanent, or
       MAX_ATTEMPTS reached).
    """
    event = _claim(event_id)
    if event is None:
        return "skipped"
    try:
        result = _run(event)
    except NotRun as reason:
        return _record(event, Status.IGNORED, result={"not_run": str(reason)})
    except Exception as error:  # recorded on the event; a person can replay it
        return _fail(event, error)
    return _record(event, Status.PROCESSED, result=result)


def _claim(event_id: int) -> WebhookEvent | None:
    now = timezone.now()
    claimed = WebhookEvent.objects.filter(pk=event_id, status=Status.RECEIVED).update(
        status=Status.PROCESSING,
        attempts=F("attempts") + 1,
        claimed_until=now + timedelta(seconds=knob("CLAIM_S")),
    )
    return WebhookEvent.objects.filter(pk=event_id).first() if claimed else None


def _run(event: WebhookEvent) -> dict:
    handler = handler_for(event.source, event.topic)
    if handler is None:
        raise NotRun(f"no handler for {event.source} {event.topic}")
    if handler.kind == ACTION:
        if not event.signed:
            raise NotRun("an unsigned delivery may only trigger a re-fetch, never an action")
        return import_string(handler.run)(event)
    return tiles_refetch(event=event, keys=handler.tiles)


def _record(event: WebhookEvent, status: str, *, result: dict) -> str:
    """Write the outcome if the row is still our claim; returns `status` (or `overtaken`)."""
    done = _ours(event).update(
        status=status,
        result=result,
        last_error="",
        processed_at=timezone.now(),
        claimed_until=None,
    )
    if not done:
        logger.warning("webhook event %s: claim overtaken; outcome not written", event.pk)
        return "overtaken"
    return status


def _fail(event: WebhookEvent, error: Exception) -> str:
    # An exception's text may quote a vendor's answer: scrubbed like every stored message.
    text = Scrubber()(f"{type(error).__name__}: {getattr(error, 'detail', None) or error}")[:2000]
    now = timezone.now()
    if retryable(error) and event.attempts < knob("MAX_ATTEMPTS"):
        delay = min(knob("RETRY_BASE_S") * 2 ** (event.attempts - 1), knob("RETRY_MAX_S"))
        fields = {"status": Status.RECEIVED, "available_at": now + timedelta(seconds=delay)}
    else:
        fields = {"status": Status.FAILED, "processed_at": now}
    done = _ours(event).update(last_error=text, claimed_until=None, **fields)
    logger.warning("webhook event %s attempt %s failed: %s", event.pk, event.attempts, text)
    return fields["status"] if done else "overtaken"


def _ours(event: WebhookEvent):
    return WebhookEvent.objects.filter(
        pk=event.pk, status=Status.PROCESSING, attempts=event.attempts
    )


def retryable(error: Exception) -> bool:
    """Transient vendor trouble is retried; refusals and our own domain errors are not.
    An error saying `retryable` is believed (an open circuit is transient too); any
    other unexpected exception is retried (up to MAX_ATTEMPTS), then left failed."""
    if isinstance(error, CircuitOpen):
        return True
    explicit = getattr(error, "retryable", None)
    if isinstance(explicit, bool):
        return explicit
    return not isinstance(error, DomainError)


def webhook_event_replay(*, event_id: int, actor) -> bool:
    """Move a `failed` event back to `received` and enqueue it (audited as
    `webhook.replayed`). Returns False when it is not failed (nothing changes).
    A replay is one more attempt: a transient failure past MAX_ATTEMPTS fails again."""
    from approvals.audit import audit_record

    with transaction.atomic():
        moved = WebhookEvent.objects.filter(pk=event_id, status=Status.FAILED).update(
            status=Status.RECEIVED,
            available_at=timezone.now() + timedelta(seconds=knob("LOST_AFTER_S")),
            processed_at=None,
        )
        if not moved:
            return False
        audit_record(
            actor=actor,
            verb="webhook.replayed",
            target=WebhookEvent.objects.get(pk=event_id),
            changes={"status": {"before": Status.FAILED, "after": Status.RECEIVED}},
        )
        transaction.on_commit(lambda: webhook_event_enqueue(event_id))
    return True


def webhooks_sweep(*, now=None, limit: int = 500) -> dict[str, int]:
    """Recover what a lost job or a dead worker left behind. Returns counts.

    1. `processing` past its claim: the worker died or hung. Back to `received`
       (due now) while attempts remain, else `failed`.
    2. `received` and due (`available_at` passed): its job was lost, or a retry
       is due. Enqueue again, and push `available_at` on so the next sweep does
       not enqueue it twice while the job waits in the queue.
    """
    now = now or timezone.now()
    stalled = list(WebhookEvent.objects.stalled(now).values_list("pk", flat=True)[:limit])
    lost_worker = "worker lost: its claim expired before it finished"
    base = WebhookEvent.objects.filter(pk__in=stalled, status=Status.PROCESSING)
    dead = base.filter(attempts__gte=knob("MAX_ATTEMPTS")).update(
        status=Status.FAILED, processed_at=now, claimed_until=None, last_error=lost_worker
    )
    revived = base.update(
        status=Status.RECEIVED, available_at=now, claimed_until=None, last_error=lost_worker
    )
    due = list(WebhookEvent.objects.lost(now).values_list("pk", flat=True)[:limit])
    WebhookEvent.objects.filter(pk__in=due, status=Status.RECEIVED).update(
        available_at=now + timedelta(seconds=knob("LOST_AFTER_S"))
    )
    for event_id in due:
        webhook_event_enqueue(event_id)
    return {"failed": dead, "revived": revived, "enqueued": len(due)}


def webhooks_prune(*, now=None, batch: int = 5000) -> int:
    """Delete processed and ignored events older than RETENTION_DAYS (one batch); returns
    how many. Failed events stay until a person replays them."""
    cutoff = (now or timezone.now()) - timedelta(days=knob("RETENTION_DAYS"))
    old = WebhookEvent.objects.filter(
        status__in=[Status.PROCESSED, Status.IGNORED], received_at__lt=cutoff
    ).values_list("pk", flat=True)[:batch]
    deleted, _ = WebhookEvent.objects.filter(pk__in=list(old)).delete()
    return deleted
