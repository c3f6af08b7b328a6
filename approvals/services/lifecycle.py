"""The steps every request service takes: lock the row, queue the execution job, expire
an overdue request, refuse a decision on one no longer pending, and note refusals."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from approvals.audit import audit_record
from approvals.hooks import request_event
from approvals.models import ApprovalRequest, AuditEvent
from hotdash.errors import Conflict, DomainError, NotFound

EXECUTE_TASK = "approvals.tasks.approval_execute_task"


def enqueue_execution(request_id: int) -> None:
    """Run the execution job once the current transaction commits (ids, never objects)."""
    from django_q.tasks import async_task

    transaction.on_commit(lambda: async_task(EXECUTE_TASK, request_id))


def locked(request_id: int) -> ApprovalRequest:
    """The request, row-locked until the transaction ends (SQLite: the IMMEDIATE lock)."""
    request = ApprovalRequest.objects.select_for_update().filter(pk=request_id).first()
    if request is None:
        raise NotFound(f"No approval request #{request_id}.")
    return request


def is_overdue(request: ApprovalRequest, now=None) -> bool:
    return (now or timezone.now()) >= request.expires_at


def expire(request: ApprovalRequest, *, actor, now=None) -> bool:
    """Move a pending request past its expiry to `expired` (audited, atomically);
    True if this call did it."""
    with transaction.atomic():
        moved = ApprovalRequest.objects.filter(
            pk=request.pk,
            status=ApprovalRequest.Status.PENDING,
            expires_at__lte=now or timezone.now(),
        ).update(status=ApprovalRequest.Status.EXPIRED, finished_at=timezone.now())
        if moved:
            request.refresh_from_db()
            request_event(request, "expired")
            audit_record(
                actor=actor,
                verb="approval.expired",
                target=request,
                changes={"status": {"before": "pending", "after": "expired"}},
                outcome=AuditEvent.Outcome.DENIED,
            )
    return bool(moved)


def not_pending_error(request: ApprovalRequest) -> DomainError:
    """The 409 for deciding on a request that is no longer pending."""
    if request.status == ApprovalRequest.Status.EXPIRED:
        return Conflict(
            f"Request #{request.pk} expired at {request.expires_at:%Y-%m-%d %H:%M}Z.",
            code="expired",
        )
    return Conflict(
        f"Request #{request.pk} is {request.status}, no longer pending.", code="not_pending"
    )


def record_refusal(*, actor, verb: str, request_id, error: DomainError) -> None:
    """Note a refused attempt on the trail (after the refused transaction rolled back)."""
    audit_record(
        actor=actor,
        verb=verb,
        target=("approvals.ApprovalRequest", request_id, f"#{request_id}"),
        outcome=AuditEvent.Outcome.DENIED,
        reason=f"{error.code}: {error.detail}",
    )
