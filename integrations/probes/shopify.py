"""Shopify probe: the cheapest Admin GraphQL query, `{ shop { name } }` (cost 1).

Records the query-cost bucket's headroom and the pinned API version's age.
"""

from __future__ import annotations

from integrations.clients.shopify import ShopifyClient
from integrations.probing import ProbeOutcome, register_probe

from .base import probe_ok


@register_probe("shopify")
def probe_shopify(integration) -> ProbeOutcome:
    client = ShopifyClient.for_probe(integration)
    name = client.shop_name()
    return probe_ok(client, f"shop {name!r} answered", **client.version_details())
