"""Retries: only safe calls, full-jitter backoff, Retry-After obeyed, the deadline respected."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
import requests

from integrations.http import (
    AuthRejected,
    ConnectionFailed,
    RequestRejected,
    Throttled,
    VendorServerError,
)
from integrations.http.retry import parse_retry_after

URL = "https://vendor.example/thing"


def test_get__two_503s_then_200__backs_off_with_full_jitter(mocked, make_gateway, clock):
    mocked.get(URL, status=503)
    mocked.get(URL, status=503)
    mocked.get(URL, json={"ok": True})
    result = make_gateway().request("GET", URL)
    assert (result.status, result.attempts) == (200, 3)
    assert clock.sleeps == [0.25, 0.5]  # top of uniform(0, base * 2**(n-1))


def test_backoff__is_capped(mocked, make_gateway, clock):
    for _ in range(3):
        mocked.get(URL, status=502)
    mocked.get(URL, json={})
    make_gateway(max_attempts=4, backoff_base_s=2.0, backoff_cap_s=3.0).request("GET", URL)
    assert clock.sleeps == [2.0, 3.0, 3.0]


def test_retries__stop_after_max_attempts(mocked, make_gateway, clock):
    for _ in range(3):
        mocked.get(URL, status=500, body="boom")
    with pytest.raises(VendorServerError) as caught:
        make_gateway().request("GET", URL)
    assert caught.value.attempts == 3 and caught.value.vendor_status == 500
    assert "boom" in caught.value.detail


def test_429__retry_after_seconds__is_obeyed_exactly(mocked, make_gateway, clock):
    mocked.get(URL, status=429, headers={"Retry-After": "1.5"})
    mocked.get(URL, json={})
    make_gateway().request("GET", URL)
    assert clock.sleeps == [1.5]


def test_429__retry_after_http_date__is_obeyed(mocked, make_gateway, clock, monkeypatch):
    now = datetime(2026, 5, 1, 12, 0, 0, tzinfo=UTC)
    monkeypatch.setattr("integrations.http.retry.time.time", lambda: now.timestamp())
    when = format_datetime(now + timedelta(seconds=2), usegmt=True)
    mocked.get(URL, status=429, headers={"Retry-After": when})
    mocked.get(URL, json={})
    make_gateway().request("GET", URL)
    assert clock.sleeps == [2.0]


def test_429__retry_after_over_the_cap__gives_up_at_once(mocked, make_gateway, clock):
    mocked.get(URL, status=429, headers={"Retry-After": "3600"})
    with pytest.raises(Throttled) as caught:
        make_gateway().request("GET", URL)
    # the error carries the pause honoured: the vendor's 3600 s capped at 15 minutes
    assert clock.sleeps == [] and caught.value.retry_after == 900


def test_backoff__never_sleeps_past_the_deadline(mocked, make_gateway, clock):
    mocked.get(URL, status=429, headers={"Retry-After": "2"})
    with pytest.raises(Throttled):
        make_gateway(deadline_s=1.0).request("GET", URL)
    assert clock.sleeps == []


def test_backoff__jitter_is_given_up_when_it_would_outlast_the_deadline(
    mocked, make_gateway, clock
):
    mocked.get(URL, status=503)
    mocked.get(URL, status=503)
    with pytest.raises(VendorServerError) as caught:
        make_gateway(deadline_s=0.6, backoff_base_s=0.25).request("GET", URL)
    assert clock.sleeps == [0.25] and caught.value.attempts == 2  # 0.5 more would pass 0.6


@pytest.mark.parametrize("status", [400, 404, 409, 422])
def test_4xx__is_never_retried(mocked, make_gateway, clock, status):
    mocked.get(URL, status=status)
    with pytest.raises(RequestRejected):
        make_gateway().request("GET", URL)
    assert clock.sleeps == []


def test_401__is_auth_and_not_retried(mocked, make_gateway, clock):
    mocked.get(URL, status=401, json={"errors": "Invalid API key"})
    with pytest.raises(AuthRejected):
        make_gateway().request("GET", URL)
    assert clock.sleeps == []


def test_post__is_not_retried_by_default(mocked, make_gateway, clock):
    mocked.post(URL, status=503)
    with pytest.raises(VendorServerError):
        make_gateway().request("POST", URL, json={"send": "once"})
    assert clock.sleeps == []


def test_post__marked_idempotent__is_retried(mocked, make_gateway, clock):
    mocked.post(URL, status=503)
    mocked.post(URL, json={})
    make_gateway().request("POST", URL, json={"query": "{ shop { name } }"}, idempotent=True)
    assert clock.sleeps == [0.25]


def test_post__connection_refused__is_retried_since_never_sent(mocked, make_gateway, clock):
    from urllib3.exceptions import NewConnectionError

    refused = requests.ConnectionError(NewConnectionError(None, "refused"))
    mocked.post(URL, body=refused)
    mocked.post(URL, json={})
    make_gateway().request("POST", URL, json={})
    assert clock.sleeps == [0.25]


def test_post__connection_reset__is_not_retried(mocked, make_gateway, clock):
    mocked.post(URL, body=requests.ConnectionError("Connection reset by peer"))
    with pytest.raises(ConnectionFailed):
        make_gateway().request("POST", URL, json={})
    assert clock.sleeps == []


@pytest.mark.parametrize(
    ("value", "seconds"),
    [("3", 3.0), ("2.0", 2.0), ("-4", 0.0), ("soon", None), ("", None), (None, None)],
)
def test_parse_retry_after__seconds(value, seconds):
    assert parse_retry_after(value) == seconds


def test_parse_retry_after__http_date():
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:05 GMT", now=1445412480.0) == 5.0
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:05 GMT", now=1445412490.0) == 0.0
