"""The base every sandbox vendor extends, and the context they share."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from ..faults import Field
from ..router import Router
from ..wire import Request, Response, json_response, text_response


@dataclass
class Context:
    """What every vendor may use: the seed, the clock and the server's stop signal."""

    seed: int
    stop: threading.Event = field(default_factory=threading.Event)
    vendors: dict[str, Vendor] = field(default_factory=dict)
    faults: Any = None  # the FaultState, set by the App once every vendor exists

    def settings(self, key: str) -> dict[str, Any]:
        """The effective fault settings of `key` (e.g. for a vendor's snapshot)."""
        return self.faults.effective(key)

    def now(self) -> datetime:
        return datetime.now(UTC)

    def sleep(self, seconds: float) -> None:
        """Sleep, but wake at once when the server stops (so shutdown stays quick)."""
        if seconds > 0:
            self.stop.wait(seconds)

    def monotonic(self) -> float:
        return time.monotonic()


class Vendor:
    """A vendor's routes, its state and its own shape for each injected fault.

    Subclasses set `name` (URL prefix and fault key), `extras` (vendor-specific
    fault settings), register routes in `register` and override the `*_response`
    builders with the vendor's real error shapes.
    """

    name = ""
    extras: dict[str, Field] = {}

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.lock = threading.Lock()
        self.router = Router()
        self.register(self.router)
        self.reset()

    def register(self, router: Router) -> None:
        raise NotImplementedError

    def reset(self) -> None:
        """Forget buckets, quotas, sessions and recorded calls (control `reset`)."""

    def snapshot(self) -> dict[str, Any]:
        """Live limiter/session state for `GET /_control/state`."""
        return {}

    def fault_key(self, req: Request) -> str:
        return self.name

    def not_found(self, req: Request) -> Response:
        return json_response(404, {"error": "Not Found"})

    def method_not_allowed(self, req: Request, allowed: frozenset[str]) -> Response:
        resp = json_response(405, {"error": "Method Not Allowed"})
        return resp.with_headers({"Allow": ", ".join(sorted(allowed))})

    def error_response(self, req: Request) -> Response:
        return json_response(500, {"error": "Internal Server Error"})

    def outage_response(self, req: Request) -> Response:
        return text_response(503, "Service Unavailable")

    def throttle_response(self, req: Request) -> Response:
        return json_response(429, {"error": "Too Many Requests"}, {"Retry-After": "1"})

    def auth_failure_response(self, req: Request) -> Response:
        return json_response(401, {"error": "Unauthorized"})
