"""CSV exports of checks and incidents for a window."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from monitoring.engine import probe_now
from monitoring.models import CheckResult, Incident
from tests.monitoring.conftest import make_integration, vendor_says

pytestmark = pytest.mark.django_db


def rows(response):
    body = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(body)))


@pytest.fixture
def api(viewer):
    client = APIClient()
    client.force_authenticate(viewer)
    return client


def test_checks_export__window__csv_with_header(vendor, api):
    shop = make_integration("shop")
    vendor_says(vendor, shop, 503)
    probe_now([shop])
    probe_now([shop])
    CheckResult.objects.filter(pk=CheckResult.objects.first().pk).update(
        checked_at=timezone.now() - timedelta(days=2)
    )
    since = (timezone.now() - timedelta(days=1)).isoformat()
    response = api.get("/api/v1/checks/export/", {"integration": "shop", "since": since})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    table = rows(response)
    assert table[0][:3] == ["integration", "checked_at", "status"]
    assert len(table) == 2 and table[1][0] == "shop" and table[1][2] == "fail"


def test_incidents_export__formula_in_title__defused(vendor, api):
    shop = make_integration("shop")
    vendor_says(vendor, shop, 503)
    probe_now([shop])

    Incident.objects.update(title="=HYPERLINK(evil)")
    table = rows(api.get("/api/v1/incidents/export/"))
    assert table[1][5] == "'=HYPERLINK(evil)"


def test_export__bad_window__400(api):
    assert api.get("/api/v1/checks/export/", {"since": "yesterday-ish"}).status_code == 400


def test_export__anonymous__401():
    assert APIClient().get("/api/v1/checks/export/").status_code == 401
