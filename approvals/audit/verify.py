"""Recomputing the audit chain, checking it against the signed checkpoints (and a witness),
and reporting its first broken link."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass

from approvals.audit.anchor import Witness, checkpoint_signed
from approvals.audit.chain import GENESIS_HASH, audit_keys, event_intact
from approvals.models import AuditCheckpoint, AuditEvent

CHUNK_SIZE = 2000


@dataclass(frozen=True)
class Break:
    """The first broken link. kind: edited | deleted | broken_link | truncated | rewritten |
    checkpoint_forged | checkpoint_deleted."""

    seq: int
    kind: str
    detail: str


@dataclass(frozen=True)
class VerifyReport:
    ok: bool
    checked: int
    head_seq: int
    head_hash: str
    checkpoint_seq: int | None  # the last validly signed checkpoint's seq
    first_break: Break | None

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class _Anchors:
    """What the signed checkpoints say: the last one's seq, where the unkeyed events end,
    and the first problem with the checkpoints themselves."""

    top: int | None = None
    legacy_through: int = 0
    problem: Break | None = None


def _scan_checkpoints(candidates: list[str]) -> _Anchors:
    """Every checkpoint in number order: signed, numbered 1, 2, 3… without a gap, and never
    behind the one before (streaming)."""
    anchors, expected, highest = _Anchors(), 1, 0
    legacy = None
    for cp in AuditCheckpoint.objects.order_by("number", "id").iterator(chunk_size=CHUNK_SIZE):
        if not checkpoint_signed(cp, candidates):
            detail = f"checkpoint {cp.number} (at #{cp.seq}) does not carry a valid signature"
            anchors.problem = anchors.problem or Break(cp.seq, "checkpoint_forged", detail)
            continue
        if cp.number != expected:
            missing = f"{expected}" + (f"..{cp.number - 1}" if cp.number - 1 > expected else "")
            detail = f"checkpoint(s) {missing} missing before checkpoint {cp.number}"
            anchors.problem = anchors.problem or Break(cp.seq, "checkpoint_deleted", detail)
        if cp.seq < highest:
            detail = f"checkpoint {cp.number} saw #{cp.seq} after an earlier one saw #{highest}"
            anchors.problem = anchors.problem or Break(cp.seq + 1, "truncated", detail)
        legacy = cp.legacy_through if legacy is None else legacy
        expected, highest, anchors.top = cp.number + 1, max(highest, cp.seq), cp.seq
    anchors.legacy_through = legacy or 0
    return anchors


class _Checkpoints:
    """The validly signed checkpoints (and a witness) in seq order, consumed alongside the
    events (constant memory)."""

    def __init__(self, rows: Iterator[tuple[int, str, str]]):
        self._rows = rows
        self.current = next(rows, None)

    def check(self, seq: int, hash_: str) -> Break | None:
        while self.current is not None and self.current[0] <= seq:
            cp_seq, cp_hash, who = self.current
            if cp_seq == seq and not hash_.startswith(cp_hash):
                return Break(seq, "rewritten", f"#{seq} no longer has the hash {who} saw")
            self.current = next(self._rows, None)
        return None


def _anchor_rows(candidates: list[str], witness: Witness | None) -> Iterator[tuple[int, str, str]]:
    """The signed checkpoints' (seq, hash, who), with the witness's in its place."""
    pending = [(witness.seq, witness.hash.lower(), "the witness")] if witness else []
    for row in _signed_only(candidates):
        while pending and pending[0][0] <= row[0]:
            yield pending.pop()
        yield row
    yield from pending


def _signed_only(candidates: list[str]) -> Iterator[tuple[int, str, str]]:
    for cp in AuditCheckpoint.objects.order_by("seq", "number").iterator(chunk_size=CHUNK_SIZE):
        if checkpoint_signed(cp, candidates):
            yield cp.seq, cp.head_hash, f"checkpoint {cp.number}"


def audit_verify(
    *, witness: Witness | None = None, progress: Callable[[int], None] | None = None
) -> VerifyReport:
    """Walk the whole chain in seq order, streaming, and return a VerifyReport.

    Detects: an edited, forged or re-linked event (its hash is not the keyed hash of its
    fields and predecessor), a deleted event (a gap in seq), a rewritten chain (a signed
    checkpoint's or the witness's seq with another hash), a truncated tail (the head below
    the last signed checkpoint or the witness), and checkpoints unsigned, forged or deleted
    (a gap in their numbers). Not detected without a witness: the newest checkpoints
    deleted together with the events after the last remaining one (docs/approvals.md).
    `progress(checked)` is called every CHUNK_SIZE rows. Checkpoints are read first: every
    checkpointed row was committed before.
    """
    candidates = audit_keys()
    anchors = _scan_checkpoints(candidates)
    checkpoints = _Checkpoints(_anchor_rows(candidates, witness))
    checked, prev_seq, prev_hash = 0, 0, GENESIS_HASH
    problem = None
    events = AuditEvent.objects.order_by("seq").iterator(chunk_size=CHUNK_SIZE)
    for event in events:
        legacy = event.seq <= anchors.legacy_through
        problem = _link_problem(event, prev_seq, prev_hash, legacy, candidates)
        problem = problem or checkpoints.check(event.seq, event.hash)
        if problem:
            break
        checked, prev_seq, prev_hash = checked + 1, event.seq, event.hash
        if progress and checked % CHUNK_SIZE == 0:
            progress(checked)
    problem = problem or _tail_problem(prev_seq, anchors.top, witness)
    found = [p for p in (problem, anchors.problem) if p is not None]
    first = min(found, key=lambda p: p.seq) if found else None
    return VerifyReport(first is None, checked, prev_seq, prev_hash, anchors.top, first)


def _link_problem(event, prev_seq: int, prev_hash: str, legacy: bool, candidates) -> Break | None:
    if event.seq != prev_seq + 1:
        missing = f"#{prev_seq + 1}" + (
            f"..#{event.seq - 1}" if event.seq - 1 > prev_seq + 1 else ""
        )
        return Break(prev_seq + 1, "deleted", f"{missing} missing before #{event.seq}")
    if event.prev_hash != prev_hash:
        return Break(event.seq, "broken_link", f"#{event.seq} does not chain to #{prev_seq}")
    if not event_intact(event, legacy=legacy, candidates=candidates):
        detail = f"#{event.seq} was changed after it was written, or forged"
        return Break(event.seq, "edited", detail)
    return None


def _tail_problem(head: int, top: int | None, witness: Witness | None) -> Break | None:
    if top is not None and head < top:
        return Break(head + 1, "truncated", f"head is #{head}, a signed checkpoint saw #{top}")
    if witness is not None and head < witness.seq:
        return Break(head + 1, "truncated", f"head is #{head}, the witness saw #{witness.seq}")
    return None
