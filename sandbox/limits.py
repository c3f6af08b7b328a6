"""Rate-limit primitives that really drain and refill in real time (thread-safe)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class LeakyBucket:
    """A bucket of `capacity` points refilled at `rate` points per second, starting full.

    Shopify calls its cost limiter a leaky bucket
    (https://shopify.dev/docs/api/usage/rate-limits); Slack's per-webhook burst
    allowance behaves the same way.
    """

    def __init__(self, capacity: float, rate: float, clock: Callable[[], float] = time.monotonic):
        self._clock = clock
        self._lock = threading.Lock()
        self.capacity = float(capacity)
        self.rate = float(rate)
        self._level = self.capacity
        self._stamp = clock()

    def _refill(self) -> None:
        now = self._clock()
        self._level = min(self.capacity, self._level + (now - self._stamp) * self.rate)
        self._stamp = now

    def configure(self, capacity: float, rate: float) -> None:
        """Change size and rate; the current level is kept, clamped to the new size."""
        with self._lock:
            self._refill()
            self.capacity, self.rate = float(capacity), float(rate)
            self._level = min(self._level, self.capacity)

    def available(self) -> float:
        with self._lock:
            self._refill()
            return self._level

    def take(self, cost: float) -> tuple[bool, float]:
        """Take `cost` points if there are enough. Returns (taken, level afterwards)."""
        with self._lock:
            self._refill()
            if self._level < cost:
                return False, self._level
            self._level -= cost
            return True, self._level

    def refund(self, points: float) -> float:
        """Give back `points` (never above capacity); returns the new level."""
        with self._lock:
            self._refill()
            self._level = min(self.capacity, self._level + max(0.0, points))
            return self._level

    def wait_time(self, cost: float) -> float:
        """Seconds until `cost` points will be available (inf when the rate is 0)."""
        missing = cost - self.available()
        if missing <= 0:
            return 0.0
        return missing / self.rate if self.rate > 0 else float("inf")


class FixedWindow:
    """`limit` hits per `window_s` seconds, the window starting at its first hit.

    Publer documents "100 requests per 2 minutes" and the docs alternate between
    calling it fixed and sliding (https://publer.com/docs, rate limits): we use fixed.
    """

    def __init__(self, clock: Callable[[], float] = time.time):
        self._clock = clock
        self._lock = threading.Lock()
        self._start = 0.0
        self._count = 0

    def hit(self, limit: int, window_s: float) -> tuple[bool, int, float]:
        """Count one hit. Returns (allowed, remaining, reset as unix time)."""
        with self._lock:
            now = self._clock()
            if now >= self._start + window_s:
                self._start, self._count = now, 0
            allowed = self._count < limit
            if allowed:
                self._count += 1
            return allowed, max(0, limit - self._count), self._start + window_s
