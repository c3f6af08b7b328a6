"""The server-side timer of approvals: expiry, lost jobs, dead workers, reconciliation."""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone

from approvals import registry, roles
from approvals.audit import Actor, audit_record
from approvals.audit.chain import json_native
from approvals.conf import knob
from approvals.models import ApprovalRequest
from approvals.services.lifecycle import enqueue_execution, expire
from hotdash.errors import Conflict, NotFound, PermissionRefused, ValidationFailed

logger = logging.getLogger("approvals.sweeper")

Status = ApprovalRequest.Status
SWEEPER = Actor.system("approvals-sweeper")
MAX_ATTEMPTS = 3  # executions of one request (each after a reconciliation said "not performed")


def approvals_sweep(*, now=None, limit: int = 500) -> dict[str, int]:
    """One pass of the sweeper; returns how many requests each step touched.

    1. Pending requests past `expires_at` → `expired` (expiry means denied).
    2. Approved requests not started LOST_JOB_AFTER after approval → job queued again
       (the claim makes a duplicate job harmless).
    3. Executing requests older than EXECUTING_LEASE (their worker died) → `unknown`.
    4. Unknown requests whose action has a reconcile hook → reconciled.
    """
    now = now or timezone.now()
    return {
        "expired": _expire_overdue(now, limit),
        "requeued": _requeue_lost(now, limit),
        "unknown": _mark_dead_workers(now, limit),
        "reconciled": _reconcile_unknown(limit),
    }


def _expire_overdue(now, limit: int) -> int:
    overdue = ApprovalRequest.objects.filter(status=Status.PENDING, expires_at__lte=now)
    return sum(expire(request, actor=SWEEPER, now=now) for request in overdue[:limit])


def _requeue_lost(now, limit: int) -> int:
    lost = ApprovalRequest.objects.filter(
        status=Status.APPROVED, started_at=None, decided_at__lte=now - knob("LOST_JOB_AFTER")
    ).values_list("pk", flat=True)
    ids = list(lost[:limit])
    for request_id in ids:
        enqueue_execution(request_id)
    return len(ids)


def _mark_dead_workers(now, limit: int) -> int:
    stale = ApprovalRequest.objects.filter(
        status=Status.EXECUTING, started_at__lte=now - knob("EXECUTING_LEASE")
    )
    moved = 0
    for request in stale[:limit]:
        detail = "The worker stopped before recording an outcome; it may or may not have acted."
        moved += _transition(request, Status.EXECUTING, Status.UNKNOWN, error=detail)
    return moved


def _reconcile_unknown(limit: int) -> int:
    unknown = ApprovalRequest.objects.filter(status=Status.UNKNOWN).values_list("pk", flat=True)
    return sum(bool(approval_request_reconcile(request_id=pk)) for pk in unknown[:limit])


def approval_request_reconcile(*, request_id: int) -> str | None:
    """Ask the action whether an `unknown` request happened; returns the new status or None.

    performed → `succeeded`; not performed → `approved` again and queued (the
    re-execution re-checks everything), or `failed` after MAX_ATTEMPTS; no hook,
    no answer or an error → stays `unknown` for a person to resolve.
    """
    request = ApprovalRequest.objects.filter(pk=request_id, status=Status.UNKNOWN).first()
    action = registry.find(request.action) if request else None
    if action is None or action.reconcile is None:
        return None
    try:
        answer = action.reconcile(request.params, request.idempotency_key)
    except Exception:  # a reconciliation that fails leaves the outcome unknown
        logger.warning("request #%s: reconciliation failed", request_id, exc_info=True)
        return None
    if answer is None:
        return None
    if answer.get("performed"):
        moved = _transition(request, Status.UNKNOWN, Status.SUCCEEDED, result=json_native(answer))
        return Status.SUCCEEDED if moved else None
    if request.attempts >= MAX_ATTEMPTS:
        detail = f"Not performed after {request.attempts} attempts."
        return (
            Status.FAILED
            if _transition(request, Status.UNKNOWN, Status.FAILED, error=detail)
            else None
        )
    moved = _transition(
        request,
        Status.UNKNOWN,
        Status.APPROVED,
        started_at=None,
        finished_at=None,
        decided_at=timezone.now(),
        error="",
    )
    if moved:
        enqueue_execution(request.pk)
    return Status.APPROVED if moved else None


def _transition(request: ApprovalRequest, before: str, after: str, **fields) -> bool:
    """Conditional move before → after (plus fields) with its audit event, atomically;
    True if this call made it."""
    if after in ApprovalRequest.TERMINAL:
        fields.setdefault("finished_at", timezone.now())
    with transaction.atomic():
        moved = ApprovalRequest.objects.filter(pk=request.pk, status=before).update(
            status=after, **fields
        )
        if moved:
            audit_record(
                actor=SWEEPER,
                verb="approval.reconcile" if before == Status.UNKNOWN else "approval.worker_lost",
                target=request,
                changes={"status": {"before": before, "after": after}},
                outcome="success" if after != Status.FAILED else "failure",
                reason=fields.get("error", ""),
            )
    return bool(moved)


def approval_request_resolve(
    *, request_id: int, user, performed: bool, comment: str = ""
) -> ApprovalRequest:
    """A person settles an `unknown` outcome after checking the vendor: performed →
    `succeeded`, not performed → `failed` (never re-run: make a new request).
    Refusals: 403 `not_approver`, 409 `not_unknown`, 400 `comment_required`."""
    if not roles.can_approve(user):
        raise PermissionRefused("Only approvers settle unknown outcomes.", code="not_approver")
    if not comment.strip():
        raise ValidationFailed("Say what you checked at the vendor.", code="comment_required")
    request = ApprovalRequest.objects.filter(pk=request_id).first()
    if request is None:
        raise NotFound(f"No approval request #{request_id}.")
    after = Status.SUCCEEDED if performed else Status.FAILED
    with transaction.atomic():
        moved = ApprovalRequest.objects.filter(pk=request.pk, status=Status.UNKNOWN).update(
            status=after, finished_at=timezone.now(), error=comment[:2000]
        )
        if not moved:
            raise Conflict(f"Request #{request.pk} is not unknown.", code="not_unknown")
        request.refresh_from_db()
        audit_record(
            actor=user,
            verb="approval.resolve",
            target=request,
            changes={"status": {"before": "unknown", "after": after}, "performed": performed},
            reason=comment,
        )
    return request
