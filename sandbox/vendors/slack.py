"""Slack incoming webhooks under `/slack/services/{T}/{B}/{secret}` (vendor-contracts.md §7).

Answers are plain text: `ok`, `400 invalid_payload`, `400 no_text`, `404 no_service`
(revoked URL, slackapi/slack-github-action#249), `429` + Retry-After at about one
message per second per webhook with short bursts
(docs.slack.dev/apis/web-api/rate-limits). The secret `revoked` is always dead.
Accepted messages are recorded for `GET /_control/slack/messages`.
"""

from __future__ import annotations

import json
import math
from urllib.parse import parse_qs

from ..faults import Field
from ..limits import LeakyBucket
from ..router import Router
from ..wire import Request, Response, text_response
from .base import Vendor

REVOKED_SECRET = "revoked"


class Slack(Vendor):
    name = "slack"
    extras = {
        "revoked": Field("bool", False),
        "rate_per_s": Field("float", 1.0, 0.01, 1_000.0),
        "burst": Field("int", 5, 1, 1_000),
    }

    def register(self, router: Router) -> None:
        router.add("POST", "/services/{team}/{bot}/{secret}", self.webhook)

    def reset(self) -> None:
        with self.lock:
            self._buckets: dict[str, LeakyBucket] = {}
            self._messages: list[dict] = []

    def messages(self) -> list[dict]:
        with self.lock:
            return list(self._messages)

    def clear_messages(self) -> None:
        with self.lock:
            self._messages.clear()

    def not_found(self, req: Request) -> Response:
        return text_response(404, "no_service")

    def auth_failure_response(self, req: Request) -> Response:
        return text_response(403, "invalid_token")

    def error_response(self, req: Request) -> Response:
        return text_response(500, "rollup_error")

    def outage_response(self, req: Request) -> Response:
        return text_response(503, "service_unavailable", {"Retry-After": "5"})

    def throttle_response(self, req: Request) -> Response:
        return text_response(429, "rate_limited", {"Retry-After": "1"})

    def _bucket(self, hook: str, settings: dict) -> LeakyBucket:
        with self.lock:
            bucket = self._buckets.get(hook)
            if bucket is None:
                bucket = self._buckets[hook] = LeakyBucket(
                    settings["burst"], settings["rate_per_s"]
                )
        bucket.configure(settings["burst"], settings["rate_per_s"])
        return bucket

    @staticmethod
    def _payload(req: Request):
        """The message object: a JSON body, or the `payload` form field Slack also accepts."""
        if "x-www-form-urlencoded" in (req.header("Content-Type") or ""):
            form = parse_qs(req.body.decode("utf-8", "replace"))
            return json.loads(form.get("payload", [""])[0])
        return req.json()

    def webhook(self, req: Request) -> Response:
        """`ok`, or Slack's plain-text error for a dead hook, the rate limit or a bad body."""
        p = req.params
        if p["secret"] == REVOKED_SECRET or req.settings["revoked"]:
            return text_response(404, "no_service")
        hook = f"{p['team']}/{p['bot']}/{p['secret']}"
        bucket = self._bucket(hook, req.settings)
        taken, _ = bucket.take(1)
        if not taken:
            retry = max(1, math.ceil(bucket.wait_time(1)))
            return text_response(429, "rate_limited", {"Retry-After": str(retry)})
        try:
            payload = self._payload(req)
        except ValueError:
            return text_response(400, "invalid_payload")
        if not isinstance(payload, dict):
            return text_response(400, "invalid_payload")
        if "blocks" in payload and not isinstance(payload["blocks"], list):
            return text_response(400, "invalid_blocks")
        if not (payload.get("text") or payload.get("blocks") or payload.get("attachments")):
            return text_response(400, "no_text")
        with self.lock:
            self._messages.append(
                {
                    "team": p["team"],
                    "bot": p["bot"],
                    "payload": payload,
                    "received_at": self.ctx.now().isoformat(),
                }
            )
        return text_response(200, "ok")
