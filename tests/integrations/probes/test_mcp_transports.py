"""The MCP probe over both transports, against the sandbox over real HTTP."""

from __future__ import annotations

import time

import pytest

from integrations.probes import probe_integration

SSE = {"endpoint_path": "/sse"}


def _streams_closed(sandbox, within_s: float = 2.0) -> bool:
    deadline = time.monotonic() + within_s
    while sandbox.state()["mcp"]["sse_streams"]:
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


@pytest.mark.parametrize("transport", ["sse", "auto"])
def test_probe__legacy_sse_server__is_ok_and_closes_its_stream(
    make_integration, sandbox, transport
):
    outcome = probe_integration(
        make_integration("mcp-github", config=SSE | {"transport": transport})
    )
    assert outcome.ok, outcome
    assert outcome.details["transport"] == "sse"
    assert outcome.details["protocol_version"] == "2024-11-05"
    assert outcome.details["tool_count"] == 7 and len(outcome.details["tools_fingerprint"]) == 64
    assert outcome.message == "7 tools over MCP 2024-11-05 (HTTP+SSE)"
    assert _streams_closed(sandbox)


def test_probe__same_server_over_either_transport__same_tools_fingerprint(make_integration):
    integration = make_integration("mcp-github")
    streamable = probe_integration(integration)
    integration.config = {**integration.config, **SSE}
    integration.save()
    legacy = probe_integration(integration)
    assert (streamable.details["transport"], legacy.details["transport"]) == (
        "streamable_http",
        "sse",
    )
    assert streamable.details["tools_fingerprint"] == legacy.details["tools_fingerprint"]


def test_probe__sse_without_endpoint_event__times_out_naming_the_transport(
    make_integration, sandbox
):
    sandbox.set_faults("mcp/github", sse_endpoint_event=False)
    integration = make_integration("mcp-github", config=SSE, probe_timeout_seconds=1.0)
    outcome = probe_integration(integration)
    assert (outcome.ok, outcome.error_class) == (False, "timeout")
    assert outcome.message.startswith("MCP HTTP+SSE transport: no endpoint event within")
    assert _streams_closed(sandbox)


def test_probe__neither_transport__names_what_was_tried(make_integration, sandbox):
    sandbox.set_faults("mcp/github", sse_transport=False)
    outcome = probe_integration(make_integration("mcp-github", config=SSE))
    assert (outcome.ok, outcome.error_class) == (False, "client_4xx")
    assert "neither streamable HTTP (POST → 405) nor HTTP+SSE (GET → 404)" in outcome.message


def test_probe__oversized_sse_event__is_a_contract_failure(make_integration, sandbox):
    sandbox.set_faults("mcp/github", sse_pad_bytes=3 * 1024 * 1024)
    outcome = probe_integration(make_integration("mcp-github", config=SSE))
    assert (outcome.ok, outcome.error_class) == (False, "contract")
    assert "byte cap" in outcome.message
    assert _streams_closed(sandbox)
