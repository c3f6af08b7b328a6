"""Real sockets: a vendor that hangs, resets, truncates, trickles or floods is classified in time."""

from __future__ import annotations

import time

import pytest

from integrations.http import (
    CallTimedOut,
    ConnectionFailed,
    ContractBroken,
    Gateway,
    Limits,
)

from .rawserver import RawServer


@pytest.fixture(scope="module")
def server():
    raw = RawServer()
    yield raw
    raw.close()


@pytest.fixture(autouse=True)
def loopback_allowed(settings):
    """The raw server listens on loopback, which outbound calls reach only when allowed."""
    settings.OUTBOUND_ALLOW_PRIVATE = ["127.0.0.1"]


def _gateway(**limits) -> Gateway:
    settings = {"deadline_s": 0.5, "max_attempts": 1} | limits
    return Gateway("raw", limits=Limits(**settings))


def test_hanging_vendor__times_out_within_the_deadline(server):
    started = time.monotonic()
    with pytest.raises(CallTimedOut):
        _gateway().request("GET", server.url("/hang"))
    assert time.monotonic() - started < 1.0


def test_trickling_vendor__is_cut_off_at_the_deadline(server):
    started = time.monotonic()
    with pytest.raises(CallTimedOut):
        _gateway().request("GET", server.url("/trickle"))
    assert time.monotonic() - started < 1.0


def test_connection_reset__is_connection_error(server):
    with pytest.raises(ConnectionFailed):
        _gateway().request("GET", server.url("/reset"))


def test_truncated_body__is_connection_error(server):
    with pytest.raises(ConnectionFailed, match="broke off"):
        _gateway().request("GET", server.url("/truncated"))


def test_huge_body__stops_at_the_size_cap(server):
    with pytest.raises(ContractBroken, match="cap"):
        _gateway(max_bytes=100_000, deadline_s=3.0).request("GET", server.url("/flood"))


def test_refused_connection__is_connection_error_not_sent():
    with pytest.raises(ConnectionFailed) as caught:
        _gateway().request("GET", "http://127.0.0.1:9/")
    assert caught.value.sent is False


def test_well_behaved__is_answered(server):
    assert _gateway().request("GET", server.url("/")).body == b"ok"
