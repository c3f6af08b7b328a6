"""The platform clients (Fly Machines, Supabase Management) and Shopify webhook subscriptions,
against the vendor sandbox over real HTTP."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from integrations.clients.fly import FlyClient, Machine
from integrations.clients.shopify import ShopifyClient
from integrations.clients.shopify_webhooks import subscription_create, subscriptions
from integrations.clients.supabase_mgmt import SupabaseManagementClient
from integrations.credentials import CredentialMissing
from integrations.http import AuthRejected, RequestRejected

pytestmark = pytest.mark.django_db
HOOK = "https://hotdash.example/webhooks/shopify/"


def test_fly__lists_the_apps_machines(make_integration):
    client = FlyClient(make_integration("llamaindex"), token_env="FLY_API_TOKEN")
    machines = client.machines("hotrodan-rag")
    assert [m.state for m in machines] == ["started", "started"]
    assert all(len(m.id) == 14 and m.restarts_ms == () for m in machines)


def test_fly__restart_then_events_show_it(make_integration):
    client = FlyClient(make_integration("llamaindex"), token_env="FLY_API_TOKEN")
    before = datetime.now(UTC)
    first = client.machines("hotrodan-rag")[0]
    client.restart("hotrodan-rag", first.id)
    assert client.machines("hotrodan-rag")[0].restarted_since(before)


def test_fly__unknown_app__request_rejected_with_flys_error(make_integration):
    client = FlyClient(make_integration("llamaindex"), token_env="FLY_API_TOKEN")
    with pytest.raises(RequestRejected, match="app nope not found"):
        client.machines("nope")


def test_fly__platform_restarts_are_not_ours():
    machine = Machine.from_json(
        {
            "id": "148ed123456789",
            "state": "started",
            "events": [
                {"type": "restart", "source": "flyd", "timestamp": 2_000_000_000_000},
                {"type": "exit", "source": "flyd", "timestamp": 2_000_000_000_000},
            ],
        }
    )
    assert machine.restarts_ms == ()


def test_fly__live_without_token__credential_missing_names_the_variable(
    make_integration, monkeypatch
):
    monkeypatch.delenv("FLY_API_TOKEN", raising=False)
    with pytest.raises(CredentialMissing, match="FLY_API_TOKEN"):
        FlyClient(make_integration("llamaindex", mode="live"), token_env="FLY_API_TOKEN")


def test_supabase_mgmt__reads_the_project_status(make_integration):
    client = SupabaseManagementClient(make_integration("supabase"), token_env="X")
    assert client.status("hotrodan") == "ACTIVE_HEALTHY"


def test_supabase_mgmt__wrong_token__auth_rejected(make_integration, sandbox):
    client = SupabaseManagementClient(make_integration("supabase"), token_env="X")
    client.token = "wrong"
    with pytest.raises(AuthRejected, match="Unauthorized"):
        client.project("hotrodan")


def test_supabase_mgmt__restore_not_paused__refused_with_its_message(make_integration):
    client = SupabaseManagementClient(make_integration("supabase"), token_env="X")
    with pytest.raises(RequestRejected, match="not paused"):
        client.restore("hotrodan")


@pytest.mark.parametrize("version", ["2025-10", "2025-07"])  # `uri`, then `callbackUrl`
def test_shopify_webhooks__create_then_list(make_integration, version):
    shop = make_integration("shopify", config={"shop": "hot-rod-an", "api_version": version})
    client = ShopifyClient(shop)
    created, errors = subscription_create(client, "ORDERS_CREATE", HOOK)
    assert errors == [] and created.topic == "ORDERS_CREATE"
    found = subscriptions(client, ["ORDERS_CREATE"])
    assert [(s.topic, s.address) for s in found] == [("ORDERS_CREATE", HOOK)]


def test_shopify_webhooks__duplicate__user_error_not_an_exception(make_integration):
    client = ShopifyClient(make_integration("shopify"))
    subscription_create(client, "ORDERS_CREATE", HOOK)
    created, errors = subscription_create(client, "ORDERS_CREATE", HOOK)
    assert created is None and errors == ["Address for this topic has already been taken"]
