"""Shopify sandbox webhook subscriptions: the webhookSubscriptionCreate mutation with its
userErrors, and the webhookSubscriptions query."""

from __future__ import annotations

import pytest
import requests

TOKEN = {"X-Shopify-Access-Token": "sandbox-shopify-token"}
CREATE = """mutation Create($topic: WebhookSubscriptionTopic!, $sub: WebhookSubscriptionInput!) {
  webhookSubscriptionCreate(topic: $topic, webhookSubscription: $sub) {
    webhookSubscription { id topic uri format } userErrors { field message } } }"""
LIST = """query Subs($first: Int!, $topics: [WebhookSubscriptionTopic!]) {
  webhookSubscriptions(first: $first, topics: $topics) {
    nodes { id topic uri callbackUrl } pageInfo { hasNextPage endCursor } } }"""
HOOK = "https://hotdash.example/webhooks/shopify/"


@pytest.fixture
def gql(sandbox):
    url = f"{sandbox.url}/shopify/admin/api/2025-10/graphql.json"

    def post(query, variables):
        body = {"query": query, "variables": variables}
        return requests.post(url, json=body, headers=TOKEN, timeout=5).json()

    return post


def create(gql, topic="ORDERS_CREATE", **sub):
    data = gql(CREATE, {"topic": topic, "sub": sub or {"uri": HOOK, "format": "JSON"}})
    return data["data"]["webhookSubscriptionCreate"]


def test_create__returns_the_subscription(gql):
    payload = create(gql)
    assert payload["userErrors"] == []
    sub = payload["webhookSubscription"]
    assert sub["id"].startswith("gid://shopify/WebhookSubscription/")
    assert (sub["topic"], sub["uri"], sub["format"]) == ("ORDERS_CREATE", HOOK, "JSON")


def test_create__older_callback_url_input__accepted(gql):
    payload = create(gql, callbackUrl=HOOK)
    assert payload["webhookSubscription"]["uri"] == HOOK


def test_create__same_topic_and_address__user_error(gql):
    create(gql)
    payload = create(gql)
    assert payload["webhookSubscription"] is None
    assert payload["userErrors"] == [
        {
            "field": ["webhookSubscription", "uri"],
            "message": "Address for this topic has already been taken",
        }
    ]


@pytest.mark.parametrize(
    ("uri", "message"),
    [("", "Address can't be blank"), ("http://x.test/h", "Address protocol http:// is not")],
)
def test_create__bad_address__user_error(gql, uri, message):
    payload = create(gql, uri=uri)
    assert payload["userErrors"][0]["message"].startswith(message)


def test_create__unknown_topic__graphql_error(gql):
    body = gql(CREATE, {"topic": "NOPE", "sub": {"uri": HOOK}})
    assert "WebhookSubscriptionTopic" in body["errors"][0]["message"]


def test_list__filtered_by_topic(gql):
    create(gql, "ORDERS_CREATE")
    create(gql, "INVENTORY_LEVELS_UPDATE")
    nodes = gql(LIST, {"first": 10, "topics": ["INVENTORY_LEVELS_UPDATE"]})["data"]
    assert [n["topic"] for n in nodes["webhookSubscriptions"]["nodes"]] == [
        "INVENTORY_LEVELS_UPDATE"
    ]


def test_list__empty_after_reset(gql, sandbox):
    create(gql)
    sandbox.reset()
    assert gql(LIST, {"first": 10})["data"]["webhookSubscriptions"]["nodes"] == []
