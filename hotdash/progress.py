"""Progress for long management commands: a bar on a terminal, plain lines elsewhere.

A leaf module (imports no app), so every app's commands may use it.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO


class Progress:
    """`with Progress(total, "probing", stream) as p: p.advance()`.

    On a TTY it redraws one line at most ten times a second; otherwise it prints
    a plain line every `every` percent, so CI logs stay readable.
    """

    def __init__(self, total: int, label: str, stream: TextIO | None = None, every: int = 10):
        self.total, self.label, self.done = max(total, 0), label, 0
        self.stream = stream or sys.stderr
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.every = every
        self._last_draw = 0.0
        self._last_percent = -1
        self._started = time.monotonic()

    def advance(self, n: int = 1) -> None:
        self.done += n
        if self.tty:
            self._draw_bar()
        else:
            self._print_line()

    def _draw_bar(self, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._last_draw < 0.1 and self.done < self.total:
            return
        self._last_draw = now
        width = 30
        filled = width * self.done // self.total if self.total else width
        bar = "#" * filled + "-" * (width - filled)
        self.stream.write(f"\r{self.label} [{bar}] {self.done}/{self.total}")
        self.stream.flush()

    def _print_line(self) -> None:
        percent = 100 * self.done // self.total if self.total else 100
        step = percent - percent % self.every
        if step > self._last_percent:
            self._last_percent = step
            self.stream.write(f"{self.label}: {self.done}/{self.total} ({percent}%)\n")
            self.stream.flush()

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc) -> None:
        if self.tty:
            self._draw_bar(force=True)
            elapsed = time.monotonic() - self._started
            self.stream.write(f" in {elapsed:.1f}s\n")
            self.stream.flush()
