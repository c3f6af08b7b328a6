"""MCP tool drift: a change in a server's `tools/list` — tools added, removed, or whose
input schema (or description) changed — is recorded as a finding and shown.

The probe already stores each answer's `tools_fingerprint` (sha256 of the canonical
tool list), so detecting *that* something changed costs one indexed read of the
latest good probe. Only when the fingerprint differs from the accepted baseline is
the list fetched in full (one MCP session) to say *what* changed; the new list then
becomes the baseline. The first sighting just records the baseline. Drift findings
stay open until a person reviews and resolves them.
"""

from __future__ import annotations

import json
from datetime import datetime

from integrations.http import GatewayError
from integrations.models import Integration
from monitoring.models import CheckResult, Finding, SignalState
from monitoring.services.findings import finding_raise

COMPARED = ("inputSchema", "description", "title")


def _canonical(value) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def tools_diff(before: dict[str, dict], after: dict[str, dict]) -> dict:
    """{"added": [...], "removed": [...], "changed": {name: {field: {"before", "after"}}}}."""
    changed = {}
    for name in sorted(set(before) & set(after)):
        fields = {
            field: {"before": before[name].get(field), "after": after[name].get(field)}
            for field in COMPARED
            if _canonical(before[name].get(field)) != _canonical(after[name].get(field))
        }
        if fields:
            changed[name] = fields
    return {
        "added": sorted(set(after) - set(before)),
        "removed": sorted(set(before) - set(after)),
        "changed": changed,
    }


def latest_fingerprint(integration: Integration) -> str | None:
    details = (
        CheckResult.objects.filter(integration=integration)
        .exclude(status=CheckResult.Status.FAIL)
        .order_by("-checked_at")
        .values_list("details", flat=True)
        .first()
    )
    return (details or {}).get("tools_fingerprint")


def fetch_tools(integration: Integration) -> tuple[str, dict[str, dict]]:
    """(fingerprint, {name: tool}) from one tools/list session. Raises GatewayError."""
    from integrations.clients.mcp import McpClient, tools_fingerprint

    client = McpClient.for_probe(integration)
    try:
        client.connect()
        tools = client.list_tools()
    finally:
        client.close()
    return tools_fingerprint(tools), {str(t.get("name")): t for t in tools}


def tool_drift_check(integration: Integration, now: datetime) -> Finding | None:
    """Compare the latest probe's fingerprint with the baseline; record drift. Returns the
    finding raised, if any."""
    seen = latest_fingerprint(integration)
    state, _ = SignalState.objects.get_or_create(
        key=f"mcp-tools:{integration.pk}", defaults={"integration": integration}
    )
    if seen is None or seen == state.data.get("fingerprint"):
        return None
    fingerprint, tools = fetch_tools(integration)
    before = state.data.get("tools")
    state.data = {"fingerprint": fingerprint, "tools": tools, "since": now.isoformat()}
    state.save()
    if before is None:
        return None  # first sighting: this is the baseline
    diff = tools_diff(before, tools)
    if not any(diff.values()):
        return None
    return finding_raise(
        kind=Finding.Kind.TOOL_DRIFT,
        key=f"{integration.slug}:{fingerprint[:16]}",
        integration=integration,
        severity="critical" if diff["removed"] or diff["changed"] else "warning",
        title=f"{integration.name}: MCP tools changed ({_summary(diff)})",
        detail="Callers of removed or changed tools may break; review and resolve.",
        data={**diff, "fingerprint_before": state_before(before), "fingerprint_after": fingerprint},
        now=now,
    )


def state_before(tools: dict[str, dict]) -> str:
    from integrations.clients.mcp import tools_fingerprint

    return tools_fingerprint(list(tools.values()))


def _summary(diff: dict) -> str:
    parts = [f"{len(diff[k])} {k}" for k in ("added", "removed", "changed") if diff[k]]
    return ", ".join(parts)


def tools_evaluate(now: datetime) -> int:
    """Check every enabled MCP server; a server that does not answer is tried next time."""
    raised = 0
    for integration in Integration.objects.enabled().filter(kind=Integration.Kind.MCP):
        try:
            raised += tool_drift_check(integration, now) is not None
        except GatewayError:
            continue
    return raised
