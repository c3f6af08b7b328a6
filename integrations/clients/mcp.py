"""MCP client over Streamable HTTP (2025-11-25 stateful, or 2026-07-28 stateless) or legacy HTTP+SSE.

Spec: modelcontextprotocol docs/specification/2025-11-25/basic/{transports,lifecycle}.mdx
and 2026-07-28/basic/transports/streamable-http.mdx, server/discover.mdx
(vendor-contracts.md §8). Quirks kept here:
- Every POST carries `Accept: application/json, text/event-stream`; an answer
  may be one JSON object or an SSE stream whose `data:` lines are JSON-RPC
  messages, the response among them.
- 2025-11-25: `initialize`, then the `notifications/initialized` notification
  (202, no body); the `MCP-Session-Id` returned with the InitializeResult goes
  on every later request, with `MCP-Protocol-Version`. A 404 for a session
  means it expired: initialize again (once).
- A 2026-07-28 server refuses `initialize` (400 / -32022 listing the
  supported versions, or -32601): we then call `server/discover` and speak
  the stateless form, `params._meta` plus `MCP-Protocol-Version`, `Mcp-Method`
  and `Mcp-Name` headers on every request; it has no `ping`.
- Transport (`config.transport`): `streamable_http`, `sse` (the 2024-11-05
  HTTP+SSE transport, see mcp_sse.py) or `auto` (default). `auto` follows the
  spec's backwards compatibility (2025-03-26/basic/transports.mdx): POST
  `initialize` to the URL; a 4xx without a JSON-RPC error (405, 404, ...)
  means an older server, so GET the same URL expecting an SSE stream whose
  first event is `endpoint`.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from typing import Any

from integrations.http import (
    ConfigInvalid,
    ContractBroken,
    GatewayError,
    HttpResult,
    RequestRejected,
    refusal,
)

from .base import VendorClient
from .mcp_sse import SseSession, neither_transport, not_an_sse_server
from .mcp_wire import McpRpcError, find_response, rpc_error_of

# 2024-11-05 has the same lifecycle; servers still on HTTP+SSE often speak only it.
STATEFUL_VERSIONS = ("2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05")
TRANSPORTS = ("auto", "streamable_http", "sse")
STATELESS_VERSION = "2026-07-28"
CLIENT_INFO = {"name": "hotdash", "version": "1.0.0"}
MAX_TOOL_PAGES = 20


class McpClient(VendorClient):
    """One MCP conversation. `connect()` first; then `ping`, `list_tools`, `call_tool`."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.session_id: str | None = None
        self.protocol_version: str | None = None
        self.stateless = False
        self.server_info: dict[str, Any] = {}
        self.transport: str | None = None  # "streamable_http" or "sse", once connected
        self._sse: SseSession | None = None
        self._ids = itertools.count(1)

    def __enter__(self) -> McpClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @property
    def endpoint(self) -> str:
        return self.url(str(self.config.get("endpoint_path", "/mcp")))

    @property
    def wanted_version(self) -> str:
        return str(self.config.get("protocol_version", STATEFUL_VERSIONS[0]))

    # -- lifecycle ----------------------------------------------------------------------

    @property
    def transport_setting(self) -> str:
        """`config.transport`; raises ConfigInvalid for an unknown value."""
        value = str(self.config.get("transport", "auto"))
        if value not in TRANSPORTS:
            raise ConfigInvalid(
                f"config.transport must be one of {', '.join(TRANSPORTS)}: {value!r}"
            )
        return value

    def connect(self) -> dict[str, Any]:
        """Open the session; returns the server's description (InitializeResult or discover).

        1. `sse`: GET the stream, wait for its endpoint, then initialize over it.
        2. Otherwise initialize over Streamable HTTP (discover, for a stateless server).
        3. `auto` only: when that POST is refused with a plain 4xx, go to 1; if the
           GET is refused too, raise naming both answers.
        Close the client afterwards (`close()`, or use it as a context manager).
        """
        setting = self.transport_setting
        if setting == "sse":
            return self._connect_sse()
        try:
            return self._connect_streamable()
        except RequestRejected as exc:
            if setting != "auto":
                raise
            return self._connect_sse(refused_post=exc)

    def _connect_streamable(self) -> dict[str, Any]:
        self.transport = "streamable_http"
        try:
            return self._initialize()
        except McpRpcError as exc:
            if not _server_is_stateless(exc):
                raise
        return self._discover()

    def _connect_sse(self, refused_post: GatewayError | None = None) -> dict[str, Any]:
        self.transport = "sse"
        self._sse = SseSession(self.gateway, self.endpoint, self._auth_headers())
        try:
            self._sse.open()
        except GatewayError as exc:
            if refused_post is None or not not_an_sse_server(exc):
                raise
            raise neither_transport(refused_post, exc) from None
        return self._initialize()

    def _initialize(self) -> dict[str, Any]:
        self.session_id, self.protocol_version, self.stateless = None, None, False
        params = {
            "protocolVersion": self.wanted_version,
            "capabilities": {},
            "clientInfo": CLIENT_INFO,
        }
        result, http = self._call("initialize", params, expect={200, 400, 404})
        version = result.get("protocolVersion")
        if version not in STATEFUL_VERSIONS:
            raise ContractBroken(f"MCP server offers protocol {version!r}, which we do not speak")
        self.protocol_version = version
        self.session_id = http.headers.get("MCP-Session-Id") if http else None
        self.server_info = self._scrubbed_info(result.get("serverInfo"))
        self._notify("notifications/initialized")
        return result

    def _discover(self) -> dict[str, Any]:
        self.stateless, self.protocol_version, self.session_id = True, STATELESS_VERSION, None
        result, _ = self._call("server/discover", {})
        if STATELESS_VERSION not in (result.get("supportedVersions") or []):
            raise ContractBroken("MCP server/discover does not offer 2026-07-28")
        meta = result.get("_meta") or {}
        self.server_info = self._scrubbed_info(meta.get("io.modelcontextprotocol/serverInfo"))
        return result

    def _scrubbed_info(self, info: Any) -> dict[str, Any]:
        """The server's self-description, scrubbed: the probe stores it in its details."""
        return self.gateway.scrub.data(dict(info or {}))

    def close(self) -> None:
        """End the session: close the SSE stream, or DELETE a stateful session; never raises."""
        if self._sse is not None:
            self._sse.close()
            return
        if not self.session_id:
            return
        try:
            self.gateway.request(
                "DELETE", self.endpoint, headers=self._headers(), expect={200, 202, 204, 404, 405}
            )
        except GatewayError:
            pass
        self.session_id = None

    # -- methods ------------------------------------------------------------------------

    def ping(self) -> None:
        """`ping` (2025-11-25); a 2026-07-28 server has none, so there it is a no-op."""
        if not self.stateless:
            self.request("ping", {})

    def list_tools(self) -> list[dict[str, Any]]:
        """Every tool, following `nextCursor`."""
        tools: list[dict[str, Any]] = []
        cursor = None
        for _ in range(MAX_TOOL_PAGES):
            result = self.request("tools/list", {"cursor": cursor} if cursor else {})
            if not isinstance(result.get("tools"), list):
                raise ContractBroken("MCP tools/list result has no tools list")
            tools += result["tools"]
            cursor = result.get("nextCursor")
            if not cursor:
                return tools
        raise ContractBroken(f"MCP tools/list did not end within {MAX_TOOL_PAGES} pages")

    def call_tool(self, name: str, arguments: dict | None = None) -> dict[str, Any]:
        """`tools/call`; the result's `isError` is the tool's own failure, left to the caller."""
        return self.request("tools/call", {"name": name, "arguments": arguments or {}}, safe=False)

    def request(self, method: str, params: dict, *, safe: bool = True) -> dict[str, Any]:
        """One JSON-RPC request; a stateful session that expired (404) is renewed once."""
        try:
            return self._call(method, params, safe=safe)[0]
        except McpRpcError as exc:
            if self.stateless or exc.vendor_status != 404 or not self.session_id or self._sse:
                raise
        self._initialize()
        return self._call(method, params, safe=safe)[0]

    # -- the wire -----------------------------------------------------------------------

    def _auth_headers(self) -> dict[str, str]:
        token = self.credentials.get("token")
        return {"Authorization": f"Bearer {token}"} if token else {}

    def _headers(self, method: str | None = None, params: dict | None = None) -> dict[str, str]:
        headers = {
            "Accept": "application/json, text/event-stream",
            "Content-Type": "application/json",
            **self._auth_headers(),
        }
        if self.protocol_version:
            headers["MCP-Protocol-Version"] = self.protocol_version
        if self.session_id:
            headers["MCP-Session-Id"] = self.session_id
        if self.stateless and method:
            headers["Mcp-Method"] = method
            if method == "tools/call":
                headers["Mcp-Name"] = str((params or {}).get("name", ""))
        return headers

    def _params(self, params: dict) -> dict:
        if not self.stateless:
            return params
        meta = {
            "io.modelcontextprotocol/protocolVersion": STATELESS_VERSION,
            "io.modelcontextprotocol/clientCapabilities": {},
            "io.modelcontextprotocol/clientInfo": CLIENT_INFO,
        }
        return {**params, "_meta": meta}

    def _call(
        self, method: str, params: dict, *, expect=frozenset({200}), safe: bool = True
    ) -> tuple[dict[str, Any], HttpResult | None]:
        """The result of one request, and the HTTP answer that carried it (None over SSE)."""
        ident = next(self._ids)
        message = {"jsonrpc": "2.0", "id": ident, "method": method, "params": self._params(params)}
        if self._sse is not None:
            self._sse.post(message, safe=safe)
            response, http = self._sse.response(ident, method), None
        else:
            response, http = self._post(message, method, params, expect, safe)
        if "error" in response:
            raise McpRpcError.from_error(response["error"], http.status if http else None)
        if not isinstance(response.get("result"), dict):
            raise ContractBroken(f"MCP {method} answer has no result object")
        return response["result"], http

    def _post(self, message: dict, method: str, params: dict, expect, safe: bool):
        """Streamable HTTP: POST one request; (its response message, the HTTP answer)."""
        http = self.gateway.request(
            "POST",
            self.endpoint,
            headers=self._headers(method, params),
            json=message,
            expect=set(expect) | {400, 404},
            idempotent=safe,
        )
        if http.status not in expect or http.status >= 400:
            raise rpc_error_of(http) or refusal(http, " ".join(http.text.split())[:200])
        return find_response(http, message["id"]), http

    def _notify(self, method: str) -> None:
        if self._sse is not None:
            self._sse.post({"jsonrpc": "2.0", "method": method}, safe=True)
            return
        self.gateway.request(
            "POST",
            self.endpoint,
            headers=self._headers(method),
            json={"jsonrpc": "2.0", "method": method},
            expect={200, 202, 204},
            idempotent=True,
        )


def _server_is_stateless(error: McpRpcError) -> bool:
    """-32022 naming 2026-07-28 among the supported versions, or `initialize` unknown (-32601)."""
    supported = (error.data or {}).get("supported") if isinstance(error.data, dict) else None
    if error.rpc_code == -32022:
        return STATELESS_VERSION in (supported or [STATELESS_VERSION])
    return error.rpc_code == -32601


def tools_fingerprint(tools: list[dict[str, Any]]) -> str:
    """sha256 of the canonical tool list (sorted by name, keys sorted, compact JSON)."""
    canonical = sorted(tools, key=lambda tool: str(tool.get("name")))
    text = json.dumps(canonical, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
