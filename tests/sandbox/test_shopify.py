"""Shopify Admin GraphQL sandbox: auth, cost/throttle, query shapes, over real HTTP."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
import requests

from sandbox import data

TOKEN = {"X-Shopify-Access-Token": "sandbox-shopify-token"}
ORDERS = """query Orders($first: Int!, $after: String, $q: String) {
  orders(first: $first, after: $after, sortKey: CREATED_AT, reverse: true, query: $q) {
    edges { cursor node { id name createdAt displayFinancialStatus displayFulfillmentStatus
      totalPriceSet { shopMoney { amount currencyCode } } } }
    pageInfo { hasNextPage endCursor } } }"""


@pytest.fixture
def gql(sandbox):
    url = f"{sandbox.url}/shopify/admin/api/2025-10/graphql.json"

    def post(query, variables=None, headers=TOKEN, version_url=url):
        return requests.post(
            version_url, json={"query": query, "variables": variables or {}}, headers=headers
        )

    return post


def _day(days_ago: int) -> str:
    return (datetime.now(UTC).date() - timedelta(days=days_ago)).isoformat()


def test_graphql__shop__returns_data_and_cost_extension(gql):
    body = gql("{ shop { name currencyCode } }").json()
    assert body["data"]["shop"] == {"name": "Hot Rod AN", "currencyCode": "USD"}
    cost = body["extensions"]["cost"]
    assert cost["requestedQueryCost"] == 1
    assert set(cost["throttleStatus"]) == {"maximumAvailable", "currentlyAvailable", "restoreRate"}


def test_graphql__missing_token__returns_401_with_www_authenticate(gql):
    resp = gql("{ shop { name } }", headers={})
    assert resp.status_code == 401
    assert resp.headers["www-authenticate"] == 'Basic Realm="Shopify API Authentication"'
    assert resp.json()["errors"].startswith("[API] Invalid API key or access token")


def test_graphql__wrong_token__returns_401(gql):
    assert gql("{ shop { name } }", headers={"X-Shopify-Access-Token": "nope"}).status_code == 401


def test_graphql__unknown_root_field__returns_200_errors_without_data(gql):
    resp = gql("{ shop { name } bogus { id } }")
    body = resp.json()
    assert resp.status_code == 200
    assert "data" not in body
    assert body["errors"] == [
        {
            "message": "Field 'bogus' doesn't exist on type 'QueryRoot'",
            "locations": [{"line": 1, "column": 17}],
            "extensions": {"code": "undefinedField", "typeName": "QueryRoot", "fieldName": "bogus"},
        }
    ]


def test_graphql__a_field_shopify_lacks__is_refused_by_the_official_schema(gql):
    body = gql("{ shop { name plan { displayName } currency } }").json()
    assert "data" not in body
    [error] = body["errors"]
    assert error["message"] == "Field 'currency' doesn't exist on type 'Shop'"


def test_graphql__an_unknown_argument__is_refused_as_shopify_does(gql):
    [error] = gql("{ shop(id: 1) { name } }").json()["errors"]
    assert error["message"] == "Field 'shop' doesn't accept argument 'id'"
    assert error["extensions"]["code"] == "argumentNotAccepted"


def test_graphql__an_object_without_selections__is_refused_as_shopify_does(gql):
    [error] = gql("{ shop }").json()["errors"]
    assert error["message"].startswith("Field must have selections (field 'shop' returns Shop")
    assert error["extensions"]["code"] == "selectionMismatch"


def test_graphql__an_enum_value_shopify_lacks__is_refused(gql):
    body = gql("{ orders(first: 1, sortKey: BOGUS) { nodes { id } } }").json()
    assert "data" not in body
    assert body["errors"][0]["extensions"]["code"] == "argumentLiteralsIncompatible"


def test_graphql__a_variable_of_the_wrong_type__is_refused(gql):
    body = gql(ORDERS, {"first": "ten"}).json()
    assert "data" not in body
    assert body["errors"][0]["message"] == "Variable $first of type Int! was provided invalid value"


def test_graphql__a_field_the_sandbox_does_not_serve__says_so_without_data(gql):
    body = gql("{ shop { name } customers(first: 1) { nodes { id } } }").json()
    assert "data" not in body
    assert body["errors"][0]["extensions"]["code"] == "undefinedField"


def test_graphql__syntax_error__returns_200_parse_error(gql):
    body = gql("{ shop { name }").json()
    assert "data" not in body
    assert body["errors"][0]["message"].startswith("Unexpected end")


def test_graphql__missing_query__returns_400(sandbox):
    url = f"{sandbox.url}/shopify/admin/api/2025-10/graphql.json"
    resp = requests.post(url, json={"variables": {}}, headers=TOKEN)
    assert resp.status_code == 400


def test_graphql__bad_version_path__returns_404(sandbox):
    url = f"{sandbox.url}/shopify/admin/api/latest/graphql.json"
    assert requests.post(url, json={"query": "{ shop { name } }"}, headers=TOKEN).status_code == 404


def test_orders__shapes__gids_money_strings_and_cursors(gql):
    body = gql(ORDERS, {"first": 2, "q": f"created_at:>={_day(5)}"}).json()
    edge = body["data"]["orders"]["edges"][0]
    assert edge["node"]["id"].startswith("gid://shopify/Order/")
    money = edge["node"]["totalPriceSet"]["shopMoney"]
    assert isinstance(money["amount"], str) and money["currencyCode"] == "USD"
    assert (
        body["data"]["orders"]["pageInfo"]["endCursor"]
        == body["data"]["orders"]["edges"][-1]["cursor"]
    )


def test_orders__requested_cost__is_two_plus_first_times_node_cost(gql):
    body = gql(ORDERS, {"first": 10}).json()
    assert body["extensions"]["cost"]["requestedQueryCost"] == 2 + 10 * 3


def test_orders__created_at_filter__matches_data_helper(gql):
    day = datetime.now(UTC).date() - timedelta(days=3)
    query = f"created_at:>={day.isoformat()} created_at:<{(day + timedelta(days=1)).isoformat()}"
    body = gql(ORDERS, {"first": 100, "q": query}).json()
    names = [e["node"]["name"] for e in body["data"]["orders"]["edges"]]
    assert names == [o.name for o in reversed(data.orders_for_day(day))]


def test_orders__after_cursor__returns_the_next_page(gql):
    first = gql(ORDERS, {"first": 3}).json()["data"]["orders"]
    second = gql(ORDERS, {"first": 3, "after": first["pageInfo"]["endCursor"]}).json()["data"][
        "orders"
    ]
    ids = [e["node"]["id"] for e in first["edges"] + second["edges"]]
    assert len(set(ids)) == 6
    created = [e["node"]["createdAt"] for e in first["edges"] + second["edges"]]
    assert created == sorted(created, reverse=True)


def test_orders__only_last_60_days_are_visible(gql):
    old = _day(61)
    body = gql(ORDERS, {"first": 5, "q": f"created_at:<{old}"}).json()
    assert body["data"]["orders"]["edges"] == []


def test_orders__missing_first__nulls_the_data_with_error(gql):
    body = gql("{ orders { nodes { id } } }").json()
    # `orders` is non-null in Shopify's schema, so its null reaches the root.
    assert body["data"] is None
    assert "first or last" in body["errors"][0]["message"]
    assert body["errors"][0]["path"] == ["orders"]


def test_order__fulfillment_orders__have_statuses_and_line_counts(gql):
    order = data.recent_orders()[0]
    query = """query FOs($id: ID!) { order(id: $id) { fulfillmentOrders(first: 10) { nodes {
      id status requestStatus fulfillAt assignedLocation { name }
      lineItems(first: 50) { nodes { remainingQuantity totalQuantity } } } } } }"""
    body = gql(query, {"id": f"gid://shopify/Order/{order.id}"}).json()
    nodes = body["data"]["order"]["fulfillmentOrders"]["nodes"]
    assert nodes[0]["status"] in {"OPEN", "ON_HOLD", "CLOSED", "CANCELLED"}
    assert nodes[0]["lineItems"]["nodes"][0]["totalQuantity"] >= 1


def test_inventory_item__returns_unit_cost_and_quantities(gql):
    variant = data.variants()[0]
    query = """query Inv($id: ID!) { inventoryItem(id: $id) { id sku tracked unitCost { amount currencyCode }
      inventoryLevels(first: 10) { nodes { location { name }
        quantities(names: ["available", "on_hand", "committed", "incoming"]) { name quantity } } } } }"""
    item = gql(query, {"id": f"gid://shopify/InventoryItem/{variant.inventory_item_id}"}).json()[
        "data"
    ]["inventoryItem"]
    assert item["sku"] == variant.sku
    assert item["unitCost"] == {"amount": f"{variant.unit_cost:.2f}", "currencyCode": "USD"}
    level = item["inventoryLevels"]["nodes"][0]
    assert level["quantities"][0] == {"name": "available", "quantity": variant.stock[0].available}


def test_product_variant__returns_price_string_and_cost(gql):
    variant = data.variant_by_sku("HRAN-FP-255")
    query = """query V($id: ID!) { productVariant(id: $id) { sku price inventoryQuantity
      inventoryItem { unitCost { amount } } } }"""
    body = gql(query, {"id": f"gid://shopify/ProductVariant/{variant.id}"}).json()
    assert body["data"]["productVariant"]["price"] == "129.99"
    assert body["data"]["productVariant"]["inventoryQuantity"] == variant.inventory_quantity


def test_product_variants__sku_query__filters(gql):
    body = gql('{ productVariants(first: 50, query: "sku:HRAN-PTFE-*") { nodes { sku } } }').json()
    assert [n["sku"] for n in body["data"]["productVariants"]["nodes"]] == [
        "HRAN-PTFE-06",
        "HRAN-PTFE-08",
        "HRAN-PTFE-10",
    ]


def test_products__connection__lists_catalogue(gql):
    body = gql(
        "{ products(first: 50) { nodes { title variants(first: 5) { nodes { sku } } } } }"
    ).json()
    assert len(body["data"]["products"]["nodes"]) == len(data.catalog())


def test_bucket__drains_by_requested_cost(sandbox, gql):
    sandbox.set_faults("shopify", maximum_available=100.0, restore_rate=0.0)
    gql(ORDERS, {"first": 10})
    body = gql(ORDERS, {"first": 10}).json()
    assert body["extensions"]["cost"]["throttleStatus"]["currentlyAvailable"] == 100 - 2 * 32


def test_graphql__empty_bucket__returns_throttled_200(sandbox, gql):
    sandbox.set_faults("shopify", maximum_available=40.0, restore_rate=0.0)
    gql(ORDERS, {"first": 10})
    resp = gql(ORDERS, {"first": 10})
    body = resp.json()
    assert resp.status_code == 200
    assert "data" not in body
    assert body["errors"][0]["extensions"]["code"] == "THROTTLED"
    assert body["extensions"]["cost"]["actualQueryCost"] is None


def test_graphql__empty_bucket_in_429_mode__returns_429_with_retry_after(sandbox, gql):
    sandbox.set_faults("shopify", maximum_available=40.0, restore_rate=10.0, throttle_mode="429")
    gql(ORDERS, {"first": 10})
    resp = gql(ORDERS, {"first": 10})
    assert resp.status_code == 429
    assert int(resp.headers["Retry-After"]) >= 1


def test_bucket__refills_at_restore_rate(sandbox, gql):
    sandbox.set_faults("shopify", maximum_available=100.0, restore_rate=50.0)
    drained = gql(ORDERS, {"first": 10}).json()["extensions"]["cost"]["throttleStatus"][
        "currentlyAvailable"
    ]
    time.sleep(0.4)
    later = gql("{ shop { name } }").json()["extensions"]["cost"]["throttleStatus"][
        "currentlyAvailable"
    ]
    assert later >= drained + 15


def test_graphql__query_over_max_cost__returns_max_cost_exceeded(gql):
    body = gql("{ orders(first: 250) { nodes { lineItems(first: 250) { nodes { id } } } } }").json()
    assert body["errors"][0]["extensions"]["code"] == "MAX_COST_EXCEEDED"


def test_throttle_fault__returns_throttled(sandbox, gql):
    sandbox.set_faults("shopify", throttle=True)
    assert gql("{ shop { name } }").json()["errors"][0]["extensions"]["code"] == "THROTTLED"


def test_wrong_auth_fault__returns_401_with_right_token(sandbox, gql):
    sandbox.set_faults("shopify", wrong_auth=True)
    assert gql("{ shop { name } }").status_code == 401


def test_deprecated_version__sends_deprecated_reason_header(sandbox, gql):
    sandbox.set_faults("shopify", deprecated_before="2026-01")
    resp = gql("{ shop { name } }")
    assert "X-Shopify-API-Deprecated-Reason" in resp.headers


def test_unsupported_old_version__falls_forward(sandbox, gql):
    url = f"{sandbox.url}/shopify/admin/api/2023-01/graphql.json"
    resp = gql("{ shop { name } }", version_url=url)
    assert resp.headers["X-Shopify-API-Version"] == "2024-10"
