"""Paging helpers for the tiles' Shopify Admin GraphQL queries (all go through ShopifyClient).

Queries select `nodes` and `pageInfo { hasNextPage endCursor }` of one top-level
connection (shopify.dev/docs/api/usage/pagination-graphql). The `cost` given is
our estimate of `requestedQueryCost` (2 + first × (1 + node cost)), which the
client spends from the shared bucket before calling.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime

from integrations.clients.shopify import ShopifyClient

logger = logging.getLogger("integrations.tiles")
MAX_PAGES = 40


def iter_nodes(
    client: ShopifyClient,
    query: str,
    root: str,
    *,
    variables: dict | None = None,
    page_size: int = 50,
    node_cost: int = 1,
    max_pages: int = MAX_PAGES,
) -> Iterator[dict]:
    """Every node of connection `root`, following `endCursor`, at most `max_pages` pages."""
    after = None
    cost = 2 + page_size * (1 + node_cost)
    for _ in range(max_pages):
        page_vars = {**(variables or {}), "first": page_size, "after": after}
        connection = client.graphql(query, page_vars, cost=cost)[root]
        yield from connection["nodes"]
        if not connection["pageInfo"]["hasNextPage"]:
            return
        after = connection["pageInfo"]["endCursor"]
    logger.warning("%s: stopped after %d pages of %s", client.integration.slug, max_pages, root)


def search_time(moment: datetime) -> str:
    """A timestamp for Shopify search syntax: `'2026-05-14T07:00:00Z'` (quoted)."""
    return "'" + moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") + "'"


def parse_time(value: str | None) -> datetime | None:
    """Shopify's ISO 8601 DateTime (`2026-05-14T07:00:00Z`) as an aware datetime."""
    if not value:
        return None
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)
