"""Retry arithmetic: `Retry-After` parsing and the full-jitter exponential backoff decision.

Written by hand rather than with tenacity: whether to retry depends on the
delay itself (a `Retry-After` longer than the cap or than what is left of the
deadline means "give up now"), on whether the request was ever sent, and on
the deadline shared with the circuit-breaker lease — one small pure function
says all of it and is tested to the millisecond with a seeded RNG.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from email.utils import parsedate_to_datetime

from .errors import GatewayError

MIN_ATTEMPT_S = 0.05  # never sleep into a deadline that leaves less than this for the call


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds to wait from a `Retry-After` value: delta-seconds or an HTTP date (RFC 9110 §10.2.3).

    Fractions are accepted (Shopify's REST API sends `2.0`). Returns None for
    a missing or unreadable value; a date in the past gives 0.
    """
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        return _seconds_until_date(value, now)
    return max(0.0, seconds) if seconds == seconds else None  # NaN is unreadable


def _seconds_until_date(value: str, now: float | None) -> float | None:
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None or when.tzinfo is None:
        return None
    current = time.time() if now is None else now
    return max(0.0, when.timestamp() - current)


@dataclass(frozen=True)
class Backoff:
    """Full-jitter exponential backoff (aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter)."""

    max_attempts: int = 3
    base_s: float = 0.25
    cap_s: float = 5.0

    def delay(
        self,
        error: GatewayError,
        attempt: int,
        *,
        safe: bool,
        remaining_s: float,
        rng: random.Random,
    ) -> float | None:
        """Seconds to sleep before attempt `attempt + 1`, or None to give up now.

        1. Give up after `max_attempts`, on errors that repeating cannot fix,
           and on calls not safe to repeat (unless the request was never sent).
        2. A `Retry-After` is obeyed exactly; if it exceeds `cap_s` we give up
           rather than call back sooner than the vendor asked.
        3. Otherwise sleep uniform(0, min(cap_s, base_s * 2**(attempt-1))).
        4. Give up if the sleep would leave less than MIN_ATTEMPT_S of the deadline.
        """
        if attempt >= self.max_attempts or not error.retryable:
            return None
        if not safe and error.sent:
            return None
        if error.retry_after is not None:
            if error.retry_after > self.cap_s:
                return None
            delay = error.retry_after
        else:
            delay = rng.uniform(0, min(self.cap_s, self.base_s * 2 ** (attempt - 1)))
        if remaining_s - delay < MIN_ATTEMPT_S:
            return None
        return delay
