"""MCP servers over Streamable HTTP at `/mcp/{server}/mcp` (vendor-contracts.md §8).

Default protocol 2025-11-25 (stateful): `initialize` returns `MCP-Session-Id`,
which every later request must carry (400 without, 404 when unknown);
notifications get 202 with no body; DELETE ends the session; GET is 405.
Per server, `protocol: "2026-07-28"` switches to the stateless revision:
`server/discover`, `params._meta` + `MCP-Protocol-Version`/`Mcp-Method`/`Mcp-Name`
headers, and `initialize` refused with 400 / -32022.
Spec: modelcontextprotocol docs/specification/{2025-11-25,2026-07-28}/basic/transports.
Each server also speaks the legacy HTTP+SSE transport (2024-11-05) at
`/mcp/{server}/sse` and `/mcp/{server}/messages` (mcp_sse.py).
"""

from __future__ import annotations

import re
import secrets
import time

from ..faults import Field
from ..router import Router
from ..wire import Request, Response, bearer_token, dumps, empty_response, json_response
from .base import Vendor
from .mcp_rpc import RpcError, rpc_error, rpc_result
from .mcp_sse import LegacySseMixin
from .mcp_stateless import StatelessMixin
from .mcp_tools import SERVERS, check_names, check_patches, check_tool_list

LATEST_STATEFUL = "2025-11-25"
STATEFUL_VERSIONS = ("2025-11-25", "2025-06-18", "2025-03-26")
TOKEN = "sandbox-mcp-token"
_LOCAL_ORIGIN = re.compile(r"https?://(localhost|127\.0\.0\.1|\[::1\])(:\d+)?")

__all__ = ["MCP", "SERVERS"]


class MCP(LegacySseMixin, StatelessMixin, Vendor):
    name = "mcp"
    extras = {
        "protocol": Field("str", LATEST_STATEFUL, choices=(LATEST_STATEFUL, "2026-07-28")),
        "page_size": Field("int", 5, 1, 100),
        "sse": Field("bool", False),  # answer requests as text/event-stream instead of JSON
        "require_auth": Field("bool", False),  # Authorization: Bearer sandbox-mcp-token
        "allowed_origins": Field("list", [], check=check_names),
        "tools_add": Field("list", [], check=check_tool_list),
        "tools_remove": Field("list", [], check=check_names),
        "tools_patch": Field("dict", {}, check=check_patches),
        # the legacy HTTP+SSE transport (mcp_sse.py)
        "sse_transport": Field("bool", True),  # false: /sse and /messages answer 404
        "sse_endpoint_event": Field("bool", True),  # false: the stream never names its endpoint
        "sse_pad_bytes": Field("int", 0, 0, 4 * 1024 * 1024),  # pad each response event
        "sse_responses": Field("bool", True),  # false: messages get 202, answers never come
    }

    def register(self, router: Router) -> None:
        router.add("GET POST DELETE", "/{server}/mcp", self.endpoint)
        router.add("GET", "/{server}/sse", self.sse_stream)
        router.add("POST", "/{server}/messages", self.sse_message)

    def reset(self) -> None:
        with self.lock:
            self.sessions: dict[str, dict] = {}
            self.sse_sessions: dict[str, dict] = {}

    def snapshot(self) -> dict:
        with self.lock:
            return {"sessions": len(self.sessions), "sse_streams": len(self.sse_sessions)}

    def fault_key(self, req: Request) -> str:
        server = req.params.get("server")
        return f"mcp/{server}" if server in SERVERS else self.name

    # Faults ---------------------------------------------------------------------------------
    def auth_failure_response(self, req: Request) -> Response:
        meta = f'Bearer resource_metadata="/mcp/{req.params.get("server")}/.well-known/oauth-protected-resource"'
        body = {"error": "invalid_token", "error_description": "Missing or invalid access token"}
        return json_response(401, body, {"WWW-Authenticate": meta})

    def error_response(self, req: Request) -> Response:
        return rpc_error(500, _request_id(req), -32603, "Internal error")

    def outage_response(self, req: Request) -> Response:
        return rpc_error(503, _request_id(req), -32000, "Service unavailable")

    def throttle_response(self, req: Request) -> Response:
        return rpc_error(429, _request_id(req), -32000, "Rate limit exceeded").with_headers(
            {"Retry-After": "1"}
        )

    # Transport ------------------------------------------------------------------------------
    def guard(self, req: Request) -> Response | None:
        """The refusal for an unknown server, a foreign Origin or a missing token, else None."""
        server = req.params["server"]
        if server not in SERVERS:
            return json_response(
                404, {"error": f"unknown MCP server {server!r}", "servers": list(SERVERS)}
            )
        origin = req.header("Origin")
        if origin and not (
            _LOCAL_ORIGIN.fullmatch(origin) or origin in req.settings["allowed_origins"]
        ):
            return rpc_error(403, None, -32600, f"Forbidden: origin {origin} is not allowed")
        if req.settings["require_auth"] and bearer_token(req) != TOKEN:
            return self.auth_failure_response(req)
        return None

    def endpoint(self, req: Request) -> Response:
        server = req.params["server"]
        refused = self.guard(req)
        if refused:
            return refused
        stateless = req.settings["protocol"] != LATEST_STATEFUL
        if req.method == "GET" or (req.method == "DELETE" and stateless):
            allow = "POST" if stateless else "POST, DELETE"
            return rpc_error(405, None, -32000, "Method not allowed").with_headers({"Allow": allow})
        if req.method == "DELETE":
            return self._delete(req, server)
        try:
            message = self._message(req)
            if stateless:
                return self.stateless(req, server, message)
            return self._stateful(req, server, message)
        except RpcError as exc:
            return exc.response()

    def _message(self, req: Request) -> dict:
        """The single JSON-RPC message of a POST. Raises RpcError (406/415/400)."""
        accept = req.header("Accept") or ""
        if "application/json" not in accept or "text/event-stream" not in accept:
            raise RpcError(
                406,
                None,
                -32600,
                "Not Acceptable: Accept must include application/json and text/event-stream",
            )
        if "application/json" not in (req.header("Content-Type") or ""):
            raise RpcError(
                415, None, -32600, "Unsupported Media Type: Content-Type must be application/json"
            )
        try:
            message = req.json()
        except ValueError:
            raise RpcError(400, None, -32700, "Parse error") from None
        if isinstance(message, list):
            raise RpcError(400, None, -32600, "Invalid Request: batching is not supported")
        valid = (
            isinstance(message, dict)
            and message.get("jsonrpc") == "2.0"
            and (
                isinstance(message.get("method"), str) or "result" in message or "error" in message
            )
        )
        if not valid:
            ident = message.get("id") if isinstance(message, dict) else None
            raise RpcError(400, ident, -32600, "Invalid Request")
        return message

    def _session(self, req: Request, server: str) -> str:
        sid = req.header("Mcp-Session-Id")
        if not sid:
            raise RpcError(400, None, -32600, "Bad Request: Mcp-Session-Id header is required")
        with self.lock:
            session = self.sessions.get(sid)
        if session is None or session["server"] != server:
            raise RpcError(404, None, -32001, "Session not found")
        return sid

    def _delete(self, req: Request, server: str) -> Response:
        try:
            sid = self._session(req, server)
        except RpcError as exc:
            return exc.response()
        with self.lock:
            self.sessions.pop(sid, None)
        return empty_response(200)

    def _stateful(self, req: Request, server: str, message: dict) -> Response:
        version = req.header("MCP-Protocol-Version")
        if version and version not in STATEFUL_VERSIONS:
            raise RpcError(
                400,
                message.get("id"),
                -32600,
                f"Bad Request: unsupported protocol version {version}",
            )
        if message.get("method") == "initialize" and "id" in message:
            return self._initialize(req, server, message)
        sid = self._session(req, server)
        if "id" not in message or "method" not in message:  # a notification or a response
            if message.get("method") == "notifications/initialized":
                with self.lock:
                    self.sessions[sid]["initialized"] = True
            return empty_response(202)
        method, ident = message["method"], message["id"]
        if method == "ping":
            return self._reply(req, rpc_result(ident, {}))
        if method in ("tools/list", "tools/call"):
            result = self.tools_method(req, server, method, message.get("params") or {}, ident)
            return self._reply(req, rpc_result(ident, result))
        raise RpcError(200, ident, -32601, f"Method not found: {method}")

    def _initialize(self, req: Request, server: str, message: dict) -> Response:
        params = message.get("params") or {}
        requested = params.get("protocolVersion")
        version = requested if requested in STATEFUL_VERSIONS else LATEST_STATEFUL
        sid = secrets.token_hex(16)
        with self.lock:
            self.sessions[sid] = {
                "server": server,
                "version": version,
                "initialized": False,
                "created": time.time(),
                "client": params.get("clientInfo"),
            }
        result = {
            "protocolVersion": version,
            "capabilities": {"tools": {"listChanged": True}, "logging": {}},
            "serverInfo": {"name": f"{server}-sandbox", "version": "1.0.0"},
            "instructions": f"HotDash sandbox of the {server} MCP server.",
        }
        return self._reply(req, rpc_result(message["id"], result)).with_headers(
            {"MCP-Session-Id": sid}
        )

    def _reply(self, req: Request, payload: dict, status: int = 200) -> Response:
        """JSON, or one SSE `message` event when the `sse` setting is on."""
        if not req.settings["sse"]:
            return json_response(status, payload)
        body = b"event: message\ndata: " + dumps(payload) + b"\n\n"
        return Response(
            status, body, [("Content-Type", "text/event-stream"), ("Cache-Control", "no-cache")]
        )


def _request_id(req: Request):
    try:
        body = req.json()
        return body.get("id") if isinstance(body, dict) else None
    except ValueError:
        return None
