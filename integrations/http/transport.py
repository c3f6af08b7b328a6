"""The one place in the project that calls `requests`: one attempt of one HTTP call.

`send()` makes a single attempt under hard limits and maps every transport
failure onto the gateway's errors. It never follows redirects (a redirect could
carry credentials to another host) and never retries (the gateway decides).

Timeouts: `connect_s` bounds the TCP connect; each socket read waits at most
`read_s`; and the call's deadline is absolute: at `deadline_at` the watchdog
(watchdog.py) cuts the call's connection, whatever the peer is doing (trickling
the TLS handshake, the headers or the body), and the attempt is a timeout.

Connections are opened by connect.py: each is checked, at connect time, on the address
it connects to (`destinations`). Proxies and `.netrc` from the environment are not used:
a proxy would resolve names itself, where the check cannot see the address.

`open_stream()` is the same attempt for an event stream (MCP's HTTP+SSE
transport): the body is left open and read piece by piece with
`RawStream.read(until)`, each socket read bounded by `read_s` and `until`,
the whole body by the same byte cap; the caller closes it.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import requests
from requests.adapters import HTTPAdapter
from requests.structures import CaseInsensitiveDict
from urllib3.exceptions import DecodeError, NewConnectionError, ProtocolError, ReadTimeoutError

from .addresses import Destinations
from .connect import POOL_CLASSES, Call, outbound
from .errors import CallTimedOut, ConnectionFailed, ContractBroken

CHUNK_BYTES = 64 * 1024
POOL_SIZE = 32
_local = threading.local()


@dataclass(frozen=True)
class RawResponse:
    status: int
    headers: CaseInsensitiveDict
    body: bytes
    url: str


class GuardedAdapter(HTTPAdapter):
    """requests' adapter with connect.py's connections: every socket is checked."""

    def init_poolmanager(self, *args, **kwargs) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = POOL_CLASSES


def session() -> requests.Session:
    """This thread's pooled session (requests sessions are not safe to share across threads)."""
    current = getattr(_local, "session", None)
    if current is None:
        current = requests.Session()
        current.trust_env = False  # no proxy, no .netrc: see the module's docstring
        current.verify = os.environ.get("REQUESTS_CA_BUNDLE") or True
        adapter = GuardedAdapter(pool_connections=POOL_SIZE, pool_maxsize=POOL_SIZE, max_retries=0)
        current.mount("http://", adapter)
        current.mount("https://", adapter)
        _local.session = current
    return current


def send(
    method: str,
    url: str,
    *,
    headers: dict[str, str],
    params: dict | None,
    json_body: object,
    data: object,
    connect_s: float,
    read_s: float,
    deadline_at: float,
    max_bytes: int,
    destinations: Destinations,
    clock: Callable[[], float] = time.monotonic,
) -> RawResponse:
    """One attempt. Raises CallTimedOut, ConnectionFailed or ContractBroken (body too big).

    Exception texts from requests are not reused: they embed URLs, which may be
    secret (a Slack webhook URL is the credential). Callers scrub what we say.
    """
    call = Call(destinations, deadline_at, clock)
    with by_deadline(call):
        response = _open(call, method, url, headers, params, json_body, data, connect_s, read_s)
        with response:
            body = _read_capped(response, deadline_at, max_bytes, clock)
    return RawResponse(response.status_code, response.headers, body, response.url)


def open_stream(
    method: str,
    url: str,
    *,
    headers: dict[str, str],
    connect_s: float,
    read_s: float,
    max_bytes: int,
    deadline_at: float,
    destinations: Destinations,
    clock: Callable[[], float] = time.monotonic,
) -> RawStream:
    """One attempt whose body is left unread: an event stream read as it arrives.

    The same limits as `send` (connect/read timeouts, no redirects, `max_bytes`
    over the whole body); the caller reads with `RawStream.read` and must close it.
    """
    call = Call(destinations, deadline_at, clock)
    with by_deadline(call, finish=False):  # the stream finishes the call when it closes
        response = _open(call, method, url, headers, None, None, None, connect_s, read_s)
    return RawStream(response, call, read_s=read_s, max_bytes=max_bytes, clock=clock)


@contextmanager
def by_deadline(call: Call, *, finish: bool = True) -> Iterator[None]:
    """Whatever broke once the watchdog cut the call's connection, it was the deadline:
    raise CallTimedOut. A body read until close ends cleanly when cut: a timeout too."""
    try:
        yield
    except Exception:
        if call.finish():
            raise CallTimedOut("no complete answer within the deadline (cut off)") from None
        raise
    if finish and call.finish():
        raise CallTimedOut("no complete answer within the deadline (cut off)")


def _open(call, method, url, headers, params, json_body, data, connect_s, read_s):
    """Send the request and read the status line and headers (the body stays unread).
    Raises DestinationForbidden (from connect.py) as it is, the transport errors mapped."""
    try:
        with outbound(call):
            return session().request(
                method,
                url,
                headers=headers,
                params=params,
                json=json_body,
                data=data,
                timeout=(connect_s, read_s),
                allow_redirects=False,
                stream=True,
            )
    except requests.ConnectTimeout:
        raise CallTimedOut(f"no connection within {connect_s:.2f}s", sent=False) from None
    except requests.Timeout:
        raise CallTimedOut(f"no answer within {read_s:.2f}s") from None
    except requests.ConnectionError as exc:
        raise _connection_failed(exc) from None
    except requests.RequestException as exc:
        raise ConnectionFailed(f"request failed: {type(exc).__name__}", sent=False) from None


class RawStream:
    """An answer whose body is read piece by piece as it arrives (Server-Sent Events).

    Each `read` is at most one socket read, waiting no longer than `read_s` nor
    past its `until`; the whole body is capped at `max_bytes`. After a read that
    timed out or failed the stream is unusable: close it.
    """

    def __init__(
        self,
        response: requests.Response,
        call: Call,
        *,
        read_s: float,
        max_bytes: int,
        clock: Callable[[], float],
    ) -> None:
        self._response, self._call = response, call
        self.status: int = response.status_code
        self.headers: CaseInsensitiveDict = response.headers
        self.url: str = response.url
        self.read_s, self.max_bytes, self.clock = read_s, max_bytes, clock
        self.size = 0
        self.closed = False

    def read(self, until: float) -> bytes | None:
        """The next bytes; b"" at the end of the body; None when `until` passes first.

        Raises ContractBroken past `max_bytes`, ConnectionFailed when the body breaks off.
        """
        remaining = until - self.clock()
        if remaining <= 0 or self.closed:
            return None
        self._set_timeout(min(self.read_s, remaining))
        try:
            chunk = self._response.raw.read1(CHUNK_BYTES)
        except ReadTimeoutError:
            return None
        except (ProtocolError, OSError) as exc:
            if self._call.fired:
                return None  # the watchdog cut it: the call's deadline has passed
            raise ConnectionFailed(f"stream broke off ({type(exc).__name__})") from None
        except DecodeError:
            raise ContractBroken("stream could not be decoded", vendor_status=self.status) from None
        if not chunk and self._call.fired:
            return None  # the cut reads as an end of stream: it was the deadline
        self.size += len(chunk)
        if self.size > self.max_bytes:
            raise ContractBroken(
                f"stream over the {self.max_bytes}-byte cap", vendor_status=self.status
            )
        return chunk

    def read_body(self, deadline_at: float) -> bytes:
        """The whole (capped) body, then close: for an answer that opened no stream."""
        try:
            with by_deadline(self._call):
                return _read_capped(self._response, deadline_at, self.max_bytes, self.clock)
        finally:
            self.close()

    def _set_timeout(self, seconds: float) -> None:
        connection = self._response.raw.connection
        sock = getattr(connection, "sock", None)
        if sock is not None:
            sock.settimeout(max(seconds, 0.001))

    def close(self) -> None:
        """Close the connection (it is not returned to the pool: its body was not read)."""
        if not self.closed:
            self.closed = True
            self._call.finish()
            try:
                self._response.close()
            except OSError:
                pass  # the socket is gone either way


def _connection_failed(exc: requests.ConnectionError) -> ConnectionFailed:
    reason = exc.args[0] if exc.args else None
    reason = getattr(reason, "reason", reason)
    if isinstance(reason, NewConnectionError):
        return ConnectionFailed("connection refused or unreachable", sent=False)
    return ConnectionFailed(f"connection failed ({type(reason or exc).__name__})")


def _read_capped(
    response: requests.Response, deadline_at: float, max_bytes: int, clock: Callable[[], float]
) -> bytes:
    """The body, read in chunks; stops at `max_bytes` (ContractBroken) or the deadline."""
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise ContractBroken(
            f"response declares {declared} bytes, over the {max_bytes}-byte cap",
            vendor_status=response.status_code,
        )
    chunks, size = [], 0
    try:
        for chunk in response.iter_content(CHUNK_BYTES):
            size += len(chunk)
            if size > max_bytes:
                raise ContractBroken(
                    f"response body over the {max_bytes}-byte cap",
                    vendor_status=response.status_code,
                )
            chunks.append(chunk)
            if clock() > deadline_at:
                raise CallTimedOut("response body not complete within the deadline")
    except requests.Timeout:
        raise CallTimedOut("response body stalled") from None
    except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError) as exc:
        raise ConnectionFailed(f"response body broke off ({type(exc).__name__})") from None
    except requests.exceptions.ContentDecodingError:
        raise ContractBroken(
            "response body could not be decoded", vendor_status=response.status_code
        ) from None
    return b"".join(chunks)
