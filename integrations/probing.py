"""The contract between a probe (integrations) and the probe engine (monitoring).

`probe_integration(integration)` performs one real call through the vendor
client and returns a `ProbeOutcome`; it never raises. Each kind's probe is
registered in `PROBES` (see integrations/probes/).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class ProbeOutcome:
    """What one probe saw. `message` is already scrubbed of secrets.

    `ok` is the vendor answering as contracted; whether that is `degraded`
    (slow, little rate-limit headroom) is the health state machine's call.
    """

    ok: bool
    latency_ms: float | None = None
    http_status: int | None = None
    error_class: str = ""  # an integrations.http.ErrorClass value
    message: str = ""
    rate_limit: dict = field(default_factory=dict)  # what the vendor reported, normalised
    headroom: float | None = None  # share of the rate limit still available, 0..1
    details: dict = field(default_factory=dict)  # deprecations, fingerprints, versions


ProbeFunction = Callable[..., ProbeOutcome]
PROBES: dict[str, ProbeFunction] = {}


def register_probe(kind: str) -> Callable[[ProbeFunction], ProbeFunction]:
    def decorator(function: ProbeFunction) -> ProbeFunction:
        PROBES[kind] = function
        return function

    return decorator
