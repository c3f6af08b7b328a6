"""The one place in the project that calls `requests`: one attempt of one HTTP call.

`send()` makes a single attempt under hard limits and maps every transport
failure onto the gateway's errors. It never follows redirects (a redirect could
carry credentials to another host) and never retries (the gateway decides).

Timeouts: `connect_s` bounds the TCP/TLS connect; each socket read waits at
most `read_s`; between body chunks the total deadline is checked, so a
trickling vendor is cut off one chunk after the deadline at most.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import requests
from requests.adapters import HTTPAdapter
from requests.structures import CaseInsensitiveDict
from urllib3.exceptions import NewConnectionError

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


def session() -> requests.Session:
    """This thread's pooled session (requests sessions are not safe to share across threads)."""
    current = getattr(_local, "session", None)
    if current is None:
        current = requests.Session()
        adapter = HTTPAdapter(pool_connections=POOL_SIZE, pool_maxsize=POOL_SIZE, max_retries=0)
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
    clock: Callable[[], float] = time.monotonic,
) -> RawResponse:
    """One attempt. Raises CallTimedOut, ConnectionFailed or ContractBroken (body too big).

    Exception texts from requests are not reused: they embed URLs, which may be
    secret (a Slack webhook URL is the credential). Callers scrub what we say.
    """
    try:
        response = session().request(
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
    with response:
        body = _read_capped(response, deadline_at, max_bytes, clock)
    return RawResponse(response.status_code, response.headers, body, response.url)


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
