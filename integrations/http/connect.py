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
destinations and the call's deadline. The deadline bounds the connect, and the
watchdog (watchdog.py) cuts the call's connections when it passes, whatever the
peer is doing: trickling the TLS handshake, the headers or the body.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NameResolutionError, NewConnectionError
from urllib3.util.connection import _set_socket_options, allowed_gai_family

from .addresses import Address, Destinations, parse_address
from .errors import DestinationForbidden
from .watchdog import WATCHDOG

resolve = socket.getaddrinfo  # the one name lookup of a connection (tests replace it)
_local = threading.local()


class Call:
    """One outbound call: where it may connect, and by when it must be over.

    Its connections are registered with the watchdog (`watch`); at the deadline the
    watchdog's `fire` cuts them, and `finish`, when the call is over, says whether it did.
    `deadline_at` is on `clock` (the gateway's); the watchdog keeps the same instant on
    `time.monotonic`.
    """

    def __init__(
        self,
        destinations: Destinations,
        deadline_at: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.destinations, self.deadline_at, self.clock = destinations, deadline_at, clock
        self.real_deadline = (
            time.monotonic() + (deadline_at - clock()) if deadline_at is not None else None
        )
        self.fired = self.done = self.armed = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()

    def connect_timeout(self, timeout: object) -> float | None:
        """urllib3's connect timeout (a float or its default sentinel), cut to the deadline."""
        seconds = float(timeout) if isinstance(timeout, int | float) else None
        if self.deadline_at is None:
            return seconds
        remaining = max(self.deadline_at - self.clock(), 0.001)
        return remaining if seconds is None else min(seconds, remaining)

    def watch(self, sock: socket.socket) -> None:
        """Cut `sock` at this call's deadline (at once if it has passed). The call keeps a
        duplicate descriptor: it stays valid while TLS wraps (and detaches) the socket, and
        while http.client closes its side after a `Connection: close` answer."""
        if self.real_deadline is None:
            return
        with self._lock:
            if self.done:
                return
            try:
                self._sockets.append(socket.fromfd(sock.fileno(), sock.family, sock.type))
            except OSError:
                return  # a socket already closed: its request fails on its own
            if self.fired:
                _cut(self._sockets[-1])
            arm, self.armed = not self.armed, True
        if arm:
            WATCHDOG.arm(self)

    def fire(self) -> None:
        """The deadline has come (the watchdog's thread): cut every connection of the call."""
        with self._lock:
            if not self.done:
                self.fired = True
                for sock in self._sockets:
                    _cut(sock)

    def finish(self) -> bool:
        """The call is over: nothing will be cut from now on. True if the deadline cut it."""
        with self._lock:
            self.done = True
            for sock in self._sockets:
                sock.close()
            self._sockets.clear()
            return self.fired


def _cut(sock: socket.socket) -> None:
    """Shut the connection down: a read blocked on it, in any thread, returns at once."""
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass  # the peer is gone already


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
        sock = self._connect_first(permitted, call)
        call.watch(sock)  # before TLS: a trickled handshake is cut too
        return sock

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
        """Re-check a pooled connection's address against this call's destinations, and
        put the connection under this call's deadline."""
        call = current()
        if self.sock is not None and self.peer is not None:
            try:
                call.destinations.check(self.host, self.peer, self.port)
            except DestinationForbidden:
                self.close()
                raise
            call.watch(self.sock)
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
