"""The probe loop's runner: claims every tick and probes in the background, as far as its
threads have room (used by `monitoring.runner` and `monitoring.tasks`; one cycle's steps
are in `monitoring.engine`)."""

from __future__ import annotations

import logging
import queue
import threading
import time

from django.db import connections

from monitoring import engine
from monitoring.engine import Claimed, CycleStats, Probed, _probe_one, probes_claim_due
from monitoring.pool import DbThreadPool

log = logging.getLogger("monitoring.runner")
# Claims a runner keeps ahead of its threads, per thread: all of them hanging until a 10 s
# timeout are started within 30 s, inside their claim's span (timeout + 30 s).
AHEAD_PER_THREAD = 3


class CycleRunner:
    """Claims every tick and probes in the background, so the loop never waits for a slow
    probe (a vendor hanging until its timeout) before claiming what fell due meanwhile,
    such as a retry or a probe pulled forward by passive detection.

    Each claimed batch is probed on the shared pool and recorded in bulk by its own
    thread (which closes its database connection when done). `join` waits for them all.
    It claims no more than `AHEAD_PER_THREAD` per thread ahead of them (`waiting`): claims
    piled up behind busy threads would outlive their span, be claimed again by another
    run, and their probes be done for nothing (their results discarded).
    """

    def __init__(self, pool: DbThreadPool, *, limit: int, holder: str = "") -> None:
        self.pool, self.limit, self.holder = pool, limit, holder
        self.totals = CycleStats()
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self.waiting = 0  # claimed, not started yet
        self.held_back = False

    def room(self) -> int:
        return AHEAD_PER_THREAD * self.pool.size - self.waiting

    def dispatch(self) -> int:
        """Claim what is due, as far as there is room, and start probing it; returns how
        many were claimed."""
        room = min(self.limit, self.room())
        claimed = probes_claim_due(limit=room, holder=self.holder) if room > 0 else []
        # Held back by the threads rather than by what was due: more may be due now.
        self.held_back = room < self.limit and len(claimed) >= room
        self._threads = [t for t in self._threads if t.is_alive()]
        if claimed:
            with self._lock:
                self.waiting += len(claimed)
            thread = threading.Thread(target=self._cycle, args=(claimed,), name="hotdash-cycle")
            thread.start()
            self._threads.append(thread)
        return len(claimed)

    def _cycle(self, claimed: list[Claimed]) -> None:
        """Probe `claimed` on the pool and record results as they come, in bulk, so one
        slow probe never holds back the others' results (and their pages)."""
        done: queue.Queue[Probed] = queue.Queue()

        def probe(claim: Claimed) -> None:
            with self._lock:
                self.waiting -= 1
            done.put(_probe_one(claim))

        feeder = threading.Thread(target=self.pool.map, args=(probe, claimed))
        feeder.start()
        try:
            left = len(claimed)
            while left:
                batch = _drain(done, left)
                if not batch and not feeder.is_alive() and done.empty():
                    break  # a probe raised (never expected): its claim expires
                left -= len(batch)
                if not batch:
                    continue
                stats = engine.results_record(batch)
                with self._lock:
                    self.totals.add(stats)
        except Exception:  # the claims expire (claimed_until) and the probes come again
            log.exception("a probe cycle of %d integrations failed", len(claimed))
        finally:
            feeder.join()
            connections.close_all()

    def join(self) -> CycleStats:
        for thread in self._threads:
            thread.join()
        self._threads = []
        return self.totals


def _drain(done: queue.Queue, most: int, gather_s: float = 0.05) -> list[Probed]:
    """The next finished probe (waiting up to 1 s), plus those finishing within `gather_s`
    (up to `most`); empty if none finished."""
    try:
        batch = [done.get(timeout=1.0)]
    except queue.Empty:
        return []
    deadline = time.monotonic() + gather_s
    while len(batch) < most:
        try:
            batch.append(done.get(timeout=max(0.0, deadline - time.monotonic())))
        except queue.Empty:
            break
    return batch


def sleep_until(deadline: float) -> None:
    remaining = deadline - time.monotonic()
    if remaining > 0:
        time.sleep(remaining)
