"""What a call returns (`HttpResult`), the per-integration `Limits`, and status classification."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from requests.structures import CaseInsensitiveDict

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

SUCCESS = range(200, 300)

# The longest pause a vendor's `Retry-After` may impose (issue 14 item 3: one
# `Retry-After: 100000` stopped probing for 27.8 hours). A longer request is honoured
# up to the cap; the next call after it (a probe, at the latest) asks again.
DEFAULT_PAUSE_CAP_S = 900.0
PAUSE_CAP_S = {
    # GA4's quotas are per hour (tokensPerHour, serverErrorsPerProjectPerHour): a 429
    # RESOURCE_EXHAUSTED can last until the hour turns over.
    # developers.google.com/analytics/devguides/reporting/data/v1/quotas
    "ga4": 3600.0,
    # Others refill within seconds or minutes (Shopify: a 40-request bucket leaking 2/s,
    # `Retry-After: 2.0`, and a GraphQL bucket refilling at 50+ points/s; Publer: 100
    # requests per 2 minutes; Slack: about 1 message per second), so the default holds.
}


@dataclass(frozen=True)
class Limits:
    """Per-integration limits, from `Integration.config` (keys in `for_integration`)."""

    connect_s: float = 3.05
    read_s: float = 10.0
    deadline_s: float = 10.0
    max_bytes: int = 2 * 1024 * 1024
    max_attempts: int = 3
    backoff_base_s: float = 0.25
    backoff_cap_s: float = 5.0
    pause_cap_s: float = DEFAULT_PAUSE_CAP_S

    @classmethod
    def for_integration(cls, integration: Any) -> Limits:
        """Total deadline per call = `probe_timeout_seconds`; the rest from config, else defaults
        (the pause cap: `pause_cap_seconds`, else the kind's in PAUSE_CAP_S, else 15 minutes)."""
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
            pause_cap_s=float(
                config.get("pause_cap_seconds", PAUSE_CAP_S.get(integration.kind, cls.pause_cap_s))
            ),
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


def refusal(result: HttpResult, text: str) -> GatewayError:
    """The GatewayError for a status the caller did not accept.

    401/403 auth; 429 throttled (with `Retry-After`); 408 timeout; 5xx
    vendor_5xx (a 503's `Retry-After` is kept); other 4xx client_4xx; anything
    else (3xx: redirects are never followed; an unexpected 2xx) contract.
    """
    status = result.status
    detail = f"HTTP {status}: {text}" if text else f"HTTP {status}"
    retry_after = parse_retry_after(result.headers.get("Retry-After"))
    if status in (401, 403):
        return AuthRejected(detail, vendor_status=status)
    if status == 429:
        return Throttled(detail, vendor_status=status, retry_after=retry_after)
    if status == 408:
        return CallTimedOut(detail, vendor_status=status)
    if status >= 500:
        return VendorServerError(detail, vendor_status=status, retry_after=retry_after)
    if 400 <= status < 500:
        return RequestRejected(detail, vendor_status=status)
    return ContractBroken(f"unexpected {detail}", vendor_status=status)


TAG = re.compile(r"<[^>]{0,200}>")


def default_describe(result: HttpResult, limit: int = 200) -> str:
    """The first `limit` characters of the body, on one line; an HTML error page is
    reduced to its text (proxies and load balancers answer with one)."""
    text = result.text
    if "<" in text and ">" in text:
        text = TAG.sub(" ", text)
    return " ".join(text.split())[:limit]
