"""The probe engine: claims due work once, probes it, records results and transitions."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import responses
from django.db import connection, connections
from django.utils import timezone

from integrations.models import Integration, IntegrationState
from monitoring.engine import probe_cycle, probe_now, probes_claim_due
from monitoring.leases import lease_acquire
from monitoring.models import CheckResult, StateTransition
from monitoring.tasks import run_due_probes_task


def make(slug, *, due_in=-1.0, enabled=True, interval=60, failures_before_down=3):
    integration = Integration.objects.create(
        slug=slug,
        name=slug,
        kind="http",
        base_url=f"http://{slug}.probe.test",
        mode="live",
        enabled=enabled,
        probe_interval_seconds=interval,
        failures_before_down=failures_before_down,
        probe_timeout_seconds=2,
        config={"max_attempts": 1},
    )
    IntegrationState.objects.create(
        integration=integration, next_probe_at=timezone.now() + timedelta(seconds=due_in)
    )
    return integration


@pytest.fixture
def vendor():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


def answer(vendor, slug, status=200):
    vendor.add(responses.GET, f"http://{slug}.probe.test/", status=status, body="ok")


@pytest.mark.django_db
def test_cycle__due_integrations__probed_once_each_and_stored(vendor):
    for slug in ("a", "b"):
        make(slug)
        answer(vendor, slug)
    stats = probe_cycle()
    assert stats.claimed == 2
    assert sorted(CheckResult.objects.values_list("integration__slug", "status")) == [
        ("a", "ok"),
        ("b", "ok"),
    ]
    state = IntegrationState.objects.get(integration__slug="a")
    assert state.status == "ok"
    assert state.claimed_until is None
    assert state.last_success_at is not None


@pytest.mark.django_db
def test_cycle__not_due_or_disabled__not_probed(vendor):
    make("later", due_in=30)
    make("off", enabled=False)
    assert probe_cycle().claimed == 0
    assert len(vendor.calls) == 0


@pytest.mark.django_db
def test_claim__advances_to_next_slot_without_drift():
    integration = make("a", due_in=-2, interval=60)
    due = integration.state.next_probe_at
    probes_claim_due()
    assert IntegrationState.objects.get(pk=integration.pk).next_probe_at == due + timedelta(
        seconds=60
    )


@pytest.mark.django_db
def test_claim__far_behind__skips_missed_slots_instead_of_bursting():
    make("a", due_in=-3600, interval=60)
    before = timezone.now()
    probes_claim_due()
    nxt = IntegrationState.objects.get().next_probe_at
    assert before + timedelta(seconds=59) < nxt <= timezone.now() + timedelta(seconds=60)


@pytest.mark.django_db
def test_claim__in_flight__not_claimed_again_even_when_due():
    make("a", due_in=-1, interval=10)
    assert len(probes_claim_due()) == 1
    IntegrationState.objects.update(next_probe_at=timezone.now() - timedelta(seconds=1))
    assert probes_claim_due() == []


@pytest.mark.django_db
def test_failures__reach_threshold__down_with_transitions(vendor):
    integration = make("a", failures_before_down=2)
    vendor.add(responses.GET, "http://a.probe.test/", status=503, body="busy")
    probe_now([integration])
    probe_now([integration])
    state = IntegrationState.objects.get(pk=integration.pk)
    assert (state.status, state.consecutive_failures, state.last_error_class) == (
        "down",
        2,
        "vendor_5xx",
    )
    moves = list(StateTransition.objects.order_by("at").values_list("from_status", "to_status"))
    assert moves == [("unknown", "degraded"), ("degraded", "down")]
    assert CheckResult.objects.filter(status="fail", http_status=503).count() == 2


@pytest.mark.django_db
def test_recovery__good_probe_after_down__ok_and_one_transition(vendor):
    integration = make("a", failures_before_down=1)
    vendor.add(responses.GET, "http://a.probe.test/", status=500)
    probe_now([integration])
    vendor.replace(responses.GET, "http://a.probe.test/", status=200)
    probe_now([integration])
    assert IntegrationState.objects.get(pk=integration.pk).status == "ok"
    assert StateTransition.objects.filter(to_status="ok").count() == 1


@pytest.mark.django_db
def test_maintenance__failing_probe__recorded_but_status_held(vendor):
    integration = make("a", failures_before_down=1)
    IntegrationState.objects.update(status="maintenance")
    vendor.add(responses.GET, "http://a.probe.test/", status=500)
    probe_now([integration])
    assert IntegrationState.objects.get().status == "maintenance"
    assert CheckResult.objects.get().status == "fail"
    assert not StateTransition.objects.exists()


@pytest.mark.django_db
def test_lag__late_probe__recorded(vendor):
    make("a", due_in=-5)
    answer(vendor, "a")
    probe_cycle()
    assert CheckResult.objects.get().lag_ms >= 5000


@pytest.mark.django_db(transaction=True)
def test_task__loop_for_a_while__probes_and_releases_its_slot(vendor, settings):
    settings.PROBE_LOOP = {**settings.PROBE_LOOP, "tick": 0.2, "concurrency": 4}
    for slug in ("a", "b", "c"):
        make(slug)
        answer(vendor, slug)
    result = run_due_probes_task(duration=0.5)
    assert result["claimed"] == 3 and result["slot"] == "probe-loop-0"
    assert lease_acquire(name="probe-loop-0", holder="someone-else", seconds=5)


@pytest.mark.django_db
def test_task__every_slot_held__skips_without_probing(vendor, settings):
    settings.PROBE_LOOP = {**settings.PROBE_LOOP, "slots": 1}
    make("a")
    lease_acquire(name="probe-loop-0", holder="other-cluster", seconds=60)
    assert "skipped" in run_due_probes_task(duration=0.2)
    assert not CheckResult.objects.exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_claim__concurrent_clusters_on_postgres__never_claim_one_twice():
    """Given 300 due integrations, when 6 workers claim at once, each is claimed exactly once."""
    if connection.vendor != "postgresql":
        pytest.skip("SKIP LOCKED claiming is exercised on PostgreSQL")
    Integration.objects.bulk_create(
        Integration(slug=f"s{i}", name=f"s{i}", kind="http", base_url="http://x.test")
        for i in range(300)
    )
    due = timezone.now() - timedelta(seconds=1)
    IntegrationState.objects.bulk_create(
        IntegrationState(integration=i, next_probe_at=due) for i in Integration.objects.all()
    )
    claims: list[int] = []
    lock, start = threading.Lock(), threading.Barrier(6)

    def worker():
        start.wait()
        try:
            while batch := probes_claim_due(limit=7):
                with lock:
                    claims.extend(c.integration.pk for c in batch)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(claims) == 300
    assert len(set(claims)) == 300
