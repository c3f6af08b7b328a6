"""Safe recovery steps the integrations offer (registered with approvals at start-up).

    integrations.circuit_reset   close the circuit breaker so the next call goes through
    integrations.token_refresh   drop a cached access token and fetch a new one (GA4)

Both are `safe`: they change nothing a customer or a vendor can see.
"""

from __future__ import annotations

from approvals import registry
from integrations.clients.ga4 import GA4Client
from integrations.models import Integration, IntegrationState
from integrations.selectors import SLUG_SCHEMA, integration_by_slug


def circuit_reset_perform(params: dict, idempotency_key: str) -> dict:
    integration = integration_by_slug(params["slug"])
    before = (
        IntegrationState.objects.filter(integration=integration)
        .values_list("circuit_state", flat=True)
        .first()
    )
    IntegrationState.objects.filter(integration=integration).update(
        circuit_state=IntegrationState.Circuit.CLOSED,
        circuit_failures=0,
        circuit_opened_at=None,
        circuit_trial_until=None,
    )
    return {"slug": integration.slug, "circuit": {"before": before, "after": "closed"}}


def token_refresh_perform(params: dict, idempotency_key: str) -> dict:
    integration = integration_by_slug(params["slug"])
    if integration.kind != Integration.Kind.GA4:
        raise registry.ActionFailed(f"{integration.slug} has no cached token to refresh.")
    GA4Client(integration).access_token(fresh=True)
    return {"slug": integration.slug, "token": "refreshed"}


def register_all() -> None:
    common = {
        "schema": SLUG_SCHEMA,
        "risk": registry.SAFE,
        "target": lambda p: f"integrations.Integration:{p['slug']}",
        "integration": lambda p: p["slug"],
        "replace": True,
    }
    registry.register(
        "integrations.circuit_reset",
        perform=circuit_reset_perform,
        description="Close the integration's circuit breaker.",
        **common,
    )
    registry.register(
        "integrations.token_refresh",
        perform=token_refresh_perform,
        description="Fetch a fresh access token (GA4 service account).",
        **common,
    )
