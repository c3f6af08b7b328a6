"""The monitoring API: every endpoint for each role, and its bad inputs."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from rest_framework.test import APIClient

from approvals.models import AuditEvent
from integrations.models import IntegrationState
from monitoring.engine import probe_now
from monitoring.models import Incident, StateTransition
from monitoring.rollups import rollups_refresh
from monitoring.services.incidents import incident_resolve
from tests.monitoring.conftest import make_integration, vendor_says

pytestmark = pytest.mark.django_db


def client_for(user=None) -> APIClient:
    client = APIClient()
    if user:
        client.force_authenticate(user)
    return client


@pytest.fixture
def outage(vendor):
    shop = make_integration("shop", weight=1)
    chat = make_integration("chat")
    chat.depends_on.add(shop)
    vendor_says(vendor, shop, 503)
    vendor_says(vendor, chat, 200)
    probe_now([shop, chat])
    return shop, chat


READS = [
    "/api/v1/health/summary/",
    "/api/v1/integrations/",
    "/api/v1/integrations/shop/",
    "/api/v1/incidents/",
    "/api/v1/checks/",
    "/api/v1/metrics/",
    "/api/v1/rate-limits/",
    "/api/v1/errors/",
    "/api/v1/dependencies/",
]


@pytest.mark.parametrize("url", READS)
def test_read__no_credentials__401(outage, url):
    response = client_for().get(url)
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


@pytest.mark.parametrize("url", READS)
def test_read__user_without_role__403(outage, url):
    nobody = get_user_model().objects.create_user("nobody")
    assert client_for(nobody).get(url).status_code == 403


@pytest.mark.parametrize("url", READS)
def test_read__viewer__200(outage, viewer, url):
    assert client_for(viewer).get(url).status_code == 200


def test_health_summary__counts_and_tile(outage, viewer):
    body = client_for(viewer).get("/api/v1/health/summary/").json()
    assert body["counts"]["down"] == 1 and body["counts"]["ok"] == 1
    assert body["overall"] == "down" and body["open_incidents"] == 1
    assert [row["slug"] for row in body["integrations"]] == ["shop", "chat"]  # weight first


def test_integration_detail__state_incident_dependencies_credentials(outage, viewer, monkeypatch):
    shop, _ = outage
    body = client_for(viewer).get("/api/v1/integrations/shop/").json()
    assert body["status"] == "down"
    assert body["open_incident"]["severity"] == 1
    assert body["dependants"] == ["chat"] and body["depends_on"] == []
    assert body["last_error"]["class"] == "vendor_5xx"
    assert body["availability"]["24h"] == 0.0


def test_integration_detail__credentials_names_and_presence_only(viewer, monkeypatch):
    make_integration("shop", credential_env={"token": "SHOP_TOKEN_FOR_TEST"})
    monkeypatch.setenv("SHOP_TOKEN_FOR_TEST", "shpat_super_secret_value")
    response = client_for(viewer).get("/api/v1/integrations/shop/")
    assert response.json()["credentials"] == [
        {"role": "token", "variable": "SHOP_TOKEN_FOR_TEST", "present": True}
    ]
    assert b"shpat_super_secret_value" not in response.content


def test_availability__down_for_a_quarter_of_the_window(viewer):
    shop = make_integration("shop")
    now = timezone.now()
    shop.state.status = "ok"
    shop.state.save()
    StateTransition.objects.create(
        integration=shop, at=now - timedelta(hours=6), from_status="ok", to_status="down"
    )
    StateTransition.objects.create(
        integration=shop, at=now - timedelta(hours=0), from_status="down", to_status="ok"
    )
    body = client_for(viewer).get("/api/v1/integrations/shop/").json()
    assert body["availability"]["24h"] == pytest.approx(0.75, abs=0.001)


def test_integrations__filter_and_order(outage, viewer):
    body = client_for(viewer).get("/api/v1/integrations/?status=down").json()
    assert [row["slug"] for row in body["results"]] == ["shop"]
    body = client_for(viewer).get("/api/v1/integrations/?ordering=-slug").json()
    assert [row["slug"] for row in body["results"]] == ["shop", "chat"]


def test_integrations__unknown_filter__400_with_allowed_names(outage, viewer):
    response = client_for(viewer).get("/api/v1/integrations/?colour=red")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "unknown_filter" and "status" in body["allowed"]


def test_integrations__unknown_ordering__400_with_allowed_names(outage, viewer):
    response = client_for(viewer).get("/api/v1/integrations/?ordering=password")
    assert response.status_code == 400
    assert response.json()["code"] == "unknown_ordering"
    assert "slug" in response.json()["allowed"]


def test_integrations__bad_filter_value__400(outage, viewer):
    assert client_for(viewer).get("/api/v1/integrations/?status=sleepy").status_code == 400


def test_incidents__tampered_cursor__400(outage, viewer):
    response = client_for(viewer).get("/api/v1/incidents/?cursor=bm90LWEtY3Vyc29y")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_cursor"


def test_incidents__cursor_pages_through(viewer, vendor):
    for n in range(3):
        integration = make_integration(f"s{n}")
        vendor_says(vendor, integration, 500)
        probe_now([integration])
    first = client_for(viewer).get("/api/v1/incidents/?limit=2").json()
    assert len(first["results"]) == 2
    second = client_for(viewer).get(first["next"]).json()
    assert len(second["results"]) == 1


def test_probe__viewer__403_and_no_probe(outage, viewer, vendor):
    calls = len(vendor.calls)
    assert client_for(viewer).post("/api/v1/integrations/shop/probe/").status_code == 403
    assert len(vendor.calls) == calls


def test_probe__operator__probes_and_returns_check(outage, operator, vendor):
    vendor_says(vendor, outage[0], 200)
    response = client_for(operator).post("/api/v1/integrations/shop/probe/")
    assert response.status_code == 200
    assert response.json()["check"]["status"] == "ok"
    assert response.json()["integration"]["status"] == "ok"


def test_probe__operator__one_audit_event_with_the_result(outage, operator, vendor):
    vendor_says(vendor, outage[0], 200)
    client_for(operator).post("/api/v1/integrations/shop/probe/")
    event = AuditEvent.objects.get(verb="integration.probe")
    assert event.target_id == str(outage[0].pk) and event.changes == {"result": "ok"}


def test_probe__disabled_integration__409(operator):
    make_integration("off", enabled=False)
    response = client_for(operator).post("/api/v1/integrations/off/probe/")
    assert response.status_code == 409 and response.json()["code"] == "disabled"
    assert not AuditEvent.objects.filter(verb="integration.probe").exists()


def test_probe__unknown_integration__404(operator):
    assert client_for(operator).post("/api/v1/integrations/nope/probe/").status_code == 404


def test_acknowledge__operator__acknowledged_with_timeline(outage, operator):
    incident = Incident.objects.get()
    response = client_for(operator).post(
        f"/api/v1/incidents/{incident.pk}/acknowledge/", {"note": "on it"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["status"] == "acknowledged"
    assert response.json()["timeline"][-1]["message"] == "on it"


def test_acknowledge__resolved_incident__409(outage, operator):
    incident = Incident.objects.get()
    incident_resolve(incident_id=incident.pk)
    response = client_for(operator).post(f"/api/v1/incidents/{incident.pk}/acknowledge/")
    assert response.status_code == 409 and response.json()["code"] == "incident_resolved"


def test_acknowledge__viewer__403(outage, viewer):
    incident = Incident.objects.get()
    assert (
        client_for(viewer).post(f"/api/v1/incidents/{incident.pk}/acknowledge/").status_code == 403
    )
    assert Incident.objects.get().status == "open"


def test_acknowledge__note_too_long__400(outage, operator):
    incident = Incident.objects.get()
    response = client_for(operator).post(
        f"/api/v1/incidents/{incident.pk}/acknowledge/", {"note": "x" * 5000}, format="json"
    )
    assert response.status_code == 400 and "note" in response.json()["errors"]


def test_resolve__unknown_incident__404(operator):
    assert client_for(operator).post("/api/v1/incidents/999/resolve/").status_code == 404


def test_metrics__from_rollups(outage, viewer):
    rollups_refresh()
    body = client_for(viewer).get("/api/v1/metrics/?window=1h&integration=shop").json()
    (row,) = body["results"]
    assert row["integration"] == "shop" and row["count"] == 1 and row["error_rate"] == 1.0


def test_metrics__unknown_window__400(viewer):
    response = client_for(viewer).get("/api/v1/metrics/?window=fortnight")
    assert response.status_code == 400 and response.json()["allowed"] == ["1h", "24h", "7d", "30d"]


def test_errors__grouped_by_fingerprint(vendor, viewer):
    shop = make_integration("shop")
    vendor_says(vendor, shop, 503)
    probe_now([shop])
    probe_now([shop])
    (group,) = client_for(viewer).get("/api/v1/errors/").json()["results"]
    assert group["count"] == 2 and group["error_class"] == "vendor_5xx"


def test_dependencies__outage_of_shop_affects_chat(outage, viewer):
    body = client_for(viewer).get("/api/v1/dependencies/").json()
    node = next(n for n in body["nodes"] if n["integration"] == "shop")
    assert node["affects"] == ["chat"] and node["status"] == "down"
    assert body["edges"] == [{"from": "chat", "to": "shop"}]


def test_throttle__too_many_mutations__429_reads_unaffected(outage, operator, settings):
    from rest_framework.settings import api_settings
    from rest_framework.throttling import SimpleRateThrottle

    rates = {**api_settings.DEFAULT_THROTTLE_RATES, "mutations": "2/min"}
    SimpleRateThrottle.THROTTLE_RATES = rates
    try:
        api = client_for(operator)
        statuses = [api.post("/api/v1/integrations/nope/probe/").status_code for _ in range(3)]
        assert statuses == [404, 404, 429]
        assert api.get("/api/v1/integrations/").status_code == 200
    finally:
        SimpleRateThrottle.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES


@pytest.mark.parametrize(
    "url",
    ["/api/v1/integrations/nope/", "/api/v1/incidents/424242/", "/api/v1/errors/?integration=nope"],
)
def test_not_found__same_error_shape(viewer, url):
    response = client_for(viewer).get(url)
    assert response.status_code == 404
    assert response.json()["code"] == "not_found" and response.json()["detail"]


def test_metrics__unknown_integration__404(viewer):
    assert client_for(viewer).get("/api/v1/metrics/?integration=nope").status_code == 404


def test_health_summary__unchanged__304(outage, viewer):
    api = client_for(viewer)
    first = api.get("/api/v1/health/summary/")
    assert api.get("/api/v1/health/summary/", HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304


def test_rate_limits__lowest_headroom_first_unknown_last(viewer):
    for slug, headroom in (("a", None), ("b", 0.9), ("c", 0.1)):
        make_integration(slug)
        IntegrationState.objects.filter(integration__slug=slug).update(rate_limit_headroom=headroom)
    rows = client_for(viewer).get("/api/v1/rate-limits/").json()["results"]
    assert [r["integration"] for r in rows] == ["c", "b", "a"]


def test_integration_detail__runbook_url__served_by_the_console(outage, viewer, client):
    url = client_for(viewer).get("/api/v1/integrations/shop/").json()["runbook_url"]
    assert url == "/admin/console/runbooks/http/"
    client.force_login(viewer)
    assert client.get(url).status_code == 200
