"""The Supabase Management API under `/supabase-mgmt`: a project's status, pause and restore.

Wire facts (supabase.com/docs/reference/api; status values as in supabase/cli's
generated `V1ProjectWithDatabaseResponseStatus`):
- `Authorization: Bearer <personal access token>`; errors are `{"message": "..."}`.
- `GET /v1/projects/{ref}` → `{id, ref, organization_id, name, region,
  created_at, status, database: {host, version}}`; `status` is ACTIVE_HEALTHY,
  INACTIVE (paused), PAUSING, RESTORING, COMING_UP, ACTIVE_UNHEALTHY, … .
- `POST /v1/projects/{ref}/restore` (body `{}`) restores a paused project;
  `POST /v1/projects/{ref}/pause` pauses an active one. Either, in the wrong
  state, is refused with 400 [!: the exact message is not confirmed].

Sandbox only: one project, `hotrodan` (the catalogue's `project_ref`).
Pausing it (this API, or `POST /_control/supabase-mgmt/pause`) sets the
`supabase` outage; restoring clears it at once, while the status reads
RESTORING for `restore_ms` before ACTIVE_HEALTHY. `restore_fault` drops the
restore's answer (action_faults).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from ..faults import Field
from ..router import Router
from ..wire import Request, Response, bearer_token, json_response
from . import action_faults
from .base import Vendor

TOKEN = "sandbox-supabase-access-token"
PROJECT_REF = "hotrodan"
PROJECT = {
    "id": PROJECT_REF,
    "ref": PROJECT_REF,
    "organization_id": "hotrodan-org",
    "name": "Hot Rod AN",
    "region": "us-east-1",
    "created_at": "2025-11-02T17:04:11.000Z",
    "database": {"host": f"db.{PROJECT_REF}.supabase.co", "version": "15.8.1.093"},
}


class SupabaseMgmt(Vendor):
    name = "supabase-mgmt"
    extras = {
        "restore_ms": Field("int", 0, 0, 600_000),
        "restore_fault": action_faults.field(),
    }

    def register(self, router: Router) -> None:
        router.add("GET", "/v1/projects/{ref}", self.project)
        router.add("POST", "/v1/projects/{ref}/restore", self.restore)
        router.add("POST", "/v1/projects/{ref}/pause", self.pause_call)

    def reset(self) -> None:
        with self.lock:
            self.paused = False
            self.restoring_until: datetime | None = None
            self.calls: list[dict] = []  # requests that reached a handler

    def snapshot(self) -> dict:
        with self.lock:
            calls = list(self.calls)
        return {"status": self.status(), "calls": calls}

    # Faults in the Management API's shape -----------------------------------------------
    def not_found(self, req: Request) -> Response:
        return json_response(404, {"message": "Not Found"})

    def auth_failure_response(self, req: Request) -> Response:
        return json_response(401, {"message": "Unauthorized"})

    def error_response(self, req: Request) -> Response:
        return json_response(500, {"message": "Internal Server Error"})

    def throttle_response(self, req: Request) -> Response:
        return json_response(429, {"message": "Too many requests"}, {"Retry-After": "1"})

    # The project --------------------------------------------------------------------------
    def status(self) -> str:
        with self.lock:
            if self.paused:
                return "INACTIVE"
            if self.restoring_until and self.ctx.now() < self.restoring_until:
                return "RESTORING"
            return "ACTIVE_HEALTHY"

    def pause(self) -> dict:
        """Pause the project (the data API goes down); returns the new status or a refusal."""
        status = self.status()
        if status != "ACTIVE_HEALTHY":
            return {"message": f"Project cannot be paused while {status}."}
        with self.lock:
            self.paused = True
        self.ctx.faults.update("supabase", {"outage": True})
        return {"status": self.status()}

    def _checked(self, req: Request) -> Response | None:
        """Record the call; the refusal for a bad token or an unknown project, else None."""
        with self.lock:
            self.calls.append({"method": req.method, "path": req.path})
        if bearer_token(req) != TOKEN:
            return self.auth_failure_response(req)
        if req.params["ref"] != PROJECT_REF:
            return json_response(404, {"message": "Project not found"})
        return None

    def project(self, req: Request) -> Response:
        refused = self._checked(req)
        return refused or json_response(200, {**PROJECT, "status": self.status()})

    def pause_call(self, req: Request) -> Response:
        refused = self._checked(req)
        if refused:
            return refused
        answer = self.pause()
        return json_response(400 if "message" in answer else 200, answer)

    def restore(self, req: Request) -> Response:
        """Restore the paused project: the `supabase` outage clears (see module doc)."""
        refused = self._checked(req)
        if refused:
            return refused
        if lost := action_faults.lost_answer(req, "restore_fault", done=False):
            return lost
        status = self.status()
        if status != "INACTIVE":
            return json_response(400, {"message": f"Project is not paused (status {status})."})
        with self.lock:
            self.paused = False
            self.restoring_until = self.ctx.now() + timedelta(
                milliseconds=req.settings["restore_ms"]
            )
        self.ctx.faults.update("supabase", {"outage": False})
        return action_faults.lost_answer(req, "restore_fault", done=True) or json_response(
            200, {"message": "Project is being restored."}
        )
