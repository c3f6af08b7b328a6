"""Anchoring the chain outside the database: signed checkpoints, and the head for witnesses.

A checkpoint is the app's signed statement "checkpoint number N saw the chain's head at
seq S with hash H, at time T" (plus `legacy_through`, the last event written before the
audit key), an HMAC under the audit key (approvals.keys), which the database does not hold.
Numbers run 1, 2, 3…, so a deleted checkpoint leaves a gap. Every checkpoint is also logged
(logger `approvals.audit`), and `audit_head()` serves the live head to whoever keeps a copy
elsewhere (metrics, the weekly mail): that copy is the witness `audit_verify` can be given,
the one thing that shows the newest checkpoints deleted together with the events after them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from approvals.audit.chain import audit_keys, iso_utc
from approvals.keys import sign, verifies

CHECKPOINT_SALT = "hotdash.approvals.audit.checkpoint"


@dataclass(frozen=True)
class Witness:
    """A head seen outside the database: its seq and its hash (the full 64 hex digits, or
    a prefix of at least 16)."""

    seq: int
    hash: str


def checkpoint_text(number: int, seq: int, head_hash: str, at: datetime, legacy: int) -> str:
    return f"checkpoint|{number}|{seq}|{head_hash}|{iso_utc(at)}|{legacy}"


def checkpoint_signature(*, number: int, seq: int, head_hash: str, at, legacy_through: int) -> str:
    """The HMAC a checkpoint carries, under the audit key that signs."""
    text = checkpoint_text(number, seq, head_hash, at, legacy_through)
    return sign(CHECKPOINT_SALT, text, audit_keys()[0])


def checkpoint_signed(checkpoint, candidates: list[str]) -> bool:
    """Whether the stored checkpoint carries a valid signature under one of the keys."""
    if checkpoint.number is None or not checkpoint.signature:
        return False
    text = checkpoint_text(
        checkpoint.number,
        checkpoint.seq,
        checkpoint.head_hash,
        checkpoint.at,
        checkpoint.legacy_through,
    )
    return verifies(CHECKPOINT_SALT, text, checkpoint.signature, candidates)
