"""Whole stories over real HTTP: the vendor sandbox signs and delivers a webhook to a live
server; it is stored, processed by the (synchronous) job, and the tiles re-read the sandbox."""

from __future__ import annotations

import time

import pytest

from integrations.catalogue import CATALOGUE
from integrations.models import Integration, IntegrationState, TileSnapshot
from integrations.webhooks.models import WebhookEvent
from tests.integrations.webhooks.conftest import CHATWOOT_SECRET, SHOPIFY_SECRET

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("sync_jobs")]
Status = WebhookEvent.Status


@pytest.fixture
def store(sandbox, settings):
    """Shopify, Chatwoot and GA4 from the catalogue, in sandbox mode, pointed at the test sandbox."""
    settings.SANDBOX_URL = sandbox.url
    for entry in CATALOGUE:
        if entry["slug"] in ("shopify", "chatwoot", "ga4"):
            fields = {k: v for k, v in entry.items() if k != "depends_on"} | {"mode": "sandbox"}
            IntegrationState.objects.create(integration=Integration.objects.create(**fields))
    return sandbox


def deliver(store, live_server, vendor: str, path: str, **spec) -> dict:
    return store.deliver_webhook(
        vendor=vendor, target_url=f"{live_server.url}{path}", timeout_s=60, **spec
    )


def test_story__shopify_order_created__stored_processed_tiles_reread(store, live_server):
    answer = deliver(
        store,
        live_server,
        "shopify",
        "/webhooks/shopify/",
        topic="orders/create",
        secret=SHOPIFY_SECRET,
    )
    assert answer["deliveries"][0]["status"] == 202
    event = WebhookEvent.objects.get(event_id=answer["event_id"])
    assert (event.status, event.attempts, event.signed) == (Status.PROCESSED, 1, True)
    assert set(event.result["tiles"]) == {"sales_pulse", "fulfillment_flow", "inventory_watch"}
    snapshot = TileSnapshot.objects.get(key="sales_pulse")
    assert snapshot.data is not None and snapshot.generated_at >= event.received_at


def test_story__redelivered_three_times__processed_once(store, live_server):
    answer = deliver(
        store,
        live_server,
        "shopify",
        "/webhooks/shopify",
        topic="inventory_levels/update",
        secret=SHOPIFY_SECRET,
        duplicate=2,
    )
    assert [d["status"] for d in answer["deliveries"]] == [202, 200, 200]
    event = WebhookEvent.objects.get()
    assert (event.status, event.attempts) == (Status.PROCESSED, 1)


def test_story__chatwoot_message__cx_tile_reread(store, live_server):
    answer = deliver(
        store,
        live_server,
        "chatwoot",
        "/webhooks/chatwoot/",
        topic="message_created",
        secret=CHATWOOT_SECRET,
    )
    assert answer["deliveries"][0]["status"] == 202
    event = WebhookEvent.objects.get()
    assert event.status == Status.PROCESSED and event.result["tiles"] == {"cx_pulse": "ok"}


def test_story__chatwoot_stale_signature__refused(store, live_server):
    answer = deliver(
        store,
        live_server,
        "chatwoot",
        "/webhooks/chatwoot/",
        topic="message_created",
        secret=CHATWOOT_SECRET,
        timestamp=int(time.time()) - 3600,
    )
    assert answer["deliveries"][0]["status"] == 401
    assert answer["deliveries"][0]["body"]["code"] == "stale_timestamp"
    assert not WebhookEvent.objects.exists()


def test_story__forged_shopify_call__refused(store, live_server):
    answer = deliver(
        store, live_server, "shopify", "/webhooks/shopify/", topic="orders/create", secret="guess"
    )
    assert answer["deliveries"][0]["status"] == 401
    assert not WebhookEvent.objects.exists()
