"""/metrics in the Prometheus exposition format, and ETags on reads."""

from __future__ import annotations

import pytest
from prometheus_client.parser import text_string_to_metric_families
from rest_framework.test import APIClient

from monitoring.engine import probe_now
from monitoring.rollups import rollups_refresh
from tests.monitoring.conftest import make_integration, vendor_says

pytestmark = pytest.mark.django_db


def families(text: str) -> dict:
    return {f.name: f for f in text_string_to_metric_families(text)}


def test_metrics__anonymous__401(client):
    assert client.get("/metrics").status_code == 401


def test_metrics__viewer__parses_with_health_latency_incidents(vendor, viewer):
    shop = make_integration("shop")
    vendor_says(vendor, shop, 503)
    probe_now([shop])
    rollups_refresh()
    api = APIClient()
    api.force_authenticate(viewer)
    response = api.get("/metrics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    parsed = families(response.content.decode())
    up = {s.labels["integration"]: s.value for s in parsed["hotdash_integration_up"].samples}
    assert up == {"shop": 0.0}
    sev = {s.labels["severity"]: s.value for s in parsed["hotdash_open_incidents"].samples}
    assert sev["SEV3"] == 1.0
    probes = {
        (s.labels["integration"], s.labels["result"]): s.value
        for s in parsed["hotdash_probes"].samples
        if s.name == "hotdash_probes_total"
    }
    assert probes == {("shop", "fail"): 1.0, ("shop", "ok"): 0.0, ("shop", "degraded"): 0.0}
    assert parsed["hotdash_probe_latency_24h_seconds"].type == "gauge"


def test_etag__same_content__304_changed_content__200(viewer):
    make_integration("shop")
    api = APIClient()
    api.force_authenticate(viewer)
    first = api.get("/api/v1/integrations/")
    assert api.get("/api/v1/integrations/", HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    assert api.get("/api/v1/integrations/", HTTP_IF_NONE_MATCH='"stale"').status_code == 200
    make_integration("chat")
    assert api.get("/api/v1/integrations/", HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 200
