"""Appending to the audit trail, and writing checkpoints of its head."""

from __future__ import annotations

import json
import logging

from django.db import connection, transaction
from django.db.models import Model
from django.utils import timezone

from approvals.audit.anchor import checkpoint_signature
from approvals.audit.chain import (
    BODY_FIELDS,
    GENESIS_HASH,
    body_digest,
    event_hash,
    iso_utc,
    json_native,
    mask_secrets,
)
from approvals.audit.context import (
    RequestContext,
    actor_of,
    normalise_ip,
    request_context_get,
)
from approvals.models import AuditCheckpoint, AuditEvent

logger = logging.getLogger("approvals.audit")

# pg_advisory_xact_lock key serialising appends ("HDAU"); held until the caller commits.
CHAIN_LOCK_KEY = 0x48444155


def audit_record(
    *,
    actor,
    verb: str,
    target=None,
    changes: dict | None = None,
    outcome: str = AuditEvent.Outcome.SUCCESS,
    reason: str = "",
    request=None,
) -> AuditEvent:
    """Append one event to the chain and return it (saved, with seq and hash).

    actor:   an `Actor`, a user, an HttpRequest/DRF Request (its user), or None (system).
    target:  a model instance, `"app.Model:id"`, a `(type, id, repr)` tuple, or None.
    changes: a before/after dict; values under secret-looking keys are masked.
    request: optional; otherwise the request id and IP come from RequestIdMiddleware.

    Appends are serialised so concurrent writers never fork the chain: on
    PostgreSQL the insert trigger takes an advisory lock (held until commit) and
    links the row; on SQLite the IMMEDIATE transaction's write lock does. Inside a
    caller's transaction the event commits or rolls back with it.
    """
    who = actor_of(actor if actor is not None or request is None else request)
    context = _context_of(request)
    target_type, target_id, target_repr = target_of(target)
    event = AuditEvent(
        actor_type=who.type,
        actor_id=who.id,
        actor_name=who.name[:150],
        actor_snapshot=json_native(mask_secrets(who.snapshot)),
        verb=verb[:100],
        target_type=target_type[:100],
        target_id=target_id[:200],
        target_repr=target_repr[:300],
        request_id=context.request_id[:64],
        ip=context.ip,
        changes=json_native(mask_secrets(changes or {})),
        outcome=outcome,
        reason=reason,
    )
    if connection.vendor == "postgresql":
        _append_postgresql(event)
    else:
        with transaction.atomic():
            _append_python(event)
    return event


def _append_python(event: AuditEvent) -> None:
    """Link the event here, under the lock (SQLite: the IMMEDIATE transaction's)."""
    _lock_chain()
    head = AuditEvent.objects.order_by("-seq").values_list("seq", "hash").first()
    event.seq, event.prev_hash = (head[0] + 1, head[1]) if head else (1, GENESIS_HASH)
    event.at = timezone.now()
    event.hash = event_hash(event)
    event.save(force_insert=True)


_BODY_COLUMNS = list(BODY_FIELDS)
_CASTS = {"actor_snapshot": "::jsonb", "changes": "::jsonb", "ip": "::inet"}
_INSERT = (
    f"INSERT INTO {AuditEvent._meta.db_table} (seq, at, prev_hash, hash, {', '.join(_BODY_COLUMNS)}) "
    f"VALUES (0, now(), '', %s, {', '.join('%s' + _CASTS.get(c, '') for c in _BODY_COLUMNS)}) "
    "RETURNING id, seq, at, prev_hash, hash"
)


def _append_postgresql(event: AuditEvent) -> None:
    """One INSERT: the trigger (migration 0003) locks the chain, links and hashes the
    event from the body digest passed in `hash`; the lock lasts until commit."""
    values = [getattr(event, name) for name in _BODY_COLUMNS]
    values = [
        json.dumps(v, ensure_ascii=False) if c in ("actor_snapshot", "changes") else v
        for c, v in zip(_BODY_COLUMNS, values, strict=True)
    ]
    with connection.cursor() as cursor:
        cursor.execute(_INSERT, [body_digest(event), *values])
        event.id, event.seq, event.at, event.prev_hash, event.hash = cursor.fetchone()
    event._state.adding, event._state.db = False, connection.alias


def _lock_chain() -> None:
    """Serialise appends. SQLite's IMMEDIATE transactions already hold the write lock."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CHAIN_LOCK_KEY])


def _context_of(request) -> RequestContext:
    if request is None:
        return request_context_get()
    meta = getattr(request, "META", {})
    return RequestContext(
        request_id=getattr(request, "request_id", "") or request_context_get().request_id,
        ip=normalise_ip(meta.get("REMOTE_ADDR")),
    )


def target_of(target) -> tuple[str, str, str]:
    """(type, id, repr) for a model instance, an `"app.Model:id"` string, a tuple or None."""
    if target is None:
        return "", "", ""
    if isinstance(target, Model):
        return target._meta.label, str(target.pk), str(target)
    if isinstance(target, tuple):
        kind, ident, text = target
        return str(kind), str(ident), str(text)
    kind, _, ident = str(target).rpartition(":")
    return kind, ident, str(target)


def audit_checkpoint_write() -> AuditCheckpoint | None:
    """Sign a checkpoint of the chain's head and log it (approvals.audit.anchor).

    Returns the checkpoint, or None when the trail is empty or the head is already
    checkpointed. The log line (`audit checkpoint n=… seq=… head=…`) is the copy outside
    the database: give it to `manage.py audit_verify --expect-seq --expect-hash`.
    """
    with transaction.atomic():
        _lock_chain()
        head = AuditEvent.objects.order_by("-seq").values_list("seq", "hash").first()
        if head is None or AuditCheckpoint.objects.filter(seq=head[0]).exists():
            return None
        last = AuditCheckpoint.objects.order_by("-number").first()
        fields = {
            "number": last.number + 1 if last else 1,
            "seq": head[0],
            "head_hash": head[1],
            "at": timezone.now(),
            "legacy_through": last.legacy_through if last else 0,
        }
        checkpoint = AuditCheckpoint.objects.create(
            **fields, signature=checkpoint_signature(**fields)
        )
    logger.info(
        "audit checkpoint n=%s seq=%s head=%s at=%s",
        checkpoint.number,
        checkpoint.seq,
        checkpoint.head_hash,
        iso_utc(checkpoint.at),
    )
    return checkpoint
