"""The control API under `/_control/`: fault settings, resets, recorded calls, state.

| method | path | what |
|---|---|---|
| GET | /_control/health | sandbox liveness, seed, vendor keys |
| GET | /_control/faults | every key's effective settings |
| GET PUT PATCH DELETE | /_control/faults/{key} | read, replace, merge or clear one key |
| POST | /_control/reset | clear all faults and all limiter/session/recording state |
| GET | /_control/state | live limiter state per vendor (buckets, quotas, sessions) |
| GET DELETE | /_control/slack/messages | messages the Slack webhooks accepted |
| GET DELETE | /_control/chatwoot/messages | messages sent through Chatwoot |
| POST | /_control/webhooks/deliver | deliver a signed Shopify/Chatwoot webhook (webhooks.py) |
| POST | /_control/supabase-mgmt/pause | pause the Supabase project (its data API goes down) |
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from .faults import FaultError
from .router import Router
from .webhooks import deliver as webhooks_deliver
from .wire import Request, Response, json_response

if TYPE_CHECKING:
    from .app import App


def _error(status: int, code: str, detail: str, **extra) -> Response:
    return json_response(status, {"error": code, "detail": detail, **extra})


class Control:
    def __init__(self, app: App) -> None:
        self.app = app
        self.router = Router()
        add = self.router.add
        add("GET", "/health", self.health)
        add("GET", "/faults", self.all_faults)
        add("GET PUT PATCH DELETE", "/faults/{key:[^/]+(?:/[^/]+)?}", self.faults)
        add("POST", "/reset", self.reset)
        add("GET", "/state", self.state)
        add("GET DELETE", "/{vendor:slack|chatwoot}/messages", self.messages)
        add("POST", "/webhooks/deliver", webhooks_deliver)
        add("POST", "/supabase-mgmt/pause", self.supabase_pause)

    def handle(self, req: Request) -> Response:
        match = self.router.match(req.method, req.path)
        if match is None:
            return _error(404, "not_found", f"no control endpoint {req.path!r}")
        if match.handler is None:
            allowed = ", ".join(sorted(match.allowed))
            return _error(405, "method_not_allowed", f"use one of: {allowed}")
        req.params = match.params
        return match.handler(req)

    def health(self, req: Request) -> Response:
        return json_response(
            200,
            {
                "status": "ok",
                "seed": self.app.seed,
                "uptime_s": round(time.time() - self.app.started, 3),
                "vendors": sorted(self.app.vendors),
                "fault_keys": self.app.faults.keys,
            },
        )

    def all_faults(self, req: Request) -> Response:
        return json_response(200, {"faults": self.app.faults.snapshot()})

    def faults(self, req: Request) -> Response:
        """Read (GET), replace (PUT), merge (PATCH) or clear (DELETE) one key's faults."""
        key, state = req.params["key"], self.app.faults
        if key not in state.keys:
            known = ", ".join(state.keys)
            return _error(404, "unknown_vendor", f"unknown vendor {key!r}; known: {known}")
        if req.method == "GET":
            return self._settings(key, state.effective(key))
        if req.method == "DELETE":
            return self._settings(key, state.clear(key))
        try:
            body = req.json() if req.body.strip() else {}
        except ValueError as exc:
            return _error(400, "invalid_json", f"body is not valid JSON: {exc}")
        try:
            return self._settings(key, state.update(key, body, replace=req.method == "PUT"))
        except FaultError as exc:
            return _error(400, "invalid_fault", exc.detail, field=exc.field)

    @staticmethod
    def _settings(key: str, settings: dict) -> Response:
        return json_response(200, {"vendor": key, "faults": settings})

    def reset(self, req: Request) -> Response:
        self.app.reset()
        return json_response(200, {"status": "reset", "faults": self.app.faults.snapshot()})

    def state(self, req: Request) -> Response:
        return json_response(200, {k: v.snapshot() for k, v in self.app.vendors.items()})

    def supabase_pause(self, req: Request) -> Response:
        answer = self.app.vendors["supabase-mgmt"].pause()
        return json_response(409 if "message" in answer else 200, answer)

    def messages(self, req: Request) -> Response:
        vendor = self.app.vendors[req.params["vendor"]]
        if req.method == "DELETE":
            vendor.clear_messages()
        return json_response(200, {"messages": vendor.messages()})
