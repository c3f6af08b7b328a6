"""Shopify Admin GraphQL client (2024+ API versions).

Endpoint `POST {shop}/admin/api/{version}/graphql.json` with
`X-Shopify-Access-Token` (shopify.dev/docs/api/admin-graphql). Quirks kept here:
- Throttling is HTTP 200 with `errors[].extensions.code == "THROTTLED"` and the
  bucket in top-level `extensions.cost.throttleStatus`, or a 429
  (shopify.dev/docs/apps/build/apis/graphql-admin/rate-limits; Shopify/cli#8317).
- The bucket is charged `requestedQueryCost` up front, so we spend our estimate
  from the shared report before calling and wait `(cost - available) / restoreRate`
  when it is short.
- `X-Shopify-API-Deprecated-Reason` flags deprecated usage; versions are
  supported for about 12 months (shopify.dev/docs/api/usage/versioning).
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from datetime import date
from typing import Any

from integrations.http import ContractBroken, HttpResult, Throttled

from . import shopify_queries as q
from .base import VendorClient

DEFAULT_API_VERSION = "2025-10"
SUPPORT_MONTHS = 12  # each stable version is supported for at least 12 months
AGEING_MONTHS = 9  # warn a quarter before support ends
MAX_PAGES = 50
_OPERATION = re.compile(r"\s*(?:query|mutation|subscription)\s+(\w+)")


class ShopifyClient(VendorClient):
    """Typed reads on the Admin GraphQL API. GraphQL `errors[]` raise ContractBroken."""

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

    def graphql(self, query: str, variables: dict | None = None, *, cost: int = 1) -> dict:
        """`data` of one query whose requested cost we estimate at `cost` points.

        Raises Throttled (THROTTLED or 429; the gateway retries within the
        deadline), ContractBroken (errors[] or no data) or another GatewayError.
        """
        self._spend_budget(cost)
        result = self.gateway.request(
            "POST",
            self.endpoint,
            headers=self.headers(),
            json={"query": query, "variables": variables or {}},
            check=self._check,
            describe=_describe_error,
            idempotent=query.lstrip().startswith(("query", "{")),
        )
        self._note_version(result, operation_name(query))
        return result.json()["data"]

    # -- typed reads ------------------------------------------------------------------

    def shop_name(self) -> str:
        """The shop's name: the cheapest useful query (cost 1). Scrubbed: it goes into the
        probe's stored message, and a vendor could echo a credential there."""
        return self.gateway.scrub(self.graphql(q.SHOP)["shop"]["name"])

    def iter_orders(self, *, query: str | None = None, page_size: int = 50) -> Iterator[q.Order]:
        """Orders newest first (`query` is Shopify search syntax), following pagination."""
        after = None
        for _ in range(MAX_PAGES):
            variables = {"first": page_size, "after": after, "q": query}
            page = self.graphql(q.RECENT_ORDERS, variables, cost=page_size + 2)["orders"]
            yield from (q.Order.from_node(edge["node"]) for edge in page["edges"])
            if not page["pageInfo"]["hasNextPage"]:
                return
            after = page["pageInfo"]["endCursor"]

    def inventory_item(self, item_id: str) -> q.InventoryItem | None:
        data = self.graphql(q.INVENTORY, {"id": item_id}, cost=13)
        return q.InventoryItem.from_node(data["inventoryItem"]) if data["inventoryItem"] else None

    def variant_cost(self, variant_id: str) -> q.VariantCost | None:
        data = self.graphql(q.VARIANT_COST, {"id": variant_id}, cost=3)
        node = data["productVariant"]
        return q.VariantCost.from_node(node) if node else None

    def fulfillment_orders(self, order_id: str) -> list[q.FulfillmentOrder]:
        order = self.graphql(q.FULFILLMENT_ORDERS, {"id": order_id}, cost=70)["order"]
        if order is None:
            return []
        return [q.FulfillmentOrder.from_node(n) for n in order["fulfillmentOrders"]["nodes"]]

    # -- the cost bucket --------------------------------------------------------------

    def _spend_budget(self, cost: int) -> None:
        """Wait for the bucket to hold `cost` points, then spend them in the shared report."""
        report = self.gateway.stored_rate_limit()
        if report.get("source") != "shopify_cost":
            return
        available = _estimate_available(report, time.time())
        rate = float(report.get("restore_rate") or 0)
        if available < cost and rate > 0:
            self.gateway.pause((cost - available) / rate, "Shopify query-cost bucket short")
            available = float(cost)
        spent = {**report, "currently_available": max(0.0, available - cost)}
        self.gateway.note_rate_limit(spent, _headroom(spent))

    def _check(self, result: HttpResult) -> None:
        """Record `extensions.cost`, then raise for THROTTLED, errors[] or missing data."""
        payload = result.json()
        if not isinstance(payload, dict):
            raise ContractBroken("GraphQL answer is not a JSON object", vendor_status=result.status)
        report = _cost_report(payload)
        if report:
            self.gateway.note_rate_limit(report, _headroom(report))
        errors = _as_list(payload.get("errors") or [])
        codes = {
            ((e or {}).get("extensions") or {}).get("code") for e in errors if isinstance(e, dict)
        }
        text = "; ".join(_message(e) for e in errors)[:300]
        if "THROTTLED" in codes:
            raise Throttled(
                f"Shopify THROTTLED: {text}",
                vendor_status=result.status,
                retry_after=_refill_wait(report),
            )
        if errors:
            raise ContractBroken(f"GraphQL errors: {text}", vendor_status=result.status)
        if not isinstance(payload.get("data"), dict):
            raise ContractBroken("GraphQL answer has no data", vendor_status=result.status)

    # -- deprecation signals ----------------------------------------------------------

    def _note_version(self, result: HttpResult, operation: str = "") -> None:
        reason = result.headers.get("X-Shopify-API-Deprecated-Reason")
        if reason:
            where = f" (query {operation})" if operation else ""
            self.gateway.note_deprecation(f"X-Shopify-API-Deprecated-Reason: {reason}{where}")
        served = result.headers.get("X-Shopify-API-Version")
        if served and served != self.api_version:
            self.gateway.note_deprecation(
                f"asked for API version {self.api_version}, Shopify served {served}"
            )

    def version_details(self, today: date | None = None) -> dict[str, Any]:
        """The pinned version's age and status: current, ageing (9+ months) or unsupported (12+)."""
        return version_age(self.api_version, today or date.today())


def operation_name(query: str) -> str:
    """The GraphQL operation's name (`query ShopName { … }` → "ShopName"), or "anonymous"."""
    match = _OPERATION.match(query)
    return match.group(1) if match else "anonymous"


def version_age(version: str, today: date) -> dict[str, Any]:
    try:
        year, month = (int(part) for part in version.split("-"))
        released = date(year, month, 1)
    except ValueError:
        return {"api_version": version, "api_version_status": "unversioned"}
    months = (today.year - released.year) * 12 + today.month - released.month
    status = "current"
    if months >= SUPPORT_MONTHS:
        status = "unsupported"
    elif months >= AGEING_MONTHS:
        status = "ageing"
    return {"api_version": version, "api_version_age_months": months, "api_version_status": status}


def _cost_report(payload: dict) -> dict[str, Any] | None:
    cost = (payload.get("extensions") or {}).get("cost") or {}
    throttle = cost.get("throttleStatus") or {}
    if "currentlyAvailable" not in throttle:
        return None
    return {
        "source": "shopify_cost",
        "maximum_available": float(throttle.get("maximumAvailable") or 0),
        "currently_available": float(throttle["currentlyAvailable"]),
        "restore_rate": float(throttle.get("restoreRate") or 0),
        "requested_cost": cost.get("requestedQueryCost"),
        "actual_cost": cost.get("actualQueryCost"),
    }


def _estimate_available(report: dict, now: float) -> float:
    """The bucket now: last level plus what restored since, up to the maximum."""
    elapsed = max(0.0, now - float(report.get("observed_at") or now))
    level = float(report.get("currently_available") or 0)
    restored = level + elapsed * float(report.get("restore_rate") or 0)
    return min(float(report.get("maximum_available") or restored), restored)


def _refill_wait(report: dict | None) -> float | None:
    """(requestedQueryCost - currentlyAvailable) / restoreRate, the documented backoff."""
    if not report or not report.get("restore_rate") or report.get("requested_cost") is None:
        return None
    short = float(report["requested_cost"]) - report["currently_available"]
    return max(0.0, short / report["restore_rate"])


def _headroom(report: dict) -> float | None:
    maximum = float(report.get("maximum_available") or 0)
    return report["currently_available"] / maximum if maximum > 0 else None


def _describe_error(result: HttpResult) -> str:
    """Shopify's error text: `{"errors": "..."}` (401) or `{"errors": [{"message": ...}]}`."""
    try:
        errors = result.json().get("errors")
    except (ContractBroken, AttributeError):
        return " ".join(result.text.split())[:200]
    return "; ".join(_message(e) for e in _as_list(errors))[:300]


def _as_list(errors: Any) -> list:
    return errors if isinstance(errors, list) else [errors]


def _message(error: Any) -> str:
    return str(error.get("message", error)) if isinstance(error, dict) else str(error)
