"""Each sandbox MCP server's tool list, tool drift from the control API, and tool results.

Tool names follow the public servers where known (Shopify Dev MCP, Context7,
GitHub MCP, Google Analytics MCP); llamaindex-rag exposes HotDash's RAG tools.
Drift settings (`tools_remove`, `tools_add`, `tools_patch`) change the list a
server advertises so the platform's tool-drift detection can be exercised.
"""

from __future__ import annotations

import copy
import json
from typing import Any


def _tool(
    name: str, description: str, props: dict[str, str] | None = None, required: tuple[str, ...] = ()
) -> dict:
    properties = {k: {"type": v} for k, v in (props or {}).items()}
    schema = {"type": "object", "properties": properties}
    if required:
        schema["required"] = list(required)
    return {
        "name": name,
        "title": name.replace("_", " ").replace("-", " ").title(),
        "description": description,
        "inputSchema": schema,
    }


SERVERS: dict[str, list[dict]] = {
    "shopify-dev": [
        _tool("learn_shopify_api", "Load context about a Shopify API", {"api": "string"}, ("api",)),
        _tool(
            "search_docs_chunks",
            "Search shopify.dev documentation",
            {"prompt": "string"},
            ("prompt",),
        ),
        _tool("fetch_full_docs", "Fetch full documentation pages", {"paths": "array"}, ("paths",)),
        _tool(
            "introspect_graphql_schema",
            "Search the Admin GraphQL schema",
            {"query": "string", "api": "string"},
            ("query",),
        ),
        _tool(
            "validate_graphql_codeblocks",
            "Validate GraphQL against the schema",
            {"codeblocks": "array"},
            ("codeblocks",),
        ),
    ],
    "context7": [
        _tool(
            "resolve-library-id",
            "Resolve a library name to a Context7 id",
            {"libraryName": "string"},
            ("libraryName",),
        ),
        _tool(
            "get-library-docs",
            "Fetch up-to-date library documentation",
            {"context7CompatibleLibraryID": "string", "topic": "string", "tokens": "integer"},
            ("context7CompatibleLibraryID",),
        ),
    ],
    "github": [
        _tool("get_me", "Details of the authenticated user"),
        _tool(
            "list_issues",
            "List issues in a repository",
            {"owner": "string", "repo": "string", "state": "string"},
            ("owner", "repo"),
        ),
        _tool(
            "get_issue",
            "Get one issue",
            {"owner": "string", "repo": "string", "issue_number": "integer"},
            ("owner", "repo", "issue_number"),
        ),
        _tool(
            "create_issue",
            "Open an issue",
            {"owner": "string", "repo": "string", "title": "string", "body": "string"},
            ("owner", "repo", "title"),
        ),
        _tool(
            "list_pull_requests",
            "List pull requests",
            {"owner": "string", "repo": "string"},
            ("owner", "repo"),
        ),
        _tool("search_code", "Search code across GitHub", {"query": "string"}, ("query",)),
        _tool(
            "get_file_contents",
            "Read a file",
            {"owner": "string", "repo": "string", "path": "string"},
            ("owner", "repo", "path"),
        ),
    ],
    "supabase": [
        _tool("list_projects", "List Supabase projects"),
        _tool("list_tables", "List tables in schemas", {"schemas": "array"}),
        _tool("execute_sql", "Run read-only SQL", {"query": "string"}, ("query",)),
        _tool("get_logs", "Recent logs of a service", {"service": "string"}, ("service",)),
        _tool("get_advisors", "Security and performance advisors", {"type": "string"}, ("type",)),
    ],
    "fly": [
        _tool("fly-apps-list", "List Fly.io apps"),
        _tool("fly-status", "Status of an app", {"app": "string"}, ("app",)),
        _tool("fly-logs", "Recent logs of an app", {"app": "string"}, ("app",)),
        _tool("fly-machine-list", "Machines of an app", {"app": "string"}, ("app",)),
    ],
    "google-analytics": [
        _tool("get_account_summaries", "GA accounts and properties"),
        _tool(
            "get_property_details",
            "Details of a property",
            {"property_id": "string"},
            ("property_id",),
        ),
        _tool(
            "run_report",
            "Run a GA4 Data API report",
            {
                "property_id": "string",
                "date_ranges": "array",
                "dimensions": "array",
                "metrics": "array",
            },
            ("property_id", "date_ranges", "metrics"),
        ),
        _tool(
            "run_realtime_report",
            "Run a realtime report",
            {"property_id": "string", "dimensions": "array", "metrics": "array"},
            ("property_id", "metrics"),
        ),
    ],
    "llamaindex-rag": [
        _tool(
            "query_support",
            "Answer a support question from the knowledge base",
            {"query": "string", "top_k": "integer"},
            ("query",),
        ),
        _tool("refresh_index", "Re-index the support knowledge base"),
        _tool(
            "insight_report",
            "Topics and unanswered counts of recent conversations",
            {"days": "integer"},
        ),
    ],
}
_TYPES = {
    "string": str,
    "integer": int,
    "number": (int, float),
    "boolean": bool,
    "array": list,
    "object": dict,
}


def check_tool_list(value: list) -> str | None:
    """Control-API validation of `tools_add`: objects with a name and an object inputSchema."""
    for tool in value:
        if not isinstance(tool, dict) or not isinstance(tool.get("name"), str):
            return "every tool needs a string name"
        if not isinstance(tool.get("inputSchema", {}), dict):
            return f"{tool['name']}: inputSchema must be an object"
    return None


def check_names(value: list) -> str | None:
    return None if all(isinstance(v, str) for v in value) else "must be a list of tool names"


def check_patches(value: dict) -> str | None:
    return (
        None if all(isinstance(v, dict) for v in value.values()) else "each patch must be an object"
    )


def tools_for(server: str, settings: dict) -> list[dict]:
    """The server's advertised tools after drift settings are applied."""
    removed = set(settings.get("tools_remove") or ())
    patches = settings.get("tools_patch") or {}
    tools = [copy.deepcopy(t) for t in SERVERS[server] if t["name"] not in removed]
    for tool in tools:
        tool.update(copy.deepcopy(patches.get(tool["name"], {})))
    for extra in settings.get("tools_add") or ():
        tool = {
            "inputSchema": {"type": "object", "properties": {}},
            "description": "",
        } | copy.deepcopy(extra)
        tools = [t for t in tools if t["name"] != tool["name"]] + [tool]
    return tools


def argument_problem(tool: dict, args: Any) -> str | None:
    """Why `args` do not fit the tool's inputSchema (required keys and basic types), or None."""
    if not isinstance(args, dict):
        return "arguments must be an object"
    schema = tool.get("inputSchema") or {}
    for name in schema.get("required", []):
        if name not in args:
            return f"missing required property '{name}'"
    for name, spec in (schema.get("properties") or {}).items():
        expected = _TYPES.get(spec.get("type")) if isinstance(spec, dict) else None
        if (
            name in args
            and expected
            and (
                not isinstance(args[name], expected)
                or (expected is int and isinstance(args[name], bool))
            )
        ):
            return f"property '{name}' must be of type {spec['type']}"
    return None


def canned_result(server: str, tool: str, args: dict) -> dict:
    """A deterministic, plausible payload for tools that have no sandbox backend."""
    return {
        "server": server,
        "tool": tool,
        "arguments": args,
        "sandbox": True,
        "summary": f"{tool} completed against the {server} sandbox",
    }


def text_content(payload: Any, is_error: bool = False) -> dict:
    return {
        "content": [{"type": "text", "text": json.dumps(payload, sort_keys=True)}],
        "isError": is_error,
    }
