"""A tiny path router: `{name}` placeholders match one path segment (or a regex)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from .wire import Request, Response

Handler = Callable[[Request], Response]


def _placeholder_end(pattern: str, start: int) -> int:
    """Index of the `}` closing the placeholder opened at `start` (regexes may nest braces)."""
    depth = 0
    for index in range(start, len(pattern)):
        depth += {"{": 1, "}": -1}.get(pattern[index], 0)
        if depth == 0:
            return index
    raise ValueError(f"unclosed placeholder in {pattern!r}")


def compile_pattern(pattern: str) -> re.Pattern[str]:
    """`/a/{id}/b/{rest:.+}` → a full-match regex with named groups (default: one segment)."""
    out, pos = [], 0
    while (start := pattern.find("{", pos)) != -1:
        end = _placeholder_end(pattern, start)
        name, _, regex = pattern[start + 1 : end].partition(":")
        out.append(re.escape(pattern[pos:start]))
        out.append(f"(?P<{name}>{regex or '[^/]+'})")
        pos = end + 1
    out.append(re.escape(pattern[pos:]))
    return re.compile("".join(out))


@dataclass(frozen=True)
class Route:
    methods: frozenset[str]
    regex: re.Pattern[str]
    handler: Handler


@dataclass(frozen=True)
class Match:
    handler: Handler | None
    params: dict[str, str]
    allowed: frozenset[str] = frozenset()


class Router:
    def __init__(self) -> None:
        self._routes: list[Route] = []

    def add(self, methods: str, pattern: str, handler: Handler) -> None:
        """Register `handler` for space-separated `methods` ("GET HEAD") on `pattern`."""
        self._routes.append(Route(frozenset(methods.split()), compile_pattern(pattern), handler))

    def match(self, method: str, path: str) -> Match | None:
        """The route for (method, path); a Match without handler means 405; None means 404."""
        allowed: set[str] = set()
        for route in self._routes:
            found = route.regex.fullmatch(path)
            if not found:
                continue
            if method in route.methods:
                return Match(route.handler, found.groupdict())
            allowed |= route.methods
        return Match(None, {}, frozenset(allowed)) if allowed else None
