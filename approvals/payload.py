"""What an approval covers: the payload hash, and the drift check that compares the
request as stored and the world as it is now with what was approved."""

from __future__ import annotations

import hashlib

from approvals import registry
from approvals.audit.chain import canonical_json, json_native
from approvals.models import ApprovalRequest
from hotdash.errors import DomainError


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
