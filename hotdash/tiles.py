"""The integration-status tile: the health summary as a tile.

It composes monitoring (the health summary) with the integrations' states, so
it lives in the project layer and is registered from `HotdashConfig.ready()`;
integrations never imports monitoring. Its data is local (no vendor), so it has
no source integrations and is never stale because of one.
"""

from __future__ import annotations

from integrations.models import IntegrationState
from integrations.tiles.registry import Tile, tile_register
from monitoring.selectors import health_summary

Status = IntegrationState.Status
ATTENTION = (Status.DOWN, Status.DEGRADED, Status.MAINTENANCE)
ORDER = {Status.DOWN: 0, Status.DEGRADED: 1, Status.MAINTENANCE: 2}


def compute(ctx) -> dict:
    """Overall status, counts per status, open incidents, and the integrations needing a look."""
    summary = health_summary()
    summary.pop("generated_at", None)  # the snapshot carries its own time
    rows = (
        IntegrationState.objects.filter(integration__enabled=True, status__in=ATTENTION)
        .select_related("integration")
        .order_by("integration__slug")
    )
    attention = sorted(rows, key=lambda s: (ORDER[s.status], s.integration.slug))
    return {
        **summary,
        "attention": [
            {
                "integration": state.integration.slug,
                "name": state.integration.name,
                "status": state.status,
                "since": state.status_since,
                "last_error_class": state.last_error_class,
                "last_success_at": state.last_success_at,
            }
            for state in attention
        ],
    }


def register() -> Tile:
    return tile_register(
        Tile(
            key="integration_status",
            title="Integration status",
            sources=(),
            compute=compute,
            max_age_seconds=180,
            refresh_seconds=60,
            position=0,
        )
    )
