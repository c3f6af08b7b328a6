"""Each client's typed calls against the vendor sandbox over real HTTP."""

from __future__ import annotations

from decimal import Decimal

import pytest

from integrations.clients.chatwoot import ChatwootClient
from integrations.clients.ga4 import GA4Client
from integrations.clients.llamaindex import LlamaIndexClient
from integrations.clients.mcp import McpClient
from integrations.clients.publer import PublerClient
from integrations.clients.shopify import ShopifyClient
from integrations.clients.slack import SlackWebhookClient
from integrations.clients.supabase import SupabaseClient
from integrations.http import AuthRejected, RequestRejected
from sandbox import data


def test_shopify__orders_paginate_with_money(make_integration):
    client = ShopifyClient(make_integration("shopify"))
    orders = []
    for order in client.iter_orders(page_size=10):
        orders.append(order)
        if len(orders) == 25:
            break
    assert len({o.id for o in orders}) == 25 and orders[0].id.startswith("gid://shopify/Order/")
    assert isinstance(orders[0].total.amount, Decimal) and orders[0].total.currency == data.CURRENCY
    assert [o.created_at for o in orders] == sorted((o.created_at for o in orders), reverse=True)


def test_shopify__inventory_variant_cost_and_fulfillment_orders(make_integration):
    client = ShopifyClient(make_integration("shopify"))
    variant = data.variants(42)[0]
    item = client.inventory_item(f"gid://shopify/InventoryItem/{variant.inventory_item_id}")
    assert item.sku == variant.sku and item.unit_cost.amount == variant.unit_cost
    assert {"available", "on_hand", "committed", "incoming"} <= set(item.levels[0].quantities)
    cost = client.variant_cost(f"gid://shopify/ProductVariant/{variant.id}")
    assert (cost.price, cost.unit_cost.amount) == (variant.price, variant.unit_cost)
    order = next(client.iter_orders(page_size=1))
    assert all(fo.status for fo in client.fulfillment_orders(order.id))


def test_chatwoot__counts_list_and_send(make_integration, sandbox):
    client = ChatwootClient(make_integration("chatwoot"))
    counts = client.conversation_counts("all")
    assert counts["all_count"] == counts["assigned_count"] + counts["unassigned_count"]
    assert len(client.conversations(status="all")) == min(25, counts["all_count"])
    conversation = client.conversations(status="all")[0]["id"]
    message = client.send_message(conversation, "On its way!")
    assert message["message_type"] == 1
    assert sandbox.chatwoot_messages()[-1]["content"] == "On its way!"


def test_ga4__report_rows_and_token_reuse(make_integration):
    client = GA4Client(make_integration("ga4"))
    report = client.run_report(
        metrics=["sessions"], dimensions=["date"], date_ranges=[("7daysAgo", "yesterday")]
    )
    assert report.row_count == len(report.rows) == 7
    assert set(report.rows[0]) == {"date", "sessions"} and report.property_quota
    assert client.access_token() == client.access_token()


def test_supabase__read_count_insert_and_errors(make_integration):
    client = SupabaseClient(make_integration("supabase"))
    total = client.count("idea_pool")
    inserted = client.insert("idea_pool", {"title": "Bundle AN fittings", "owner": "ops"})
    assert inserted[0]["status"] == "proposed" and client.count("idea_pool") == total + 1
    page = client.select("idea_pool", filters={"owner": "eq.ops"}, order="id.desc", limit=1)
    assert page.rows[0]["title"] == "Bundle AN fittings" and page.total is None
    with pytest.raises(RequestRejected, match="PGRST205"):
        client.select("idea_pol")
    with pytest.raises(RequestRejected, match="23505"):
        client.insert("idea_pool", {"id": inserted[0]["id"], "title": "again"})


def test_publer__schedule_and_poll_the_job(make_integration, sandbox):
    sandbox.set_faults("publer", job_delay_ms=100)
    client = PublerClient(make_integration("publer"))
    account = client.gateway.request(
        "GET", client.url("api/v1/accounts"), headers=client.headers()
    ).json()[0]["id"]
    post = {
        "networks": {"facebook": {"type": "status", "text": "New AN hose kits"}},
        "accounts": [{"id": account}],
    }
    job = client.publish_now([post])
    status = client.wait_for_job(job, poll_s=0.05, polls=40)
    assert status.ok


def test_slack__post_and_liveness(make_integration, sandbox):
    client = SlackWebhookClient(make_integration("slack"))
    client.post(
        "Shopify is down",
        blocks=[{"type": "section", "text": {"type": "mrkdwn", "text": "*Down*"}}],
    )
    assert sandbox.slack_messages()[-1]["payload"]["text"] == "Shopify is down"
    assert client.check_alive() == "invalid_payload"
    sandbox.set_faults("slack", revoked=True)
    with pytest.raises(AuthRejected, match="no_service"):
        client.check_alive()


def test_mcp__call_a_tool(make_integration):
    client = McpClient(make_integration("mcp-llamaindex-rag"))
    client.connect()
    result = client.call_tool("query_support", {"query": "What AN size for 450 hp?"})
    assert result["content"] and not result.get("isError")
    client.close()


def test_mcp__expired_session__is_renewed(make_integration, sandbox):
    client = McpClient(make_integration("mcp-github"))
    client.connect()
    sandbox.reset()  # forgets every session
    assert client.list_tools()


def test_llamaindex__health_and_tool(make_integration):
    client = LlamaIndexClient(make_integration("llamaindex"))
    assert client.health()["status"] == "ok"
    answer = client.call_tool("query_support", {"query": "return policy"}, read_only=True)
    assert answer
    with pytest.raises(RequestRejected, match="top_k"):
        client.call_tool("query_support", {"query": "x", "top_k": 99})
