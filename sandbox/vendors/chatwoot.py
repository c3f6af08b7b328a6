"""Chatwoot application API under `/chatwoot`.

Wire facts (vendor-contracts.md §3): auth header `api_access_token` (underscores;
`Authorization: Bearer` is not accepted, chatwoot/chatwoot#983); REST
`message_type` is an integer and timestamps are unix seconds; `GET /api` is
the unauthenticated health body (chatwoot `app/controllers/api_controller.rb`).
Conversations list: developers.chatwoot.com/api-reference/conversations/conversations-list
"""

from __future__ import annotations

import itertools
import time
from datetime import datetime

from .. import data
from ..faults import Field
from ..router import Router
from ..wire import Request, Response, json_response, text_response
from .base import Vendor

TOKEN = "sandbox-chatwoot-token"
VERSION = "4.7.0"
PAGE_SIZE = 25
STATUSES = ("open", "resolved", "pending", "snoozed")
ASSIGNEE_TYPES = ("me", "unassigned", "assigned", "all")
MESSAGE_TYPES = {"incoming": 0, "outgoing": 1, "activity": 2, "template": 3}


def _unix(moment: datetime | None) -> int | None:
    return int(moment.timestamp()) if moment else None


class Chatwoot(Vendor):
    name = "chatwoot"
    extras = {
        "queue_services": Field("str", "ok", choices=("ok", "failing")),
        "data_services": Field("str", "ok", choices=("ok", "failing")),
    }

    def register(self, router: Router) -> None:
        base = "/api/v1/accounts/{account:\\d+}/conversations"
        router.add("GET", "/api", self.health)
        router.add("GET", base, self.conversations)
        router.add("GET", base + "/meta", self.meta)
        router.add("POST", base + "/{conversation:\\d+}/messages", self.send_message)

    def reset(self) -> None:
        with self.lock:
            self._sent: list[dict] = []
            self._ids = itertools.count(900_000)

    def messages(self) -> list[dict]:
        with self.lock:
            return list(self._sent)

    def clear_messages(self) -> None:
        with self.lock:
            self._sent.clear()

    # Faults in Chatwoot's shapes ------------------------------------------------------------
    def auth_failure_response(self, req: Request) -> Response:
        return json_response(401, {"error": "Invalid Access Token"})

    def error_response(self, req: Request) -> Response:
        return json_response(500, {"status": 500, "error": "Internal Server Error"})

    def throttle_response(self, req: Request) -> Response:
        # rack-attack's default throttled answer (chatwoot config/initializers/rack_attack.rb)
        return text_response(429, "Retry later\n", {"Retry-After": "60"})

    def not_found(self, req: Request) -> Response:
        return json_response(404, {"error": "Resource could not be found"})

    # Endpoints ------------------------------------------------------------------------------
    def health(self, req: Request) -> Response:
        """Always 200: a failing dependency shows only in the body fields."""
        stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime())
        return json_response(
            200,
            {
                "version": VERSION,
                "timestamp": stamp,
                "queue_services": req.settings["queue_services"],
                "data_services": req.settings["data_services"],
            },
        )

    def _auth(self, req: Request) -> Response | None:
        token = req.header("api_access_token")
        if token is None:
            return json_response(
                401, {"errors": ["You need to sign in or sign up before continuing."]}
            )
        if token != TOKEN:
            return self.auth_failure_response(req)
        if int(req.params["account"]) != data.ACCOUNT_ID:
            return json_response(401, {"error": "You are not authorized to access this account"})
        return None

    def _filtered(self, req: Request, allow_all: bool) -> tuple[list, Response | None]:
        status = req.arg("status", "open")
        valid = STATUSES + (("all",) if allow_all else ())
        if status not in valid:
            return [], json_response(422, {"error": f"Invalid status '{status}'"})
        now = self.ctx.now()
        items = data.conversations(self.ctx.seed, now)
        if status != "all":
            items = [c for c in items if c.status(now) == status]
        if req.arg("inbox_id"):
            items = [c for c in items if str(c.inbox_id) == req.arg("inbox_id")]
        return items, None

    @staticmethod
    def _counts(items: list) -> dict:
        mine = sum(1 for c in items if c.assignee_id == data.ME_AGENT_ID)
        unassigned = sum(1 for c in items if c.assignee_id is None)
        return {
            "mine_count": mine,
            "unassigned_count": unassigned,
            "assigned_count": len(items) - unassigned,
            "all_count": len(items),
        }

    def meta(self, req: Request) -> Response:
        denied = self._auth(req)
        items, bad = self._filtered(req, allow_all=True) if not denied else ([], None)
        return denied or bad or json_response(200, {"meta": self._counts(items)})

    def conversations(self, req: Request) -> Response:
        """`data.meta` counts over the status filter; `payload` 25 per page by assignee_type."""
        denied = self._auth(req)
        if denied:
            return denied
        items, bad = self._filtered(req, allow_all=True)
        assignee_type = req.arg("assignee_type", "all")
        page = req.arg("page", "1")
        if bad or assignee_type not in ASSIGNEE_TYPES or not page.isdigit() or int(page) < 1:
            return bad or json_response(422, {"error": "Invalid assignee_type or page"})
        chosen = {
            "me": lambda c: c.assignee_id == data.ME_AGENT_ID,
            "unassigned": lambda c: c.assignee_id is None,
            "assigned": lambda c: c.assignee_id is not None,
            "all": lambda c: True,
        }[assignee_type]
        start = (int(page) - 1) * PAGE_SIZE
        selected = [c for c in items if chosen(c)][start : start + PAGE_SIZE]
        now = self.ctx.now()
        payload = [self._conversation(c, now) for c in selected]
        return json_response(200, {"data": {"meta": self._counts(items), "payload": payload}})

    def _conversation(self, c: data.Conversation, now: datetime) -> dict:
        sender = {"id": c.contact_id, "name": c.contact_name, "type": "contact"}
        assignee = None
        if c.assignee_id:
            assignee = {
                "id": c.assignee_id,
                "name": data.AGENTS[c.assignee_id],
                "type": "user",
                "availability_status": "online",
            }
        messages = [self._message(c.id * 10, c, c.first_message, 0, c.created_at)]
        replied = c.first_reply_at(now)
        if replied:
            messages.append(self._message(c.id * 10 + 1, c, c.reply, 1, replied))
        inbox_name, channel = data.INBOXES[c.inbox_id]
        return {
            "id": c.id,
            "account_id": data.ACCOUNT_ID,
            "inbox_id": c.inbox_id,
            "status": c.status(now),
            "priority": c.priority,
            "unread_count": 0 if replied else 1,
            "created_at": _unix(c.created_at),
            "timestamp": _unix(c.last_activity_at(now)),
            "first_reply_created_at": _unix(replied),
            "waiting_since": 0 if replied else _unix(c.created_at),
            "agent_last_seen_at": _unix(replied) or 0,
            "labels": [c.topic],
            "muted": False,
            "can_reply": True,
            "additional_attributes": {},
            "custom_attributes": {},
            "meta": {
                "sender": sender,
                "assignee": assignee,
                "channel": channel,
                "hmac_verified": False,
            },
            "messages": messages[-1:],
            "last_non_activity_message": messages[-1],
            "inbox_name": inbox_name,
        }

    @staticmethod
    def _message(mid: int, c: data.Conversation, content: str, kind: int, at: datetime) -> dict:
        return {
            "id": mid,
            "content": content,
            "message_type": kind,
            "content_type": "text",
            "created_at": _unix(at),
            "private": False,
            "conversation_id": c.id,
            "status": "sent",
            "sender_type": "Contact" if kind == 0 else "User",
        }

    def send_message(self, req: Request) -> Response:
        """Record the message; 200 with Chatwoot's message object (message_type as integer)."""
        denied = self._auth(req)
        if denied:
            return denied
        cid = int(req.params["conversation"])
        if all(c.id != cid for c in data.conversations(self.ctx.seed, self.ctx.now())):
            return self.not_found(req)
        try:
            body = req.json()
        except ValueError:
            return json_response(400, {"error": "Invalid JSON payload"})
        if not isinstance(body, dict) or not str(body.get("content") or "").strip():
            return json_response(422, {"errors": ["Content can't be blank"]})
        kind = MESSAGE_TYPES.get(body.get("message_type", "outgoing"))
        if kind is None:
            return json_response(
                422, {"error": f"'{body.get('message_type')}' is not a valid message_type"}
            )
        with self.lock:
            message = {
                "id": next(self._ids),
                "content": body["content"],
                "account_id": data.ACCOUNT_ID,
                "conversation_id": cid,
                "inbox_id": 1,
                "message_type": kind,
                "content_type": body.get("content_type", "text"),
                "content_attributes": body.get("content_attributes") or {},
                "private": bool(body.get("private", False)),
                "status": "sent",
                "created_at": int(time.time()),
                "source_id": None,
                "sender_type": "User",
                "sender": {
                    "id": data.ME_AGENT_ID,
                    "name": data.AGENTS[data.ME_AGENT_ID],
                    "type": "user",
                },
            }
            self._sent.append(message)
        return json_response(200, message)
