"""The receiving half of the pipeline: read the body once, store the event, enqueue its job.

    body_read(request)            -> raw bytes, or Refusal 413 before reading everything
    storable.json_decode(body)    -> the decoded object, or Refusal 400 (storable.py)
    webhook_event_store(...)      -> (event id, created); a duplicate inserts nothing
    webhook_rejection_audit(...)  -> one `webhook.rejected` audit event, never the body
                                     (called by rejections.rejection_note, which counts)

Nothing here calls a vendor: the response goes back within milliseconds and the
work happens in `integrations.webhooks.processing`, in a django-q2 job.
"""

from __future__ import annotations

import functools
import logging
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from integrations.webhooks.conf import knob
from integrations.webhooks.insert import event_insert
from integrations.webhooks.models import WebhookEvent
from integrations.webhooks.topics import handler_for

logger = logging.getLogger("integrations.webhooks")

PROCESS_TASK = "integrations.webhooks.tasks.webhook_event_process_task"
MAX_ID_LENGTH = 200
MAX_TOPIC_LENGTH = 100
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class Refusal(Exception):
    """A delivery we answer with an error: `status`, a stable `code` and a human `detail`."""

    def __init__(self, status: int, code: str, detail: str, **extra) -> None:
        super().__init__(detail)
        self.status, self.code, self.detail, self.extra = status, code, detail, extra


@dataclass(frozen=True)
class Delivery:
    """One verified delivery, as it will be stored."""

    source: str
    event_id: str
    topic: str
    body: dict
    signed: bool = True
    delivery_id: str = ""
    replay_key: str = ""
    shop_domain: str = ""
    api_version: str = ""
    triggered_at: datetime | None = None


def body_read(request, cap: int | None = None) -> bytes:
    """The raw body, read once from the stream. Refusal 413 when it exceeds `cap` bytes:
    at once when Content-Length says so, else after reading at most cap + 1 bytes."""
    cap = knob("MAX_BODY_BYTES") if cap is None else cap
    declared = request.META.get("CONTENT_LENGTH") or ""
    if declared.isdigit() and int(declared) > cap:
        raise _too_large(cap)
    data = request.read(cap + 1)
    if len(data) > cap:
        raise _too_large(cap)
    return data


def _too_large(cap: int) -> Refusal:
    return Refusal(413, "too_large", f"The body exceeds {cap} bytes.")


def bounded(value: str, name: str, limit: int = MAX_ID_LENGTH) -> str:
    """`value` stripped, or Refusal 400 when longer than `limit` (never silently truncated,
    which could merge two distinct ids into one) or holding a control character."""
    value = (value or "").strip()
    if len(value) > limit:
        raise Refusal(400, "invalid_header", f"{name} is longer than {limit} characters.")
    if _CONTROL.search(value):  # NUL cannot be stored in PostgreSQL text; none belongs in an id
        raise Refusal(400, "invalid_header", f"{name} holds a control character.")
    return value


def webhook_event_store(delivery: Delivery) -> tuple[int | None, bool, str]:
    """Insert the event; returns (id, created, status).

    A topic with no handler is stored `ignored`. A new handled event is
    `received` and its processing job is enqueued once the insert commits; if
    the enqueue fails (broker down) or the process dies first, the sweeper
    enqueues it after LOST_AFTER_S. A duplicate (same source and event id)
    inserts nothing and returns (None, False, "duplicate").
    """
    handled = handler_for(delivery.source, delivery.topic) is not None
    status = WebhookEvent.Status.RECEIVED if handled else WebhookEvent.Status.IGNORED
    now = timezone.now()
    event_id = event_insert(
        {
            **delivery.__dict__,
            "status": status,
            "received_at": now,
            "available_at": now + timedelta(seconds=knob("LOST_AFTER_S")),
            "processed_at": None if handled else now,
        }
    )
    if event_id is None:
        return None, False, "duplicate"
    if handled:
        # In autocommit the row is already committed and this runs at once; inside a
        # caller's transaction it waits for that commit.
        transaction.on_commit(lambda: webhook_event_enqueue(event_id))
    return event_id, True, status


def webhook_event_enqueue(event_id: int) -> bool:
    """Queue the processing job of one event (ids, never objects). Never raises: a
    failed enqueue is logged and left to the sweeper. Returns whether it was queued."""
    from django_q.tasks import async_task

    try:
        # save=False: the event row records the outcome. Saving each success makes
        # django-q2's single monitor lock and prune its 500 kept results per task.
        async_task(PROCESS_TASK, event_id, broker=_broker(), save=False)
    except Exception:  # the broker is down: the row is stored, the sweeper will retry
        logger.warning("webhook event %s: enqueue failed; the sweeper will retry", event_id)
        return False
    return True


@functools.cache
def _broker():
    """One django-q2 broker per process. `async_task` without one builds a new Redis
    client (a new connection) per call, about 1 ms, most of a delivery's budget."""
    from django_q.brokers import get_broker

    return get_broker()


def webhook_rejection_audit(
    *,
    source: str,
    refusal,
    request,
    body_bytes: int,
    window: dict | None = None,
    address: str = "",
    overflow: bool = False,
) -> None:
    """Record a refused delivery (`webhook.rejected`): source, reason, size, the counting
    window and address, never the body or any header value. Called for the first refusal
    of each counter row (`rejections.rejection_note`); `overflow` marks the event that
    stands for every later row of a full window. An audit failure is logged, never raised."""
    from approvals.audit import Actor, audit_record

    changes = {"source": source, "code": refusal.code, "body_bytes": body_bytes}
    reason = refusal.detail
    if window is not None:
        changes |= {"window": window, "address": address}
        reason += " Later refusals like it in this window are counted, not audited."
    if overflow:
        changes["overflow"] = True
        reason = (
            "More senders or reasons were refused in this window than are audited one "
            "by one; this and later ones are counted in Webhook rejections only."
        )
    try:
        audit_record(
            actor=Actor.webhook(source),
            verb="webhook.rejected",
            target=("integrations.WebhookEvent", "", f"{source} webhook"),
            changes=changes,
            outcome="denied",
            reason=reason,
            request=request,
        )
    except Exception:
        logger.exception("webhook rejection from %s could not be audited", source)
