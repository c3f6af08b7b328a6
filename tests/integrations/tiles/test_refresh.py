"""Refreshing and reading tiles: snapshots, last good data on failure, staleness, leases."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from hotdash.errors import NotFound
from hotdash.schedules import SCHEDULES
from integrations.models import IntegrationState, TileSnapshot
from integrations.tasks import tiles_refresh_task
from integrations.tiles import registry
from integrations.tiles.registry import Tile, tiles_for_event
from integrations.tiles.selectors import tile_list, tile_read, tiles_due
from integrations.tiles.services import tiles_refresh
from tests.integrations.tiles.conftest import NOW

pytestmark = pytest.mark.django_db


def test_refresh__success__stores_data_sources_and_duration(store):
    assert tiles_refresh(keys=["cx_pulse"], now=NOW) == {"cx_pulse": "ok"}
    snapshot = TileSnapshot.objects.get(key="cx_pulse")
    assert snapshot.title == "CX Pulse" and snapshot.data["open"] >= 0
    assert snapshot.computed_from == [
        {"integration": "chatwoot", "status": "unknown", "last_success_at": None}
    ]
    assert snapshot.duration_ms > 0 and snapshot.error == "" and snapshot.refreshing_until is None


def test_refresh__vendor_outage__keeps_last_good_data_and_records_the_error(store, frozen_sandbox):
    tiles_refresh(keys=["cx_pulse"], now=NOW)
    good = tile_read("cx_pulse")
    frozen_sandbox.set_faults("chatwoot", outage=True)

    assert tiles_refresh(keys=["cx_pulse"], now=NOW) == {"cx_pulse": "failed"}

    after = tile_read("cx_pulse")
    assert (after["data"], after["generated_at"]) == (good["data"], good["generated_at"])
    assert after["last_error"]["detail"].startswith("vendor_vendor_5xx: HTTP 503")
    assert TileSnapshot.objects.get(key="cx_pulse").refreshing_until is None


def test_refresh__after_a_failure__success_clears_the_error(store, frozen_sandbox):
    frozen_sandbox.set_faults("chatwoot", wrong_auth=True)
    assert tiles_refresh(keys=["cx_pulse"], now=NOW) == {"cx_pulse": "failed"}
    assert tile_read("cx_pulse")["data"] is None
    frozen_sandbox.clear_faults("chatwoot")
    assert tiles_refresh(keys=["cx_pulse"], now=NOW) == {"cx_pulse": "ok"}
    assert tile_read("cx_pulse")["last_error"] is None


def test_refresh__source_disabled__fails_without_calling_out(store):
    store["shopify"].enabled = False
    store["shopify"].save(update_fields=["enabled"])
    assert tiles_refresh(keys=["fulfillment_flow"], now=NOW) == {"fulfillment_flow": "failed"}
    error = TileSnapshot.objects.get(key="fulfillment_flow").error
    assert error == "tile_source_unavailable: Source integration 'shopify' is disabled."


def test_refresh__a_crashing_tile__is_recorded_and_the_others_still_refresh(store, monkeypatch):
    def crash(ctx):
        raise ValueError("bug")

    monkeypatch.setitem(registry._tiles, "broken", Tile("broken", "Broken", (), crash, 60, 60))
    assert tiles_refresh(keys=["broken", "cx_pulse"], now=NOW) == {
        "broken": "failed",
        "cx_pulse": "ok",
    }
    assert TileSnapshot.objects.get(key="broken").error == "tile_compute_crashed: ValueError"


def test_refresh__lease_held_by_another_worker__is_busy_until_it_expires(store):
    later = timezone.now() + timedelta(seconds=60)
    TileSnapshot.objects.create(key="cx_pulse", title="CX Pulse", refreshing_until=later)
    assert tiles_refresh(keys=["cx_pulse"], now=NOW) == {"cx_pulse": "busy"}
    TileSnapshot.objects.filter(key="cx_pulse").update(
        refreshing_until=timezone.now() - timedelta(seconds=1)
    )
    assert tiles_refresh(keys=["cx_pulse"], now=NOW) == {"cx_pulse": "ok"}


def test_refresh__unknown_key__is_reported_not_raised(db):
    assert tiles_refresh(keys=["nope"]) == {"nope": "unknown"}


def test_read__never_computed__data_null_and_stale(db):
    tile = tile_read("sales_pulse")
    assert (tile["data"], tile["generated_at"], tile["stale"]) == (None, None, True)
    assert tile["stale_reasons"] == ["never_computed"]
    assert [s["integration"] for s in tile["sources"]] == ["shopify", "ga4"]


def test_read__snapshot_older_than_max_age__is_stale_with_its_data(store):
    tiles_refresh(keys=["cx_pulse"], now=NOW)
    old = timezone.now() - timedelta(seconds=301)
    TileSnapshot.objects.filter(key="cx_pulse").update(generated_at=old)
    tile = tile_read("cx_pulse")
    assert tile["stale"] and tile["stale_reasons"] == ["too_old"] and tile["data"]["open"] >= 0


def test_read__source_down__is_stale_and_shows_the_source_status(store):
    tiles_refresh(keys=["sales_pulse"], now=NOW)
    IntegrationState.objects.filter(integration__slug="ga4").update(status="down")
    tile = tile_read("sales_pulse")
    assert tile["stale"] and tile["stale_reasons"] == ["source_down:ga4"]
    assert [s["status"] for s in tile["sources"]] == ["unknown", "down"]
    assert tile["data"]["today"]["orders"] >= 0


def test_read__unknown_key__not_found(db):
    with pytest.raises(NotFound) as caught:
        tile_read("nope")
    assert caught.value.code == "tile_not_found"


def test_list__every_tile_in_display_order(db):
    keys = [tile["key"] for tile in tile_list()]
    business = ["cx_pulse", "sales_pulse", "seo_pulse", "inventory_watch", "fulfillment_flow"]
    assert [key for key in keys if key in business] == business


def test_tiles_due__tiles_whose_refresh_interval_has_passed(db):
    now = timezone.now()
    TileSnapshot.objects.create(key="cx_pulse", title="CX Pulse", attempted_at=now)
    TileSnapshot.objects.create(
        key="sales_pulse", title="Sales Pulse", attempted_at=now - timedelta(seconds=121)
    )
    due = tiles_due(now=now)
    assert "sales_pulse" in due and "seo_pulse" in due and "cx_pulse" not in due


def test_task__without_keys__refreshes_the_due_tiles(db, monkeypatch):
    seen = {}
    monkeypatch.setattr(
        "integrations.tiles.services.tiles_refresh", lambda keys: seen.setdefault("keys", keys)
    )
    tiles_refresh_task()
    assert seen["keys"] == tiles_due()


def test_task__with_keys__refreshes_those(store):
    assert tiles_refresh_task(["cx_pulse"]) == {"cx_pulse": "ok"}


def test_schedule__tiles_refresh_every_minute():
    assert SCHEDULES["integrations.tiles_refresh"][0] == "integrations.tasks.tiles_refresh_task"


def test_tiles_for_event__webhook_topics_map_to_tiles():
    assert set(tiles_for_event("shopify", "orders/create")) == {
        "sales_pulse",
        "fulfillment_flow",
        "inventory_watch",
    }
    assert tiles_for_event("chatwoot", "message_created") == ["cx_pulse"]
    assert tiles_for_event("ga4", "anything") == []


def test_tiles_for_event__prefix_declaration__matches_every_topic_under_it():
    assert tiles_for_event("shopify", "fulfillment_orders/moved") == ["fulfillment_flow"]
    assert tiles_for_event("shopify", "fulfillment_orders") == []  # the prefix ends in "/"
