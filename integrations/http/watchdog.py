"""The deadline watchdog: one thread that cuts the connections of calls past their deadline.

A socket timeout bounds each read, not the call: a peer that trickles one byte every
half second (headers, body or TLS handshake) never lets a read time out. So every
outbound call registers its connections with the watchdog, which at the call's
deadline shuts them down (`shutdown(SHUT_RDWR)` on the connection's socket): the
read blocked in the call's thread returns at once, and the transport reports a
timeout. One thread serves the whole process; a call that ends first is only marked
done (its entry is dropped when its time comes).
"""

from __future__ import annotations

import heapq
import itertools
import os
import threading
import time
from typing import Protocol

GRAIN_S = 0.01  # a cut comes at most this late; fewer wakes under many calls


class Watched(Protocol):
    real_deadline: float

    def fire(self) -> None: ...


class Watchdog:
    """Calls `fire()` on each armed entry once `time.monotonic()` reaches its deadline."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        """Start empty, with no thread: also in a forked child (django-q2 forks its workers),
        where the parent's thread is gone and its lock may have been held."""
        self._wake = threading.Condition()
        self._heap: list[tuple[float, int, Watched]] = []
        self._order = itertools.count()
        self._thread: threading.Thread | None = None

    def arm(self, entry: Watched) -> None:
        with self._wake:
            heapq.heappush(self._heap, (entry.real_deadline, next(self._order), entry))
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="http-deadline", daemon=True)
                self._thread.start()
            elif self._heap[0][2] is entry:
                self._wake.notify()  # an earlier deadline than the one it sleeps for

    def _run(self) -> None:
        while True:
            with self._wake:
                now, due = time.monotonic(), []
                while self._heap and self._heap[0][0] <= now:
                    due.append(heapq.heappop(self._heap)[2])
                if not due:
                    # Sleep a little past the earliest deadline, so that the entries due
                    # within GRAIN_S are taken in one wake (most are finished calls).
                    self._wake.wait(self._heap[0][0] - now + GRAIN_S if self._heap else None)
                    continue
            for entry in due:
                try:
                    entry.fire()
                except Exception:  # noqa: BLE001 - the watchdog must outlive any one call
                    pass


WATCHDOG = Watchdog()
os.register_at_fork(after_in_child=WATCHDOG.reset)
