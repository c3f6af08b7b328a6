"""JSON-RPC 2.0 envelopes for the MCP sandbox (https://www.jsonrpc.org/specification)."""

from __future__ import annotations

from typing import Any

from ..wire import Response, json_response


def rpc_result(ident: Any, result: dict) -> dict:
    return {"jsonrpc": "2.0", "id": ident, "result": result}


def rpc_error(status: int, ident: Any, code: int, message: str, data: Any = None) -> Response:
    """An HTTP `status` answer carrying a JSON-RPC error object."""
    error: dict[str, Any] = {"code": code, "message": message}
    if data is not None:
        error["data"] = data
    return json_response(status, {"jsonrpc": "2.0", "id": ident, "error": error})


class RpcError(Exception):
    """A JSON-RPC error to answer with HTTP `status` (-32700 parse, -32600 invalid, -32601 …)."""

    def __init__(self, status: int, ident: Any, code: int, message: str, data: Any = None) -> None:
        super().__init__(message)
        self.status, self.ident, self.code, self.message, self.data = (
            status,
            ident,
            code,
            message,
            data,
        )

    def response(self) -> Response:
        return rpc_error(self.status, self.ident, self.code, self.message, self.data)
