"""The streaming answer of `Gateway.stream` (Server-Sent Events), read under the call's
deadline and byte cap."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from .errors import GatewayError
from .response import HttpResult
from .transport import RawStream, open_stream

if TYPE_CHECKING:
    from .gateway import Gateway


@dataclass
class _Opened(HttpResult):
    """An accepted answer whose body is a stream still to be read."""

    raw: RawStream | None = None
    deadline_at: float = 0.0


def stream_open(gateway: Gateway, method, url, headers, remaining: float, deadline_at: float):
    """One attempt at opening a stream: an `_Opened` answer (2xx), else the refused answer
    with its (small) body read, for the gateway to describe."""
    limits = gateway.limits
    raw = open_stream(
        method,
        url,
        headers=headers,
        connect_s=min(limits.connect_s, remaining),
        read_s=min(limits.read_s, remaining),
        max_bytes=limits.max_bytes,
        deadline_at=deadline_at,
        destinations=gateway.destinations,
        clock=gateway.clock,
    )
    gateway.last_status = raw.status
    if not 200 <= raw.status < 300:
        return HttpResult(raw.status, raw.headers, raw.read_body(deadline_at), 0.0)
    return _Opened(raw.status, raw.headers, b"", 0.0, raw=raw, deadline_at=deadline_at)


class EventStream:
    """An open streaming answer from `Gateway.stream`: `status`, `headers`, `read`, `close`."""

    def __init__(self, gateway: Gateway, raw: RawStream, deadline_at: float, latency_ms: float):
        self.gateway, self.raw = gateway, raw
        self.status, self.headers = raw.status, raw.headers
        self.deadline_at = deadline_at
        self.latency_ms = latency_ms

    def read(self, until: float | None = None) -> bytes | None:
        """The next bytes; b"" at the end; None when `until` (at most the call's deadline)
        passes first. Raises a scrubbed ContractBroken (byte cap) or ConnectionFailed."""
        until = self.deadline_at if until is None else min(until, self.deadline_at)
        try:
            return self.raw.read(until)
        except GatewayError as exc:
            self.close()
            raise self.gateway._scrubbed(exc) from None

    @property
    def closed(self) -> bool:
        return self.raw.closed

    def close(self) -> None:
        self.raw.close()

    def __enter__(self) -> EventStream:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
