"""Requesting an action, and withdrawing it: create, cancel.

Deciding on a request (approve, reject) is in `approvals.services.decisions`; both are
importable from here too.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from approvals import policies, registry, roles
from approvals.audit import Actor, audit_record
from approvals.audit.chain import json_native
from approvals.audit.context import actor_of
from approvals.conf import knob
from approvals.models import ApprovalRequest
from approvals.payload import payload_hash
from approvals.services.decisions import approval_request_approve, approval_request_reject
from approvals.services.lifecycle import (
    enqueue_execution,
    locked,
    not_pending_error,
    record_refusal,
)
from hotdash.errors import Conflict, DomainError, PermissionRefused, ValidationFailed

Status = ApprovalRequest.Status

__all__ = [
    "approval_request_approve",
    "approval_request_cancel",
    "approval_request_create",
    "approval_request_reject",
]


def approval_request_create(
    *,
    action: str,
    params: dict,
    requested_by=None,
    reason: str = "",
    context: dict | None = None,
    expires_in: timedelta | None = None,
    idempotency_key: str | None = None,
    enqueue: bool = True,
) -> ApprovalRequest:
    """Create a request for a registered action and return it.

    1. The action must exist (400 `unknown_action`), params must fit its schema
       (400 `invalid` with field errors; an integral float where the schema says
       integer is stored as an int), the requester must be an operator (403);
       requested_by may also be None or an `Actor` (the system itself).
    2. The precondition snapshot is taken now and bound, with action, target and
       params, into `payload_hash`; the approval policies (`approvals.policies`)
       set how many approvers it needs. Both are read before the write
       transaction, which only inserts the row and its audit event.
    3. A safe action (no approvals required) is approved at once and, with
       `enqueue`, its execution job queued. A repeated `idempotency_key` returns
       the existing request when the payload is the same, else 409 `conflict`.
    """
    act = registry.get(action)
    params = registry.params_validate(act, params)
    if _is_user(requested_by) and not roles.can_request(requested_by):
        raise PermissionRefused("Only operators may request actions.", code="not_operator")
    params = json_native(params)
    snapshot = json_native(act.snapshot(params))
    target = act.target_of(params)
    digest = payload_hash(action=action, target=target, params=params, precondition=snapshot)
    existing = _existing(idempotency_key, digest)
    if existing:
        return existing
    # Policies read before the write transaction (the error budget reads 30 days of
    # rollups), so the transaction holds its locks only for the insert.
    request = _unsaved(
        act,
        params=params,
        snapshot=snapshot,
        target=target,
        digest=digest,
        user=requested_by,
        reason=reason,
        context=context,
        expires_in=_expiry(expires_in),
        key=idempotency_key,
    )
    try:
        with transaction.atomic():
            _insert(request, requested_by)
            if request.status == Status.APPROVED and enqueue:
                enqueue_execution(request.pk)
    except _KeyTaken:
        # A concurrent caller with the same key won the insert: same payload, same request.
        existing = _existing(idempotency_key, digest)
        if existing is None:
            raise
        return existing
    return request


class _KeyTaken(Conflict):
    """The idempotency key was inserted by someone else meanwhile."""


def _is_user(who) -> bool:
    return who is not None and not isinstance(who, Actor)


def _existing(idempotency_key: str | None, digest: str) -> ApprovalRequest | None:
    if not idempotency_key:
        return None
    found = ApprovalRequest.objects.filter(idempotency_key=idempotency_key).first()
    if found and found.payload_hash != digest:
        raise Conflict(f"Idempotency key {idempotency_key!r} was used for another payload.")
    return found


def _expiry(expires_in: timedelta | None) -> timedelta:
    expires_in = expires_in or knob("DEFAULT_EXPIRY")
    if not timedelta(seconds=1) <= expires_in <= knob("MAX_EXPIRY"):
        raise ValidationFailed(f"Expiry must be between 1 s and {knob('MAX_EXPIRY')}.")
    return expires_in


def _unsaved(
    act, *, params, snapshot, target, digest, user, reason, context, expires_in, key
) -> ApprovalRequest:
    """The request row, not yet saved, with the approvals the policies require."""
    required, policy = policies.required_for(act, params)
    safe = required == 0
    now = timezone.now()
    return ApprovalRequest(
        action=act.name,
        target=target,
        params=params,
        precondition=snapshot,
        payload_hash=digest,
        risk=act.risk,
        status=Status.APPROVED if safe else Status.PENDING,
        required_approvals=required,
        policy=policy,
        reason=reason,
        context=json_native(context or {}),
        requested_by=user if _is_user(user) else None,
        requested_by_name=actor_of(user).name,
        expires_at=now + expires_in,
        decided_at=now if safe else None,
        idempotency_key=key or f"hotdash-{uuid.uuid4().hex}",
    )


def _insert(request: ApprovalRequest, user) -> None:
    """Save the new row and its `approval.requested` audit event (inside the transaction)."""
    try:
        request.save(force_insert=True)
    except IntegrityError:
        key = request.idempotency_key
        raise _KeyTaken(f"Idempotency key {key!r} is already in use.") from None
    changes = {
        "action": request.action,
        "params": request.params,
        "precondition": request.precondition,
        "status": request.status,
    }
    audit_record(
        actor=user,
        verb="approval.requested",
        target=request,
        changes=changes,
        reason=request.reason,
    )


def approval_request_cancel(*, request_id: int, user, reason: str = "") -> ApprovalRequest:
    """Withdraw a request that has not started: the requester or an approver may.
    Refusals: 403 `not_allowed`, 409 `not_pending` (started or finished)."""
    try:
        with transaction.atomic():
            request = locked(request_id)
            mine = user is not None and request.requested_by_id == user.pk
            if not (mine or roles.can_approve(user)):
                raise PermissionRefused(
                    "Only the requester or an approver cancels a request.", code="not_allowed"
                )
            before = request.status
            moved = ApprovalRequest.objects.filter(
                pk=request.pk, status__in=[Status.PENDING, Status.APPROVED], started_at=None
            ).update(status=Status.CANCELLED, finished_at=timezone.now())
            if not moved:
                raise not_pending_error(request)
            request.refresh_from_db()
            audit_record(
                actor=user,
                verb="approval.cancel",
                target=request,
                changes={"status": {"before": before, "after": "cancelled"}},
                reason=reason,
            )
    except DomainError as error:
        record_refusal(actor=user, verb="approval.cancel", request_id=request_id, error=error)
        raise
    return request
