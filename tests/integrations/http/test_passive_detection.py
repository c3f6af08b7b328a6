"""Passive detection: a hard failure of a non-probe call brings the next probe forward."""

from __future__ import annotations

from datetime import timedelta

import pytest
import requests
import responses
from django.utils import timezone

from integrations.http import Gateway, GatewayError
from integrations.http.state import probe_pull_forward, probing
from integrations.models import Integration, IntegrationState

URL = "https://vendor.example/orders"


@pytest.fixture
def vendor(db):
    integration = Integration.objects.create(
        slug="vendor",
        name="Vendor",
        kind="http",
        base_url="https://vendor.example",
        mode=Integration.Mode.LIVE,
        probe_interval_seconds=60,
        probe_retry_seconds=10,
        config={"max_attempts": 1},
    )
    IntegrationState.objects.create(
        integration=integration, next_probe_at=timezone.now() + timedelta(seconds=50)
    )
    return integration


@pytest.fixture
def mocked():
    with responses.RequestsMock(assert_all_requests_are_fired=True) as rsps:
        yield rsps


def _state(integration) -> IntegrationState:
    return IntegrationState.objects.get(pk=integration.pk)


def _call(integration) -> None:
    with pytest.raises(GatewayError):
        Gateway.for_integration(integration).request("GET", URL)


def test_tile_call__connection_refused__next_probe_pulled_to_now(vendor, mocked):
    """Given a probe due in 50 s, when a non-probe call cannot connect, the probe is due now."""
    mocked.add(responses.GET, URL, body=requests.ConnectionError("refused"))
    before = timezone.now()
    _call(vendor)
    assert before <= _state(vendor).next_probe_at <= timezone.now()


def test_tile_call__5xx__next_probe_pulled_forward(vendor, mocked):
    mocked.add(responses.GET, URL, status=503)
    _call(vendor)
    assert _state(vendor).next_probe_at <= timezone.now()


def test_tile_call__4xx__schedule_untouched(vendor, mocked):
    """A refused request means the vendor answered: nothing to confirm."""
    due = _state(vendor).next_probe_at
    mocked.add(responses.GET, URL, status=404)
    _call(vendor)
    assert _state(vendor).next_probe_at == due


def test_probe_call__failure__left_to_the_engine(vendor, mocked):
    due = _state(vendor).next_probe_at
    mocked.add(responses.GET, URL, status=503)
    with probing():
        _call(vendor)
    assert _state(vendor).next_probe_at == due


def test_pull__probed_3_s_ago__moved_to_one_retry_interval_after_it(vendor):
    """At most one probe per retry interval: last probe at t-3 s, retry 10 s → due at t+7 s."""
    now = timezone.now()
    IntegrationState.objects.filter(pk=vendor.pk).update(last_probe_at=now - timedelta(seconds=3))
    assert probe_pull_forward(vendor.pk, "timeout", now=now)
    assert _state(vendor).next_probe_at == now + timedelta(seconds=7)


def test_pull__twice_in_a_row__second_changes_nothing(vendor):
    now = timezone.now()
    assert probe_pull_forward(vendor.pk, "connection", now=now)
    assert not probe_pull_forward(vendor.pk, "connection", now=now + timedelta(seconds=1))
    assert _state(vendor).next_probe_at == now


def test_pull__during_a_vendor_pause__skipped(vendor):
    """Given the vendor asked for a pause (Retry-After) until t+30 s, nothing is pulled."""
    now = timezone.now()
    pause = {"source": "retry-after", "throttled_until": now.timestamp() + 30}
    IntegrationState.objects.filter(pk=vendor.pk).update(rate_limit=pause)
    due = _state(vendor).next_probe_at
    assert not probe_pull_forward(vendor.pk, "vendor_5xx", now=now)
    assert _state(vendor).next_probe_at == due


def test_pull__pause_over__pulled(vendor):
    now = timezone.now()
    pause = {"source": "retry-after", "throttled_until": now.timestamp() - 1}
    IntegrationState.objects.filter(pk=vendor.pk).update(rate_limit=pause)
    assert probe_pull_forward(vendor.pk, "vendor_5xx", now=now)


def test_pull__probe_in_flight__skipped(vendor):
    now = timezone.now()
    IntegrationState.objects.filter(pk=vendor.pk).update(claimed_until=now + timedelta(seconds=20))
    assert not probe_pull_forward(vendor.pk, "timeout", now=now)


def test_pull__setting_off__skipped(vendor, settings):
    settings.PROBE_PASSIVE_DETECTION = False
    assert not probe_pull_forward(vendor.pk, "timeout")


def test_pull__soft_error_class__skipped(vendor):
    for error_class in ("throttled", "auth", "client_4xx", "contract", "circuit_open"):
        assert not probe_pull_forward(vendor.pk, error_class)


# -- a probe is the active health check: an open circuit never keeps it out ------------------


def _open_circuit(integration) -> None:
    IntegrationState.objects.filter(pk=integration.pk).update(
        circuit_state=IntegrationState.Circuit.OPEN,
        circuit_failures=5,
        circuit_opened_at=timezone.now(),
    )


def test_open_circuit__tile_call__fails_fast_without_calling(vendor, mocked):
    _open_circuit(vendor)
    with pytest.raises(GatewayError) as refused:
        Gateway.for_integration(vendor).request("GET", URL)
    assert refused.value.error_class == "circuit_open"


def test_open_circuit__probe__calls_the_vendor_and_its_success_closes_it(vendor, mocked):
    _open_circuit(vendor)
    mocked.add(responses.GET, URL, status=200, body="ok")
    with probing():
        Gateway.for_integration(vendor).request("GET", URL)
    assert _state(vendor).circuit_state == IntegrationState.Circuit.CLOSED


def test_open_circuit__probe_fails__cool_down_restarts(vendor, mocked):
    _open_circuit(vendor)
    opened = _state(vendor).circuit_opened_at
    mocked.add(responses.GET, URL, status=503)
    with probing(), pytest.raises(GatewayError):
        Gateway.for_integration(vendor).request("GET", URL)
    state = _state(vendor)
    assert state.circuit_state == IntegrationState.Circuit.OPEN
    assert state.circuit_opened_at > opened
