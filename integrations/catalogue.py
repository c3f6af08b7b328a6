"""The seeded catalogue: the store "Hot Rod AN" and every service its dashboard depends on.

Pure data. `integrations.services.catalogue_seed` turns it into rows. Live base
URLs for self-hosted services are placeholders an operator edits before going live.
"""

from __future__ import annotations

from urllib.parse import urlsplit

STORE_NAME = "Hot Rod AN"

MCP_SERVERS = {
    "shopify-dev": ("Shopify Dev MCP", "https://shopify-dev-mcp.hotrodan.fly.dev", {}, []),
    "context7": ("Context7 MCP", "https://mcp.context7.com", {"token": "CONTEXT7_API_KEY"}, []),
    "github": ("GitHub MCP", "https://api.githubcopilot.com", {"token": "GITHUB_MCP_TOKEN"}, []),
    "supabase": (
        "Supabase MCP",
        "https://mcp.supabase.com",
        {"token": "SUPABASE_MCP_TOKEN"},
        ["supabase"],
    ),
    "fly": ("Fly.io MCP", "https://hotrodan-mcp-fly.fly.dev", {"token": "FLY_API_TOKEN"}, []),
    "google-analytics": (
        "Google Analytics MCP",
        "https://hotrodan-mcp-ga.fly.dev",
        {"token": "GA_MCP_TOKEN"},
        ["ga4"],
    ),
    "llamaindex-rag": (
        "LlamaIndex RAG MCP",
        "https://hotrodan-rag-mcp.fly.dev",
        {"token": "LLAMAINDEX_MCP_TOKEN"},
        ["llamaindex"],
    ),
}

LLAMAINDEX_TOOLS = ["query_support", "refresh_index", "insight_report"]
FLY_TOKEN_ENV = "FLY_API_TOKEN"


def fly_hosting(live_url: str) -> dict | None:
    """`config["hosting"]` for a service served from `*.fly.dev` (its Fly app is the first
    host label; `fly.app_restart` restarts that app's Machines), else None.

    shopify-dev-mcp.hotrodan.fly.dev is not a plain `<app>.fly.dev` host: an operator
    checks its app name (like every live URL here) before going live.
    """
    host = urlsplit(live_url).hostname or ""
    if not host.endswith(".fly.dev"):
        return None
    return {"provider": "fly", "app": host.split(".")[0], "token_env": FLY_TOKEN_ENV}


def _mcp_entries() -> list[dict]:
    entries = []
    for server, (name, live_url, creds, deps) in MCP_SERVERS.items():
        config = {"endpoint_path": "/mcp", "protocol_version": "2025-11-25"}
        if hosting := fly_hosting(live_url):
            config["hosting"] = hosting
        entries.append(
            {
                "slug": f"mcp-{server}",
                "name": name,
                "kind": "mcp",
                "base_url": live_url,
                "sandbox_path": f"mcp/{server}",
                "credential_env": creds,
                "config": config,
                "business_weight": 4,
                "owner": "platform",
                "runbook": "mcp",
                "depends_on": deps,
            }
        )
    return entries


CATALOGUE: list[dict] = [
    {
        "slug": "shopify",
        "name": "Shopify Admin GraphQL",
        "kind": "shopify",
        "base_url": "https://hot-rod-an.myshopify.com",
        "sandbox_path": "shopify",
        "credential_env": {"token": "SHOPIFY_ADMIN_TOKEN"},
        "config": {"shop": "hot-rod-an", "api_version": "2026-10"},
        "business_weight": 1,
        "slo_availability": "99.900",
        "owner": "ecommerce",
        "vendor_contact": "https://help.shopify.com/en/support",
        "runbook": "shopify",
        "depends_on": [],
    },
    {
        "slug": "chatwoot",
        "name": "Chatwoot",
        "kind": "chatwoot",
        "base_url": "https://app.chatwoot.com",
        "sandbox_path": "chatwoot",
        "credential_env": {"token": "CHATWOOT_API_TOKEN"},
        "config": {"account_id": 1},
        "business_weight": 2,
        "owner": "customer-support",
        "vendor_contact": "support@chatwoot.com",
        "runbook": "chatwoot",
        "depends_on": ["supabase"],
    },
    {
        "slug": "ga4",
        "name": "Google Analytics 4",
        "kind": "ga4",
        "base_url": "https://analyticsdata.googleapis.com",
        "sandbox_path": "ga4",
        "credential_env": {"service_account_json": "GA4_SERVICE_ACCOUNT_JSON"},
        "config": {"property_id": "314159265", "token_uri": "https://oauth2.googleapis.com/token"},
        "business_weight": 3,
        "owner": "marketing",
        "runbook": "ga4",
        "depends_on": [],
    },
    {
        "slug": "supabase",
        "name": "Supabase",
        "kind": "supabase",
        "base_url": "https://hotrodan.supabase.co",
        "sandbox_path": "supabase",
        "credential_env": {"api_key": "SUPABASE_SERVICE_KEY"},
        # project_ref and the Management API token (supabase.project_resume).
        "config": {
            "probe_table": "idea_pool",
            "project_ref": "hotrodan",
            "management_token_env": "SUPABASE_ACCESS_TOKEN",
        },
        "business_weight": 2,
        "owner": "platform",
        "runbook": "supabase",
        "depends_on": [],
    },
    {
        "slug": "publer",
        "name": "Publer",
        "kind": "publer",
        "base_url": "https://app.publer.com",
        "sandbox_path": "publer",
        "credential_env": {"api_key": "PUBLER_API_KEY", "workspace_id": "PUBLER_WORKSPACE_ID"},
        "config": {},
        "business_weight": 4,
        "owner": "marketing",
        "runbook": "publer",
        "depends_on": [],
    },
    {
        "slug": "slack",
        "name": "Slack alerts webhook",
        "kind": "slack",
        "base_url": "https://hooks.slack.com",
        "sandbox_path": "slack/services/T0HOTROD/B0ALERTS/sandbox-webhook",
        "credential_env": {"webhook_url": "SLACK_WEBHOOK_URL"},
        "config": {},
        "business_weight": 3,
        "owner": "platform",
        "runbook": "slack",
        "depends_on": [],
    },
    {
        "slug": "llamaindex",
        "name": "LlamaIndex RAG service",
        "kind": "llamaindex",
        "base_url": "https://hotrodan-rag.fly.dev",
        "sandbox_path": "llamaindex",
        "credential_env": {"token": "LLAMAINDEX_API_TOKEN"},
        "config": {
            "tools": LLAMAINDEX_TOOLS,
            "hosting": fly_hosting("https://hotrodan-rag.fly.dev"),
        },
        "business_weight": 3,
        "owner": "customer-support",
        "runbook": "llamaindex",
        "depends_on": [],
    },
    *_mcp_entries(),
]
