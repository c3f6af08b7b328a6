"""MCP sandbox: 2025-11-25 session lifecycle and transport rules, tool drift, 2026-07-28 mode."""

from __future__ import annotations

import json

import pytest
import requests

ACCEPT = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}
V2026 = "2026-07-28"
META = {
    "io.modelcontextprotocol/protocolVersion": V2026,
    "io.modelcontextprotocol/clientCapabilities": {},
}


def rpc(method: str, ident=1, **params) -> dict:
    message = {"jsonrpc": "2.0", "method": method, "params": params}
    return message | ({"id": ident} if ident is not None else {})


class Client:
    """A tiny MCP client over requests, for one server of the sandbox."""

    def __init__(self, url: str) -> None:
        self.url, self.session_id = url, None

    def post(self, message, headers=None, raw=None):
        base = dict(ACCEPT)
        if self.session_id:
            base |= {"Mcp-Session-Id": self.session_id, "MCP-Protocol-Version": "2025-11-25"}
        data = raw if raw is not None else json.dumps(message)
        return requests.post(self.url, data=data, headers=base | (headers or {}))

    def initialize(self, version: str = "2025-11-25") -> requests.Response:
        resp = self.post(
            rpc(
                "initialize",
                protocolVersion=version,
                capabilities={},
                clientInfo={"name": "hotdash", "version": "1.0"},
            )
        )
        self.session_id = resp.headers.get("MCP-Session-Id")
        self.post(rpc("notifications/initialized", ident=None))
        return resp


@pytest.fixture
def client(sandbox):
    return Client(f"{sandbox.url}/mcp/llamaindex-rag/mcp")


@pytest.fixture
def github(sandbox):
    c = Client(f"{sandbox.url}/mcp/github/mcp")
    c.initialize()
    return c


def test_initialize__returns_result_and_session_header(client):
    resp = client.initialize()
    assert resp.status_code == 200
    assert resp.json()["result"]["protocolVersion"] == "2025-11-25"
    assert client.session_id and client.session_id.isascii()


def test_initialize__unknown_version__negotiates_latest(client):
    assert client.initialize("1999-01-01").json()["result"]["protocolVersion"] == "2025-11-25"


def test_initialized_notification__returns_202_without_body(client):
    client.initialize()
    resp = client.post(rpc("notifications/initialized", ident=None))
    assert (resp.status_code, resp.content) == (202, b"")


def test_ping__returns_empty_result(client):
    client.initialize()
    assert client.post(rpc("ping", ident="123")).json() == {
        "jsonrpc": "2.0",
        "id": "123",
        "result": {},
    }


def test_tools_list__paginates_with_cursor(github):
    first = github.post(rpc("tools/list")).json()["result"]
    second = github.post(rpc("tools/list", cursor=first["nextCursor"])).json()["result"]
    assert len(first["tools"]) == 5
    assert len(second["tools"]) == 2 and "nextCursor" not in second


def test_tools_call__rag_query__returns_text_content(client):
    client.initialize()
    result = client.post(
        rpc("tools/call", name="query_support", arguments={"query": "fuel pump whine"})
    ).json()["result"]
    assert result["isError"] is False
    assert json.loads(result["content"][0]["text"])["sources"][0]["doc_id"] == "kb-fuel-pump-noise"


def test_tools_call__missing_argument__returns_is_error_result(client):
    client.initialize()
    result = client.post(rpc("tools/call", name="query_support", arguments={})).json()["result"]
    assert result["isError"] is True


def test_tools_call__unknown_tool__returns_32602(client):
    client.initialize()
    assert (
        client.post(rpc("tools/call", name="nope", arguments={})).json()["error"]["code"] == -32602
    )


def test_unknown_method__returns_32601(client):
    client.initialize()
    assert client.post(rpc("resources/list")).json()["error"]["code"] == -32601


def test_missing_accept_event_stream__returns_406(client):
    resp = client.post(rpc("initialize"), headers={"Accept": "application/json"})
    assert resp.status_code == 406


def test_bad_origin__returns_403(client):
    resp = client.post(rpc("initialize"), headers={"Origin": "https://evil.example"})
    assert resp.status_code == 403


def test_local_origin__is_allowed(client):
    resp = client.post(
        rpc("initialize", protocolVersion="2025-11-25"), headers={"Origin": "http://localhost:8000"}
    )
    assert resp.status_code == 200


def test_missing_session__returns_400(client):
    assert client.post(rpc("tools/list")).status_code == 400


def test_unknown_session__returns_404(client):
    client.session_id = "not-a-session"
    assert client.post(rpc("tools/list")).status_code == 404


def test_delete__ends_the_session(client):
    client.initialize()
    headers = {"Mcp-Session-Id": client.session_id}
    assert requests.delete(client.url, headers=headers).status_code == 200
    assert client.post(rpc("ping")).status_code == 404


def test_get__returns_405(client):
    assert requests.get(client.url, headers=ACCEPT).status_code == 405


def test_unsupported_protocol_version_header__returns_400(client):
    client.initialize()
    assert (
        client.post(rpc("ping"), headers={"MCP-Protocol-Version": "1999-01-01"}).status_code == 400
    )


def test_invalid_json__returns_400_parse_error(client):
    resp = client.post(None, raw="{nope")
    assert (resp.status_code, resp.json()["error"]["code"]) == (400, -32700)


def test_batch__returns_400_invalid_request(client):
    resp = client.post([rpc("ping"), rpc("ping", ident=2)])
    assert (resp.status_code, resp.json()["error"]["code"]) == (400, -32600)


def test_not_jsonrpc__returns_400_invalid_request(client):
    assert client.post({"id": 1, "method": "ping"}).json()["error"]["code"] == -32600


def test_unknown_server__returns_404(sandbox):
    assert (
        requests.post(f"{sandbox.url}/mcp/stripe/mcp", headers=ACCEPT, json=rpc("ping")).status_code
        == 404
    )


def test_tool_drift__remove_and_patch__change_tools_list(sandbox, client):
    sandbox.set_faults(
        "mcp/llamaindex-rag",
        tools_remove=["refresh_index"],
        tools_patch={"query_support": {"inputSchema": {"type": "object", "properties": {}}}},
    )
    client.initialize()
    tools = client.post(rpc("tools/list")).json()["result"]["tools"]
    assert [t["name"] for t in tools] == ["query_support", "insight_report"]
    assert tools[0]["inputSchema"] == {"type": "object", "properties": {}}


def test_tool_drift__add__appends_a_tool(sandbox, client):
    sandbox.set_faults("mcp/llamaindex-rag", tools_add=[{"name": "delete_index"}])
    client.initialize()
    names = [t["name"] for t in client.post(rpc("tools/list")).json()["result"]["tools"]]
    assert names[-1] == "delete_index"


def test_sse_setting__answers_as_event_stream(sandbox, client):
    sandbox.set_faults("mcp", sse=True)
    resp = client.initialize()
    assert resp.headers["Content-Type"] == "text/event-stream"
    assert json.loads(resp.text.split("data: ", 1)[1])["result"]["protocolVersion"] == "2025-11-25"


def test_require_auth__without_token__returns_401_with_resource_metadata(sandbox, client):
    sandbox.set_faults("mcp/llamaindex-rag", require_auth=True)
    resp = client.post(rpc("initialize"))
    assert resp.status_code == 401
    assert "resource_metadata" in resp.headers["WWW-Authenticate"]


def test_error_rate_fault__returns_jsonrpc_internal_error(sandbox, client):
    sandbox.set_faults("mcp", error_rate=1.0)
    resp = client.post(rpc("initialize", ident=9))
    assert (resp.status_code, resp.json()["id"], resp.json()["error"]["code"]) == (500, 9, -32603)


# 2026-07-28, stateless ------------------------------------------------------------------------
@pytest.fixture
def stateless(sandbox):
    sandbox.set_faults("mcp/llamaindex-rag", protocol=V2026)
    url = f"{sandbox.url}/mcp/llamaindex-rag/mcp"

    def post(method, headers=None, **params):
        base = ACCEPT | {"MCP-Protocol-Version": V2026, "Mcp-Method": method}
        return requests.post(
            url, json=rpc(method, _meta=META, **params), headers=base | (headers or {})
        )

    return post


def test_stateless__server_discover__returns_supported_versions(stateless):
    result = stateless("server/discover").json()["result"]
    assert result["supportedVersions"] == [V2026]
    assert result["resultType"] == "complete"


def test_stateless__initialize__returns_400_unsupported_version(sandbox, stateless):
    url = f"{sandbox.url}/mcp/llamaindex-rag/mcp"
    resp = requests.post(url, headers=ACCEPT, json=rpc("initialize", protocolVersion="2025-11-25"))
    error = resp.json()["error"]
    assert (resp.status_code, error["code"]) == (400, -32022)
    assert error["data"] == {"supported": [V2026], "requested": "2025-11-25"}


def test_stateless__tools_list__carries_result_type_and_ttl(stateless):
    result = stateless("tools/list").json()["result"]
    assert result["resultType"] == "complete" and result["ttlMs"] > 0
    assert [t["name"] for t in result["tools"]] == [
        "query_support",
        "refresh_index",
        "insight_report",
    ]


def test_stateless__missing_mcp_method_header__returns_400(sandbox, stateless):
    url = f"{sandbox.url}/mcp/llamaindex-rag/mcp"
    resp = requests.post(
        url, json=rpc("tools/list", _meta=META), headers=ACCEPT | {"MCP-Protocol-Version": V2026}
    )
    assert resp.status_code == 400


def test_stateless__mismatched_mcp_name__returns_32020(stateless):
    resp = stateless(
        "tools/call",
        headers={"Mcp-Name": "refresh_index"},
        name="query_support",
        arguments={"query": "x"},
    )
    assert (resp.status_code, resp.json()["error"]["code"]) == (400, -32020)


def test_stateless__tools_call__with_matching_headers__works(stateless):
    resp = stateless(
        "tools/call", headers={"Mcp-Name": "refresh_index"}, name="refresh_index", arguments={}
    )
    assert resp.json()["result"]["resultType"] == "complete"


def test_stateless__ping__is_gone_404(stateless):
    resp = stateless("ping")
    assert (resp.status_code, resp.json()["error"]["code"]) == (404, -32601)


def test_stateless__delete__returns_405(sandbox, stateless):
    assert requests.delete(f"{sandbox.url}/mcp/llamaindex-rag/mcp").status_code == 405
