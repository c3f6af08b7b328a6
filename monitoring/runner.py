"""The probe loop: its slots, standbys and hand-overs. Its runner, which claims every tick
and probes in the background, is `monitoring.cycles.CycleRunner`.

Used by `monitoring.tasks.run_due_probes_task`; one cycle's steps are in `monitoring.engine`.
"""

from __future__ import annotations

import logging
import os
import socket
import time
import uuid

from django.conf import settings

from monitoring import engine
from monitoring.cycles import CycleRunner, sleep_until
from monitoring.leases import (
    lease_acquire,
    lease_holder,
    lease_holders,
    lease_release,
    lease_take,
)
from monitoring.pool import DbThreadPool

log = logging.getLogger(__name__)


# -- the loop's slots, standbys and hand-overs -----------------------------------------------

# A slot's lease is renewed every tick; its time to live is how long a standby in another
# job cluster waits after the last renewal before taking the slot of a cluster that died.
# It must outlast any pause of a live holder between two ticks (a slow claim).
LEASE_SECONDS = 10.0
# In the last RELAY_SECONDS of its run a loop asks for its replacement, every REQUEST_EVERY s.
RELAY_SECONDS = 30.0
REQUEST_EVERY = 10.0
STANDBY_ASK_MOST = 60.0  # a holder alone asks for a standby at most this far apart
# A standby run that lands in its holder's cluster asks again (the broker hands the next job
# to another cluster's waiting pusher), at most this many times: with one cluster, it stops.
STANDBY_HOPS = 3


# Set by the job cluster's main process when it is told to stop (SIGTERM, Ctrl-C), and
# inherited by its forked workers (hotdash/management/commands/qcluster.py): a run of the
# loop then ends at its next tick and releases its slot, for the standby to take at once,
# instead of probing on until its run's end while the cluster waits for it.
cluster_stopping = None  # a multiprocessing.Event in a job cluster; None elsewhere


def stopping() -> bool:
    return cluster_stopping is not None and cluster_stopping.is_set()


def cluster_id() -> str:
    """This job cluster: the machine and the parent process (django-q2's sentinel, whose
    children are one cluster's workers)."""
    return f"{socket.gethostname()}:{os.getppid()}"


def holder_new() -> str:
    return f"{cluster_id()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def _cluster_of(holder: str | None) -> str | None:
    return holder.rsplit(":", 2)[0] if holder and holder.count(":") >= 3 else None


def _slots() -> list[str]:
    return [f"probe-loop-{index}" for index in range(settings.PROBE_LOOP["slots"])]


def probe_loop_run(*, duration: float, purpose: str = "schedule", hops: int = 0) -> dict:
    """One run of the probe loop, for at most `duration` seconds, whatever its role:

    1. Take a free (or expired) slot; else, unless `purpose` is "standby", take one held in
       this job cluster (its holder stops at its next tick: the newest run carries on).
    2. Else stand by for a slot held by another cluster, until its lease is released or
       expires (that cluster died), and take it.
    3. Hold it: claim and probe every tick until the run ends or the slot is lost.

    Returns the totals (with the slot), or why nothing was probed (`skipped`).
    """
    began = time.monotonic()
    end, holder = began + duration, holder_new()
    # runs too short to be relayed (tests) ask for no replacement
    relay_at = end - RELAY_SECONDS if duration > 2 * RELAY_SECONDS else float("inf")
    slot = slot_take(holder, steal=purpose != "standby")
    if slot is None:
        target = standby_target()
        if target is None:
            if purpose == "standby" and hops < STANDBY_HOPS:
                probe_loop_enqueue("standby", hops=hops + 1)
            return {"skipped": "every probe-loop slot is held in this job cluster"}
        slot = stand_by(target, holder, end, relay_at)
        if slot is None:
            waited = round(time.monotonic() - began, 1)
            return {"skipped": f"stood by for {target} for {waited} s; it stayed held"}
    waited = round(time.monotonic() - began, 1)
    config = settings.PROBE_LOOP
    pool = DbThreadPool(config["concurrency"])
    runner = CycleRunner(pool, limit=config["batch"], holder=holder)
    taken = engine.claims_take_back(live=lease_holders(_slots()), keep_prefix=f"{cluster_id()}:")
    if taken:
        log.info("%s: took back %d claims of a loop run that died; probing them now", slot, taken)
    try:
        hold(runner, slot, holder, end, relay_at)
    finally:
        lease_release(name=slot, holder=holder)  # its standby takes it at once
        totals = runner.join()  # in-flight probes stay claimed: no gap
        pool.close()
    return {"slot": slot, "stood_by_s": waited, **totals.totals()}


def slot_take(holder: str, *, steal: bool) -> str | None:
    """A free (or expired) slot; else, with `steal`, one held in this cluster; or None."""
    for name in _slots():
        if lease_acquire(name=name, holder=holder, seconds=LEASE_SECONDS):
            return name
    if steal:
        mine = f"{cluster_id()}:"
        for name in _slots():
            if lease_take(name=name, holder=holder, seconds=LEASE_SECONDS, from_prefix=mine):
                return name
    return None


def standby_target() -> str | None:
    """A slot held by another cluster, one without a standby first; None if every slot is
    held in this cluster (a standby there would die with its holder)."""
    mine = cluster_id()
    others = [name for name in _slots() if _cluster_of(lease_holder(name)) != mine]
    alone = [name for name in others if lease_holder(f"{name}-next") is None]
    return (alone or others or [None])[0]


def stand_by(slot: str, holder: str, end: float, relay_at: float) -> str | None:
    """Wait as `slot`'s standby (lease `<slot>-next`, taken from any standby before: the
    newest lives longest) and take the slot once released or expired; None if a newer
    standby took over or `end` came first. From `relay_at` it asks for its replacement."""
    spare, tick = f"{slot}-next", settings.PROBE_LOOP["tick"]
    relay = Asker("standby", most=REQUEST_EVERY, wait_first=False)
    lease_take(name=spare, holder=holder, seconds=LEASE_SECONDS)
    try:
        while time.monotonic() < end and not stopping():
            if lease_acquire(name=slot, holder=holder, seconds=LEASE_SECONDS):
                return slot
            if not lease_acquire(name=spare, holder=holder, seconds=LEASE_SECONDS):
                return None  # a newer standby
            if time.monotonic() >= relay_at:
                relay.ask()
            sleep_until(min(time.monotonic() + tick, end))
    finally:
        lease_release(name=spare, holder=holder)
    return None


def hold(runner: CycleRunner, slot: str, holder: str, end: float, relay_at: float) -> None:
    """Claim and probe every tick while `slot` is ours, until `end`. Keeps a standby: asks
    for a run when the slot has none (backing off: with one cluster there never is one),
    and from `relay_at` for its replacement (taken in this cluster, it carries the slot on;
    in another, it is a fresh standby)."""
    config = settings.PROBE_LOOP
    standby = Asker("standby", most=STANDBY_ASK_MOST, wait_first=True)
    relay = Asker("relieve", most=REQUEST_EVERY, wait_first=False)
    while time.monotonic() < end:
        tick_end = time.monotonic() + config["tick"]
        if stopping():
            log.info("the job cluster is stopping: %s is released for its standby", slot)
            return
        if not lease_acquire(name=slot, holder=holder, seconds=LEASE_SECONDS):
            log.info("%s passed to a newer run; this loop stops", slot)
            return
        if lease_holder(f"{slot}-next") is None:
            standby.ask()
        else:
            standby.reset()
        if time.monotonic() >= relay_at:
            relay.ask()
        claimed = runner.dispatch()
        if claimed == config["batch"]:
            continue  # more may be due at once
        # held back by busy threads: again once they have started some; else at the tick
        sleep_until(min(time.monotonic() + 0.1 if runner.held_back else tick_end, end))


class Asker:
    """Asks for a run of the loop (a job that any cluster's worker may take) at most every
    `wait` s, `wait` doubling after each ask up to `most`. With `wait_first`, the first ask
    comes only after one `wait`."""

    def __init__(self, purpose: str, *, most: float, wait_first: bool) -> None:
        self.purpose, self.most = purpose, most
        self.wait = REQUEST_EVERY
        self.last = time.monotonic() if wait_first else float("-inf")

    def reset(self) -> None:
        self.wait, self.last = REQUEST_EVERY, time.monotonic()

    def ask(self) -> None:
        now = time.monotonic()
        if now - self.last >= self.wait:
            self.last, self.wait = now, min(self.wait * 2, self.most)
            probe_loop_enqueue(self.purpose)


def probe_loop_enqueue(purpose: str, hops: int = 0) -> None:
    """Enqueue a run of the probe loop; a failure to enqueue is logged, never raised."""
    from django_q.conf import Conf
    from django_q.tasks import async_task

    if Conf.SYNC:
        return  # it would run inside this one

    try:
        async_task("monitoring.tasks.run_due_probes_task", purpose=purpose, hops=hops)
    except Exception:
        log.exception("could not enqueue a %s run of the probe loop", purpose)
