"""What an approval covers: the payload hash, and the drift check that compares the
request as stored and the world as it is now with what was approved.

The hash is an HMAC-SHA256 under a key the database does not hold: `APPROVALS_HASH_KEY`,
or by default one derived from `SECRET_KEY` (with a salt of its own, so it is no other
use's key). Someone who can write the database but not read the settings cannot give an
edited payload a hash that verifies. Keys being retired verify, never sign:
`APPROVALS_HASH_KEY_FALLBACKS`, or `SECRET_KEY_FALLBACKS` for the derived key.

Each decision is signed under the same key (another salt), over the request, the approver,
the verdict and the payload hash: only signed decisions count toward the quorum.
"""

from __future__ import annotations

from approvals import registry
from approvals.audit.chain import canonical_json, json_native
from approvals.keys import keys, sign, verifies
from approvals.models import ApprovalDecision, ApprovalRequest
from hotdash.errors import DomainError

SALT = "hotdash.approvals.payload_hash"
DECISION_SALT = "hotdash.approvals.decision"


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


def decision_signature(
    *, request_id: int, approver_id: int, verdict: str, payload_hash: str
) -> str:
    """HMAC-SHA256 (hex), under the payload hash's current key, over who decided what on
    which payload: a database writer cannot add or turn a decision that counts."""
    text = _decision_text(request_id, approver_id, verdict, payload_hash)
    return sign(DECISION_SALT, text, hash_keys()[0])


def decision_signed(decision: ApprovalDecision) -> bool:
    """Whether the stored decision carries a valid signature under one of the keys (False
    for a decision written outside the application, or whose approver was deleted)."""
    if decision.approver_id is None or not decision.signature:
        return False
    text = _decision_text(
        decision.request_id, decision.approver_id, decision.verdict, decision.payload_hash
    )
    return verifies(DECISION_SALT, text, decision.signature, hash_keys())


def _decision_text(request_id: int, approver_id: int, verdict: str, payload_hash: str) -> str:
    return f"decision|{request_id}|{approver_id}|{verdict}|{payload_hash}"


def _body(action: str, target: str, params: dict, precondition: dict) -> str:
    body = {"action": action, "target": target, "params": params, "precondition": precondition}
    return canonical_json(body)


def payload_problem(request: ApprovalRequest) -> tuple[str, str] | None:
    """("payload_changed", detail) when the stored row no longer carries a hash of its
    payload, else None. The first of request_drift's checks, and the first of execution's
    once kill switches are read (before counting who approved that payload)."""
    if payload_intact(request):
        return None
    return "payload_changed", "The stored payload no longer matches its hash."


def request_drift(request: ApprovalRequest) -> tuple[str, str] | None:
    """(code, detail) when what the request would do no longer matches what was requested,
    else None. Checked when an approver decides and again just before execution:

    - `payload_changed`: the stored row no longer carries a hash of its payload;
    - `precondition_failed`: the action's snapshot cannot be read now (or the action is gone);
    - `precondition_drift`: the snapshot differs from the one taken at request time.
    """
    if problem := payload_problem(request):
        return problem
    try:
        now = json_native(registry.get(request.action).snapshot(request.params))
    except DomainError as error:
        return "precondition_failed", f"The precondition no longer holds: {error.detail}"
    if now != request.precondition:
        return "precondition_drift", "What the request would change has changed since it was made."
    return None
