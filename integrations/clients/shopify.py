"""Shopify Admin GraphQL client.

Endpoint `POST {shop}/admin/api/{version}/graphql.json` with
`X-Shopify-Access-Token` (shopify.dev/docs/api/admin-graphql). Throttling
comes back as HTTP 200 with `errors[].extensions.code == "THROTTLED"` and the
bucket in top-level `extensions.cost.throttleStatus`
(shopify.dev/docs/apps/build/apis/graphql-admin/rate-limits), or as a 429.
"""

from __future__ import annotations

from typing import Any

from integrations.http import ContractBroken, HttpResult, Throttled

from .base import VendorClient

DEFAULT_API_VERSION = "2025-10"
SHOP_QUERY = "query ShopName { shop { name } }"


class ShopifyClient(VendorClient):
    """Typed reads on the Admin GraphQL API; GraphQL `errors[]` raise ContractBroken."""

    @property
    def api_version(self) -> str:
        return str(self.config.get("api_version", DEFAULT_API_VERSION))

    @property
    def endpoint(self) -> str:
        return self.url(f"admin/api/{self.api_version}/graphql.json")

    def headers(self) -> dict[str, str]:
        return {
            "Content-Type": "application/json",
            "Accept": "application/json",
            "X-Shopify-Access-Token": self.credentials.get("token", ""),
        }

    def graphql(self, query: str, variables: dict | None = None) -> dict[str, Any]:
        """`data` of one query. Raises Throttled (THROTTLED), ContractBroken (errors[], no data)."""
        body = {"query": query, "variables": variables or {}}
        result = self.gateway.request(
            "POST",
            self.endpoint,
            headers=self.headers(),
            json=body,
            check=_check_graphql,
            describe=_describe_error,
        )
        self.last_result = result
        return result.json()["data"]

    def shop_name(self) -> str:
        """The shop's name: the cheapest useful query (cost 1)."""
        return self.graphql(SHOP_QUERY)["shop"]["name"]


def _check_graphql(result: HttpResult) -> None:
    payload = result.json()
    if not isinstance(payload, dict):
        raise ContractBroken("GraphQL answer is not a JSON object", vendor_status=result.status)
    errors = payload.get("errors")
    if errors:
        codes = [((e or {}).get("extensions") or {}).get("code") for e in _as_list(errors)]
        text = "; ".join(_message(e) for e in _as_list(errors))[:300]
        if "THROTTLED" in codes:
            raise Throttled(f"Shopify THROTTLED: {text}", vendor_status=result.status)
        raise ContractBroken(f"GraphQL errors: {text}", vendor_status=result.status)
    if not isinstance(payload.get("data"), dict):
        raise ContractBroken("GraphQL answer has no data", vendor_status=result.status)


def _describe_error(result: HttpResult) -> str:
    """Shopify's error text: `{"errors": "..."}` (401) or `{"errors": [{"message": ...}]}`."""
    try:
        errors = result.json().get("errors")
    except (ContractBroken, AttributeError):
        return result.text[:200]
    return "; ".join(_message(e) for e in _as_list(errors))[:300]


def _as_list(errors: Any) -> list:
    return errors if isinstance(errors, list) else [errors]


def _message(error: Any) -> str:
    return str(error.get("message", error)) if isinstance(error, dict) else str(error)
