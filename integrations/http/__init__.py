"""The one outbound HTTP gateway. See gateway.py for the API and transport.py for the wire."""

from .errors import (
    AuthRejected,
    CallTimedOut,
    CircuitOpen,
    ConfigInvalid,
    ConnectionFailed,
    ContractBroken,
    DestinationForbidden,
    ErrorClass,
    GatewayError,
    RequestRejected,
    Throttled,
    VendorServerError,
)
from .gateway import Gateway
from .response import HttpResult, Limits, refusal
from .scrub import REDACTED, Scrubber

__all__ = [
    "REDACTED",
    "AuthRejected",
    "CallTimedOut",
    "CircuitOpen",
    "ConfigInvalid",
    "ConnectionFailed",
    "ContractBroken",
    "DestinationForbidden",
    "ErrorClass",
    "Gateway",
    "GatewayError",
    "HttpResult",
    "Limits",
    "RequestRejected",
    "Scrubber",
    "Throttled",
    "VendorServerError",
    "refusal",
]
