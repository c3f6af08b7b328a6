"""The retry interval: a failing integration is probed again after probe_retry_seconds,
back on its interval after a success, never inside a vendor pause; a blip never pages."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
import responses
from django.utils import timezone

from integrations.models import Integration, IntegrationState
from monitoring.engine import probe_cycle
from monitoring.health import next_probe_at
from monitoring.leases import lease_acquire
from monitoring.models import CheckResult, Incident
from monitoring.tasks import run_due_probes_task

T0 = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)
SLOT = T0 + timedelta(seconds=60)


def s(seconds: float) -> timedelta:
    return timedelta(seconds=seconds)


# -- the arithmetic (hand-computed) -----------------------------------------------------------


def test_next__first_failure__retry_after_10_s_not_the_slot():
    at = next_probe_at(
        slot=SLOT, started_at=T0, failing=True, held=False, throttled=False, retry_seconds=10
    )
    assert at == T0 + s(10)


def test_next__success__the_regular_slot():
    at = next_probe_at(
        slot=SLOT, started_at=T0, failing=False, held=False, throttled=False, retry_seconds=10
    )
    assert at == SLOT


def test_next__vendor_pause_ends_after_the_retry__waits_for_it():
    at = next_probe_at(
        slot=SLOT,
        started_at=T0,
        failing=True,
        held=False,
        throttled=False,
        retry_seconds=10,
        not_before=T0 + s(25),
    )
    assert at == T0 + s(25)


def test_next__pause_beyond_the_slot__even_the_slot_waits():
    at = next_probe_at(
        slot=SLOT,
        started_at=T0,
        failing=False,
        held=False,
        throttled=False,
        retry_seconds=10,
        not_before=T0 + s(90),
    )
    assert at == T0 + s(90)


def test_next__throttled_with_retry_after_2_s__not_sooner_than_the_retry():
    at = next_probe_at(
        slot=SLOT,
        started_at=T0,
        failing=True,
        held=False,
        throttled=True,
        retry_seconds=10,
        not_before=T0 + s(2),
    )
    assert at == T0 + s(10)


def test_next__throttled_with_retry_after_40_s__at_the_pause_end():
    at = next_probe_at(
        slot=SLOT,
        started_at=T0,
        failing=True,
        held=False,
        throttled=True,
        retry_seconds=10,
        not_before=T0 + s(40),
    )
    assert at == T0 + s(40)


def test_next__throttled_without_a_stated_pause__the_regular_slot():
    at = next_probe_at(
        slot=SLOT, started_at=T0, failing=True, held=False, throttled=True, retry_seconds=10
    )
    assert at == SLOT


def test_next__under_maintenance__the_regular_slot():
    at = next_probe_at(
        slot=SLOT, started_at=T0, failing=True, held=True, throttled=False, retry_seconds=10
    )
    assert at == SLOT


# -- the engine --------------------------------------------------------------------------------


def make(slug="shop", *, retry=10, interval=60, failures_before_down=3, due_in=-1.0):
    integration = Integration.objects.create(
        slug=slug,
        name=slug,
        kind="http",
        base_url=f"http://{slug}.probe.test",
        mode="live",
        probe_interval_seconds=interval,
        probe_retry_seconds=retry,
        failures_before_down=failures_before_down,
        probe_timeout_seconds=2,
        config={"max_attempts": 1},
    )
    IntegrationState.objects.create(
        integration=integration, next_probe_at=timezone.now() + s(due_in)
    )
    return integration


@pytest.fixture
def vendor():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


def says(vendor, slug, status):
    vendor.upsert(responses.GET, f"http://{slug}.probe.test/", status=status, body="x")


def state(integration) -> IntegrationState:
    return IntegrationState.objects.get(pk=integration.pk)


def due_now(integration) -> None:
    IntegrationState.objects.filter(pk=integration.pk).update(next_probe_at=timezone.now() - s(1))


@pytest.mark.django_db
def test_engine__failed_probe__next_probe_10_s_after_it_started(vendor):
    shop = make()
    says(vendor, "shop", 503)
    probe_cycle()
    check = CheckResult.objects.get()
    assert check.status == "fail"
    assert state(shop).next_probe_at == check.checked_at + s(10)


@pytest.mark.django_db
def test_engine__success_after_a_failure__back_to_the_interval(vendor):
    shop = make()
    says(vendor, "shop", 503)
    probe_cycle()
    due_now(shop)
    due = state(shop).next_probe_at
    says(vendor, "shop", 200)
    probe_cycle()
    assert state(shop).consecutive_failures == 0
    assert state(shop).next_probe_at == due + s(60)  # the slot the claim advanced to


@pytest.mark.django_db
def test_engine__while_down__still_retried_so_recovery_is_seen_fast(vendor):
    shop = make(failures_before_down=1)
    says(vendor, "shop", 503)
    probe_cycle()
    due_now(shop)
    probe_cycle()
    last = CheckResult.objects.order_by("-checked_at").first()
    assert state(shop).status == "down"
    assert state(shop).next_probe_at == last.checked_at + s(10)


@pytest.mark.django_db
def test_engine__vendor_pause_recorded__retry_waits_for_its_end(vendor):
    """Given the vendor asked (Retry-After) for a pause until t+45 s, a failed probe is
    next due at t+45 s, not at its start + 10 s."""
    shop = make()
    until = round(time.time() + 45, 3)
    IntegrationState.objects.filter(pk=shop.pk).update(
        rate_limit={"source": "retry-after", "throttled_until": until}
    )
    says(vendor, "shop", 503)
    probe_cycle()
    assert state(shop).next_probe_at == datetime.fromtimestamp(until, tz=UTC)


@pytest.mark.django_db
def test_engine__throttled_probe__not_retried_sooner_than_the_vendor_asked(vendor):
    shop = make()
    vendor.add(responses.GET, "http://shop.probe.test/", status=429, headers={"Retry-After": "30"})
    probe_cycle()
    check = CheckResult.objects.get()
    assert check.error_class == "throttled"
    assert state(shop).next_probe_at >= check.checked_at + s(29)


@pytest.mark.django_db
def test_engine__single_blip__never_down_never_an_incident(vendor):
    """A failed probe followed by a good one: degraded for one retry interval, no page."""
    shop = make()
    says(vendor, "shop", 503)
    probe_cycle()
    assert state(shop).status == "degraded"
    due_now(shop)
    says(vendor, "shop", 200)
    probe_cycle()
    assert state(shop).status == "ok"
    assert not Incident.objects.exists()
    assert list(CheckResult.objects.order_by("checked_at").values_list("status", flat=True)) == [
        "fail",
        "ok",
    ]


@pytest.mark.django_db
def test_engine__retry_equal_to_interval__the_old_schedule(vendor):
    shop = make(retry=60)
    says(vendor, "shop", 503)
    probe_cycle()
    assert state(shop).next_probe_at > timezone.now() + s(55)


@pytest.mark.django_db
def test_model__retry_longer_than_the_interval__invalid():
    from django.core.exceptions import ValidationError

    integration = Integration(
        slug="x", name="x", kind="http", base_url="https://x.example", probe_interval_seconds=30
    )
    integration.probe_retry_seconds = 45
    with pytest.raises(ValidationError) as refused:
        integration.full_clean()
    assert "probe_retry_seconds" in refused.value.message_dict


# -- the loop's handoff --------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_loop__a_successor_waits__the_holder_hands_over_within_a_tick(vendor, settings):
    """Given a loop running for 30 s, when the next scheduled run arrives, the slot is
    passed on at the holder's next tick (no window without a loop, no skipped run)."""
    settings.PROBE_LOOP = {
        **settings.PROBE_LOOP,
        "slots": 1,
        "tick": 0.2,
        "handoff_wait": 5.0,
        "concurrency": 2,
    }
    results = {}

    def first():
        results["first"] = run_due_probes_task(duration=30)

    holder = threading.Thread(target=first)
    holder.start()
    time.sleep(0.5)
    started = time.monotonic()
    results["second"] = run_due_probes_task(duration=0.5)
    holder.join(10)
    assert results["second"]["slot"] == "probe-loop-0"
    assert time.monotonic() - started < 3
    assert not holder.is_alive() and results["first"]["slot"] == "probe-loop-0"


@pytest.mark.django_db
def test_loop__slot_held_by_a_loop_that_never_hands_over__skips(vendor, settings):
    settings.PROBE_LOOP = {**settings.PROBE_LOOP, "slots": 1, "tick": 0.1, "handoff_wait": 0.3}
    lease_acquire(name="probe-loop-0", holder="other-cluster", seconds=60)
    assert "skipped" in run_due_probes_task(duration=5)
