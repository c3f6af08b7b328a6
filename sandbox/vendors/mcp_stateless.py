"""MCP tool methods (both protocol revisions) and the stateless 2026-07-28 transport.

2026-07-28 (modelcontextprotocol docs/specification/2026-07-28/basic/transports/
streamable-http.mdx, server/discover.mdx): no initialize or sessions; each
request carries `params._meta` with the protocol version and client
capabilities, plus `MCP-Protocol-Version`, `Mcp-Method` and (tools/call)
`Mcp-Name` headers that must match the body (-32020 HeaderMismatch); an
unsupported version gets 400 / -32022 with `data.supported` and `data.requested`.
"""

from __future__ import annotations

import base64

from ..wire import Request, Response, empty_response
from .mcp_rpc import RpcError, rpc_result
from .mcp_tools import argument_problem, canned_result, text_content, tools_for

STATELESS_VERSION = "2026-07-28"
META_VERSION = "io.modelcontextprotocol/protocolVersion"
META_CAPABILITIES = "io.modelcontextprotocol/clientCapabilities"
LIST_TTL_MS = 3_600_000


def _unsupported(ident, requested) -> RpcError:
    data = {"supported": [STATELESS_VERSION], "requested": requested}
    return RpcError(400, ident, -32022, "Unsupported protocol version", data)


class StatelessMixin:
    """Mixed into the MCP vendor: `tools_method` and the `stateless` transport."""

    def tools_method(self, req: Request, server: str, method: str, params: dict, ident) -> dict:
        """The result of tools/list (paginated) or tools/call. Raises RpcError -32602."""
        tools = tools_for(server, req.settings)
        if method == "tools/list":
            return self._tools_page(tools, params.get("cursor"), req.settings["page_size"], ident)
        name = params.get("name")
        tool = next((t for t in tools if t["name"] == name), None)
        if tool is None:
            raise RpcError(200, ident, -32602, f"Unknown tool: {name}")
        args = params.get("arguments", {})
        problem = argument_problem(tool, args)
        if problem:
            return text_content(
                {"error": f"Invalid arguments for {name}: {problem}"}, is_error=True
            )
        if server == "llamaindex-rag":
            result, error = self.ctx.vendors["llamaindex"].call(name, args)
            return text_content({"error": error} if error else result, is_error=bool(error))
        return text_content(canned_result(server, name, args))

    @staticmethod
    def _tools_page(tools: list[dict], cursor, size: int, ident) -> dict:
        start = 0
        if cursor is not None:
            try:
                start = int(
                    base64.urlsafe_b64decode(str(cursor).encode()).decode().removeprefix("offset:")
                )
            except ValueError:
                raise RpcError(200, ident, -32602, "Invalid params: bad cursor") from None
        result: dict = {"tools": tools[start : start + size]}
        if start + size < len(tools):
            result["nextCursor"] = base64.urlsafe_b64encode(
                f"offset:{start + size}".encode()
            ).decode()
        return result

    def stateless(self, req: Request, server: str, message: dict) -> Response:
        """One stateless 2026-07-28 exchange; see the module docstring for the checks."""
        method, ident = message.get("method"), message.get("id")
        params = message.get("params") if isinstance(message.get("params"), dict) else {}
        if method == "initialize":
            raise _unsupported(ident, params.get("protocolVersion"))
        header = req.header("MCP-Protocol-Version")
        if header != STATELESS_VERSION:
            raise _unsupported(ident, header)
        if method is None or "id" not in message:
            return empty_response(202)
        self._check_headers(req, method, params, ident)
        if method == "server/discover":
            return self._reply(req, rpc_result(ident, self._discover(server)))
        if method not in ("tools/list", "tools/call"):
            raise RpcError(404, ident, -32601, f"Method not found: {method}")
        result = self.tools_method(req, server, method, params, ident) | {"resultType": "complete"}
        if method == "tools/list":
            result |= {"ttlMs": LIST_TTL_MS, "cacheScope": "public"}
        return self._reply(req, rpc_result(ident, result))

    @staticmethod
    def _check_headers(req: Request, method: str, params: dict, ident) -> None:
        declared = req.header("Mcp-Method")
        if declared is None:
            raise RpcError(400, ident, -32600, "Invalid Request: the Mcp-Method header is required")
        if declared != method:
            raise RpcError(400, ident, -32020, "HeaderMismatch: Mcp-Method does not match the body")
        meta = params.get("_meta") if isinstance(params.get("_meta"), dict) else {}
        if META_VERSION not in meta or META_CAPABILITIES not in meta:
            raise RpcError(
                400,
                ident,
                -32602,
                f"Invalid params: _meta needs {META_VERSION} and {META_CAPABILITIES}",
            )
        if meta[META_VERSION] != req.header("MCP-Protocol-Version"):
            raise RpcError(
                400, ident, -32020, "HeaderMismatch: MCP-Protocol-Version does not match _meta"
            )
        if method == "tools/call" and req.header("Mcp-Name") != params.get("name"):
            raise RpcError(
                400, ident, -32020, "HeaderMismatch: Mcp-Name does not match params.name"
            )

    @staticmethod
    def _discover(server: str) -> dict:
        return {
            "resultType": "complete",
            "supportedVersions": [STATELESS_VERSION],
            "capabilities": {"tools": {"listChanged": True}, "logging": {}},
            "_meta": {
                "io.modelcontextprotocol/serverInfo": {
                    "name": f"{server}-sandbox",
                    "version": "1.0.0",
                }
            },
            "ttlMs": LIST_TTL_MS,
            "cacheScope": "public",
        }
