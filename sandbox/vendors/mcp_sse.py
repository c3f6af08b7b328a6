"""Legacy HTTP+SSE MCP servers (protocol 2024-11-05): `GET /mcp/{server}/sse` + `POST …/messages`.

Spec: modelcontextprotocol docs/specification/2024-11-05/basic/transports.mdx
("HTTP with SSE"); the shape follows python-sdk `src/mcp/server/sse.py`:
- GET `/{server}/sse` opens a `text/event-stream` (chunked, held open); its first
  event is `event: endpoint` with `data: messages?session_id=<hex>` (a URI
  relative to the SSE URL).
- POST `/{server}/messages?session_id=…` takes one JSON-RPC message and answers
  `202 Accepted`; the response goes out on that session's stream as
  `event: message`. 400 without or with a bad session id / body, 404 for an
  unknown session (its stream closed).
- The session ends when the client closes the stream.
Settings: `sse_transport` (false: both paths answer 404, like a server without
them), `sse_endpoint_event` (false: the stream opens but never names its
endpoint), `sse_responses` (false: messages are accepted but never answered),
`sse_pad_bytes` (pads each response event, to exercise the byte cap).
"""

from __future__ import annotations

import queue
import secrets
from collections.abc import Iterator
from dataclasses import dataclass

from ..wire import Request, Response, dumps, json_response, text_response
from .mcp_rpc import RpcError, rpc_result

LEGACY_VERSION = "2024-11-05"
IDLE_TICK_S = 0.1  # how often an idle stream checks that its client is still there


@dataclass
class StreamResponse(Response):
    """A response the server writes as it comes (chunked): `action="stream"`.

    `chunks` yields bytes to send; an empty chunk is an idle tick on which the
    server checks that the client is still connected. The server closes the
    iterator when the client leaves or the server stops.
    """

    chunks: Iterator[bytes] | None = None


def sse_event(event: str, data: str | bytes) -> bytes:
    text = data.decode("utf-8") if isinstance(data, bytes) else data
    lines = "".join(f"data: {line}\n" for line in text.split("\n"))
    return f"event: {event}\n{lines}\n".encode()


class LegacySseMixin:
    """Mixed into the MCP vendor: the two routes of the old transport."""

    def sse_stream(self, req: Request) -> Response:
        refused = self.guard(req) or _disabled(req)
        if refused:
            return refused
        sid = secrets.token_hex(16)
        headers = [("Content-Type", "text/event-stream"), ("Cache-Control", "no-cache")]
        events = self._sse_events(req, req.params["server"], sid)
        return StreamResponse(200, headers=headers, action="stream", chunks=events)

    def _sse_events(self, req: Request, server: str, sid: str) -> Iterator[bytes]:
        outbox: queue.Queue[bytes] = queue.Queue()
        with self.lock:
            self.sse_sessions[sid] = {"server": server, "outbox": outbox, "initialized": False}
        try:
            if req.settings["sse_endpoint_event"]:
                yield sse_event("endpoint", f"messages?session_id={sid}")
            while not self.ctx.stop.is_set():
                try:
                    yield sse_event("message", outbox.get(timeout=IDLE_TICK_S))
                except queue.Empty:
                    yield b""
        finally:
            with self.lock:
                self.sse_sessions.pop(sid, None)

    def sse_message(self, req: Request) -> Response:
        refused = self.guard(req) or _disabled(req)
        if refused:
            return refused
        sid = req.arg("session_id")
        if not sid:
            return text_response(400, "session_id is required")
        with self.lock:
            session = self.sse_sessions.get(sid)
        if session is None or session["server"] != req.params["server"]:
            return text_response(404, "Could not find session")
        try:
            message = req.json()
        except ValueError:
            return text_response(400, "Could not parse message")
        if not isinstance(message, dict) or message.get("jsonrpc") != "2.0":
            return text_response(400, "Could not parse message")
        answer = self._legacy_answer(req, session, message)
        if answer is not None and req.settings["sse_responses"]:
            pad = req.settings["sse_pad_bytes"]
            if pad and "result" in answer:
                answer["result"]["_meta"] = {"padding": "x" * pad}
            session["outbox"].put(dumps(answer))
        return text_response(202, "Accepted")

    def _legacy_answer(self, req: Request, session: dict, message: dict) -> dict | None:
        """The JSON-RPC response to send on the stream (None for a notification)."""
        method, ident = message.get("method"), message.get("id")
        if "id" not in message or not isinstance(method, str):
            if method == "notifications/initialized":
                session["initialized"] = True
            return None
        if method == "initialize":
            return rpc_result(ident, self._legacy_initialize(req.params["server"]))
        if method == "ping":
            return rpc_result(ident, {})
        try:
            if method not in ("tools/list", "tools/call"):
                raise RpcError(200, ident, -32601, f"Method not found: {method}")
            params = message.get("params") or {}
            return rpc_result(
                ident, self.tools_method(req, req.params["server"], method, params, ident)
            )
        except RpcError as exc:
            return {
                "jsonrpc": "2.0",
                "id": ident,
                "error": {"code": exc.code, "message": exc.message},
            }

    @staticmethod
    def _legacy_initialize(server: str) -> dict:
        """A server still on this transport speaks its revision, whatever the client asks."""
        return {
            "protocolVersion": LEGACY_VERSION,
            "capabilities": {"tools": {"listChanged": True}},
            "serverInfo": {"name": f"{server}-sandbox-sse", "version": "0.9.0"},
        }


def _disabled(req: Request) -> Response | None:
    if req.settings["sse_transport"]:
        return None
    return json_response(404, {"error": "Not Found"})
