"""The probe loop's failover (issue 15 item 5): a standby in another job cluster takes a
slot within a lease's time to live of its holder's death; the newest run of a cluster
carries its slot on; a holder keeps a standby. Killing real processes: test_failover_kill.py."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from monitoring import runner
from monitoring.engine import claims_take_back, probes_claim_due
from monitoring.leases import lease_acquire, lease_holder, lease_take
from monitoring.models import Lease
from monitoring.tasks import run_due_probes_task

OTHER = "elsewhere:4242:4343:abcd1234"  # a holder in another job cluster


@pytest.fixture
def loop(settings):
    settings.PROBE_LOOP = {**settings.PROBE_LOOP, "slots": 1, "tick": 0.1, "concurrency": 2}
    return settings.PROBE_LOOP


@pytest.fixture
def asked(monkeypatch) -> list[str]:
    """The runs the loop enqueues, recorded instead of sent to the broker."""
    purposes: list[str] = []
    monkeypatch.setattr(
        runner, "probe_loop_enqueue", lambda purpose, hops=0: purposes.append(purpose)
    )
    return purposes


def in_thread(results: dict, key: str, **kwargs) -> threading.Thread:
    def run():
        results[key] = run_due_probes_task(**kwargs)

    thread = threading.Thread(target=run)
    thread.start()
    return thread


# -- leases ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_take__held_by_other__displaced():
    lease_acquire(name="x-next", holder="a", seconds=60)
    assert lease_take(name="x-next", holder="b", seconds=60)
    assert lease_holder("x-next") == "b"
    assert not lease_acquire(name="x-next", holder="a", seconds=60)  # a learns it lost


@pytest.mark.django_db
def test_take__from_prefix__only_from_that_holder():
    lease_acquire(name="x", holder="host:1:7:aa", seconds=60)
    assert not lease_take(name="x", holder="host:2:8:bb", seconds=60, from_prefix="host:2:")
    assert lease_take(name="x", holder="host:1:9:cc", seconds=60, from_prefix="host:1:")
    assert lease_holder("x") == "host:1:9:cc"


@pytest.mark.django_db
def test_holder__expired__none():
    lease_acquire(name="x", holder="a", seconds=60)
    Lease.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert lease_holder("x") is None


# -- the standby ----------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_standby__holder_in_another_cluster_dies__takes_the_slot_within_a_tick_of_expiry(
    loop, asked
):
    # Given a slot held by another cluster, and a run standing by for it
    lease_acquire(name="probe-loop-0", holder=OTHER, seconds=60)
    results: dict = {}
    standby = in_thread(results, "standby", duration=3)
    time.sleep(0.5)
    assert runner._cluster_of(lease_holder("probe-loop-0-next")) == runner.cluster_id()
    # When the holder's lease runs out (its cluster died: nobody renews it)
    Lease.objects.filter(name="probe-loop-0").update(expires_at=timezone.now())
    expired = time.monotonic()
    while runner._cluster_of(lease_holder("probe-loop-0")) != runner.cluster_id():
        assert time.monotonic() - expired < 1.0, "the standby did not take the slot"
        time.sleep(0.02)
    # Then the standby took it within a tick, and ran the rest of its run as the holder
    standby.join(10)
    assert results["standby"]["slot"] == "probe-loop-0"
    assert 0.4 < results["standby"]["stood_by_s"] < 1.5


@pytest.mark.django_db(transaction=True)
def test_standby__a_newer_one_arrives__the_older_one_ends(loop, asked):
    lease_acquire(name="probe-loop-0", holder=OTHER, seconds=60)
    results: dict = {}
    older = in_thread(results, "older", duration=20)
    time.sleep(0.4)
    newer = in_thread(results, "newer", duration=0.6)
    older.join(3)
    assert not older.is_alive() and "skipped" in results["older"]
    newer.join(3)
    assert "skipped" in results["newer"]  # its run ended while the holder lived on


@pytest.mark.django_db
def test_standby_run__every_slot_held_in_this_cluster__skips_at_once(loop, asked):
    lease_acquire(name="probe-loop-0", holder=runner.holder_new(), seconds=60)
    started = time.monotonic()
    result = run_due_probes_task(duration=5, purpose="standby")
    assert result == {"skipped": "every probe-loop slot is held in this job cluster"}
    assert time.monotonic() - started < 1
    assert asked == ["standby"]  # hops on: the next job goes to another cluster's pusher


@pytest.mark.django_db
def test_standby_run__hopped_enough__asks_no_more(loop, asked):
    lease_acquire(name="probe-loop-0", holder=runner.holder_new(), seconds=60)
    run_due_probes_task(duration=5, purpose="standby", hops=runner.STANDBY_HOPS)
    assert asked == []  # one cluster: nowhere else to go


@pytest.mark.django_db(transaction=True)
def test_scheduled_run__slot_held_in_this_cluster__carries_it_on(loop, asked):
    """The newest run of a cluster takes its slot over (no wait): a run's end never
    leaves its cluster without a loop."""
    results: dict = {}
    first = in_thread(results, "first", duration=30)
    time.sleep(0.3)
    started = time.monotonic()
    results["second"] = run_due_probes_task(duration=0.5)
    assert results["second"]["slot"] == "probe-loop-0" and results["second"]["stood_by_s"] == 0
    first.join(5)
    assert not first.is_alive() and time.monotonic() - started < 3


# -- the holder keeps a standby ---------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_holder__no_standby__asks_for_one_backing_off(loop, asked, monkeypatch):
    monkeypatch.setattr(runner, "REQUEST_EVERY", 0.3)
    run_due_probes_task(duration=2.0)
    # after 0.3 s alone, then 0.6 s later (the ask 1.2 s later falls after the run)
    assert asked == ["standby", "standby"]


@pytest.mark.django_db(transaction=True)
def test_holder__with_a_standby__asks_for_none(loop, asked, monkeypatch):
    monkeypatch.setattr(runner, "REQUEST_EVERY", 0.3)
    lease_acquire(name="probe-loop-0-next", holder=OTHER, seconds=60)
    run_due_probes_task(duration=1.5)
    assert asked == []


@pytest.mark.django_db(transaction=True)
def test_holder__near_its_end__asks_for_its_relief(loop, asked, monkeypatch):
    monkeypatch.setattr(runner, "REQUEST_EVERY", 0.5)
    monkeypatch.setattr(runner, "RELAY_SECONDS", 0.8)
    loop["duration"] = 2.0  # relayed: longer than twice RELAY_SECONDS
    lease_acquire(name="probe-loop-0-next", holder=OTHER, seconds=60)
    run_due_probes_task(duration=2.0)
    assert asked == ["relieve", "relieve"]  # at 1.2 s and 1.7 s


def test_enqueue__sync_jobs__nothing_runs_inside_the_loop(monkeypatch):
    from django_q.conf import Conf

    monkeypatch.setattr(Conf, "SYNC", True)
    monkeypatch.setattr("django_q.tasks.async_task", pytest.fail)
    runner.probe_loop_enqueue("standby")


# -- a dead run's claims: taken back at once, its late results fenced out --------------------


def _claimed_by(holder: str, slug: str):
    from integrations.models import IntegrationState
    from tests.monitoring.conftest import make_integration

    integration = make_integration(slug)
    [claim] = probes_claim_due(holder=holder)
    assert IntegrationState.objects.get(integration=integration).claimed_by == holder
    return integration, claim


@pytest.mark.django_db
def test_take_back__dead_runs_claim__freed_and_due_now():
    from integrations.models import IntegrationState

    integration, _ = _claimed_by("deadhost:1:2:dead", "shop")
    assert probes_claim_due(holder="b") == []  # in flight: claimed for timeout + 30 s
    assert claims_take_back(live={"livehost:3:4:live"}, keep_prefix="livehost:3:") == 1
    state = IntegrationState.objects.get(integration=integration)
    assert (state.claimed_by, state.claimed_until) == ("", None)
    assert state.next_probe_at <= timezone.now()
    [again] = probes_claim_due(holder="livehost:3:4:live")
    assert again.integration == integration


@pytest.mark.django_db
def test_take_back__live_or_own_clusters_claims__kept():
    _claimed_by("livehost:3:4:live", "shop")
    _claimed_by("myhost:5:6:old", "chat")  # a run of this cluster: it finishes its probes
    assert claims_take_back(live={"livehost:3:4:live"}, keep_prefix="myhost:5:") == 0


@pytest.mark.django_db
def test_record__claim_taken_back__late_result_discarded():
    from integrations.probing import ProbeOutcome
    from monitoring.engine import Probed, results_record
    from monitoring.models import CheckResult

    integration, claim = _claimed_by("deadhost:1:2:dead", "shop")
    claims_take_back(live=set(), keep_prefix="myhost:5:")
    [again] = probes_claim_due(holder="myhost:5:6:new")
    late = Probed(claim, timezone.now(), ProbeOutcome(ok=True, latency_ms=5.0))
    assert results_record([late]).checks == []  # the dead run woke up: nothing recorded
    fresh = Probed(again, timezone.now(), ProbeOutcome(ok=True, latency_ms=7.0))
    assert len(results_record([fresh]).checks) == 1
    assert list(CheckResult.objects.values_list("latency_ms", flat=True)) == [7.0]


@pytest.mark.django_db
def test_probe_now__during_a_loop_claim__leaves_the_claim_and_both_results_stand():
    """An on-demand probe (probe-now, a recovery's re-probe) is an extra, not the slot's:
    the loop's probe in flight keeps its claim and its result is recorded too."""
    from integrations.models import IntegrationState
    from integrations.probing import ProbeOutcome
    from monitoring.engine import Claimed, Probed, results_record

    integration, claim = _claimed_by("myhost:5:6:run", "shop")
    extra = Probed(Claimed(integration, timezone.now(), on_demand=True), timezone.now(),
                   ProbeOutcome(ok=True, latency_ms=3.0))
    [on_demand] = results_record([extra]).checks
    assert on_demand.details == {"on_demand": True}
    state = IntegrationState.objects.get(integration=integration)
    assert state.claimed_by == "myhost:5:6:run" and state.claimed_until is not None
    slot = Probed(claim, timezone.now(), ProbeOutcome(ok=True, latency_ms=4.0))
    [scheduled] = results_record([slot]).checks
    assert "on_demand" not in scheduled.details
