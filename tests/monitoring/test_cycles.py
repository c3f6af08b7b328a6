"""The probe loop's runner claims only as far as its threads have room (monitoring/cycles.py).

scale_bench found 14,515 probes done for nothing under overload: the loop claimed 500 due
integrations every tick behind 12 busy threads, the claims outlived their span (timeout +
30 s) waiting, another run claimed them again, and the first results were discarded."""

from __future__ import annotations

import threading
import time

import pytest

from integrations.models import IntegrationState
from integrations.probing import ProbeOutcome
from monitoring import cycles
from monitoring.cycles import AHEAD_PER_THREAD, CycleRunner
from monitoring.engine import Probed
from monitoring.models import CheckResult
from monitoring.pool import DbThreadPool
from tests.monitoring.conftest import make_integration


@pytest.mark.django_db(transaction=True)  # the runner's threads use their own connections
def test_dispatch__threads_busy__claims_no_more_than_room(monkeypatch):
    for n in range(20):
        make_integration(f"svc{n:02}")
    gate = threading.Event()

    def slow_probe(claim):
        gate.wait(30)
        return Probed(claim, claim.due_at, ProbeOutcome(ok=True, latency_ms=1.0))

    monkeypatch.setattr(cycles, "_probe_one", slow_probe)
    pool = DbThreadPool(2)
    runner = CycleRunner(pool, limit=500, holder="host:1:2:run")
    try:
        claimed = runner.dispatch()
        assert claimed == AHEAD_PER_THREAD * 2 == 6
        for _ in range(20):  # the two threads take two claims each; room for as many again
            time.sleep(0.05)
            claimed += runner.dispatch()
        # two probing (blocked), six waiting for a thread: nothing more is claimed
        assert claimed == 2 + 6
        assert runner.waiting == 6
        assert IntegrationState.objects.exclude(claimed_by="").count() == 8
    finally:
        gate.set()
        runner.join()
    assert CheckResult.objects.count() == 8
    assert runner.waiting == 0
    assert runner.dispatch() == 6  # room again
    runner.join()
    pool.close()
    assert CheckResult.objects.count() == 14
