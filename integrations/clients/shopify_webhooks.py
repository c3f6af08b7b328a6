"""Shopify webhook subscriptions through the Admin GraphQL client: list them, create one.

Shapes (shopify.dev/docs/api/admin-graphql/2025-10/mutations/webhookSubscriptionCreate,
…/queries/webhookSubscriptions). From 2025-10 the address is the unified `uri`
field, on the input and on the object (shopify.dev/changelog/
consolidate-webhook-graphql-surfaces); older versions take `callbackUrl` and read
it from `endpoint { … on WebhookHttpEndpoint { callbackUrl } }`.
`webhookSubscriptionCreate` takes no idempotency key (the `@idempotent` directive
covers only inventory and refund mutations, shopify.dev/docs/api/usage/
idempotent-requests): listing first is how a repeat is avoided. Refusals come
back as `userErrors {field message}` in a 200, not as GraphQL errors.
"""

from __future__ import annotations

from dataclasses import dataclass

from .shopify import ShopifyClient

URI_SINCE = "2025-10"
MAX_PAGES = 10
PAGE = 100

LIST_URI = """
query WebhookSubscriptions($first: Int!, $after: String, $topics: [WebhookSubscriptionTopic!]) {
  webhookSubscriptions(first: $first, after: $after, topics: $topics) {
    nodes { id topic uri }
    pageInfo { hasNextPage endCursor }
  }
}"""
LIST_ENDPOINT = """
query WebhookSubscriptions($first: Int!, $after: String, $topics: [WebhookSubscriptionTopic!]) {
  webhookSubscriptions(first: $first, after: $after, topics: $topics) {
    nodes { id topic endpoint { __typename ... on WebhookHttpEndpoint { callbackUrl } } }
    pageInfo { hasNextPage endCursor }
  }
}"""
CREATE = """
mutation WebhookSubscriptionCreate($topic: WebhookSubscriptionTopic!,
                                   $webhookSubscription: WebhookSubscriptionInput!) {
  webhookSubscriptionCreate(topic: $topic, webhookSubscription: $webhookSubscription) {
    webhookSubscription { id topic }
    userErrors { field message }
  }
}"""


@dataclass(frozen=True)
class Subscription:
    id: str
    topic: str
    address: str  # the HTTPS callback URL ("" for Pub/Sub or EventBridge endpoints)

    @classmethod
    def from_node(cls, node: dict) -> Subscription:
        address = node.get("uri") or (node.get("endpoint") or {}).get("callbackUrl") or ""
        return cls(node["id"], node["topic"], address)


def _uses_uri(client: ShopifyClient) -> bool:
    version = client.api_version
    return version == "unstable" or version >= URI_SINCE


def subscriptions(client: ShopifyClient, topics: list[str]) -> list[Subscription]:
    """The store's subscriptions to `topics`, every page. Raises GatewayError."""
    query = LIST_URI if _uses_uri(client) else LIST_ENDPOINT
    found, after = [], None
    for _ in range(MAX_PAGES):
        variables = {"first": PAGE, "after": after, "topics": topics}
        page = client.graphql(query, variables, cost=PAGE + 2)["webhookSubscriptions"]
        found += [Subscription.from_node(node) for node in page["nodes"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    return found


def subscription_create(
    client: ShopifyClient, topic: str, address: str
) -> tuple[Subscription | None, list[str]]:
    """Subscribe `topic` to `address` (JSON). Returns (the subscription, []) or
    (None, the userErrors' messages). Raises GatewayError (never repeated once sent)."""
    key = "uri" if _uses_uri(client) else "callbackUrl"
    variables = {"topic": topic, "webhookSubscription": {key: address, "format": "JSON"}}
    payload = client.graphql(CREATE, variables, cost=10)["webhookSubscriptionCreate"]
    errors = [str(e.get("message")) for e in payload.get("userErrors") or []]
    node = payload.get("webhookSubscription")
    if errors or not node:
        return None, errors or ["no subscription in the answer"]
    return Subscription(node["id"], node["topic"], address), []
