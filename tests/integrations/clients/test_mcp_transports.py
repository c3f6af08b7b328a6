"""McpClient over both MCP transports, against the sandbox over real HTTP.

Streamable HTTP at `/mcp/{server}/mcp`; the legacy HTTP+SSE transport at
`/mcp/{server}/sse` (stream) + `/messages` (POSTs). `config.transport` picks one,
or `auto` falls back from a refused POST to the SSE GET.
"""

from __future__ import annotations

import re
import threading
import time

import pytest

from integrations.clients.mcp import McpClient
from integrations.clients.mcp_sse import SseParser, SseSession
from integrations.http import CallTimedOut, ConfigInvalid, ContractBroken, Gateway, RequestRejected

SSE = {"endpoint_path": "/sse"}


def _client(make_integration, slug: str = "mcp-github", **config) -> McpClient:
    integration = make_integration(slug, config={"endpoint_path": "/mcp"} | config)
    return McpClient.for_probe(integration)


def _open_streams(sandbox, within_s: float = 2.0) -> int:
    """The sandbox's open SSE streams, once they reached 0 (or after `within_s`)."""
    deadline = time.monotonic() + within_s
    while True:
        count = sandbox.state()["mcp"]["sse_streams"]
        if count == 0 or time.monotonic() > deadline:
            return count
        time.sleep(0.05)


# -- choosing the transport -------------------------------------------------------------


def test_streamable_http__configured__speaks_it(make_integration):
    with _client(make_integration, transport="streamable_http") as client:
        client.connect()
        assert (client.transport, client.protocol_version) == ("streamable_http", "2025-11-25")
        assert len(client.list_tools()) == 7


def test_sse__configured__initializes_over_the_stream(make_integration, sandbox):
    with _client(make_integration, transport="sse", **SSE) as client:
        client.connect()
        client.ping()
        tools = client.list_tools()
        assert (client.transport, client.protocol_version) == ("sse", "2024-11-05")
        assert client.server_info["name"] == "github-sandbox-sse" and len(tools) == 7
        assert sandbox.state()["mcp"]["sse_streams"] == 1


def test_sse__tools_call__answers_on_the_stream(make_integration):
    with _client(make_integration, "mcp-llamaindex-rag", transport="sse", **SSE) as client:
        client.connect()
        result = client.call_tool("query_support", {"query": "fuel pump whine"})
    assert result["isError"] is False and "kb-fuel-pump-noise" in result["content"][0]["text"]


def test_auto__streamable_server__stays_on_streamable_http(make_integration, sandbox):
    with _client(make_integration) as client:
        client.connect()
        assert client.transport == "streamable_http"
    assert sandbox.state()["mcp"]["sse_streams"] == 0


def test_auto__post_refused_with_405__falls_back_to_sse(make_integration):
    with _client(make_integration, **SSE) as client:
        client.connect()
        assert (client.transport, client.protocol_version) == ("sse", "2024-11-05")
        assert len(client.list_tools()) == 7


def test_streamable_http__configured_on_an_sse_url__is_refused_without_fallback(
    make_integration, sandbox
):
    with _client(make_integration, transport="streamable_http", **SSE) as client:
        with pytest.raises(RequestRejected) as caught:
            client.connect()
    assert caught.value.vendor_status == 405
    assert sandbox.state()["mcp"]["sse_streams"] == 0


def test_unknown_transport__is_a_config_error(make_integration):
    with pytest.raises(ConfigInvalid, match="config.transport must be one of"):
        _client(make_integration, transport="websocket").connect()


# -- failures name the transport ----------------------------------------------------------


def test_sse__no_endpoint_event__times_out_naming_the_transport(make_integration, sandbox):
    sandbox.set_faults("mcp/github", sse_endpoint_event=False)
    integration = make_integration("mcp-github", config=SSE, probe_timeout_seconds=1.0)
    started = time.monotonic()
    with McpClient.for_probe(integration) as client, pytest.raises(CallTimedOut) as caught:
        client.connect()
    assert time.monotonic() - started < 1.5
    assert caught.value.error_class == "timeout"
    message = str(caught.value)  # the wait is what was left of the 1 s probe deadline
    assert re.fullmatch(r"MCP HTTP\+SSE transport: no endpoint event within (0\.9|1\.0) s", message)
    assert client._sse.closed and _open_streams(sandbox) == 0


def test_sse__no_response__times_out_naming_the_request(make_integration, sandbox):
    sandbox.set_faults("mcp/github", sse_responses=False)
    integration = make_integration("mcp-github", config=SSE, probe_timeout_seconds=1.0)
    with McpClient.for_probe(integration) as client, pytest.raises(CallTimedOut) as caught:
        client.connect()
    assert str(caught.value).startswith("MCP HTTP+SSE transport: no response to initialize within")


def test_neither_transport__names_both_answers(make_integration, sandbox):
    sandbox.set_faults("mcp/github", sse_transport=False)
    with _client(make_integration, **SSE) as client, pytest.raises(RequestRejected) as caught:
        client.connect()
    assert str(caught.value) == (
        "MCP server speaks neither streamable HTTP (POST → 405) nor HTTP+SSE (GET → 404)"
    )
    assert caught.value.error_class == "client_4xx"


def test_neither_transport__wrong_path__names_both_404s(make_integration):
    with _client(make_integration, endpoint_path="/nope") as client:
        with pytest.raises(RequestRejected, match=r"\(POST → 404\) nor HTTP\+SSE \(GET → 404\)"):
            client.connect()


def test_sse__wrong_auth__is_auth_naming_the_transport(make_integration, sandbox):
    sandbox.set_faults("mcp/github", wrong_auth=True)
    with _client(make_integration, transport="sse", **SSE) as client:
        with pytest.raises(Exception) as caught:
            client.connect()
    assert caught.value.error_class == "auth" and caught.value.vendor_status == 401


def test_sse__oversized_event__is_capped_and_the_stream_closed(make_integration, sandbox):
    sandbox.set_faults("mcp/github", sse_pad_bytes=3 * 1024 * 1024)
    with _client(make_integration, transport="sse", **SSE) as client:
        with pytest.raises(ContractBroken) as caught:
            client.connect()
        assert client._sse.closed
    assert "over the 2097152-byte cap" in str(caught.value)
    assert str(caught.value).startswith("MCP HTTP+SSE transport:")
    assert _open_streams(sandbox) == 0


def _own_threads() -> set[threading.Thread]:
    """Live threads other than the in-process sandbox's per-connection handlers."""
    return {t for t in threading.enumerate() if "process_request_thread" not in t.name}


def test_sse__close__ends_the_stream_on_both_sides(make_integration, sandbox):
    before = _own_threads()
    client = _client(make_integration, transport="sse", **SSE)
    client.connect()
    client.list_tools()
    assert sandbox.state()["mcp"]["sse_streams"] == 1
    client.close()
    client.close()  # twice is harmless
    assert client._sse.closed and client._sse.stream.raw._response.raw.closed
    assert _open_streams(sandbox) == 0  # the server saw the connection close
    assert _own_threads() <= before  # the client reads the stream on the caller's thread


# -- the pieces, without HTTP -------------------------------------------------------------


def test_parser__events_split_across_chunks_with_crlf_comments_and_multiline_data():
    parser = SseParser()
    assert parser.feed(b": keep-alive\r\nevent: endpoint\r\ndata: /messages") == []
    assert parser.feed(b'?session_id=1\r\n\r\ndata: {"a":\ndata: 1}\n\n') == [
        ("endpoint", "/messages?session_id=1"),
        ("message", '{"a":\n1}'),
    ]


def test_parser__a_trailing_cr_waits_for_its_lf():
    parser = SseParser()
    assert parser.feed(b"data: x\r") == []
    assert parser.feed(b"\n\r\n") == [("message", "x")]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ("messages?session_id=ab", "https://mcp.example/srv/messages?session_id=ab"),
        ("/messages/?sessionId=ab", "https://mcp.example/messages/?sessionId=ab"),
        ("https://mcp.example/m?session_id=ab", "https://mcp.example/m?session_id=ab"),
    ],
)
def test_endpoint__relative_or_absolute__resolves_against_the_sse_url(data, expected):
    session = SseSession(Gateway("t"), "https://mcp.example/srv/sse", {})
    assert session._endpoint(data) == expected and session.session_id == "ab"


def test_endpoint__on_another_origin__is_refused():
    session = SseSession(Gateway("t"), "https://mcp.example/sse", {})
    with pytest.raises(ContractBroken, match="not on the server's origin"):
        session._endpoint("https://evil.example/messages")
