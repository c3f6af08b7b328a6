"""What a vendor says about itself on every answer: rate limits, pauses, deprecations.

`VendorReports` is the part of `Gateway` that notes them: on the gateway for the
caller (`rate_limit`, `headroom`, `deprecations`) and, with a shared row, in the
rate-limit book every process reads.
"""

from __future__ import annotations

import time
from typing import Any

from .ratelimit import RateLimitBook, from_x_ratelimit
from .response import HttpResult, Limits
from .scrub import Scrubber
from .state import StateStore

DEPRECATION_HEADERS = ("Deprecation", "Sunset")  # RFC 9745, RFC 8594


class VendorReports:
    """Mixin of `Gateway`: notes what the vendor reported. Expects `store`, `book`, `scrub`,
    `limits`."""

    limits: Limits
    store: StateStore | None
    book: RateLimitBook | None
    scrub: Scrubber
    rate_limit: dict
    headroom: float | None
    deprecations: list[str]

    def _observe(self, result: HttpResult) -> None:
        for name in DEPRECATION_HEADERS:
            if name in result.headers:
                self.note_deprecation(f"{name}: {result.headers[name]}")
        reported = from_x_ratelimit(result.headers, now=time.time())
        if reported:
            self.note_rate_limit(*reported)

    def stored_rate_limit(self) -> dict[str, Any]:
        """The rate-limit report every process shares (empty without a shared row)."""
        return dict((self.store.read()["rate_limit"] or {}) if self.store else self.rate_limit)

    def note_rate_limit(self, report: dict[str, Any], headroom: float | None) -> None:
        """Record what the vendor reported about its limits (shared row + this gateway)."""
        stored = self.book.record(report, headroom) if self.book else report
        self._remember(stored, headroom)

    def note_deprecation(self, text: str) -> None:
        if text not in self.deprecations:
            self.deprecations.append(self.scrub(text)[:300])

    def _note_pause(self, seconds: float) -> float:
        """Share the vendor's requested pause, capped at `limits.pause_cap_s`, keeping the
        rest of the last report; returns the pause honoured. What was asked is kept too
        (`pause_asked_s`), for the page that shows the pause."""
        honoured = min(seconds, self.limits.pause_cap_s)
        until = round(time.time() + honoured, 3)
        report = {
            "source": "retry-after",
            **self.rate_limit,
            "throttled_until": until,
            "pause_asked_s": round(seconds, 3),
        }
        self.note_rate_limit(report, 0.0)
        return honoured

    def _remember(self, report: dict[str, Any], headroom: float | None) -> None:
        self.rate_limit = report
        self.headroom = None if headroom is None else min(1.0, max(0.0, headroom))
