"""GET /api/v1/tiles/ and /api/v1/tiles/{key}/: roles, snapshots only, stale marking."""

from __future__ import annotations

from datetime import timedelta

import pytest
import responses
from django.utils import timezone

from hotdash.models import ApiToken
from integrations.models import TileSnapshot
from integrations.tiles.services import tiles_refresh
from tests.integrations.tiles.conftest import NOW

pytestmark = pytest.mark.django_db


@pytest.fixture
def no_vendor_calls():
    """Reading a tile never calls a vendor: any outbound request would fail the test."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mocked:
        yield mocked
    assert len(mocked.calls) == 0


def test_tiles__anonymous__401(api):
    response = api().get("/api/v1/tiles/")
    assert response.status_code == 401 and response.json()["code"] == "not_authenticated"


def test_tiles__user_without_a_role__403(api, django_user_model):
    nobody = django_user_model.objects.create_user("nobody", password="x")
    response = api(nobody).get("/api/v1/tiles/sales_pulse/")
    assert response.status_code == 403 and response.json()["code"] == "permission_denied"


def test_tiles__viewer_with_a_token__reads_the_list(client, viewer, no_vendor_calls):
    token = ApiToken(user=viewer, name="dashboard")
    key = token.issue()
    token.save()
    response = client.get("/api/v1/tiles/", HTTP_AUTHORIZATION=f"Token {key}")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == len(body["results"]) >= 6
    assert {"integration_status", "sales_pulse"} <= {tile["key"] for tile in body["results"]}


def test_tile__never_computed__200_with_null_data_marked_stale(api, viewer, no_vendor_calls):
    response = api(viewer).get("/api/v1/tiles/sales_pulse/")
    assert response.status_code == 200
    assert response.json() == {
        "key": "sales_pulse",
        "title": "Sales Pulse",
        "data": None,
        "generated_at": None,
        "stale": True,
        "stale_reasons": ["never_computed"],
        "max_age_seconds": 600,
        "sources": [
            {"integration": "shopify", "status": "unknown", "last_success_at": None},
            {"integration": "ga4", "status": "unknown", "last_success_at": None},
        ],
        "last_error": None,
    }


def test_tile__computed__served_from_the_snapshot(store, api, viewer):
    tiles_refresh(keys=["cx_pulse"], now=NOW)
    stored = TileSnapshot.objects.get(key="cx_pulse")
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mocked:
        body = api(viewer).get("/api/v1/tiles/cx_pulse/").json()
    assert len(mocked.calls) == 0
    assert body["data"] == stored.data and body["stale"] is False
    assert body["generated_at"] == stored.generated_at.isoformat().replace("+00:00", "Z")


def test_tile__old_snapshot_and_source_down__stale_with_both_reasons(store, api, viewer):
    tiles_refresh(keys=["cx_pulse"], now=NOW)
    TileSnapshot.objects.filter(key="cx_pulse").update(
        generated_at=timezone.now() - timedelta(hours=1)
    )
    store["chatwoot"].state.status = "down"
    store["chatwoot"].state.save(update_fields=["status"])
    body = api(viewer).get("/api/v1/tiles/cx_pulse/").json()
    assert body["stale"] is True and body["data"] is not None
    assert body["stale_reasons"] == ["too_old", "source_down:chatwoot"]


def test_tile__unknown_key__404(api, viewer):
    response = api(viewer).get("/api/v1/tiles/nope/")
    assert response.status_code == 404 and response.json()["code"] == "tile_not_found"


def test_tiles__unknown_query_parameter__400_naming_the_allowed(api, viewer):
    response = api(viewer).get("/api/v1/tiles/?stale=true")
    assert response.status_code == 400
    assert response.json()["code"] == "unknown_filter" and response.json()["allowed"] == []
