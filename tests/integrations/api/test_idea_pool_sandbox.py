"""The idea pool end to end against the vendor sandbox's PostgREST, faults injected."""

from __future__ import annotations

import pytest

from integrations.models import Integration

pytestmark = pytest.mark.django_db
IDEA = {
    "title": "Back-order badge on carburetors",
    "hypothesis": "Showing the restock date keeps buyers who would leave",
    "metric": "conversion_rate",
    "status": "planned",
}


def test_story__operator_adds_an_idea__viewer_sees_it_first_with_the_new_total(
    store, api, operator, viewer
):
    before = api(viewer).get("/api/v1/idea-pool/?limit=2").json()
    created = api(operator).post("/api/v1/idea-pool/", IDEA, format="json")
    assert created.status_code == 201
    assert created.json()["owner"] == "otto" and created.json()["status"] == "planned"

    after = api(viewer).get("/api/v1/idea-pool/?limit=2").json()
    assert after["count"] == before["count"] + 1
    assert after["results"][0]["id"] == created.json()["id"]
    assert after["next"].endswith("limit=2&offset=2")
    mine = api(viewer).get("/api/v1/idea-pool/?owner=otto&status=planned").json()
    assert [row["title"] for row in mine["results"]] == [IDEA["title"]]


def test_story__pages__cover_every_idea_once(store, api, viewer):
    first = api(viewer).get("/api/v1/idea-pool/?limit=3&ordering=id").json()
    second = api(viewer).get(first["next"]).json()
    ids = [row["id"] for row in first["results"] + second["results"]]
    assert ids == sorted(ids) and len(ids) == first["count"] == len(set(ids))
    assert second["next"] is None and second["previous"].endswith("limit=3&ordering=id")


@pytest.mark.parametrize(
    ("faults", "status", "code"),
    [
        ({"wrong_auth": True}, 502, "vendor_auth"),
        ({"outage": True}, 503, "vendor_unavailable"),
        ({"error_rate": 1.0}, 503, "vendor_unavailable"),
        ({"malformed": True}, 502, "vendor_contract"),
    ],
)
def test_story__supabase_fault__clear_error_for_the_client(
    store, frozen_sandbox, api, viewer, faults, status, code
):
    frozen_sandbox.set_faults("supabase", **faults)
    response = api(viewer).get("/api/v1/idea-pool/")
    assert (response.status_code, response.json()["code"]) == (status, code)


def test_story__table_missing__502_contract_naming_pgrst205(store, api, viewer):
    Integration.objects.filter(slug="supabase").update(
        config={"max_attempts": 1, "idea_pool_table": "idea_pol"}
    )
    response = api(viewer).get("/api/v1/idea-pool/")
    assert (response.status_code, response.json()["code"]) == (502, "vendor_contract")
    assert "PGRST205" in response.json()["detail"]


def test_story__supabase_too_slow__504_timeout(store, frozen_sandbox, api, viewer):
    Integration.objects.filter(slug="supabase").update(probe_timeout_seconds=0.5)
    frozen_sandbox.set_faults("supabase", latency_ms=1500)
    response = api(viewer).get("/api/v1/idea-pool/")
    assert (response.status_code, response.json()["code"]) == (504, "vendor_timeout")
