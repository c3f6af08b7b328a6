"""What the request services share: payload hashing, settings, enqueueing, refusals."""

from __future__ import annotations

import hashlib
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from approvals import registry
from approvals.audit import audit_record
from approvals.audit.chain import canonical_json, json_native
from approvals.hooks import request_event
from approvals.models import ApprovalRequest, AuditEvent
from hotdash.errors import Conflict, DomainError, NotFound
from hotdash.knobs import Knobs

EXECUTE_TASK = "approvals.tasks.approval_execute_task"

# Overridable in settings (APPROVALS_<NAME>): how long things may take.
DEFAULTS = {
    "DEFAULT_EXPIRY": timedelta(hours=24),
    "MAX_EXPIRY": timedelta(days=7),
    # An approved request may start this long after expires_at, then it expires.
    "EXECUTION_GRACE": timedelta(minutes=10),
    # Approved but not started for this long: the job was lost, enqueue again.
    "LOST_JOB_AFTER": timedelta(seconds=60),
    # Executing for this long: the worker died; the outcome becomes unknown.
    # Longer than django-q2's task timeout, so a slow but live worker is not overtaken.
    "EXECUTING_LEASE": timedelta(seconds=360),
}


# A number in settings is read as seconds.
knob = Knobs("APPROVALS_", DEFAULTS)


def payload_hash(*, action: str, target: str, params: dict, precondition: dict) -> str:
    """sha256 over the canonical JSON of exactly what is approved."""
    body = {"action": action, "target": target, "params": params, "precondition": precondition}
    return hashlib.sha256(canonical_json(body).encode("utf-8")).hexdigest()


def stored_payload_hash(request: ApprovalRequest) -> str:
    """The hash recomputed from the stored row (differs from payload_hash if the row was edited)."""
    return payload_hash(
        action=request.action,
        target=request.target,
        params=request.params,
        precondition=request.precondition,
    )


def request_drift(request: ApprovalRequest) -> tuple[str, str] | None:
    """(code, detail) when what the request would do no longer matches what was requested,
    else None. Checked when an approver decides and again just before execution:

    - `payload_changed`: the stored row no longer hashes to `payload_hash`;
    - `precondition_failed`: the action's snapshot cannot be read now (or the action is gone);
    - `precondition_drift`: the snapshot differs from the one taken at request time.
    """
    if stored_payload_hash(request) != request.payload_hash:
        return "payload_changed", "The stored payload no longer matches its hash."
    try:
        now = json_native(registry.get(request.action).snapshot(request.params))
    except DomainError as error:
        return "precondition_failed", f"The precondition no longer holds: {error.detail}"
    if now != request.precondition:
        return "precondition_drift", "What the request would change has changed since it was made."
    return None


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
