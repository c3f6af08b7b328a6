"""/api/v1/idea-pool/ against exact PostgREST answers (`responses`): shapes, counts, errors.

Every Supabase failure maps to a stable code, never a 500:
401 → 502 vendor_auth, 404 PGRST205 → 502 vendor_contract, 409 23505 → 409
duplicate, 5xx → 503 vendor_unavailable, timeout → 504 vendor_timeout.
"""

from __future__ import annotations

import json

import pytest
import requests
import responses
from responses import matchers

from approvals.models import AuditEvent
from integrations.catalogue import CATALOGUE
from integrations.models import Integration
from integrations.services import catalogue_seed

pytestmark = pytest.mark.django_db

SANDBOX = "http://sandbox.test"
TABLE_URL = f"{SANDBOX}/supabase/rest/v1/idea_pool"
LIVE_URL = "https://hotrodan.supabase.co/rest/v1/idea_pool"
COLUMNS = "id,title,hypothesis,metric,status,owner,created_at"
ROWS = [
    {
        "id": 7,
        "title": "Free shipping threshold at $149",
        "hypothesis": "Raising the threshold lifts AOV",
        "metric": "average_order_value",
        "status": "testing",
        "owner": "maria",
        "created_at": "2026-01-05T16:00:00+00:00",
    },
    {
        "id": 6,
        "title": "E85 badge on hose pages",
        "hypothesis": "A badge answers the top pre-sale question",
        "metric": "conversion_rate",
        "status": "proposed",
        "owner": "dana",
        "created_at": "2026-01-04T16:00:00+00:00",
    },
]
IDEA = {
    "title": "Bundle AN fittings with PTFE hose",
    "hypothesis": "Bundles cut support questions about fitting sizes",
    "metric": "attach_rate",
    "status": "proposed",
}


def postgrest_error(code: str, message: str, details=None, hint=None) -> dict:
    return {"code": code, "details": details, "hint": hint, "message": message}


@pytest.fixture
def supabase(db, settings):
    """The catalogue's Supabase integration in sandbox mode; calls are not repeated."""
    settings.SANDBOX_URL = SANDBOX
    catalogue_seed(entries=[e for e in CATALOGUE if e["slug"] == "supabase"])
    integration = Integration.objects.get(slug="supabase")
    integration.config = {**integration.config, "max_attempts": 1}
    integration.save(update_fields=["config"])
    return integration


@pytest.fixture
def vendor():
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mocked:
        yield mocked


def read_answer(vendor, status=206, body=ROWS, content_range="0-1/5"):
    params = {
        "select": COLUMNS,
        "order": "created_at.desc,id.desc",
        "limit": "2",
        "offset": "0",
    }
    vendor.add(
        responses.GET,
        TABLE_URL,
        json=body,
        status=status,
        headers={"Content-Range": content_range, "Range-Unit": "items"},
        match=[
            matchers.query_param_matcher(params),
            matchers.header_matcher(
                {"apikey": "sandbox-supabase-service", "Prefer": "count=exact"}
            ),
        ],
    )


# -- reads --------------------------------------------------------------------------------


def test_list__206_with_content_range__page_count_and_links(supabase, vendor, api, viewer):
    read_answer(vendor)
    response = api(viewer).get("/api/v1/idea-pool/?limit=2")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 5 and body["results"] == ROWS and body["previous"] is None
    assert body["next"] == "http://testserver/api/v1/idea-pool/?limit=2&offset=2"


def test_list__filters_and_ordering__become_postgrest_operators(supabase, vendor, api, viewer):
    vendor.add(
        responses.GET,
        TABLE_URL,
        json=ROWS[:1],
        headers={"Content-Range": "0-0/1"},
        match=[
            matchers.query_param_matcher(
                {
                    "select": COLUMNS,
                    "status": "eq.testing",
                    "owner": "eq.maria",
                    "order": "title.asc,id.asc",
                    "limit": "25",
                    "offset": "0",
                }
            )
        ],
    )
    response = api(viewer).get("/api/v1/idea-pool/?status=testing&owner=maria&ordering=title")
    assert response.json()["count"] == 1 and response.json()["next"] is None


def test_list__offset_past_the_end__empty_page_with_the_total(supabase, vendor, api, viewer):
    range_error = postgrest_error(
        "PGRST103",
        "Requested range not satisfiable",
        "An offset of 50 was requested, but there are only 5 rows.",
    )
    vendor.add(responses.GET, TABLE_URL, json=range_error, status=416)
    vendor.add(
        responses.GET, TABLE_URL, json=ROWS[:1], status=206, headers={"Content-Range": "0-0/5"}
    )
    body = api(viewer).get("/api/v1/idea-pool/?offset=50").json()
    assert (body["count"], body["results"]) == (5, [])
    assert body["previous"] == "http://testserver/api/v1/idea-pool/?offset=25"


def test_list__unknown_parameter_or_bad_value__400_without_calling_supabase(supabase, api, viewer):
    unknown = api(viewer).get("/api/v1/idea-pool/?colour=red")
    assert unknown.status_code == 400 and unknown.json()["code"] == "unknown_filter"
    assert "status" in unknown.json()["allowed"]
    bad = api(viewer).get("/api/v1/idea-pool/?status=maybe&limit=0")
    assert bad.status_code == 400 and set(bad.json()["errors"]) == {"status", "limit"}


@pytest.mark.parametrize(
    ("status", "body", "code", "client_status"),
    [
        (401, {"message": "Invalid API key", "hint": "Double check your key."}, "vendor_auth", 502),
        (
            404,
            postgrest_error(
                "PGRST205",
                "Could not find the table 'public.idea_pool' in the schema cache",
                hint="Perhaps you meant the table 'public.ideas'",
            ),
            "vendor_contract",
            502,
        ),
        (500, postgrest_error("XX000", "internal error"), "vendor_unavailable", 503),
        (
            503,
            postgrest_error("PGRST001", "Database client error. Retrying the connection."),
            "vendor_unavailable",
            503,
        ),
    ],
)
def test_list__supabase_refuses__mapped_error_never_a_500(
    supabase, vendor, api, viewer, status, body, code, client_status
):
    vendor.add(responses.GET, TABLE_URL, json=body, status=status)
    response = api(viewer).get("/api/v1/idea-pool/")
    assert (response.status_code, response.json()["code"]) == (client_status, code)
    assert response.json()["vendor_status"] == status
    assert body["message"] in response.json()["detail"]


def test_list__supabase_times_out__504(supabase, vendor, api, viewer):
    vendor.add(responses.GET, TABLE_URL, body=requests.exceptions.ReadTimeout("read timed out"))
    response = api(viewer).get("/api/v1/idea-pool/")
    assert (response.status_code, response.json()["code"]) == (504, "vendor_timeout")


def test_list__no_total_in_content_range__502_contract(supabase, vendor, api, viewer):
    vendor.add(responses.GET, TABLE_URL, json=ROWS, headers={"Content-Range": "0-1/*"})
    response = api(viewer).get("/api/v1/idea-pool/")
    assert (response.status_code, response.json()["code"]) == (502, "vendor_contract")


def test_list__live_mode__calls_the_real_project_with_the_environment_key(
    supabase, vendor, api, viewer, monkeypatch
):
    monkeypatch.setenv("SUPABASE_SERVICE_KEY", "sb_secret_live")
    Integration.objects.filter(pk=supabase.pk).update(mode=Integration.Mode.LIVE)
    vendor.add(
        responses.GET,
        LIVE_URL,
        json=[],
        headers={"Content-Range": "*/0"},
        match=[matchers.header_matcher({"apikey": "sb_secret_live"})],
    )
    body = api(viewer).get("/api/v1/idea-pool/").json()
    assert (body["count"], body["results"]) == (0, [])


def test_list__live_mode_without_the_key__503_config(supabase, api, viewer, monkeypatch):
    monkeypatch.delenv("SUPABASE_SERVICE_KEY", raising=False)
    Integration.objects.filter(pk=supabase.pk).update(mode=Integration.Mode.LIVE)
    response = api(viewer).get("/api/v1/idea-pool/")
    assert (response.status_code, response.json()["code"]) == (503, "vendor_config")
    assert "SUPABASE_SERVICE_KEY" in response.json()["detail"]


# -- writes -------------------------------------------------------------------------------


def test_create__operator__inserts_returns_201_and_audits(supabase, vendor, api, operator):
    stored = {"id": 8, **IDEA, "owner": "otto", "created_at": "2026-05-12T20:00:00+00:00"}
    vendor.add(
        responses.POST,
        TABLE_URL,
        json=[stored],
        status=201,
        headers={"Content-Range": "*/*", "Preference-Applied": "return=representation"},
        match=[
            matchers.json_params_matcher({**IDEA, "owner": "otto"}),
            matchers.header_matcher({"Prefer": "return=representation"}),
        ],
    )
    response = api(operator).post("/api/v1/idea-pool/", IDEA, format="json")
    assert response.status_code == 201 and response.json() == stored
    event = AuditEvent.objects.get(verb="idea_pool.create")
    assert (event.actor_name, event.outcome, event.target_id) == ("otto", "success", "8")
    assert event.changes["after"]["title"] == IDEA["title"]


def test_create__duplicate_key__409_duplicate_and_audited_as_failure(
    supabase, vendor, api, operator
):
    duplicate = postgrest_error(
        "23505",
        'duplicate key value violates unique constraint "idea_pool_pkey"',
        "Key (id)=(1) already exists.",
    )
    vendor.add(responses.POST, TABLE_URL, json=duplicate, status=409)
    response = api(operator).post("/api/v1/idea-pool/", {**IDEA, "owner": "maria"}, format="json")
    assert (response.status_code, response.json()["code"]) == (409, "duplicate")
    event = AuditEvent.objects.get(verb="idea_pool.create")
    assert event.outcome == "failure" and event.reason.startswith("duplicate: ")


def test_create__supabase_5xx__503_and_the_insert_is_not_repeated(supabase, vendor, api, operator):
    Integration.objects.filter(pk=supabase.pk).update(config={"max_attempts": 3})
    vendor.add(responses.POST, TABLE_URL, json=postgrest_error("XX000", "boom"), status=502)
    response = api(operator).post("/api/v1/idea-pool/", IDEA, format="json")
    assert (response.status_code, response.json()["code"]) == (503, "vendor_unavailable")
    assert len(vendor.calls) == 1
    assert json.loads(vendor.calls[0].request.body)["owner"] == "otto"


def test_create__viewer__403_without_calling_supabase(supabase, api, viewer):
    response = api(viewer).post("/api/v1/idea-pool/", IDEA, format="json")
    assert response.status_code == 403 and response.json()["code"] == "permission_denied"


def test_create__anonymous__401(supabase, api):
    assert api().post("/api/v1/idea-pool/", IDEA, format="json").status_code == 401


def test_create__invalid_fields__400_with_field_errors(supabase, api, operator):
    bad = {"title": "", "metric": "Conversion Rate!", "status": "someday"}
    response = api(operator).post("/api/v1/idea-pool/", bad, format="json")
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"title", "hypothesis", "metric", "status"}
