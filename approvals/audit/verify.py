"""Recomputing the audit chain and reporting its first broken link."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass

from approvals.audit.chain import GENESIS_HASH, event_hash
from approvals.models import AuditCheckpoint, AuditEvent

CHUNK_SIZE = 2000


@dataclass(frozen=True)
class Break:
    """The first broken link. kind: edited | deleted | broken_link | truncated | rewritten."""

    seq: int
    kind: str
    detail: str


@dataclass(frozen=True)
class VerifyReport:
    ok: bool
    checked: int
    head_seq: int
    head_hash: str
    checkpoint_seq: int | None
    first_break: Break | None

    def as_dict(self) -> dict:
        return asdict(self)


class _Checkpoints:
    """Checkpoints in seq order, consumed alongside the events (constant memory)."""

    def __init__(self, rows: Iterator[tuple[int, str]]):
        self._rows = rows
        self.current = next(rows, None)
        self.last_seq: int | None = None

    def check(self, seq: int, hash_: str) -> Break | None:
        while self.current is not None and self.current[0] <= seq:
            cp_seq, cp_hash = self.current
            self.last_seq = cp_seq
            if cp_seq == seq and cp_hash != hash_:
                return Break(seq, "rewritten", f"#{seq} no longer has the checkpointed hash")
            self.current = next(self._rows, None)
        return None


def audit_verify(*, progress: Callable[[int], None] | None = None) -> VerifyReport:
    """Walk the whole chain in seq order, streaming, and return a VerifyReport.

    Detects: an edited row (its hash no longer matches its fields), a deleted row
    (a gap in seq), a re-linked row (prev_hash not the previous hash), a rewritten
    chain (a checkpointed seq with another hash) and a truncated tail (the head
    below the last checkpoint). `progress(checked)` is called every CHUNK_SIZE rows.
    Checkpoints are read first: every checkpointed row was committed before.
    """
    top = AuditCheckpoint.objects.order_by("-seq").values_list("seq", flat=True).first()
    checkpoints = _Checkpoints(
        AuditCheckpoint.objects.order_by("seq").values_list("seq", "head_hash").iterator()
    )
    checked, prev_seq, prev_hash = 0, 0, GENESIS_HASH
    events = AuditEvent.objects.order_by("seq").iterator(chunk_size=CHUNK_SIZE)
    for event in events:
        problem = _link_problem(event, prev_seq, prev_hash) or checkpoints.check(
            event.seq, event.hash
        )
        if problem:
            return _report(checked, prev_seq, prev_hash, top, problem)
        checked, prev_seq, prev_hash = checked + 1, event.seq, event.hash
        if progress and checked % CHUNK_SIZE == 0:
            progress(checked)
    tail = None
    if top is not None and prev_seq < top:
        tail = Break(prev_seq + 1, "truncated", f"head is #{prev_seq}, a checkpoint saw #{top}")
    return _report(checked, prev_seq, prev_hash, top, tail)


def _link_problem(event: AuditEvent, prev_seq: int, prev_hash: str) -> Break | None:
    if event.seq != prev_seq + 1:
        missing = f"#{prev_seq + 1}" + (
            f"..#{event.seq - 1}" if event.seq - 1 > prev_seq + 1 else ""
        )
        return Break(prev_seq + 1, "deleted", f"{missing} missing before #{event.seq}")
    if event.prev_hash != prev_hash:
        return Break(event.seq, "broken_link", f"#{event.seq} does not chain to #{prev_seq}")
    if event_hash(event) != event.hash:
        return Break(event.seq, "edited", f"#{event.seq} was changed after it was written")
    return None


def _report(checked, head_seq, head_hash, top, problem) -> VerifyReport:
    return VerifyReport(
        ok=problem is None,
        checked=checked,
        head_seq=head_seq,
        head_hash=head_hash,
        checkpoint_seq=top,
        first_break=problem,
    )
