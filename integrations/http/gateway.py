"""The outbound HTTP gateway: every vendor call in the project goes through `Gateway.request`.

A `Gateway` is made per unit of work (one probe, one client operation) with
`Gateway.for_integration(integration, secrets=…)`. It owns the integration's
limits (timeouts, total deadline, size cap, retries), classifies every failure
into a `GatewayError` subclass, and scrubs every text it produces.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Container, Iterable
from dataclasses import dataclass, field
from typing import Any

from requests.structures import CaseInsensitiveDict

from . import transport
from .errors import (
    AuthRejected,
    CallTimedOut,
    ContractBroken,
    GatewayError,
    RequestRejected,
    Throttled,
    VendorServerError,
)
from .retry import parse_retry_after
from .scrub import Scrubber

logger = logging.getLogger("integrations.http")
SUCCESS = range(200, 300)
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True)
class Limits:
    """Per-integration limits, from `Integration.config` keys of the same name + `_seconds`."""

    connect_s: float = 3.05
    read_s: float = 10.0
    deadline_s: float = 10.0
    max_bytes: int = 2 * 1024 * 1024
    max_attempts: int = 3
    backoff_base_s: float = 0.25
    backoff_cap_s: float = 5.0

    @classmethod
    def for_integration(cls, integration: Any) -> Limits:
        config = integration.config or {}
        deadline = float(integration.probe_timeout_seconds or cls.deadline_s)
        return cls(
            connect_s=float(config.get("connect_timeout_seconds", min(cls.connect_s, deadline))),
            read_s=float(config.get("read_timeout_seconds", deadline)),
            deadline_s=deadline,
            max_bytes=int(config.get("max_response_bytes", cls.max_bytes)),
            max_attempts=int(config.get("max_attempts", cls.max_attempts)),
            backoff_base_s=float(config.get("backoff_base_seconds", cls.backoff_base_s)),
            backoff_cap_s=float(config.get("backoff_cap_seconds", cls.backoff_cap_s)),
        )


@dataclass
class HttpResult:
    """An answer the caller accepted. `json()` raises ContractBroken on a non-JSON body."""

    status: int
    headers: CaseInsensitiveDict
    body: bytes
    latency_ms: float
    attempts: int = 1
    _parsed: Any = field(default=None, repr=False)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    def json(self) -> Any:
        if self._parsed is None:
            try:
                self._parsed = json.loads(self.body)
            except ValueError:
                raise ContractBroken(
                    f"expected JSON, got {len(self.body)} bytes that do not parse",
                    vendor_status=self.status,
                ) from None
        return self._parsed


Check = Callable[[HttpResult], None]
Describe = Callable[[HttpResult], str]


class Gateway:
    """Calls one integration's vendor. Make one per unit of work; not shared across threads."""

    def __init__(
        self,
        name: str,
        *,
        limits: Limits | None = None,
        secrets: Iterable[str | None] = (),
        deadline_s: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.name = name
        self.limits = limits or Limits()
        self.scrub = Scrubber(secrets)
        self.clock = clock
        self.deadline_at = clock() + deadline_s if deadline_s is not None else None
        self.last_status: int | None = None
        self.rate_limit: dict = {}  # what the vendor last reported, normalised
        self.headroom: float | None = None  # share of the vendor's limit left, 0..1

    @classmethod
    def for_integration(
        cls,
        integration: Any,
        *,
        secrets: Iterable[str | None] = (),
        deadline_s: float | None = None,
    ) -> Gateway:
        return cls(
            integration.slug,
            limits=Limits.for_integration(integration),
            secrets=secrets,
            deadline_s=deadline_s,
        )

    def remaining(self, deadline_at: float) -> float:
        return deadline_at - self.clock()

    def request(
        self,
        method: str,
        url: str,
        *,
        headers: dict[str, str] | None = None,
        params: dict | None = None,
        json: object = None,
        data: object = None,
        expect: Container[int] = SUCCESS,
        check: Check | None = None,
        describe: Describe | None = None,
        timeout_s: float | None = None,
    ) -> HttpResult:
        """Make the call and return the accepted answer.

        `expect` lists the statuses the caller accepts (default 2xx); `check`
        may raise a GatewayError for an accepted status whose body breaks the
        contract; `describe` extracts the vendor's error text from a refused
        answer. Raises a GatewayError subclass whose detail is scrubbed.
        """
        started = self.clock()
        deadline_at = self._deadline(started, timeout_s)
        try:
            result = self._attempt(method, url, headers, params, json, data, deadline_at)
            result.latency_ms = (self.clock() - started) * 1000
            self._accept(result, expect, check, describe)
            return result
        except GatewayError as exc:
            exc.latency_ms = (self.clock() - started) * 1000
            raise self._scrubbed(exc) from None

    def _deadline(self, started: float, timeout_s: float | None) -> float:
        deadline_at = started + (timeout_s or self.limits.deadline_s)
        return min(deadline_at, self.deadline_at) if self.deadline_at else deadline_at

    def _attempt(self, method, url, headers, params, json_body, data, deadline_at) -> HttpResult:
        remaining = self.remaining(deadline_at)
        if remaining <= 0:
            raise CallTimedOut("deadline passed before the call", sent=False)
        raw = transport.send(
            method,
            url,
            headers=headers or {},
            params=params,
            json_body=json_body,
            data=data,
            connect_s=min(self.limits.connect_s, remaining),
            read_s=min(self.limits.read_s, remaining),
            deadline_at=deadline_at,
            max_bytes=self.limits.max_bytes,
        )
        self.last_status = raw.status
        return HttpResult(raw.status, raw.headers, raw.body, 0.0)

    def _accept(self, result: HttpResult, expect, check, describe) -> None:
        if result.status not in expect:
            raise refusal(result, describe(result) if describe else default_describe(result))
        if check:
            check(result)

    def _scrubbed(self, exc: GatewayError) -> GatewayError:
        exc.detail = self.scrub(exc.detail)
        exc.args = (exc.detail,)
        return exc


def refusal(result: HttpResult, text: str) -> GatewayError:
    """The GatewayError for a status the caller did not accept."""
    status = result.status
    detail = f"HTTP {status}: {text}" if text else f"HTTP {status}"
    kwargs = {"vendor_status": status}
    if status in (401, 403):
        return AuthRejected(detail, **kwargs)
    if status == 429 or (status == 503 and "Retry-After" in result.headers):
        retry_after = parse_retry_after(result.headers.get("Retry-After"))
        if status == 429:
            return Throttled(detail, retry_after=retry_after, **kwargs)
        return VendorServerError(detail, retry_after=retry_after, **kwargs)
    if status == 408:
        return CallTimedOut(detail, **kwargs)
    if status >= 500:
        return VendorServerError(detail, **kwargs)
    if 400 <= status < 500:
        return RequestRejected(detail, **kwargs)
    return ContractBroken(f"unexpected {detail}", **kwargs)


def default_describe(result: HttpResult, limit: int = 200) -> str:
    """The first `limit` characters of the body, on one line."""
    return " ".join(result.text.split())[:limit]
