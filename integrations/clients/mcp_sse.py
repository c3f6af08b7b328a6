"""MCP's legacy HTTP+SSE transport (protocol 2024-11-05), for servers not yet on Streamable HTTP.

Spec: modelcontextprotocol docs/specification/2024-11-05/basic/transports.mdx
("HTTP with SSE") and 2025-03-26/basic/transports.mdx ("Backwards
Compatibility"); the reference client is python-sdk `src/mcp/client/sse.py`.
The wire:
1. GET the SSE URL with `Accept: text/event-stream`; the stream stays open.
2. The server's first event is `event: endpoint` whose `data` is the URI to
   POST to (relative or absolute; it usually carries the session id in its
   query). It must be on the SSE URL's origin: we send the token there.
3. Each JSON-RPC message is POSTed to that endpoint (answered 202 Accepted);
   responses, notifications and server requests arrive as `event: message` on
   the stream, in any order, so a request waits for the message with its id.
4. Closing the stream ends the session (there is no DELETE).
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

from integrations.http import (
    CallTimedOut,
    ContractBroken,
    Gateway,
    GatewayError,
    RequestRejected,
)

TRANSPORT = "MCP HTTP+SSE transport"


class SseParser:
    """Incremental `text/event-stream` parser (WHATWG HTML, "Server-sent events").

    `feed(bytes)` returns the events completed so far as `(event, data)`;
    `event` defaults to "message", several `data:` lines join with newlines,
    comments (`:`) and events without data are skipped.
    """

    def __init__(self) -> None:
        self._buffer = b""
        self._event, self._data = "", []

    def feed(self, chunk: bytes) -> list[tuple[str, str]]:
        self._buffer += chunk
        events = []
        while True:
            line, found = self._next_line()
            if not found:
                return events
            if line == "":
                if self._data:
                    events.append((self._event or "message", "\n".join(self._data)))
                self._event, self._data = "", []
            elif not line.startswith(":"):
                name, _, value = line.partition(":")
                value = value[1:] if value.startswith(" ") else value
                if name == "event":
                    self._event = value
                elif name == "data":
                    self._data.append(value)

    def _next_line(self) -> tuple[str, bool]:
        """One line ended by CRLF, LF or CR; a CR at the very end waits for a possible LF."""
        buffer = self._buffer
        cr, lf = buffer.find(b"\r"), buffer.find(b"\n")
        if cr == -1 and lf == -1:
            return "", False
        if cr == -1 or (lf != -1 and lf < cr):
            index, end = lf, lf + 1
        elif cr + 1 == len(buffer):
            return "", False
        else:
            index, end = cr, cr + 2 if buffer[cr + 1] == 0x0A else cr + 1
        self._buffer = buffer[end:]
        return buffer[:index].decode("utf-8", errors="replace"), True


class SseSession:
    """One HTTP+SSE session: `open()`, then `post()` messages and `response()` to requests; `close()`."""

    def __init__(self, gateway: Gateway, url: str, headers: dict[str, str]) -> None:
        self.gateway, self.url, self.headers = gateway, url, headers
        self.stream = None
        self.post_url: str | None = None
        self.session_id: str | None = None
        self._parser = SseParser()
        self._pending: list[tuple[str, str]] = []

    def open(self) -> None:
        """GET the stream and wait for its `endpoint` event.

        Raises the gateway's refusal for a non-2xx answer; ContractBroken when
        the answer is not an event stream, the first event is not `endpoint`,
        or the endpoint is on another origin; CallTimedOut when no endpoint
        event arrives within the call's deadline.
        """
        headers = {**self.headers, "Accept": "text/event-stream", "Cache-Control": "no-cache"}
        try:
            self.stream = self.gateway.stream("GET", self.url, headers=headers)
        except GatewayError as exc:
            raise _named(exc) from None
        content_type = (self.stream.headers.get("Content-Type") or "").lower()
        if "text/event-stream" not in content_type:
            self.close()
            raise ContractBroken(
                f"{TRANSPORT}: GET answered {content_type or 'no content type'}, "
                "not an event stream",
                vendor_status=self.stream.status,
                details={"sse": f"{content_type or 'no content type'}, not an event stream"},
            )
        event, data = self._next_event("endpoint event")
        if event != "endpoint":
            self.close()
            raise ContractBroken(
                f"{TRANSPORT}: first event is {event!r}, not 'endpoint'",
                vendor_status=self.stream.status,
                details={"sse": f"first event {event!r}, not 'endpoint'"},
            )
        self.post_url = self._endpoint(data)

    def _endpoint(self, data: str) -> str:
        endpoint = urljoin(self.url, data.strip())
        mine, theirs = urlsplit(self.url), urlsplit(endpoint)
        if (mine.scheme, mine.netloc) != (theirs.scheme, theirs.netloc):
            self.close()
            raise ContractBroken(
                f"{TRANSPORT}: endpoint {theirs.scheme}://{theirs.netloc} is not on the "
                "server's origin; not sending our messages there"
            )
        query = parse_qs(theirs.query)
        self.session_id = (query.get("session_id") or query.get("sessionId") or [None])[0]
        return endpoint

    def post(self, message: dict[str, Any], *, safe: bool) -> None:
        """POST one JSON-RPC message to the endpoint (202 Accepted; 200/204 tolerated)."""
        headers = {**self.headers, "Content-Type": "application/json"}
        try:
            self.gateway.request(
                "POST",
                self.post_url or self.url,
                headers=headers,
                json=message,
                expect={200, 202, 204},
                idempotent=safe,
            )
        except GatewayError as exc:
            raise _named(exc) from None

    def response(self, ident: int, method: str) -> dict[str, Any]:
        """The message answering request `ident` (notifications and server requests are skipped).

        Raises CallTimedOut (none within the deadline), ContractBroken (the
        stream ended, or a message that is not JSON).
        """
        while True:
            event, data = self._next_event(f"response to {method}")
            if event != "message" or not data.strip():
                continue
            try:
                message = json.loads(data)
            except ValueError:
                raise ContractBroken(f"{TRANSPORT}: a message event is not JSON") from None
            if (
                isinstance(message, dict)
                and message.get("id") == ident
                and ("result" in message or "error" in message)
            ):
                return message

    def _next_event(self, waiting_for: str) -> tuple[str, str]:
        started = self.gateway.clock()
        while not self._pending:
            try:
                chunk = self.stream.read()
            except GatewayError as exc:  # the byte cap, or the stream broke off
                raise _named(exc) from None
            if chunk is None:
                waited = self.gateway.clock() - started
                self.close()
                raise CallTimedOut(f"{TRANSPORT}: no {waiting_for} within {waited:.1f} s")
            if chunk == b"":
                self.close()
                raise ContractBroken(
                    f"{TRANSPORT}: the server closed the stream before the {waiting_for}"
                )
            self._pending += self._parser.feed(chunk)
        return self._pending.pop(0)

    @property
    def closed(self) -> bool:
        return self.stream is None or self.stream.closed

    def close(self) -> None:
        """Close the stream, which ends the session; safe to call twice."""
        if self.stream is not None:
            self.stream.close()


def _named(exc: GatewayError) -> GatewayError:
    """The same error, its detail prefixed with the transport's name."""
    exc.detail = f"{TRANSPORT}: {exc.detail}"
    exc.args = (exc.detail,)
    return exc


def not_an_sse_server(error: GatewayError) -> bool:
    """The GET was refused (a plain 4xx) or answered with something other than an SSE endpoint."""
    return isinstance(error, RequestRejected) or (
        isinstance(error, ContractBroken) and "sse" in error.details
    )


def neither_transport(post: GatewayError, get: GatewayError) -> GatewayError:
    """The error for a URL that spoke neither transport, naming both answers."""
    answer = str(get.vendor_status or "no answer")
    if "sse" in get.details:
        answer += f", {get.details['sse']}"
    detail = (
        f"MCP server speaks neither streamable HTTP (POST → {post.vendor_status}) "
        f"nor HTTP+SSE (GET → {answer})"
    )
    kind = RequestRejected if isinstance(get, RequestRejected) else ContractBroken
    return kind(detail, vendor_status=get.vendor_status)
