"""Publer API v1 under `/publer/api/v1` (https://publer.com/docs, vendor-contracts.md §6).

`Authorization: Bearer-API <key>` (literally `Bearer-API`), `Publer-Workspace-Id`
on everything but `/users/me` and `/workspaces`; errors `{"errors": [...]}`;
100 requests per 2 minutes per user with X-RateLimit-* headers and
`429 {"error": "Rate limit exceeded. Retry later."}`. Scheduling is async:
`{"job_id": …}` (200 or 202: the docs disagree, so it is a setting), then
`GET /job_status/{id}` until `{"status": "completed", "payload": {"failures": {}}}`.
"""

from __future__ import annotations

import secrets
import time
from datetime import UTC, datetime, timedelta

from ..faults import Field
from ..limits import FixedWindow
from ..router import Router
from ..wire import Request, Response, json_response
from .base import Vendor

API_KEY = "sandbox-publer-key"
WORKSPACE_ID = "665f2c1e8a0b4d0012ab34cd"
USER = {
    "id": "665f2b9d8a0b4d0012ab1234",
    "name": "Hot Rod AN Ops",
    "email": "ops@hotrodan.example",
    "picture": None,
    "time_zone": "America/Los_Angeles",
}
WORKSPACES = [{"id": WORKSPACE_ID, "name": "Hot Rod AN", "role": "owner", "plan": "business"}]
ACCOUNTS = [
    {
        "id": "66db83154e299efa19a2d8eb",
        "name": "Hot Rod AN",
        "provider": "facebook",
        "type": "page",
    },
    {
        "id": "66db83154e299efa19a2d8ec",
        "name": "@hotrodan",
        "provider": "instagram",
        "type": "business",
    },
    {
        "id": "66db83154e299efa19a2d8ed",
        "name": "Hot Rod AN",
        "provider": "youtube",
        "type": "channel",
    },
]
STATES = ("scheduled", "draft", "draft_private", "draft_public", "recurring")
POST_TYPES = ("status", "photo", "video", "link", "carousel", "pdf")


def _errors(status: int, *messages: str) -> Response:
    return json_response(status, {"errors": list(messages)})


class Publer(Vendor):
    name = "publer"
    extras = {
        "schedule_status": Field("int", 202, choices=(200, 202)),
        "job_delay_ms": Field("int", 500, 0, 600_000),
        "job_failure": Field("bool", False),
        "rate_limit": Field("int", 100, 1, 100_000),
        "rate_window_s": Field("float", 120.0, 0.1, 86_400.0),
    }

    def register(self, router: Router) -> None:
        router.add("GET", "/api/v1/users/me", self.me)
        router.add("GET", "/api/v1/workspaces", self.workspaces)
        router.add("GET", "/api/v1/accounts", self.accounts)
        router.add("POST", "/api/v1/posts/schedule", self.schedule)
        router.add("POST", "/api/v1/posts/schedule/publish", self.publish)
        router.add("GET", "/api/v1/job_status/{job_id}", self.job_status)

    def reset(self) -> None:
        with self.lock:
            self.window = FixedWindow()
            self._jobs: dict[str, dict] = {}

    def snapshot(self) -> dict:
        with self.lock:
            return {"jobs": len(self._jobs)}

    # Faults in Publer's shapes --------------------------------------------------------------
    def auth_failure_response(self, req: Request) -> Response:
        return _errors(401, "Invalid API key")

    def error_response(self, req: Request) -> Response:
        return _errors(500, "Internal server error")

    def throttle_response(self, req: Request) -> Response:
        reset = int(time.time() + req.settings["rate_window_s"])
        return self._rate_limited(req.settings["rate_limit"], reset)

    @staticmethod
    def _rate_limited(limit: int, reset: int) -> Response:
        headers = {
            "X-RateLimit-Limit": str(limit),
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset": str(reset),
            "Retry-After": str(max(1, reset - int(time.time()))),
        }
        return json_response(429, {"error": "Rate limit exceeded. Retry later."}, headers)

    # Auth, workspace and rate limit, in that order ------------------------------------------
    def _guard(self, req: Request, workspace: bool = True) -> tuple[dict, Response | None]:
        """(rate-limit headers, refusal or None) for an API call."""
        header = req.header("Authorization") or ""
        if (
            not header.startswith("Bearer-API ")
            or header.removeprefix("Bearer-API ").strip() != API_KEY
        ):
            return {}, self.auth_failure_response(req)
        settings = req.settings
        allowed, remaining, reset = self.window.hit(
            settings["rate_limit"], settings["rate_window_s"]
        )
        if not allowed:
            return {}, self._rate_limited(settings["rate_limit"], int(reset))
        headers = {
            "X-RateLimit-Limit": str(settings["rate_limit"]),
            "X-RateLimit-Remaining": str(remaining),
            "X-RateLimit-Reset": str(int(reset)),
        }
        if workspace:
            ws = req.header("Publer-Workspace-Id")
            if not ws:
                return headers, _errors(400, "Missing Publer-Workspace-Id header").with_headers(
                    headers
                )
            if ws != WORKSPACE_ID:
                return headers, _errors(
                    403, "You don't have access to this workspace"
                ).with_headers(headers)
        return headers, None

    def _simple(self, req: Request, payload, workspace: bool) -> Response:
        headers, refused = self._guard(req, workspace)
        return refused or json_response(200, payload, headers)

    def me(self, req: Request) -> Response:
        return self._simple(req, USER, workspace=False)

    def workspaces(self, req: Request) -> Response:
        return self._simple(req, WORKSPACES, workspace=False)

    def accounts(self, req: Request) -> Response:
        return self._simple(req, ACCOUNTS, workspace=True)

    def schedule(self, req: Request) -> Response:
        return self._submit(req, publish_now=False)

    def publish(self, req: Request) -> Response:
        return self._submit(req, publish_now=True)

    def _submit(self, req: Request, publish_now: bool) -> Response:
        headers, refused = self._guard(req)
        if refused:
            return refused
        problems = self._validate(req, publish_now)
        if problems:
            return _errors(400, *problems).with_headers(headers)
        job_id = secrets.token_hex(12)
        accounts = [a["id"] for p in req.json()["bulk"]["posts"] for a in p["accounts"]]
        with self.lock:
            self._jobs[job_id] = {
                "done_at": time.monotonic() + req.settings["job_delay_ms"] / 1000,
                "accounts": accounts,
                "fail": req.settings["job_failure"],
            }
        return json_response(req.settings["schedule_status"], {"job_id": job_id}, headers)

    def _validate(self, req: Request, publish_now: bool) -> list[str]:
        """Problems with a bulk body; `scheduled_at` must be ≥ 1 minute ahead (docs: scheduled posts)."""
        try:
            bulk = req.json()["bulk"]
            posts = bulk["posts"]
            assert isinstance(posts, list) and posts
        except (ValueError, KeyError, TypeError, AssertionError):
            return ["bulk.posts is required"]
        state = bulk.get("state", "scheduled")
        if state not in STATES:
            return [f"Invalid state: {state}"]
        timed = not publish_now and state in ("scheduled", "recurring")
        known = {a["id"] for a in ACCOUNTS}
        earliest = datetime.now(UTC) + timedelta(minutes=1)
        problems = []
        for i, post in enumerate(posts):
            problems += self._post_problems(i, post, known, earliest, timed)
        return problems

    @staticmethod
    def _post_problems(i: int, post, known: set, earliest: datetime, timed: bool) -> list[str]:
        if (
            not isinstance(post, dict)
            or not isinstance(post.get("networks"), dict)
            or not post["networks"]
        ):
            return [f"posts[{i}].networks is required"]
        problems = [
            f"posts[{i}].networks.{n}: invalid type {c.get('type')!r}"
            for n, c in post["networks"].items()
            if not isinstance(c, dict) or c.get("type") not in POST_TYPES
        ]
        accounts = post.get("accounts")
        if not isinstance(accounts, list) or not accounts:
            return problems + [f"posts[{i}].accounts is required"]
        for account in accounts:
            if not isinstance(account, dict) or account.get("id") not in known:
                problems.append(f"posts[{i}]: unknown account {account!r}")
            elif timed:
                problems += _schedule_problems(i, account.get("scheduled_at"), earliest)
        return problems

    def job_status(self, req: Request) -> Response:
        headers, refused = self._guard(req)
        if refused:
            return refused
        with self.lock:
            job = self._jobs.get(req.params["job_id"])
        if job is None:
            return _errors(404, "Job not found").with_headers(headers)
        if time.monotonic() < job["done_at"]:
            return json_response(200, {"status": "working", "payload": {}}, headers)
        failures = (
            {a: ["Daily post limit reached for this network"] for a in job["accounts"]}
            if job["fail"]
            else {}
        )
        return json_response(
            200, {"status": "completed", "payload": {"failures": failures}}, headers
        )


def _schedule_problems(i: int, raw, earliest: datetime) -> list[str]:
    try:
        when = datetime.fromisoformat(str(raw).replace("Z", "+00:00"))
    except ValueError:
        return [f"posts[{i}]: scheduled_at must be ISO 8601 with a zone offset"]
    if when.tzinfo is None:
        return [f"posts[{i}]: scheduled_at must be ISO 8601 with a zone offset"]
    if when < earliest:
        return [f"posts[{i}]: scheduled_at must be at least 1 minute in the future"]
    return []
