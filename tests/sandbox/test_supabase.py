"""Supabase sandbox: gateway keys, PostgREST reads/counts/inserts and their errors."""

from __future__ import annotations

import pytest
import requests

ANON = {"apikey": "sandbox-supabase-anon"}
SERVICE = {"apikey": "sandbox-supabase-service"}


@pytest.fixture
def rest(sandbox):
    return f"{sandbox.url}/supabase/rest/v1"


def test_auth_health__with_apikey__returns_gotrue_body(sandbox):
    body = requests.get(f"{sandbox.url}/supabase/auth/v1/health", headers=ANON).json()
    assert body["name"] == "GoTrue"


def test_auth_health__without_apikey__returns_gateway_401(sandbox):
    resp = requests.get(f"{sandbox.url}/supabase/auth/v1/health")
    assert resp.status_code == 401
    assert resp.json()["message"] == "No API key found in request"


def test_bad_apikey__returns_invalid_api_key(rest):
    resp = requests.get(f"{rest}/idea_pool", headers={"apikey": "nope"})
    assert (resp.status_code, resp.json()["message"]) == (401, "Invalid API key")


def test_select_order_limit__returns_chosen_columns(rest):
    resp = requests.get(
        f"{rest}/idea_pool",
        headers=ANON,
        params={"select": "id,title", "order": "id.desc", "limit": 2},
    )
    assert resp.json() == [
        {"id": 5, "title": resp.json()[0]["title"]},
        {"id": 4, "title": resp.json()[1]["title"]},
    ]
    assert resp.headers["Content-Range"] == "0-1/*"


def test_eq_filter__returns_matching_rows(rest):
    rows = requests.get(f"{rest}/idea_pool", headers=ANON, params={"status": "eq.proposed"}).json()
    assert rows and {r["status"] for r in rows} == {"proposed"}


def test_count_exact_partial__returns_206_with_total(rest):
    resp = requests.get(
        f"{rest}/idea_pool",
        headers=ANON | {"Prefer": "count=exact"},
        params={"limit": 2, "offset": 1},
    )
    assert resp.status_code == 206
    assert resp.headers["Content-Range"] == "1-2/5"


def test_count_exact_complete__returns_200(rest):
    resp = requests.get(f"{rest}/idea_pool", headers=ANON | {"Prefer": "count=exact"})
    assert (resp.status_code, resp.headers["Content-Range"]) == (200, "0-4/5")


def test_count_exact_empty__returns_star_slash_zero(rest):
    resp = requests.get(
        f"{rest}/idea_pool",
        headers=ANON | {"Prefer": "count=exact"},
        params={"status": "eq.nothing"},
    )
    assert (resp.json(), resp.headers["Content-Range"]) == ([], "*/0")


def test_head_with_count__returns_range_without_body(rest):
    resp = requests.head(
        f"{rest}/idea_pool",
        headers=ANON | {"Prefer": "count=exact"},
        params={"select": "id", "limit": 1},
    )
    assert (resp.status_code, resp.headers["Content-Range"], resp.content) == (206, "0-0/5", b"")


def test_insert_with_representation__returns_201_rows(rest):
    resp = requests.post(
        f"{rest}/idea_pool",
        headers=SERVICE | {"Prefer": "return=representation"},
        json={"title": "Sell -10 AN kits", "metric": "aov"},
    )
    assert resp.status_code == 201
    assert resp.json()[0]["id"] == 6 and resp.json()[0]["status"] == "proposed"


def test_insert_array_minimal__returns_201_without_body(rest):
    resp = requests.post(
        f"{rest}/kb_gold_replies",
        headers=SERVICE,
        json=[{"question": "q1", "reply": "r1"}, {"question": "q2", "reply": "r2"}],
    )
    assert (resp.status_code, resp.content) == (201, b"")


def test_insert_duplicate_key__returns_409_23505(rest):
    resp = requests.post(f"{rest}/idea_pool", headers=SERVICE, json={"id": 1, "title": "dup"})
    assert resp.status_code == 409
    assert resp.json() == {
        "code": "23505",
        "details": "Key (id)=(1) already exists.",
        "hint": None,
        "message": 'duplicate key value violates unique constraint "idea_pool_pkey"',
    }


def test_insert_missing_required__returns_400_23502(rest):
    assert (
        requests.post(f"{rest}/idea_pool", headers=SERVICE, json={"metric": "x"}).json()["code"]
        == "23502"
    )


def test_insert_with_publishable_key__is_refused_by_rls(rest):
    resp = requests.post(f"{rest}/idea_pool", headers=ANON, json={"title": "x"})
    assert (resp.status_code, resp.json()["code"]) == (401, "42501")


def test_insert_read_only_table__returns_403(rest):
    resp = requests.post(f"{rest}/orders_snapshot", headers=SERVICE, json={"day": "2026-01-01"})
    assert resp.status_code == 403


def test_unknown_table__returns_404_pgrst205_with_hint(rest):
    resp = requests.get(f"{rest}/idea_pools", headers=ANON)
    assert resp.status_code == 404
    assert resp.json()["code"] == "PGRST205"
    assert resp.json()["hint"] == "Perhaps you meant the table 'public.idea_pool'"


def test_unknown_column__returns_400_42703(rest):
    resp = requests.get(f"{rest}/idea_pool", headers=ANON, params={"select": "nope"})
    assert (resp.status_code, resp.json()["code"]) == (400, "42703")


def test_openapi_root__publishable_key__returns_403(rest):
    assert requests.get(f"{rest}/", headers=ANON).status_code == 403


def test_openapi_root__secret_key__returns_200(rest):
    assert requests.get(f"{rest}/", headers=SERVICE).json()["swagger"] == "2.0"


def test_orders_snapshot__is_computed_from_orders(rest):
    rows = requests.get(
        f"{rest}/orders_snapshot", headers=ANON, params={"order": "day.desc", "limit": 1}
    ).json()
    assert rows[0]["currency"] == "USD" and rows[0]["orders_count"] >= 0


def test_throttle_fault__returns_429(sandbox, rest):
    sandbox.set_faults("supabase", throttle=True)
    assert requests.get(f"{rest}/idea_pool", headers=ANON).status_code == 429


def test_throttle_fault_503_mode__returns_503_pgrst(sandbox, rest):
    sandbox.set_faults("supabase", throttle=True, throttle_mode="503")
    resp = requests.get(f"{rest}/idea_pool", headers=ANON)
    assert (resp.status_code, resp.json()["code"]) == (503, "PGRST003")


def test_reset__forgets_inserted_rows(sandbox, rest):
    requests.post(f"{rest}/idea_pool", headers=SERVICE, json={"title": "temp"})
    sandbox.reset()
    resp = requests.get(f"{rest}/idea_pool", headers=ANON | {"Prefer": "count=exact"})
    assert resp.headers["Content-Range"].endswith("/5")
