"""MCP wire helpers: JSON or SSE bodies, and JSON-RPC errors as gateway errors."""

from __future__ import annotations

import json
from typing import Any

from integrations.http import ContractBroken, HttpResult


class McpRpcError(ContractBroken):
    """A JSON-RPC error object from an MCP server (`rpc_code`, `data`)."""

    def __init__(self, detail: str, *, rpc_code: int | None, data: Any, vendor_status: int | None):
        super().__init__(detail, vendor_status=vendor_status, details={"rpc_code": rpc_code})
        self.rpc_code = rpc_code
        self.data = data

    @classmethod
    def from_error(cls, error: Any, status: int | None) -> McpRpcError:
        error = error if isinstance(error, dict) else {"message": str(error)}
        code = error.get("code")
        return cls(
            f"MCP error {code}: {str(error.get('message', ''))[:200]}",
            rpc_code=code if isinstance(code, int) else None,
            data=error.get("data"),
            vendor_status=status,
        )


def messages_of(http: HttpResult) -> list[dict[str, Any]]:
    """The JSON-RPC messages in a body: one JSON object, or SSE `data:` events (WHATWG SSE)."""
    content_type = (http.headers.get("Content-Type") or "").lower()
    if "text/event-stream" not in content_type:
        payload = http.json()
        return payload if isinstance(payload, list) else [payload]
    messages, data = [], []
    for line in http.text.splitlines() + [""]:
        if not line:
            if data:
                messages.append(_event_json("\n".join(data), http.status))
            data = []
        elif not line.startswith(":"):
            name, _, value = line.partition(":")
            if name == "data":
                data.append(value[1:] if value.startswith(" ") else value)
    return messages


def _event_json(text: str, status: int) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        raise ContractBroken("MCP SSE event is not JSON", vendor_status=status) from None


def find_response(http: HttpResult, ident: int) -> dict[str, Any]:
    """The response to request `ident` among the body's messages (others are notifications)."""
    for message in messages_of(http):
        if (
            isinstance(message, dict)
            and message.get("id") == ident
            and ("result" in message or "error" in message)
        ):
            return message
    raise ContractBroken(
        f"MCP answer carries no response to request {ident}", vendor_status=http.status
    )


def rpc_error_of(http: HttpResult) -> McpRpcError | None:
    """The JSON-RPC error in a refused (4xx) answer, or None when the body has none."""
    try:
        for message in messages_of(http):
            if isinstance(message, dict) and isinstance(message.get("error"), dict):
                return McpRpcError.from_error(message["error"], http.status)
    except ContractBroken:
        return None
    return None
