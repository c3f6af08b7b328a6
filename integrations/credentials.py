"""Credentials resolved at call time: sandbox values in sandbox mode, the environment in live mode.

`Integration.credential_env` maps a role to an environment variable NAME
(`{"token": "SHOPIFY_ADMIN_TOKEN"}`). Values are read when a call is made and
never stored; errors name the variable, never its value.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from integrations.http import ConfigInvalid

# What the vendor sandbox accepts, per kind and role (sandbox/vendors/).
SANDBOX_CREDENTIALS: dict[str, dict[str, str]] = {
    "shopify": {"token": "sandbox-shopify-token"},
    "chatwoot": {"token": "sandbox-chatwoot-token"},
    "supabase": {"api_key": "sandbox-supabase-service", "anon_key": "sandbox-supabase-anon"},
    "publer": {"api_key": "sandbox-publer-key", "workspace_id": "665f2c1e8a0b4d0012ab34cd"},
    "llamaindex": {"token": "sandbox-llamaindex-token"},
    "mcp": {"token": "sandbox-mcp-token"},
}


class CredentialMissing(ConfigInvalid):
    """A live integration's credential variable is not set (or is empty)."""


def credentials_resolve(integration, *, environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """Role → value for `integration`'s current mode.

    Sandbox mode: the sandbox's well-known values (roles the sandbox does not
    need are absent). Live mode: `environ[credential_env[role]]` for every
    role. Raises CredentialMissing naming the first unset variable.
    """
    if integration.mode == integration.Mode.SANDBOX:
        return dict(_sandbox_values(integration))
    environ = os.environ if environ is None else environ
    values = {}
    for role, variable in sorted((integration.credential_env or {}).items()):
        value = environ.get(variable, "")
        if not value.strip():
            raise CredentialMissing(
                f"{integration.slug}: environment variable {variable} ({role}) is not set"
            )
        values[role] = value.strip()
    return values


def _sandbox_values(integration) -> Mapping[str, str]:
    if integration.kind == "slack":
        return {"webhook_url": integration.effective_base_url}
    if integration.kind == "ga4":
        from integrations.clients.ga4 import sandbox_service_account_json

        return {"service_account_json": sandbox_service_account_json(integration)}
    return SANDBOX_CREDENTIALS.get(integration.kind, {})
