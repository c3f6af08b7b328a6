"""The integration-status tile: monitoring's health summary, stored and served as a tile."""

from __future__ import annotations

import pytest

from integrations.models import Integration, IntegrationState
from integrations.tiles.registry import tile_get
from integrations.tiles.selectors import tile_list, tile_read
from integrations.tiles.services import tiles_refresh

pytestmark = pytest.mark.django_db


def integration(slug: str, status: str, **extra) -> Integration:
    made = Integration.objects.create(
        slug=slug, name=slug.title(), kind="http", base_url="https://x.example", **extra
    )
    IntegrationState.objects.create(integration=made, status=status, last_error_class="timeout")
    return made


def test_integration_status__registered_by_the_project_first_and_without_sources():
    tile = tile_get("integration_status")
    assert tile is not None and tile.sources == ()
    assert [t["key"] for t in tile_list()][0] == "integration_status"


def test_integration_status__counts_and_what_needs_attention():
    integration("shop", "ok")
    integration("chat", "degraded")
    integration("analytics", "down")
    integration("old", "down", enabled=False)

    assert tiles_refresh(keys=["integration_status"]) == {"integration_status": "ok"}

    tile = tile_read("integration_status")
    assert tile["stale"] is False and tile["sources"] == []
    data = tile["data"]
    assert data["overall"] == "down" and data["total"] == 3
    assert (data["counts"]["ok"], data["counts"]["degraded"], data["counts"]["down"]) == (1, 1, 1)
    assert [(row["integration"], row["status"]) for row in data["attention"]] == [
        ("analytics", "down"),
        ("chat", "degraded"),
    ]
