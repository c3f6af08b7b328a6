"""Deciding on a request: approve and reject, with the refusals that guard them."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from approvals import roles
from approvals.audit import audit_record
from approvals.hooks import request_event
from approvals.models import ApprovalDecision, ApprovalRequest
from approvals.payload import decision_signature, decision_signed, request_drift
from approvals.services.lifecycle import (
    enqueue_execution,
    expire,
    is_overdue,
    locked,
    not_pending_error,
    record_refusal,
)
from hotdash.errors import Conflict, DomainError, PermissionRefused

Status = ApprovalRequest.Status


def approval_request_approve(
    *, request_id: int, approver, comment: str = "", payload_hash: str = ""
) -> ApprovalRequest:
    """Record `approver`'s approval; when the quorum of distinct approvers is reached the
    request becomes `approved` and its execution job is queued. Returns the request.

    Refusals (nothing changes, the attempt is audited): 403 `not_approver`,
    403 `own_request`, 409 `already_decided`, 409 `expired` (and the request
    expires), 409 `not_pending`, 409 `conflict` when `payload_hash` (what the
    approver saw) or the precondition no longer matches (the request becomes `conflict`).
    """
    return _decide(request_id, approver, ApprovalDecision.Verdict.APPROVE, comment, payload_hash)


def approval_request_reject(
    *, request_id: int, approver, comment: str = "", payload_hash: str = ""
) -> ApprovalRequest:
    """One rejection is final: the request becomes `rejected`. Same refusals as approve."""
    return _decide(request_id, approver, ApprovalDecision.Verdict.REJECT, comment, payload_hash)


def _decide(request_id, approver, verdict, comment, seen_hash) -> ApprovalRequest:
    try:
        with transaction.atomic():
            request = locked(request_id)
            # A refusal that changes state (expiry, conflict) commits first, then is raised.
            refusal = _decide_locked(request, approver, verdict, comment, seen_hash)
        if refusal:
            raise refusal
    except DomainError as error:
        record_refusal(
            actor=approver, verb=f"approval.{verdict}", request_id=request_id, error=error
        )
        raise
    return request


def _decide_locked(request, approver, verdict, comment, seen_hash) -> DomainError | None:
    _check_decider(request, approver)
    if request.status == Status.PENDING and is_overdue(request):
        expire(request, actor=approver)
        return not_pending_error(request)
    if request.status != Status.PENDING:
        raise not_pending_error(request)
    if seen_hash and seen_hash != request.payload_hash:
        # The approver saw an old version; the request itself is fine and stays pending.
        return Conflict("The request changed since you looked at it; reload and decide again.")
    if drift := request_drift(request):
        _finish_as_conflict(request, approver, *drift)
        return Conflict(drift[1])  # 409 `conflict`, as for every drift; the row keeps its code
    _record_decision(request, approver, verdict, comment)
    return None


def _check_decider(request: ApprovalRequest, user) -> None:
    if not roles.can_approve(user):
        raise PermissionRefused("Only members of the approvers group decide.", code="not_approver")
    if request.requested_by_id is not None and request.requested_by_id == user.pk:
        raise PermissionRefused("Nobody decides on their own request.", code="own_request")
    if request.decisions.filter(approver=user).exists():
        raise Conflict(f"You already decided on request #{request.pk}.", code="already_decided")


def _finish_as_conflict(request: ApprovalRequest, actor, code: str, detail: str) -> None:
    """pending → `conflict`, with the drift's code in `result` as execution records it."""
    ApprovalRequest.objects.filter(pk=request.pk, status=Status.PENDING).update(
        status=Status.CONFLICT,
        finished_at=timezone.now(),
        result={"code": code, "detail": detail},
        error=detail,
    )
    request.refresh_from_db()
    audit_record(
        actor=actor,
        verb="approval.conflict",
        target=request,
        changes={"status": {"before": "pending", "after": "conflict"}},
        outcome="denied",
        reason=detail,
    )


def _record_decision(request: ApprovalRequest, approver, verdict: str, comment: str) -> None:
    ApprovalDecision.objects.create(
        request=request,
        approver=approver,
        approver_name=approver.get_username(),
        verdict=verdict,
        comment=comment,
        payload_hash=request.payload_hash,
        signature=decision_signature(
            request_id=request.pk,
            approver_id=approver.pk,
            verdict=verdict,
            payload_hash=request.payload_hash,
        ),
    )
    after = _status_after(request, verdict)
    if after != Status.PENDING:
        ApprovalRequest.objects.filter(pk=request.pk, status=Status.PENDING).update(
            status=after, decided_at=timezone.now()
        )
        request.refresh_from_db()
    request_event(request, verdict, f"{approver.get_username()}: {comment}".rstrip(": "))
    changes = {"verdict": verdict, "status": {"before": "pending", "after": request.status}}
    audit_record(
        actor=approver, verb=f"approval.{verdict}", target=request, changes=changes, reason=comment
    )
    if request.status == Status.APPROVED:
        enqueue_execution(request.pk)


def _status_after(request: ApprovalRequest, verdict: str) -> str:
    if verdict == ApprovalDecision.Verdict.REJECT:
        return Status.REJECTED
    approvals = request.decisions.filter(
        verdict=ApprovalDecision.Verdict.APPROVE, payload_hash=request.payload_hash
    )
    signed = sum(1 for decision in approvals if decision_signed(decision))
    return Status.APPROVED if signed >= request.required_approvals else Status.PENDING
