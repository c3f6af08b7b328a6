"""django-q2 jobs of governance. Tasks take ids, never model objects."""

from __future__ import annotations

from approvals.audit import audit_checkpoint_write
from approvals.services import approval_request_execute, approvals_sweep


def approval_execute_task(request_id: int) -> str:
    """Execute one approved request (a no-op if another run claimed it). Returns its status."""
    request = approval_request_execute(request_id=request_id)
    return request.status if request else "missing"


def approvals_sweep_task() -> dict[str, int]:
    """Expire, re-enqueue lost jobs, mark dead workers unknown, reconcile (every minute)."""
    return approvals_sweep()


def audit_checkpoint_task() -> int | None:
    """Note the audit chain's head so a truncated tail is detectable. Returns its seq."""
    checkpoint = audit_checkpoint_write()
    return checkpoint.seq if checkpoint else None
