"""The gateway's errors: one class per error class a probe or a caller can see.

Every error carries `error_class` (one of `ErrorClass`: defined here, below
monitoring, and the choices of `monitoring.models.CheckResult.error_class`), a
human `detail` that is already scrubbed of secrets, and what was known when it
happened (`http_status`, `retry_after`, `latency_ms`, `attempts`). They are `DomainError`s, so the API's one exception
handler turns them into `{"code", "detail"}` JSON.
"""

from __future__ import annotations

from django.db import models
from rest_framework import status

from hotdash.errors import DomainError


class ErrorClass(models.TextChoices):
    """Why a call or a probe failed: the one list (stored in `CheckResult.error_class`)."""

    NONE = "", "None"
    TIMEOUT = "timeout", "Timeout"
    CONNECTION = "connection", "Connection"
    AUTH = "auth", "Authentication"
    THROTTLED = "throttled", "Throttled"
    VENDOR_5XX = "vendor_5xx", "Vendor 5xx"
    CLIENT_4XX = "client_4xx", "Client 4xx"
    CONTRACT = "contract", "Contract broken"
    CIRCUIT_OPEN = "circuit_open", "Circuit open"
    CONFIG = "config", "Configuration"
    FORBIDDEN = "forbidden", "Forbidden destination"


class GatewayError(DomainError):
    """A call that did not produce the answer the caller contracted for.

    `retryable` says whether repeating the same call could help (the gateway
    still only repeats calls that are safe to repeat); `sent` is False when the
    request provably never reached the vendor (refused or timed-out connect).
    """

    error_class = ""
    retryable = False
    http_status = status.HTTP_502_BAD_GATEWAY

    def __init__(
        self,
        detail: str,
        *,
        vendor_status: int | None = None,
        retry_after: float | None = None,
        sent: bool = True,
        details: dict | None = None,
    ):
        super().__init__(detail, code=f"vendor_{self.error_class}")
        self.vendor_status = vendor_status
        self.retry_after = retry_after
        self.sent = sent
        self.details = details or {}
        self.latency_ms: float | None = None
        self.attempts = 1
        self.rate_limit: dict = {}  # what the vendor last reported before the failure
        self.headroom: float | None = None


class CallTimedOut(GatewayError):
    error_class = ErrorClass.TIMEOUT
    retryable = True
    http_status = status.HTTP_504_GATEWAY_TIMEOUT


class ConnectionFailed(GatewayError):
    error_class = ErrorClass.CONNECTION
    retryable = True


class AuthRejected(GatewayError):
    error_class = ErrorClass.AUTH


class Throttled(GatewayError):
    error_class = ErrorClass.THROTTLED
    retryable = True
    http_status = status.HTTP_429_TOO_MANY_REQUESTS


class VendorServerError(GatewayError):
    """A 5xx. Only 500, 502, 503 and 504 are worth repeating (501/505+ are permanent)."""

    error_class = ErrorClass.VENDOR_5XX

    @property
    def retryable(self) -> bool:  # type: ignore[override]
        return self.vendor_status in {None, 500, 502, 503, 504}


class RequestRejected(GatewayError):
    """A 4xx other than auth and throttling: our request was wrong; never repeated."""

    error_class = ErrorClass.CLIENT_4XX


class ContractBroken(GatewayError):
    """The vendor answered, but not in the shape we rely on (bad JSON, GraphQL errors[], …)."""

    error_class = ErrorClass.CONTRACT


class CircuitOpen(GatewayError):
    error_class = ErrorClass.CIRCUIT_OPEN
    http_status = status.HTTP_503_SERVICE_UNAVAILABLE


class ConfigInvalid(GatewayError):
    """Our side is misconfigured (a missing credential variable, a bad config value)."""

    error_class = ErrorClass.CONFIG
    http_status = status.HTTP_503_SERVICE_UNAVAILABLE


class DestinationForbidden(GatewayError):
    """The destination is an address outbound calls never reach (loopback, private, metadata,
    …: `addresses.refusal`), checked on the address connected to. Never sent, never repeated;
    the integration's URL (or its name's DNS) must change, or the network be allowed."""

    error_class = ErrorClass.FORBIDDEN
