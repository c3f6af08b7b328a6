"""Executing an approved request: claim, re-check, perform once, record the outcome."""

from __future__ import annotations

import logging

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from approvals import registry, roles
from approvals.audit import Actor, audit_record
from approvals.audit.chain import json_native
from approvals.conf import knob
from approvals.hooks import request_event
from approvals.models import ApprovalDecision, ApprovalRequest
from approvals.payload import decision_signed, payload_problem, request_drift
from approvals.selectors import FlagsUnavailable, kill_switches_active
from approvals.services.requests import approval_request_create
from hotdash.errors import DomainError, PermissionRefused

logger = logging.getLogger("approvals.execution")

Status = ApprovalRequest.Status
EXECUTOR = Actor.system("approvals-executor")


def approval_request_execute(*, request_id: int) -> ApprovalRequest | None:
    """Execute an approved request at most once; return it (None if it does not exist).

    1. Claim it: `approved` → `executing` by a conditional update. If no row
       changed, another worker has it or it is finished: return without acting.
    2. Re-check now: the action still exists, the execution window is open,
       no kill switch (global, integration, action) is set and flags are readable,
       the stored payload still carries its keyed hash, enough approvals signed by
       the application (never fewer than the action requires) come from people who
       still hold the role, and the request has not drifted
       (`request_drift`: the stored payload still hashes to `payload_hash`, the
       precondition reads the same; also checked when approvers decide). Any failure →
       `conflict` (or `expired`), and the action is never called.
    3. Call `perform(params, idempotency_key)`: success → `succeeded`;
       ActionFailed → `failed`; OutcomeUnknown or any other error → `unknown`
       (reconciled later by the sweeper, never retried blindly).
    """
    now = timezone.now()
    claimed = ApprovalRequest.objects.filter(pk=request_id, status=Status.APPROVED).update(
        status=Status.EXECUTING, started_at=now, attempts=F("attempts") + 1
    )
    request = ApprovalRequest.objects.filter(pk=request_id).first()
    if not claimed or request is None:
        return request
    try:
        refusal = _recheck(request)
    except Exception as error:  # a check that cannot run is a refusal, never a go-ahead
        logger.warning("request #%s: re-check failed", request.pk, exc_info=True)
        refusal = (Status.CONFLICT, "recheck_failed", f"{type(error).__name__}: {error}")
    if refusal:
        status, code, detail = refusal
        return _finish(request, status, result={"code": code, "detail": detail}, error=detail)
    return _perform(request)


def _recheck(request: ApprovalRequest) -> tuple[str, str, str] | None:
    """(status, code, detail) of the first check that fails, or None to go ahead."""
    try:
        action = registry.get(request.action)
    except DomainError as error:
        return Status.CONFLICT, error.code, error.detail
    if timezone.now() > request.expires_at + knob("EXECUTION_GRACE"):
        return Status.EXPIRED, "expired", "The request was not executed in time."
    for check in (_kill_switches, _payload, _approvers, _drift):
        problem = check(request, action)
        if problem:
            return (Status.CONFLICT, *problem)
    return None


def _kill_switches(request, action) -> tuple[str, str] | None:
    if action.bypasses_kill_switches:
        return None
    try:
        switches = kill_switches_active(
            action=action.name, integration=action.integration_of(request.params)
        )
    except FlagsUnavailable:
        return "flags_unavailable", "Flags cannot be read, so live actions are denied."
    if switches:
        keys = ", ".join(sorted(s.key for s in switches))
        return "kill_switch", f"Stopped by kill switch {keys}."
    return None


def _payload(request, action) -> tuple[str, str] | None:
    return payload_problem(request)


def _approvers(request, action) -> tuple[str, str] | None:
    """Approvals count only when the application signed them (decision_signed) and from
    people who still hold the approvers role now; never fewer than the action itself
    requires, whatever the stored request says."""
    needed = max(request.required_approvals, action.required_approvals)
    if needed == 0:
        return None
    approvals = ApprovalDecision.objects.filter(
        request=request, verdict=ApprovalDecision.Verdict.APPROVE, payload_hash=request.payload_hash
    ).exclude(approver=None)
    signed = [decision for decision in approvals if decision_signed(decision)]
    users = get_user_model().objects.filter(pk__in=[d.approver_id for d in signed])
    valid = [u for u in users if roles.can_approve(u) and u.pk != request.requested_by_id]
    if len(valid) >= needed:
        return None
    if len(signed) < len(approvals):
        return "approval_unsigned", "An approval does not carry the application's signature."
    if len(signed) < needed:
        return "quorum_missing", f"The action needs {needed} approval(s); it has {len(signed)}."
    return "role_revoked", "An approver no longer holds the approvers role."


def _drift(request, action) -> tuple[str, str] | None:
    # Last: reading the precondition may call the vendor, which a kill switch forbids.
    return request_drift(request)


def _perform(request: ApprovalRequest) -> ApprovalRequest:
    action = registry.get(request.action)
    try:
        result = action.perform(request.params, request.idempotency_key)
    except registry.ActionFailed as error:
        return _finish(request, Status.FAILED, result={"code": "failed"}, error=str(error))
    except Exception as error:  # sent, or maybe sent: the outcome is unknown, never retried
        logger.warning("request #%s: outcome unknown", request.pk, exc_info=True)
        detail = f"{type(error).__name__}: {error}"
        return _finish(request, Status.UNKNOWN, result={"code": "unknown"}, error=detail)
    return _finish(request, Status.SUCCEEDED, result=json_native(result or {}), error="")


def _finish(request, status: str, *, result: dict, error: str) -> ApprovalRequest:
    """executing → `status` and its audit event, in one transaction (conditional: a
    sweeper may have moved it meanwhile, then nothing is written)."""
    outcome = {Status.SUCCEEDED: "success", Status.FAILED: "failure", Status.UNKNOWN: "failure"}
    with transaction.atomic():
        moved = ApprovalRequest.objects.filter(pk=request.pk, status=Status.EXECUTING).update(
            status=status, finished_at=timezone.now(), result=result, error=error[:2000]
        )
        request.refresh_from_db()
        if moved:
            request_event(request, status, error)
            audit_record(
                actor=EXECUTOR,
                verb="approval.execute",
                target=request,
                changes={"status": {"before": "executing", "after": status}, "result": result},
                outcome=outcome.get(status, "denied"),
                reason=error,
            )
    return request


def action_run_safe(
    *,
    action: str,
    params: dict,
    actor=None,
    reason: str = "",
    context: dict | None = None,
    idempotency_key: str | None = None,
) -> ApprovalRequest:
    """Run a `safe` action now, in this process, with the same record, re-checks and
    audit as any request. Refuses live actions (403 `approval_required`): those go
    through approval_request_create. A repeated idempotency key returns the first run."""
    if registry.get(action).risk != registry.SAFE:
        raise PermissionRefused(f"{action} is live: request an approval.", code="approval_required")
    request = approval_request_create(
        action=action,
        params=params,
        requested_by=actor,
        reason=reason,
        context=context,
        idempotency_key=idempotency_key,
        enqueue=False,
    )
    return approval_request_execute(request_id=request.pk) or request
