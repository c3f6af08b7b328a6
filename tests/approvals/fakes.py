"""Recording fake actions: they prove what was (and was not) performed.

`test.send` (live, 1 approval), `test.send2` (live, 2 approvals), `test.safe`
(safe). `perform` records each call in CALLS (and, when LOG_ENV names a file,
appends a line there, for worker processes); when VENDOR["url"] is set it also
POSTs there, so `responses` can count outbound calls.
"""

from __future__ import annotations

import json
import os
import time

import requests

from approvals import registry

LOG_ENV = "HOTDASH_FAKE_ACTION_LOG"
CALLS: list[tuple[dict, str]] = []
STATE = {"version": 1}
BEHAVIOUR = {"mode": "ok"}  # ok | fail | timeout | crash | block
RECONCILE: dict = {"answer": None}
VENDOR: dict = {"url": None}

SCHEMA = {
    "type": "object",
    "properties": {
        "conversation_id": {"type": "integer", "minimum": 1},
        "text": {"type": "string", "minLength": 1, "maxLength": 500},
        "integration": {"type": "string"},
    },
    "required": ["conversation_id", "text"],
    "additionalProperties": False,
}


def _log(line: str) -> None:
    path = os.environ.get(LOG_ENV)
    if path:
        with open(path, "a") as handle:
            handle.write(line + "\n")
            handle.flush()


def perform(params: dict, key: str) -> dict:
    mode = BEHAVIOUR["mode"]
    if mode == "fail":
        raise registry.ActionFailed("vendor refused: conversation closed")
    _log(json.dumps({"event": "start", "key": key}))
    if mode == "block":
        time.sleep(3600)  # a worker stuck mid-call, to be killed
    CALLS.append((params, key))
    if VENDOR["url"]:
        requests.post(VENDOR["url"], json=params, headers={"Idempotency-Key": key}, timeout=5)
    if mode == "timeout":
        raise registry.OutcomeUnknown("read timeout after the request was sent")
    if mode == "crash":
        raise RuntimeError("connection reset by peer")
    _log(json.dumps({"event": "done", "key": key}))
    return {"sent": True, "conversation_id": params["conversation_id"]}


def precondition(params: dict) -> dict:
    return {"conversation_version": STATE["version"]}


def reconcile(params: dict, key: str) -> dict | None:
    return RECONCILE["answer"]


def summary(params: dict, before: dict) -> list[tuple[str, str]]:
    return [("conversation", f"#{params['conversation_id']}"), ("reply", params["text"])]


def register_fakes() -> None:
    common = {
        "schema": SCHEMA,
        "perform": perform,
        "precondition": precondition,
        "reconcile": reconcile,
        "summary": summary,
        "target": lambda p: f"chatwoot.Conversation:{p['conversation_id']}",
        "integration": lambda p: p.get("integration", "chatwoot"),
        "replace": True,
    }
    registry.register("test.send", risk=registry.LIVE, required_approvals=1, **common)
    registry.register("test.send2", risk=registry.LIVE, required_approvals=2, **common)
    registry.register("test.safe", risk=registry.SAFE, **common)


def reset() -> None:
    CALLS.clear()
    STATE["version"] = 1
    BEHAVIOUR["mode"] = "ok"
    RECONCILE["answer"] = None
    VENDOR["url"] = None


def unregister_fakes() -> None:
    for name in ("test.send", "test.send2", "test.safe"):
        registry.unregister(name)
