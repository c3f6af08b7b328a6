"""One probe per integration kind, and `probe_integration`, the engine's single entry point.

Each kind's module registers a function with `integrations.probing.register_probe`;
importing this package imports them all. A probe makes real calls through its
vendor client (hence through the gateway, its circuit breaker and its rate-limit
bookkeeping) and returns a `ProbeOutcome` for an answer as contracted; anything
else it raises, and `probe_integration` turns it into a failed outcome.
"""

from __future__ import annotations

import dataclasses
import logging
import time
import traceback

from integrations.http import ErrorClass, GatewayError, Scrubber
from integrations.probing import PROBES, ProbeOutcome

from . import (  # noqa: F401 - each module registers its probe
    chatwoot,
    ga4,
    generic,
    llamaindex,
    mcp,
    publer,
    shopify,
    slack,
    supabase,
)
from .base import probe_ok

__all__ = ["probe_integration", "probe_ok"]

logger = logging.getLogger("integrations.probes")
MESSAGE_LIMIT = 500  # CheckResult.message max_length


def probe_integration(integration) -> ProbeOutcome:
    """Probe `integration` once. Never raises; every failure is a ProbeOutcome with ok=False.

    `latency_ms` covers the whole probe (every call it made, retries and waits included).
    """
    started = time.monotonic()
    probe = PROBES.get(integration.kind)
    if probe is None:
        return _failed(ErrorClass.CONFIG, f"no probe for kind {integration.kind!r}", started)
    try:
        outcome = probe(integration)
    except GatewayError as exc:
        return _failed(
            exc.error_class,
            exc.detail,
            started,
            http_status=exc.vendor_status,
            details=exc.details,
            rate_limit=exc.rate_limit,
            headroom=exc.headroom,
        )
    except (
        Exception
    ) as exc:  # a probe bug or an unforeseen vendor shape: never the engine's problem
        text = Scrubber()("".join(traceback.format_exception(exc)))
        logger.error("probe of %s crashed: %s", integration.slug, text)
        return _failed(ErrorClass.CONTRACT, f"probe failed: {type(exc).__name__}", started)
    return dataclasses.replace(
        outcome, latency_ms=_elapsed_ms(started), message=outcome.message[:MESSAGE_LIMIT]
    )


def _failed(error_class: str, message: str, started: float, **fields) -> ProbeOutcome:
    return ProbeOutcome(
        ok=False,
        latency_ms=_elapsed_ms(started),
        error_class=error_class,
        message=message[:MESSAGE_LIMIT],
        **{key: value for key, value in fields.items() if value is not None},
    )


def _elapsed_ms(started: float) -> float:
    return round((time.monotonic() - started) * 1000, 3)
