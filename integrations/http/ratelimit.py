"""Rate-limit bookkeeping: what the vendor reports, kept per integration in IntegrationState.

`IntegrationState.rate_limit` holds the last normalised report (always with
`source` and `observed_at`, unix seconds; `throttled_until` after a throttled
answer) and `rate_limit_headroom` the share of the limit still available (0..1).

Generic signals are read here: `X-RateLimit-Limit/Remaining/Reset` headers
(Publer, and many others) and a throttled answer's `Retry-After`. Vendor
bodies (Shopify's `extensions.cost`, GA4's `propertyQuota`) are read by their
clients, which report through `Gateway.note_rate_limit`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

from .state import StateStore

EPOCH_THRESHOLD = 1_000_000_000  # X-RateLimit-Reset above this is a unix time, else seconds


class RateLimitBook:
    """Reads and writes one integration's rate-limit report."""

    def __init__(self, store: StateStore, *, clock: Callable[[], float] = time.time) -> None:
        self.store = store
        self.clock = clock

    def pause_needed(self, row: Mapping[str, Any]) -> float:
        """Seconds until the vendor's last `Retry-After` runs out (0 when it has)."""
        until = (row.get("rate_limit") or {}).get("throttled_until")
        return max(0.0, float(until) - self.clock()) if until else 0.0

    def record(self, report: dict[str, Any], headroom: float | None) -> dict[str, Any]:
        """Store `report` (stamped with `observed_at`) and `headroom`; returns what was stored."""
        stored = {**report, "observed_at": round(self.clock(), 3)}
        bounded = None if headroom is None else min(1.0, max(0.0, headroom))
        self.store.update(rate_limit=stored, rate_limit_headroom=bounded)
        return stored


def from_x_ratelimit(
    headers: Mapping[str, str], *, now: float
) -> tuple[dict[str, Any], float | None] | None:
    """(report, headroom) from `X-RateLimit-*` headers, or None when they are absent or unreadable.

    Publer sends `X-RateLimit-Reset` as a unix time (publer.com/docs, rate
    limits); other vendors send seconds until the reset, told apart by size.
    """
    try:
        limit = float(headers["X-RateLimit-Limit"])
        remaining = float(headers["X-RateLimit-Remaining"])
    except (KeyError, TypeError, ValueError):
        return None
    report: dict[str, Any] = {"source": "x-ratelimit", "limit": limit, "remaining": remaining}
    try:
        reset = float(headers.get("X-RateLimit-Reset", ""))
        report["reset_at"] = reset if reset > EPOCH_THRESHOLD else round(now + reset, 3)
    except ValueError:
        pass
    return report, (remaining / limit if limit > 0 else None)
