"""The Fly.io Machines API under `/fly`: list an app's Machines, read one, restart one.

Wire facts (fly.io/docs/machines/api/machines-resource; Machine fields as in
superfly/flyctl's machine types):
- `Authorization: Bearer <token>`; errors are `{"error": "..."}`.
- `GET /v1/apps/{app}/machines` → a JSON array of Machines: `id` (14 hex
  digits), `name`, `state` (created, starting, started, stopping, stopped,
  suspended, replacing, destroying, destroyed), `region`, `instance_id`,
  `private_ip`, `created_at`, `updated_at`, `config`, and `events` (newest
  first: `{type, status, source, timestamp}`, timestamp in unix milliseconds).
- `POST /v1/apps/{app}/machines/{id}/restart` → 200 `{"ok": true}`. A Machine
  that is not `started` is refused with 412 [!: status and text not confirmed].
- Unknown app or Machine → 404.

Sandbox only: the apps of the catalogue's Fly-hosted services exist (`APPS`),
each with `machines_per_app` Machines. A restart cycles the Machine's state
(`stopping` → `starting` → `started` over `restart_ms`) and clears the faults
of the service the app hosts, so an outage injected on LlamaIndex is fixed by
an approved restart. `restart_fault` drops the restart's answer (action_faults).
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

from ..faults import Field
from ..router import Router
from ..wire import Request, Response, bearer_token, json_response
from . import action_faults
from .base import Vendor

TOKEN = "sandbox-fly-token"
# Fly app → the sandbox fault key of the service it hosts (see integrations/catalogue.py).
APPS = {
    "hotrodan-rag": "llamaindex",
    "shopify-dev-mcp": "mcp/shopify-dev",
    "hotrodan-mcp-fly": "mcp/fly",
    "hotrodan-mcp-ga": "mcp/google-analytics",
    "hotrodan-rag-mcp": "mcp/llamaindex-rag",
}
REGIONS = ("iad", "ord", "lhr")
LAUNCHED = datetime(2026, 1, 5, 9, 30, tzinfo=UTC)


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def _event(kind: str, status: str, source: str, at: datetime) -> dict:
    return {"type": kind, "status": status, "source": source, "timestamp": _ms(at)}


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


class Fly(Vendor):
    name = "fly"
    extras = {
        "machines_per_app": Field("int", 2, 1, 10),
        "restart_ms": Field("int", 0, 0, 60_000),
        "restart_fault": action_faults.field(),
    }

    def register(self, router: Router) -> None:
        router.add("GET", "/v1/apps/{app}/machines", self.list_machines)
        router.add("GET", "/v1/apps/{app}/machines/{machine_id}", self.get_machine)
        router.add("POST", "/v1/apps/{app}/machines/{machine_id}/restart", self.restart)

    def reset(self) -> None:
        with self.lock:
            self.restarts: dict[str, list[datetime]] = {}  # machine id → restart times
            self.calls: list[dict] = []  # requests that reached a handler

    def snapshot(self) -> dict:
        count = self.ctx.settings(self.name)["machines_per_app"]
        apps = {app: [self._machine(app, i) for i in range(count)] for app in APPS}
        brief = {app: [(m["id"], m["state"]) for m in ms] for app, ms in apps.items()}
        with self.lock:
            restarts = {ident: len(times) for ident, times in self.restarts.items()}
            return {"apps": brief, "restarts": restarts, "calls": list(self.calls)}

    # Faults in Fly's shape ---------------------------------------------------------------
    def not_found(self, req: Request) -> Response:
        return json_response(404, {"error": "not found"})

    def auth_failure_response(self, req: Request) -> Response:
        return json_response(401, {"error": "unauthorized"})

    def error_response(self, req: Request) -> Response:
        return json_response(500, {"error": "internal server error"})

    def throttle_response(self, req: Request) -> Response:
        return json_response(429, {"error": "rate limited"}, {"Retry-After": "1"})

    # Machines ----------------------------------------------------------------------------
    def machine_id(self, app: str, index: int) -> str:
        digest = hashlib.sha256(f"{self.ctx.seed}:{app}:{index}".encode()).hexdigest()
        return digest[:14]

    def _machine(self, app: str, index: int) -> dict:
        ident = self.machine_id(app, index)
        with self.lock:
            restarts = list(self.restarts.get(ident, []))
        created = LAUNCHED.replace(minute=index)
        events = [
            _event("launch", "created", "user", created),
            _event("start", "started", "flyd", created + timedelta(seconds=2)),
            *(_event("restart", "restarting", "user", at) for at in restarts),
        ]
        return {
            "id": ident,
            "name": f"{app}-{index}",
            "state": self._state(restarts),
            "region": REGIONS[index % len(REGIONS)],
            "instance_id": f"01HV{ident.upper()}",
            "private_ip": f"fdaa:0:1:a7b:{index + 1}::2",
            "created_at": _iso(created),
            "updated_at": _iso(restarts[-1] if restarts else created),
            "config": {"image": f"registry.fly.io/{app}:deployment-1", "metadata": {}},
            "events": list(reversed(events)),
        }

    def _state(self, restarts: list[datetime]) -> str:
        """`started`, or where the last restart is in its `restart_ms` cycle."""
        cycle_s = self.ctx.settings(self.name)["restart_ms"] / 1000
        if not restarts or cycle_s <= 0:
            return "started"
        elapsed = (self.ctx.now() - restarts[-1]).total_seconds()
        if elapsed >= cycle_s:
            return "started"
        return "stopping" if elapsed < cycle_s / 2 else "starting"

    def _find(self, req: Request) -> tuple[str, int | None] | Response:
        """(app, index of the Machine or None), or the refusal to answer."""
        self._record(req)
        if bearer_token(req) != TOKEN:
            return self.auth_failure_response(req)
        app = req.params["app"]
        if app not in APPS:
            return json_response(404, {"error": f"app {app} not found"})
        if "machine_id" not in req.params:
            return app, None
        ids = [self.machine_id(app, i) for i in range(req.settings["machines_per_app"])]
        if req.params["machine_id"] not in ids:
            return json_response(404, {"error": "machine not found"})
        return app, ids.index(req.params["machine_id"])

    def _record(self, req: Request) -> None:
        with self.lock:
            self.calls.append({"method": req.method, "path": req.path})

    def list_machines(self, req: Request) -> Response:
        found = self._find(req)
        if isinstance(found, Response):
            return found
        app = found[0]
        return json_response(
            200, [self._machine(app, i) for i in range(req.settings["machines_per_app"])]
        )

    def get_machine(self, req: Request) -> Response:
        found = self._find(req)
        return found if isinstance(found, Response) else json_response(200, self._machine(*found))

    def restart(self, req: Request) -> Response:
        """Restart one started Machine; the hosted service's faults clear (see module doc)."""
        found = self._find(req)
        if isinstance(found, Response):
            return found
        app, index = found
        if lost := action_faults.lost_answer(req, "restart_fault", done=False):
            return lost
        state = self._machine(app, index)["state"]
        if state != "started":
            return json_response(412, {"error": f"machine is {state}, not started"})
        with self.lock:
            self.restarts.setdefault(self.machine_id(app, index), []).append(self.ctx.now())
        self.ctx.faults.clear(APPS[app])
        return action_faults.lost_answer(req, "restart_fault", done=True) or json_response(
            200, {"ok": True}
        )
