"""The hash chain: canonical serialisation, secret masking and the hash of one event.

    body   = HMAC-SHA256(audit key, canonical JSON of the event's fields but seq, at,
                         prev_hash, hash)
    hash   = sha256(f"{prev_hash}|{seq}|{at as UTC ISO-8601 with µs and Z}|{body}")

The body digest is keyed (approvals.keys, `APPROVALS_AUDIT_KEY`; by default derived from
SECRET_KEY with a salt of its own) and never stored, so someone who can write the database
but not read the settings can neither append an event that verifies nor re-link existing
events after a deletion or an edit. Events written before the key (up to the seq that the
signed checkpoints name as `legacy_through`, migration 0006) carry an unkeyed sha256 body.

Canonical JSON has sorted keys, fixed separators and UTF-8 text. The chain
part is a plain string so PostgreSQL can compute it in the insert trigger
(migration 0003) from the body digest the application supplies; SQLite
computes it here. Every value is made JSON-native *before* it is stored, so
what the database returns hashes exactly as what was written.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import UTC, datetime

from django.utils.crypto import constant_time_compare

from approvals.keys import keys, sign

GENESIS_HASH = "0" * 64
EVENT_SALT = "hotdash.approvals.audit.event"
MASK = "***"

# Key names whose values are secrets. Masking too much is harmless; too little is not.
_SECRET_KEY = re.compile(
    r"(token|secret|passw|pwd|authori[sz]ation|cookie|session|signature|private|"
    r"credential_value|api[-_]?key|access[-_]?key|(^|[-_.\s])key$)",
    re.IGNORECASE,
)
_NOT_SECRET = frozenset({"idempotency_key", "flag_key", "action_key"})

BODY_FIELDS = (
    "actor_type",
    "actor_id",
    "actor_name",
    "actor_snapshot",
    "verb",
    "target_type",
    "target_id",
    "target_repr",
    "request_id",
    "ip",
    "changes",
    "outcome",
    "reason",
)


def is_secret_key(name: str) -> bool:
    return name.lower() not in _NOT_SECRET and bool(_SECRET_KEY.search(name))


def mask_secrets(value):
    """A copy of `value` with the values of secret-looking keys replaced by `***`, at any depth."""
    if isinstance(value, dict):
        return {
            str(k): (MASK if is_secret_key(str(k)) else mask_secrets(v)) for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return [mask_secrets(v) for v in value]
    return value


def json_native(value):
    """`value` as the database's JSON round trip returns it (dates and decimals become strings).

    Huge or non-finite floats become strings too: PostgreSQL's jsonb prints 1e20
    as an integer and refuses NaN, which would change the hash on the way back.
    """
    return _tame_floats(json.loads(json.dumps(value, default=str, ensure_ascii=False)))


def _tame_floats(value):
    if isinstance(value, float) and not (abs(value) < 1e15):
        return str(value)
    if isinstance(value, dict):
        return {k: _tame_floats(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_tame_floats(v) for v in value]
    return value


def iso_utc(moment: datetime) -> str:
    """UTC ISO-8601 with microseconds and a `Z`: one spelling for one instant."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical_json(fields: dict) -> str:
    """Sorted keys, no whitespace, UTF-8 kept: the bytes that are hashed."""
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def audit_keys() -> list[str]:
    """The audit key that signs, then the retired ones that still verify."""
    return keys("AUDIT_KEY")


def body_text(event) -> str:
    """The canonical JSON of the event's body (everything but the chain fields)."""
    return canonical_json({name: getattr(event, name) for name in BODY_FIELDS})


def body_digest(event, key: str | None = None) -> str:
    """HMAC-SHA256 of the event's body under `key` (default: the audit key that signs)."""
    return sign(EVENT_SALT, body_text(event), key if key is not None else audit_keys()[0])


def legacy_body_digest(event) -> str:
    """The unkeyed sha256 body of events written before the audit key (migration 0006)."""
    return hashlib.sha256(body_text(event).encode("utf-8")).hexdigest()


def chain_hash(prev_hash: str, seq: int, at: datetime, body: str) -> str:
    """The link: the previous hash, the position, the time and the body digest."""
    return hashlib.sha256(f"{prev_hash}|{seq}|{iso_utc(at)}|{body}".encode()).hexdigest()


def event_hash(event, key: str | None = None) -> str:
    """The hash this event must carry, given its fields and its `prev_hash`, under `key`
    (default: the audit key that signs)."""
    return chain_hash(event.prev_hash, event.seq, event.at, body_digest(event, key))


def event_intact(event, *, legacy: bool, candidates: list[str]) -> bool:
    """Whether the event carries the hash of its own fields and `prev_hash`: under one of
    the audit keys, or, for an event written before the key (`legacy`), unkeyed."""
    if legacy:
        digests = [legacy_body_digest(event)]
    else:
        text = body_text(event)
        digests = [sign(EVENT_SALT, text, key) for key in candidates]
    return any(
        constant_time_compare(chain_hash(event.prev_hash, event.seq, event.at, d), event.hash)
        for d in digests
    )
