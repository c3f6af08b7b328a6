"""Clients of the platform APIs that act *on* an integration rather than through it:
Fly.io's Machines API (the app hosting a service) and Supabase's Management API (the
project behind the data API).

They follow the integration's mode like every client: sandbox mode calls
`SANDBOX_URL + "/" + prefix` with the sandbox's token; live mode calls the
vendor with the token read, at call time, from the environment variable NAMED
in the integration's config. Unlike `VendorClient` they keep a gateway of their
own, without the integration's circuit breaker or rate-limit report: those
describe the service, not its control plane, and a LlamaIndex that is down must
not block the call that restarts it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from django.conf import settings

from integrations.credentials import CredentialMissing
from integrations.http import ContractBroken, Gateway, HttpResult, Limits

DEFAULT_TIMEOUT_S = 30.0  # settings.RECOVERY_ACTION_TIMEOUT_SECONDS overrides it


@dataclass(frozen=True)
class Platform:
    name: str  # gateway name and log prefix
    live_url: str  # the vendor's API root
    sandbox_prefix: str  # the vendor sandbox's path prefix
    sandbox_token: str  # what the sandbox accepts


def platform_base_url(integration: Any, platform: Platform) -> str:
    """The sandbox's prefix in sandbox mode, the vendor's API in live mode."""
    if integration.mode == integration.Mode.SANDBOX:
        return f"{settings.SANDBOX_URL.rstrip('/')}/{platform.sandbox_prefix}"
    return platform.live_url


def platform_token(integration: Any, platform: Platform, token_env: str) -> str:
    """The bearer token: the sandbox's in sandbox mode, else `$token_env`.
    Raises CredentialMissing (naming the variable, never a value) when it is unset."""
    if integration.mode == integration.Mode.SANDBOX:
        return platform.sandbox_token
    value = os.environ.get(token_env, "").strip()
    if not value:
        raise CredentialMissing(
            f"{integration.slug}: environment variable {token_env} ({platform.name}) is not set"
        )
    return value


def action_limits(timeout_s: float | None = None) -> Limits:
    """One call's limits: a control-plane call may be slow (a restart waits for the VM).
    `timeout_s` may only shorten RECOVERY_ACTION_TIMEOUT_SECONDS."""
    timeout = float(getattr(settings, "RECOVERY_ACTION_TIMEOUT_SECONDS", DEFAULT_TIMEOUT_S))
    timeout = min(timeout, timeout_s) if timeout_s else timeout
    return Limits(connect_s=min(3.05, timeout), read_s=timeout, deadline_s=timeout)


class PlatformClient:
    """Base of FlyClient and SupabaseManagementClient. One per unit of work."""

    platform: Platform

    def __init__(
        self,
        integration: Any,
        *,
        token_env: str,
        gateway: Gateway | None = None,
        timeout_s: float | None = None,
    ):
        """Raises CredentialMissing in live mode when `token_env` is unset (nothing is sent).
        `timeout_s` bounds each call below the setting (e.g. reads in a precondition)."""
        self.integration = integration
        self.base_url = platform_base_url(integration, self.platform)
        self.token = platform_token(integration, self.platform, token_env)
        self.gateway = gateway or Gateway(
            f"{self.platform.name}:{integration.slug}",
            limits=action_limits(timeout_s),
            secrets=[self.token],
            sandbox=integration.mode == integration.Mode.SANDBOX,
        )

    def url(self, path: str) -> str:
        return f"{self.base_url}/{path.lstrip('/')}"

    def headers(self) -> dict[str, str]:
        return {
            "Authorization": f"Bearer {self.token}",
            "Accept": "application/json",
            "User-Agent": "hotdash-recovery/1.0",
        }


def describe_error(result: HttpResult) -> str:
    """The vendor's error text: Fly's `{"error"}` or Supabase's `{"message"}`, else the body."""
    try:
        body = result.json()
    except ContractBroken:
        return " ".join(result.text.split())[:200]
    if isinstance(body, dict):
        return str(body.get("error") or body.get("message") or body)[:300]
    return str(body)[:200]
