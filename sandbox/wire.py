"""Request and response value objects shared by the sandbox's router and vendors.

Pure standard library: the sandbox never imports Django, so it can run on its
own (`python -m sandbox`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from email.message import Message
from typing import Any
from urllib.parse import parse_qs

JSON_TYPE = "application/json; charset=utf-8"
TEXT_TYPE = "text/plain; charset=utf-8"


@dataclass
class Request:
    """One parsed HTTP request, as a vendor handler sees it.

    `path` is the path *below* the vendor prefix (`/admin/api/2025-10/graphql.json`
    for `/shopify/admin/api/2025-10/graphql.json`). `headers.get()` is
    case-insensitive and keeps header names containing underscores.
    """

    method: str
    path: str
    raw_query: str
    headers: Message
    body: bytes = b""
    params: dict[str, str] = field(default_factory=dict)
    settings: dict[str, Any] = field(default_factory=dict)
    fault_key: str = ""

    @property
    def query(self) -> dict[str, list[str]]:
        return parse_qs(self.raw_query, keep_blank_values=True)

    def arg(self, name: str, default: str | None = None) -> str | None:
        """First value of query parameter `name`, or `default`."""
        values = self.query.get(name)
        return values[0] if values else default

    def header(self, name: str, default: str | None = None) -> str | None:
        value = self.headers.get(name)
        return default if value is None else value.strip()

    def json(self) -> Any:
        """The body decoded as JSON. Raises ValueError when it is not JSON."""
        return json.loads(self.body.decode("utf-8"))


@dataclass
class Response:
    """What a handler answers.

    `action` other than None means "write no HTTP response": `reset` closes the
    socket with a TCP RST, `hang` keeps it open for `hang_s` seconds then closes it.
    """

    status: int
    body: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=list)
    action: str | None = None
    hang_s: float = 0.0

    def header(self, name: str) -> str | None:
        lowered = name.lower()
        for key, value in self.headers:
            if key.lower() == lowered:
                return value
        return None

    def with_headers(self, extra: list[tuple[str, str]] | dict[str, str]) -> Response:
        items = extra.items() if isinstance(extra, dict) else extra
        self.headers.extend((str(k), str(v)) for k, v in items)
        return self


def dumps(payload: Any) -> bytes:
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def json_response(status: int, payload: Any, headers: dict[str, str] | None = None) -> Response:
    resp = Response(status, dumps(payload), [("Content-Type", JSON_TYPE)])
    return resp.with_headers(headers or {})


def text_response(status: int, text: str, headers: dict[str, str] | None = None) -> Response:
    resp = Response(status, text.encode("utf-8"), [("Content-Type", TEXT_TYPE)])
    return resp.with_headers(headers or {})


def empty_response(status: int, headers: dict[str, str] | None = None) -> Response:
    return Response(status).with_headers(headers or {})


def bearer_token(req: Request, scheme: str = "Bearer") -> str | None:
    """The credential after `Authorization: <scheme> `, or None (scheme is case-sensitive)."""
    value = req.header("Authorization") or ""
    prefix = scheme + " "
    return value[len(prefix) :].strip() if value.startswith(prefix) else None
