"""The circuit breaker lives in IntegrationState: it opens, fails fast, trials once, closes."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from integrations.http import AuthRejected, CircuitOpen, Gateway, VendorServerError
from integrations.http.breaker import BreakerPolicy, CircuitBreaker
from integrations.http.state import StateStore
from integrations.models import Integration, IntegrationState

URL = "https://vendor.example/health"
Circuit = IntegrationState.Circuit


@pytest.fixture
def vendor(db):
    return _vendor()


def _vendor() -> Integration:
    integration = Integration.objects.create(
        slug="vendor",
        name="Vendor",
        kind="http",
        base_url="https://vendor.example",
        mode=Integration.Mode.LIVE,
        config={"max_attempts": 1, "circuit_failure_threshold": 2, "circuit_cooldown_seconds": 30},
    )
    IntegrationState.objects.create(integration=integration)
    return integration


def _state(integration) -> IntegrationState:
    return IntegrationState.objects.get(pk=integration.pk)


def _call(integration):
    return Gateway.for_integration(integration).request("GET", URL)


def _open_since(integration, seconds_ago: float, **extra) -> None:
    IntegrationState.objects.filter(pk=integration.pk).update(
        circuit_state=Circuit.OPEN,
        circuit_failures=2,
        circuit_opened_at=timezone.now() - timedelta(seconds=seconds_ago),
        **extra,
    )


def test_breaker__opens_after_threshold_consecutive_failures(vendor, mocked):
    mocked.get(URL, status=503)
    mocked.get(URL, status=503)
    for _ in range(2):
        with pytest.raises(VendorServerError):
            _call(vendor)
    state = _state(vendor)
    assert (state.circuit_state, state.circuit_failures) == (Circuit.OPEN, 2)
    assert state.circuit_opened_at is not None


def test_breaker__success_resets_the_count(vendor, mocked):
    mocked.get(URL, status=503)
    mocked.get(URL, json={})
    with pytest.raises(VendorServerError):
        _call(vendor)
    _call(vendor)
    assert (_state(vendor).circuit_state, _state(vendor).circuit_failures) == (Circuit.CLOSED, 0)


def test_breaker__auth_errors_do_not_trip_it(vendor, mocked):
    for _ in range(3):
        mocked.get(URL, status=401)
    for _ in range(3):
        with pytest.raises(AuthRejected):
            _call(vendor)
    assert _state(vendor).circuit_state == Circuit.CLOSED


def test_open_circuit__fails_fast_without_calling(vendor, mocked):
    _open_since(vendor, seconds_ago=5)
    with pytest.raises(CircuitOpen) as caught:
        _call(vendor)  # no URL registered: a call would fail the mock
    assert caught.value.error_class == "circuit_open"
    assert 24 < caught.value.retry_after <= 25


def test_after_cooldown__the_trial_success_closes_it(vendor, mocked):
    _open_since(vendor, seconds_ago=31)
    mocked.get(URL, json={})
    _call(vendor)
    state = _state(vendor)
    assert (state.circuit_state, state.circuit_failures, state.circuit_trial_until) == (
        Circuit.CLOSED,
        0,
        None,
    )


def test_after_cooldown__the_trial_failure_reopens_it(vendor, mocked):
    _open_since(vendor, seconds_ago=31)
    mocked.get(URL, status=502)
    before = timezone.now()
    with pytest.raises(VendorServerError):
        _call(vendor)
    state = _state(vendor)
    assert state.circuit_state == Circuit.OPEN and state.circuit_opened_at >= before
    assert state.circuit_trial_until is None


def test_half_open__a_second_caller_fails_fast_while_the_trial_runs(vendor):
    _open_since(vendor, seconds_ago=31)
    policy = BreakerPolicy(threshold=2, cooldown_s=30)
    first = CircuitBreaker(StateStore(vendor.pk), policy)
    second = CircuitBreaker(StateStore(vendor.pk), policy)
    first.admit(StateStore(vendor.pk).read(), lease_s=10)
    with pytest.raises(CircuitOpen, match="another call"):
        second.admit(StateStore(vendor.pk).read(), lease_s=10)
    assert first.is_trial and _state(vendor).circuit_state == Circuit.HALF_OPEN


def test_half_open__an_expired_trial_lease_is_claimed_again(vendor, mocked):
    lapsed = timezone.now() - timedelta(seconds=1)
    _open_since(vendor, seconds_ago=60, circuit_trial_until=lapsed)
    IntegrationState.objects.filter(pk=vendor.pk).update(circuit_state=Circuit.HALF_OPEN)
    mocked.get(URL, json={})
    _call(vendor)
    assert _state(vendor).circuit_state == Circuit.CLOSED


def test_unused_trial__is_released(vendor):
    _open_since(vendor, seconds_ago=31)
    breaker = CircuitBreaker(StateStore(vendor.pk), BreakerPolicy(2, 30))
    breaker.admit(StateStore(vendor.pk).read(), lease_s=10)
    breaker.release()
    assert _state(vendor).circuit_trial_until is None


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_half_open__exactly_one_trial_across_racing_processes():
    """Eight workers with their own connections race for the trial: one wins."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")
    integration = _vendor()
    _open_since(integration, seconds_ago=31)
    barrier, results = threading.Barrier(8), []

    def race():
        breaker = CircuitBreaker(StateStore(integration.pk), BreakerPolicy(2, 30))
        try:
            row = StateStore(integration.pk).read()
            barrier.wait()
            breaker.admit(row, lease_s=10)
            results.append("trial")
        except CircuitOpen:
            results.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=race) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == ["refused"] * 7 + ["trial"]
