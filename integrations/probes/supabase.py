"""Supabase probe: GoTrue's `/auth/v1/health`, then a counted one-row read of
`config["probe_table"]` (never `/rest/v1/`, which refuses publishable keys since 2026-04-08)."""

from __future__ import annotations

from integrations.clients.supabase import SupabaseClient
from integrations.http import ConfigInvalid
from integrations.probing import ProbeOutcome, register_probe

from .base import probe_ok


@register_probe("supabase")
def probe_supabase(integration) -> ProbeOutcome:
    client = SupabaseClient.for_probe(integration)
    table = str(client.config.get("probe_table", ""))
    if not table:
        raise ConfigInvalid(f"{integration.slug}: config probe_table is not set")
    auth = client.auth_health()
    page = client.select(table, limit=1, count=True)
    return probe_ok(
        client,
        f"auth {auth.get('version', '?')}; {table} has {page.total} rows",
        auth_version=auth.get("version"),
        probe_table=table,
        row_count=page.total,
    )
