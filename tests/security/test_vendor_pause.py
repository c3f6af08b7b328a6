"""Vendor pauses (issue 14, item 3).

One 429 with `Retry-After: 100000` stopped every probe of the integration for 27.8
hours, and survived a switch back to the sandbox. Now the honoured pause is capped
per kind (15 minutes by default, an hour for GA4), probing goes on at one probe per
cap while the vendor keeps refusing, a mode change ends the pause, and the board, the
integration page and the API show it.
"""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
import responses
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from integrations.actions.mode import switch_sandbox_perform
from integrations.http import Limits
from integrations.http.response import DEFAULT_PAUSE_CAP_S
from integrations.models import IntegrationState
from monitoring.engine import probe_now
from tests.monitoring.conftest import make_integration

pytestmark = pytest.mark.django_db
ASKED_S = 100_000


@pytest.fixture
def shop():
    return make_integration("shop", probe_interval_seconds=60)


@pytest.fixture
def vendor(shop):
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.get(
            "http://shop.probe.test/",
            status=429,
            body="slow down",
            headers={"Retry-After": str(ASKED_S)},
        )
        yield mock


def state_of(integration) -> IntegrationState:
    return IntegrationState.objects.get(pk=integration.pk)


def pause_left_s(state: IntegrationState) -> float:
    return float(state.rate_limit["throttled_until"]) - time.time()


def test_retry_after_100000__pause_capped_at_15_minutes(shop, vendor):
    # Given a vendor answering 429 with Retry-After: 100000 (27.8 hours)
    # When the integration is probed
    probe_now([shop])
    # Then the pause honoured is the 15-minute cap, and the next probe comes when it ends
    state = state_of(shop)
    assert DEFAULT_PAUSE_CAP_S == 900
    assert 890 <= pause_left_s(state) <= 900
    assert state.rate_limit["pause_asked_s"] == ASKED_S
    assert state.last_error_class == "throttled"
    pause_end = state.vendor_pause_until()
    assert abs((state.next_probe_at - pause_end).total_seconds()) < 1


def test_pause_cap__per_kind_and_per_integration(shop):
    assert Limits.for_integration(shop).pause_cap_s == 900
    shop.kind = "ga4"  # hourly quotas: a RESOURCE_EXHAUSTED can last until the hour turns
    assert Limits.for_integration(shop).pause_cap_s == 3600
    shop.config = {"pause_cap_seconds": 120}
    assert Limits.for_integration(shop).pause_cap_s == 120


def test_paused__probing_continues_once_per_cap(shop, vendor):
    # Given a vendor that keeps answering Retry-After: 100000
    probe_now([shop])
    first_end = state_of(shop).vendor_pause_until()
    # Then during the pause the integration is not due, and at its end it is
    due = IntegrationState.objects.due_for_probe
    assert not due(first_end - timedelta(seconds=1)).filter(pk=shop.pk).exists()
    assert due(first_end + timedelta(seconds=1)).filter(pk=shop.pk).exists()
    # When the cap has passed (the stored pause is moved back by 15 minutes)
    IntegrationState.objects.filter(pk=shop.pk).update(
        rate_limit={"source": "retry-after", "throttled_until": time.time() - 1},
        next_probe_at=timezone.now(),
    )
    probe_now([shop])
    # Then that probe called the vendor (2 calls over 15 minutes, not 0 for 27.8 hours)
    # and the renewed pause is capped again
    assert len(vendor.calls) == 2
    assert 890 <= pause_left_s(state_of(shop)) <= 900


def test_paused__probe_inside_the_pause__does_not_call_the_vendor(shop, vendor):
    probe_now([shop])
    probe_now([shop])  # the console's "Probe now" during the pause
    assert len(vendor.calls) == 1
    assert state_of(shop).last_error_class == "throttled"


def test_switch_to_sandbox__ends_the_pause_and_probes_at_once(shop, vendor):
    probe_now([shop])
    IntegrationState.objects.filter(pk=shop.pk).update(circuit_state="open")
    # When the integration is switched back to the sandbox
    switch_sandbox_perform({"slug": "shop"}, "key-1")
    # Then no pause, rate-limit report or open circuit of the live vendor remains
    state = state_of(shop)
    assert state.vendor_pause_until() is None and state.rate_limit == {}
    assert state.circuit_state == "closed"
    assert state.next_probe_at <= timezone.now()


def test_board_and_integration_page__show_the_pause(shop, vendor, client, viewer):
    probe_now([shop])
    until = timezone.localtime(state_of(shop).vendor_pause_until())
    client.force_login(viewer)
    expected = f"paused by the vendor until {until:%H:%M}, 15 min left"
    board = client.get(reverse("admin:index")).content.decode()
    assert expected in board
    page = client.get(reverse("admin:console_integration", args=["shop"])).content.decode()
    assert expected.capitalize() in page


def test_api_integration_detail__has_the_pause(shop, vendor, viewer):
    probe_now([shop])
    api = APIClient()
    api.force_authenticate(viewer)
    pause = api.get("/api/v1/integrations/shop/").json()["vendor_pause"]
    assert 890 <= pause["seconds_left"] <= 900
    assert pause["asked_seconds"] == ASKED_S
    assert pause["until"]


def test_api_integration_detail__no_pause__null(shop, viewer):
    api = APIClient()
    api.force_authenticate(viewer)
    assert api.get("/api/v1/integrations/shop/").json()["vendor_pause"] is None


def test_migration__pause_stored_before_the_cap__cut_to_it(shop):
    """A 27.8-hour pause stored before the fix is cut to the cap, and so is the probe's wait."""
    from importlib import import_module

    from django.apps import apps

    stored_at = time.time() - 60
    far = timezone.now() + timedelta(seconds=ASKED_S)
    IntegrationState.objects.filter(pk=shop.pk).update(
        rate_limit={
            "source": "retry-after",
            "observed_at": stored_at,
            "throttled_until": stored_at + ASKED_S,
        },
        next_probe_at=far,
    )
    import_module("integrations.migrations.0010_cap_stored_vendor_pauses").cap_pauses(apps, None)
    state = state_of(shop)
    assert state.rate_limit["throttled_until"] == pytest.approx(stored_at + 900, abs=0.01)
    assert state.rate_limit["pause_asked_s"] == pytest.approx(ASKED_S)
    assert abs((state.next_probe_at - state.vendor_pause_until()).total_seconds()) < 1
