"""The sandbox application: routes a request to its vendor and applies injected faults.

Order of fault handling for a request that matched a vendor route:
1. `latency_ms`: sleep first (whatever happens next is late).
2. `outage`: `503` in the vendor's shape, a TCP reset, or a hang (`outage_mode`).
3. `error_rate`: with that probability (seeded RNG) the vendor's own 5xx.
4. `wrong_auth`: the vendor's real 401/403 although the credential is right.
5. `throttle`: the vendor's own throttle answer.
6. the vendor handler; then `malformed` turns its answer into a truncated 200.
"""

from __future__ import annotations

import sys
import time
import traceback
from email.message import Message

from .control import Control
from .faults import FaultState
from .vendors import (
    chatwoot,
    fly,
    ga4,
    llamaindex,
    mcp,
    publer,
    shopify,
    slack,
    supabase,
    supabase_mgmt,
)
from .vendors.base import Context, Vendor
from .wire import JSON_TYPE, Request, Response, json_response

VENDOR_CLASSES: list[type[Vendor]] = [
    shopify.Shopify,
    chatwoot.Chatwoot,
    ga4.GA4,
    supabase.Supabase,
    publer.Publer,
    slack.Slack,
    llamaindex.LlamaIndex,
    mcp.MCP,
    fly.Fly,
    supabase_mgmt.SupabaseMgmt,
]
BODY_LIMIT = 1024 * 1024
CONTROL_BODY_LIMIT = 64 * 1024


class App:
    """All vendors behind one port; the first path segment picks the vendor."""

    def __init__(self, seed: int = 42) -> None:
        self.seed = seed
        self.started = time.time()
        self.ctx = Context(seed=seed)
        self.vendors: dict[str, Vendor] = {}
        for cls in VENDOR_CLASSES:
            self.vendors[cls.name] = self.ctx.vendors[cls.name] = cls(self.ctx)
        fields = {name: vendor.extras for name, vendor in self.vendors.items()}
        parents = {f"mcp/{server}": "mcp" for server in mcp.SERVERS}
        self.faults = self.ctx.faults = FaultState(fields, parents, seed)
        self.control = Control(self)

    @staticmethod
    def body_limit(path: str) -> int:
        return CONTROL_BODY_LIMIT if path.startswith("/_control") else BODY_LIMIT

    def reset(self) -> None:
        """Clear every fault and every vendor's limiter, session and recording state."""
        self.faults.reset()
        for vendor in self.vendors.values():
            vendor.reset()

    def handle(self, method: str, path: str, raw_query: str, headers: Message, body: bytes):
        """Answer one request. Never raises: a handler crash becomes a 500 JSON body."""
        prefix, _, rest = path.lstrip("/").partition("/")
        req = Request(method, "/" + rest, raw_query, headers, body)
        try:
            if prefix == "_control":
                return self.control.handle(req)
            vendor = self.vendors.get(prefix)
            if vendor is None:
                return json_response(404, {"error": "not_found", "detail": f"no vendor {prefix!r}"})
            return self._vendor_call(vendor, req)
        except Exception as exc:  # a sandbox bug must not kill the connection thread
            traceback.print_exc(file=sys.stderr)
            return json_response(500, {"error": "sandbox_internal_error", "detail": repr(exc)})

    def _vendor_call(self, vendor: Vendor, req: Request) -> Response:
        match = vendor.router.match(req.method, req.path)
        if match is None:
            return vendor.not_found(req)
        if match.handler is None:
            return vendor.method_not_allowed(req, match.allowed)
        req.params = match.params
        req.fault_key = vendor.fault_key(req)
        req.settings = settings = self.faults.effective(req.fault_key)
        self.ctx.sleep(settings["latency_ms"] / 1000)
        fault = self._fault_response(vendor, req, settings)
        if fault is not None:
            return fault
        resp = match.handler(req)
        return malform(resp) if settings["malformed"] else resp

    def _fault_response(self, vendor: Vendor, req: Request, settings: dict) -> Response | None:
        if settings["outage"]:
            mode = settings["outage_mode"]
            if mode == "503":
                return vendor.outage_response(req)
            return Response(0, action=mode, hang_s=settings["hang_ms"] / 1000)
        if self.faults.roll(settings["error_rate"]):
            return vendor.error_response(req)
        if settings["wrong_auth"]:
            return vendor.auth_failure_response(req)
        if settings["throttle"]:
            return vendor.throttle_response(req)
        return None


def malform(resp: Response) -> Response:
    """A 200 whose body is the first half of the real one (or HTML when there was none)."""
    if len(resp.body) > 1:
        body = resp.body[: len(resp.body) // 2]
    else:
        body = b"<html><body><h1>502 Bad Gateway</h1>"
    headers = [(k, v) for k, v in resp.headers if k.lower() != "content-type"]
    headers.append(("Content-Type", resp.header("Content-Type") or JSON_TYPE))
    return Response(200, body, headers)
