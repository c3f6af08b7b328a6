"""Rate-limit bookkeeping is kept on the integration's row, so every process honours it."""

from __future__ import annotations

import pytest

from integrations.http import Gateway, Throttled
from integrations.models import Integration, IntegrationState

URL = "https://vendor.example/api"


@pytest.fixture
def vendor(db):
    integration = Integration.objects.create(
        slug="vendor",
        name="Vendor",
        kind="http",
        base_url="https://vendor.example",
        mode=Integration.Mode.LIVE,
        config={"max_attempts": 1},
    )
    IntegrationState.objects.create(integration=integration)
    return integration


def _state(integration) -> IntegrationState:
    return IntegrationState.objects.get(pk=integration.pk)


def test_x_ratelimit__is_stored_with_headroom(vendor, mocked):
    headers = {"X-RateLimit-Limit": "100", "X-RateLimit-Remaining": "10", "X-RateLimit-Reset": "60"}
    mocked.get(URL, json={}, headers=headers)
    Gateway.for_integration(vendor).request("GET", URL)
    state = _state(vendor)
    assert state.rate_limit_headroom == 0.1
    assert state.rate_limit["source"] == "x-ratelimit" and state.rate_limit["remaining"] == 10


def test_429__pause_is_stored_and_a_later_call_does_not_go_out(vendor, mocked):
    mocked.get(URL, status=429, headers={"Retry-After": "120"})
    with pytest.raises(Throttled):
        Gateway.for_integration(vendor).request("GET", URL)
    state = _state(vendor)
    assert state.rate_limit_headroom == 0.0 and "throttled_until" in state.rate_limit
    with pytest.raises(Throttled, match="not calling") as caught:
        Gateway.for_integration(vendor).request("GET", URL)  # no second mock: must not call
    assert caught.value.sent is False and 119 < caught.value.retry_after <= 120


def test_short_stored_pause__is_waited_out(vendor, mocked):
    import time

    IntegrationState.objects.filter(pk=vendor.pk).update(
        rate_limit={"source": "retry-after", "throttled_until": time.time() + 0.5}
    )
    mocked.get(URL, json={})
    slept = []
    gateway = Gateway.for_integration(vendor)
    gateway.sleep = slept.append
    gateway.request("GET", URL)
    assert len(slept) == 1 and 0.3 < slept[0] <= 0.5
