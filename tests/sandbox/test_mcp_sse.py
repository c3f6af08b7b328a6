"""MCP sandbox, legacy HTTP+SSE transport (2024-11-05): GET /sse, POST /messages, answers on the stream."""

from __future__ import annotations

import json
import time
from urllib.parse import urljoin

import pytest
import requests


class SseClient:
    """A bare HTTP+SSE client over requests: one open stream, messages POSTed to its endpoint."""

    def __init__(self, url: str, headers: dict | None = None) -> None:
        self.url = url
        self.response = requests.get(
            url, headers={"Accept": "text/event-stream"} | (headers or {}), stream=True, timeout=5
        )
        self.lines = self.response.iter_lines(decode_unicode=True)
        self.endpoint: str | None = None

    def event(self) -> tuple[str, str]:
        name, data = "message", []
        for line in self.lines:
            if line == "" and data:
                return name, "\n".join(data)
            if line.startswith("event: "):
                name = line[7:]
            elif line.startswith("data: "):
                data.append(line[6:])
        raise AssertionError("stream ended")

    def open(self) -> str:
        name, data = self.event()
        assert name == "endpoint"
        self.endpoint = urljoin(self.url, data)
        return data

    def post(self, message: dict) -> requests.Response:
        return requests.post(self.endpoint, json=message, timeout=5)

    def call(self, method: str, ident: int = 1, **params) -> dict:
        resp = self.post({"jsonrpc": "2.0", "id": ident, "method": method, "params": params})
        assert (resp.status_code, resp.text) == (202, "Accepted")
        name, data = self.event()
        assert name == "message"
        return json.loads(data)

    def close(self) -> None:
        self.response.close()


@pytest.fixture
def sse(sandbox):
    client = SseClient(f"{sandbox.url}/mcp/github/sse")
    yield client
    client.close()


def _wait_for_no_streams(sandbox, within_s: float = 2.0) -> int:
    deadline = time.monotonic() + within_s
    while True:
        open_streams = sandbox.state()["mcp"]["sse_streams"]
        if open_streams == 0 or time.monotonic() > deadline:
            return open_streams
        time.sleep(0.05)


def test_get__opens_an_event_stream_whose_first_event_is_the_endpoint(sse):
    assert sse.response.status_code == 200
    assert sse.response.headers["Content-Type"] == "text/event-stream"
    assert sse.response.headers["Transfer-Encoding"] == "chunked"
    assert sse.open().startswith("messages?session_id=")
    assert sse.endpoint.startswith(sse.url.removesuffix("sse") + "messages?session_id=")


def test_initialize__answers_202_and_sends_the_result_on_the_stream(sse):
    sse.open()
    answer = sse.call("initialize", protocolVersion="2025-11-25", capabilities={})
    assert answer["id"] == 1 and answer["result"]["protocolVersion"] == "2024-11-05"
    assert answer["result"]["serverInfo"]["name"] == "github-sandbox-sse"


def test_notification__gets_202_and_nothing_on_the_stream(sse):
    sse.open()
    resp = sse.post({"jsonrpc": "2.0", "method": "notifications/initialized"})
    assert resp.status_code == 202
    assert sse.call("ping", ident=7) == {"jsonrpc": "2.0", "id": 7, "result": {}}


def test_tools_list__paginates_like_the_streamable_server(sse):
    sse.open()
    first = sse.call("tools/list")["result"]
    second = sse.call("tools/list", ident=2, cursor=first["nextCursor"])["result"]
    assert (len(first["tools"]), len(second["tools"])) == (5, 2)


def test_unknown_method__is_a_32601_error_on_the_stream(sse):
    sse.open()
    assert sse.call("resources/list")["error"]["code"] == -32601


def test_post__without_or_with_unknown_session__is_400_or_404(sandbox):
    url = f"{sandbox.url}/mcp/github/messages"
    ping = {"jsonrpc": "2.0", "id": 1, "method": "ping"}
    assert requests.post(url, json=ping, timeout=5).status_code == 400
    assert requests.post(url + "?session_id=nope", json=ping, timeout=5).status_code == 404


def test_post_to_the_sse_url__is_405_get_only(sandbox):
    resp = requests.post(f"{sandbox.url}/mcp/github/sse", json={}, timeout=5)
    assert resp.status_code == 405 and resp.headers["Allow"] == "GET"


def test_closing_the_stream__ends_the_session(sandbox, sse):
    sse.open()
    assert sandbox.state()["mcp"]["sse_streams"] == 1
    sse.close()
    assert _wait_for_no_streams(sandbox) == 0
    assert sse.post({"jsonrpc": "2.0", "id": 1, "method": "ping"}).status_code == 404


def test_sse_transport_off__both_paths_are_404(sandbox):
    sandbox.set_faults("mcp/github", sse_transport=False)
    assert requests.get(f"{sandbox.url}/mcp/github/sse", timeout=5).status_code == 404
    messages = f"{sandbox.url}/mcp/github/messages?session_id=x"
    assert requests.post(messages, json={}, timeout=5).status_code == 404


def test_endpoint_event_off__stream_stays_silent(sandbox):
    sandbox.set_faults("mcp/github", sse_endpoint_event=False)
    resp = requests.get(f"{sandbox.url}/mcp/github/sse", stream=True, timeout=(5, 0.5))
    with resp, pytest.raises(requests.ConnectionError):  # a read timeout on the body
        next(resp.iter_content(1))


def test_require_auth__refuses_the_stream_without_the_token(sandbox):
    sandbox.set_faults("mcp", require_auth=True)
    assert requests.get(f"{sandbox.url}/mcp/github/sse", timeout=5).status_code == 401
    client = SseClient(
        f"{sandbox.url}/mcp/github/sse", {"Authorization": "Bearer sandbox-mcp-token"}
    )
    try:
        assert client.open().startswith("messages?")
    finally:
        client.close()


def test_pad_bytes__pads_each_response_event(sandbox, sse):
    sandbox.set_faults("mcp/github", sse_pad_bytes=1000)
    sse.open()
    assert sse.call("ping")["result"]["_meta"]["padding"] == "x" * 1000
