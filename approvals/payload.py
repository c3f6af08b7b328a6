"""What an approval covers: the payload hash, and the drift check that compares the
request as stored and the world as it is now with what was approved.

The hash is an HMAC-SHA256 under a key the database does not hold: `APPROVALS_HASH_KEY`,
or by default one derived from `SECRET_KEY` (with a salt of its own, so it is no other
use's key). Someone who can write the database but not read the settings cannot give an
edited payload a hash that verifies. Keys being retired verify, never sign:
`APPROVALS_HASH_KEY_FALLBACKS`, or `SECRET_KEY_FALLBACKS` for the derived key.
"""

from __future__ import annotations

from approvals import registry
from approvals.audit.chain import canonical_json, json_native
from approvals.keys import keys, sign, verifies
from approvals.models import ApprovalRequest
from hotdash.errors import DomainError

SALT = "hotdash.approvals.payload_hash"


def payload_hash(*, action: str, target: str, params: dict, precondition: dict) -> str:
    """HMAC-SHA256 (hex) under the current key over the canonical JSON of exactly what is
    approved."""
    return sign(SALT, _body(action, target, params, precondition), hash_keys()[0])


def payload_intact(request: ApprovalRequest) -> bool:
    """Whether the stored row still carries a hash of its own payload under one of the keys
    (False if the row was edited, whoever recomputed a hash)."""
    body = _body(request.action, request.target, request.params, request.precondition)
    return verifies(SALT, body, request.payload_hash, hash_keys())


def hash_keys() -> list[str]:
    """The key that signs, then the retired keys that still verify (approvals.keys)."""
    return keys("HASH_KEY")


def _body(action: str, target: str, params: dict, precondition: dict) -> str:
    body = {"action": action, "target": target, "params": params, "precondition": precondition}
    return canonical_json(body)


def request_drift(request: ApprovalRequest) -> tuple[str, str] | None:
    """(code, detail) when what the request would do no longer matches what was requested,
    else None. Checked when an approver decides and again just before execution:

    - `payload_changed`: the stored row no longer carries a hash of its payload;
    - `precondition_failed`: the action's snapshot cannot be read now (or the action is gone);
    - `precondition_drift`: the snapshot differs from the one taken at request time.
    """
    if not payload_intact(request):
        return "payload_changed", "The stored payload no longer matches its hash."
    try:
        now = json_native(registry.get(request.action).snapshot(request.params))
    except DomainError as error:
        return "precondition_failed", f"The precondition no longer holds: {error.detail}"
    if now != request.precondition:
        return "precondition_drift", "What the request would change has changed since it was made."
    return None
