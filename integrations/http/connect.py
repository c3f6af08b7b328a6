"""Where outbound sockets are opened: each connection is checked on the address it connects to.

The transport's session builds its urllib3 connections from the classes here. A new
connection resolves its host once (`resolve`), checks every address against the
current call's `Destinations` (addresses.py), and connects only to an address that
passed: the address checked is the address connected to, so a name that re-points
between a check and the connect (DNS rebinding) cannot win. TLS is unchanged: the
certificate and SNI are for the host name, the Host header is the URL's. A pooled
connection is re-checked before each request, in case the next call's destinations
are narrower (a sandbox connection is not reused by a live call).

The current call (`Call`, set by `outbound()` around each request) carries the
destinations and the call's deadline, which bounds the connect as well.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NameResolutionError, NewConnectionError
from urllib3.util.connection import _set_socket_options, allowed_gai_family

from .addresses import Address, Destinations, parse_address
from .errors import DestinationForbidden

resolve = socket.getaddrinfo  # the one name lookup of a connection (tests replace it)
_local = threading.local()


@dataclass
class Call:
    """One outbound call: where it may connect, and by when it must be over."""

    destinations: Destinations
    deadline_at: float | None = None
    clock: Callable[[], float] = time.monotonic

    def connect_timeout(self, timeout: object) -> float | None:
        """urllib3's connect timeout (a float or its default sentinel), cut to the deadline."""
        seconds = float(timeout) if isinstance(timeout, int | float) else None
        if self.deadline_at is None:
            return seconds
        remaining = max(self.deadline_at - self.clock(), 0.001)
        return remaining if seconds is None else min(seconds, remaining)


@contextmanager
def outbound(call: Call) -> Iterator[Call]:
    """Make `call` the current one in this thread while its request is sent."""
    previous = getattr(_local, "call", None)
    _local.call = call
    try:
        yield call
    finally:
        _local.call = previous


def current() -> Call:
    """This thread's call; outside one, public destinations only and no deadline."""
    return getattr(_local, "call", None) or Call(Destinations.for_mode(sandbox=False))


class _Guarded:
    """Mixed into urllib3's HTTP(S)Connection: `_new_conn` checks before it connects."""

    peer: Address | None = None

    def _new_conn(self) -> socket.socket:
        call = current()
        try:
            found = resolve(
                self._dns_host.strip("[]"), self.port, allowed_gai_family(), socket.SOCK_STREAM
            )
        except socket.gaierror as exc:
            raise NameResolutionError(self.host, self, exc) from exc
        permitted, refused = [], None
        for family, kind, proto, _, sockaddr in found:
            address = parse_address(sockaddr[0])
            try:
                call.destinations.check(self.host, address, self.port)
            except DestinationForbidden as exc:
                refused = refused or exc
                continue
            permitted.append((family, kind, proto, sockaddr, address))
        if not permitted:
            raise refused or NewConnectionError(self, f"{self.host} has no address")
        return self._connect_first(permitted, call)

    def _connect_first(self, permitted: list, call: Call) -> socket.socket:
        """Connect to the first permitted address that answers; raise urllib3's errors."""
        error: OSError | None = None
        for family, kind, proto, sockaddr, address in permitted:
            sock = socket.socket(family, kind, proto)
            try:
                _set_socket_options(sock, self.socket_options)
                sock.settimeout(call.connect_timeout(self.timeout))
                if self.source_address:
                    sock.bind(self.source_address)
                sock.connect(sockaddr)
            except OSError as exc:
                sock.close()
                error = exc
                continue
            self.peer = address
            return sock
        if isinstance(error, TimeoutError):
            raise ConnectTimeoutError(self, f"Connection to {self.host} timed out")
        raise NewConnectionError(self, f"Failed to establish a new connection: {error}")

    def request(self, *args, **kwargs) -> None:
        """Re-check a pooled connection's address against this call's destinations."""
        if self.sock is not None and self.peer is not None:
            try:
                current().destinations.check(self.host, self.peer, self.port)
            except DestinationForbidden:
                self.close()
                raise
        return super().request(*args, **kwargs)


class GuardedHTTPConnection(_Guarded, HTTPConnection):
    pass


class GuardedHTTPSConnection(_Guarded, HTTPSConnection):
    pass


class GuardedHTTPPool(HTTPConnectionPool):
    ConnectionCls = GuardedHTTPConnection


class GuardedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = GuardedHTTPSConnection


POOL_CLASSES = {"http": GuardedHTTPPool, "https": GuardedHTTPSPool}
