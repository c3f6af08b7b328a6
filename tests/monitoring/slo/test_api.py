"""GET /api/v1/slo/ (and per integration), the SLA report CSV, and findings."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from rest_framework.test import APIClient

from monitoring.models import Finding
from monitoring.services.findings import finding_raise
from tests.monitoring.conftest import make_integration
from tests.monitoring.slo.conftest import checks, rollups

pytestmark = pytest.mark.django_db


def client_for(user=None) -> APIClient:
    client = APIClient()
    if user:
        client.force_authenticate(user)
    return client


@pytest.fixture
def shop(db, now, monkeypatch):
    monkeypatch.setenv("SHOP_TOKEN", "never-shown-value")
    shop = make_integration("shop", weight=1, credential_env={"token": "SHOP_TOKEN"})
    rollups(shop, now - timedelta(days=30), now, count=400, failures=1)
    checks(shop, now - timedelta(hours=6), now - timedelta(minutes=10))
    checks(shop, now - timedelta(minutes=10), now, fail=True)
    return shop


def test_slo_list__objective_current_budget_burn_and_what_would_fire(shop, viewer):
    response = client_for(viewer).get("/api/v1/slo/")

    assert response.status_code == 200
    body = response.json()
    assert body["window_days"] == 30
    [row] = body["results"]
    assert row["integration"] == "shop"
    assert row["availability"]["objective"] == 99.5
    assert row["availability"]["current"] == pytest.approx(99.75)  # the 30 days' rollups
    assert row["availability"]["budget_remaining"] == pytest.approx(0.5)
    assert set(row["availability"]["burn"]) == {"5m", "30m", "1h", "2h", "6h", "1d", "3d"}
    assert row["availability"]["burn"]["5m"] == 200.0  # 100 % failing against 0.5 %
    assert row["latency"]["threshold_ms"] == 1000
    assert row["would_fire"] == "page"
    page = [r for r in row["rules"] if r["long_window"] == "1h" and r["sli"] == "availability"]
    assert page[0]["fires"] is True and page[0]["threshold"] == 14.4
    assert {w["window"]: w["source"] for w in row["windows"]}["1d"] == "rollups"
    assert row["open_incident"] is None


def test_slo_detail__credentials_by_name_quotas_and_findings(shop, viewer):
    finding_raise(kind="quota", key="shop:x", title="runs out", integration=shop)

    response = client_for(viewer).get("/api/v1/slo/shop/")

    assert response.status_code == 200
    body = response.json()
    assert body["credentials"]["credentials"] == [
        {
            "role": "token",
            "variable": "SHOP_TOKEN",
            "present": True,
            "expires": None,
            "days_left": None,
        }
    ]
    assert "never-shown-value" not in response.content.decode()
    assert [f["title"] for f in body["findings"]] == ["runs out"]
    assert body["quotas"] == []


def test_slo_detail__unknown_integration__404(viewer):
    assert client_for(viewer).get("/api/v1/slo/nope/").status_code == 404


def test_slo__anonymous__refused(shop):
    assert client_for().get("/api/v1/slo/").status_code in (401, 403)


def test_sla_report_csv__one_row_per_integration(shop, viewer):
    response = client_for(viewer).get("/api/v1/slo/report/?week=2026-W47")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="hotdash-sla-2026-W47-' in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [r["integration"] for r in rows] == ["shop"] and rows[0]["week"] == "2026-W47"


def test_sla_report_csv__bad_week__400(viewer):
    response = client_for(viewer).get("/api/v1/slo/report/?week=last-tuesday")

    assert response.status_code == 400 and response.json()["code"] == "invalid_week"


def test_findings__listed_filtered_and_resolved_by_operators(shop, viewer, operator):
    finding = finding_raise(
        kind="tool_drift", key="shop:abc", title="tools changed", integration=shop
    )
    finding_raise(kind="quota", key="shop:y", title="quota", integration=shop)

    listed = client_for(viewer).get("/api/v1/findings/?kind=tool_drift&status=open").json()
    assert [f["key"] for f in listed["results"]] == ["shop:abc"]
    assert client_for(viewer).post(f"/api/v1/findings/{finding.pk}/resolve/").status_code == 403

    response = client_for(operator).post(
        f"/api/v1/findings/{finding.pk}/resolve/", {"note": "reviewed"}, format="json"
    )
    assert response.status_code == 200 and response.json()["status"] == "resolved"
    assert Finding.objects.get(pk=finding.pk).resolved_at is not None


def test_findings__unknown_filter__400(viewer):
    response = client_for(viewer).get("/api/v1/findings/?colour=red")

    assert response.status_code == 400 and response.json()["code"] == "unknown_filter"
