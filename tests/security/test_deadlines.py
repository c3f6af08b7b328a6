"""Deadlines: every outbound call ends by its deadline, whatever the peer does.

Issue 14, item 2. A real socket server on loopback misbehaves slowly: it trickles
the status line, the body (chunked, with a length, or until close), or the TLS
handshake, one byte at a time, each byte well within the read timeout. The call
must fail as a timeout within its deadline plus a little slack, and nothing it
received may pass for an answer.
"""

from __future__ import annotations

import socket
import time

import pytest

from integrations.http import CallTimedOut, Gateway, Limits
from tests.integrations.http.rawserver import RawServer

DEADLINE_S = 0.8
SLACK_S = 0.4
BYTE_EVERY_S = 0.1


class Trickler(RawServer):
    """One misbehaviour per path, on 127.0.0.1; every byte comes BYTE_EVERY_S apart."""

    @property
    def port(self) -> int:
        return self.sock.getsockname()[1]

    def url(self, path: str, scheme: str = "http") -> str:
        return f"{scheme}://127.0.0.1:{self.port}{path}"

    def _answer(self, conn: socket.socket) -> None:
        with conn:
            first = conn.recv(65536)
            if first[:1] == b"\x16":  # a TLS ClientHello: trickle a never-ending record
                return self._drip(conn, b"\x16\x03\x03\x40\x00" + b"\x02" * 20000)
            path = first.split(b" ", 2)[1].decode() if b" " in first else "/"
            self._drip(conn, *RESPONSES[path])

    def _drip(self, conn: socket.socket, trickled: bytes, head: bytes = b"") -> None:
        try:
            conn.sendall(head)
            for index in range(len(trickled)):
                if self.stop.wait(BYTE_EVERY_S):
                    return
                conn.sendall(trickled[index : index + 1])
        except OSError:
            return  # the client cut the connection: what the tests want


BODY = b"x" * 200
RESPONSES = {
    # (trickled, sent at once first)
    "/slow-headers": (b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-Pad: " + b"p" * 100,),
    "/chunked": (b"1\r\nx\r\n" * 100, b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"),
    "/length": (BODY, b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(BODY)),
    "/until-close": (BODY, b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n"),
}


@pytest.fixture(scope="module")
def trickler():
    server = Trickler()
    yield server
    server.close()


@pytest.fixture(autouse=True)
def loopback_allowed(settings, trickler):
    settings.OUTBOUND_ALLOW_PRIVATE = [f"127.0.0.1:{trickler.port}"]


def _gateway(**limits) -> Gateway:
    settings = {"deadline_s": DEADLINE_S, "read_s": 5.0, "max_attempts": 1} | limits
    return Gateway("trickle", limits=Limits(**settings))


def _times_out(url: str, gateway: Gateway | None = None) -> float:
    started = time.monotonic()
    with pytest.raises(CallTimedOut):
        (gateway or _gateway()).request("GET", url)
    return time.monotonic() - started


@pytest.mark.parametrize("path", RESPONSES.keys())
def test_trickling_peer__times_out_by_the_deadline(trickler, path):
    assert _times_out(trickler.url(path)) < DEADLINE_S + SLACK_S


def test_trickled_tls_handshake__times_out_by_the_deadline(trickler):
    assert _times_out(trickler.url("/", scheme="https")) < DEADLINE_S + SLACK_S


def test_retries__share_one_deadline(trickler):
    """A safe call that may be repeated still ends by the one deadline of the call."""
    gateway = _gateway(max_attempts=3, backoff_base_s=0.01)
    assert _times_out(trickler.url("/chunked"), gateway) < DEADLINE_S + SLACK_S


def test_read_until_close__a_cut_body_is_not_an_answer(trickler):
    """The deadline's cut ends a body read until close like a clean end: still a timeout."""
    with pytest.raises(CallTimedOut, match="deadline"):
        _gateway().request("GET", trickler.url("/until-close"))


def test_after_a_cut__the_next_call_works(trickler):
    _times_out(trickler.url("/length"))
    with pytest.raises(CallTimedOut):  # a fresh connection, cut again: nothing left half-read
        _gateway().request("GET", trickler.url("/length"))


@pytest.mark.django_db
def test_probe__trickling_vendor__ends_within_its_timeout(trickler):
    from integrations.models import Integration
    from integrations.probes import probe_integration

    integration = Integration.objects.create(
        slug="trickle",
        name="Trickle",
        kind="http",
        base_url=trickler.url("/chunked"),
        mode="live",
        probe_timeout_seconds=1,
        config={"max_attempts": 3},
    )
    started = time.monotonic()
    outcome = probe_integration(integration)
    assert time.monotonic() - started < 1 + SLACK_S
    assert not outcome.ok and outcome.error_class == "timeout"
