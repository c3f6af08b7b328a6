"""A thread pool whose threads close their own database connections when it shuts down.

Django keeps one connection per thread; worker threads that touched the ORM
would otherwise hold their connections until the process exits.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from django.db import connections

T = TypeVar("T")
R = TypeVar("R")


class DbThreadPool:
    """`map` work over up to `size` threads; `close()` closes every thread's connections."""

    def __init__(self, size: int, name: str = "hotdash-probe"):
        self.size = max(1, size)
        self._executor = ThreadPoolExecutor(max_workers=self.size, thread_name_prefix=name)

    def map(self, function: Callable[[T], R], items: Iterable[T]) -> list[R]:
        return list(self._executor.map(function, items))

    def close(self) -> None:
        """Run one closer on each worker thread (a barrier makes every thread take one)."""
        barrier = threading.Barrier(self.size)

        def closer(_):
            try:
                barrier.wait(timeout=10)
            except threading.BrokenBarrierError:
                pass
            connections.close_all()

        list(self._executor.map(closer, range(self.size)))
        self._executor.shutdown(wait=True)

    def __enter__(self) -> DbThreadPool:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
