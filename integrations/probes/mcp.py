"""MCP probe: initialize (or discover) → ping → tools/list, then end the session.

Over Streamable HTTP or the legacy HTTP+SSE transport (`config.transport`,
`auto` by default: see integrations/clients/mcp.py); the session always ends,
an SSE stream is closed, whatever happened. `details` carry the transport, the
protocol version, the server's name and version, the tool names and a
fingerprint (sha256 of the canonical tool list) so tool drift is visible.
"""

from __future__ import annotations

from integrations.clients.mcp import McpClient, tools_fingerprint
from integrations.probing import ProbeOutcome, register_probe

from .base import probe_ok

TRANSPORT_NAMES = {"streamable_http": "streamable HTTP", "sse": "HTTP+SSE"}


@register_probe("mcp")
def probe_mcp(integration) -> ProbeOutcome:
    client = McpClient.for_probe(integration)
    try:
        client.connect()
        client.ping()
        tools = client.list_tools()
        status = client.gateway.last_status
    finally:
        client.close()
    client.gateway.last_status = status  # tools/list's answer, not the session DELETE's
    names = sorted(str(tool.get("name")) for tool in tools)
    transport = TRANSPORT_NAMES.get(client.transport or "", client.transport)
    return probe_ok(
        client,
        f"{len(tools)} tools over MCP {client.protocol_version} ({transport})",
        transport=client.transport,
        protocol_version=client.protocol_version,
        server=client.server_info,
        tool_count=len(tools),
        tool_names=names,
        tools_fingerprint=tools_fingerprint(tools),
    )
