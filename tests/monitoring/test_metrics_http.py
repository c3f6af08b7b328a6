"""Issue 16 item 3: HTTP requests counted by route template (never the raw path), method and
status; and, with PROMETHEUS_MULTIPROC_DIR, summed over every worker process."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from monitoring.metrics.http import http_families
from tests.monitoring.conftest import make_integration

pytestmark = pytest.mark.django_db


def requests_by_labels() -> dict:
    """{(route, method, status): count} as this process counts them now."""
    for family in http_families():
        if family.name == "hotdash_http_requests":
            return {
                (s.labels["route"], s.labels["method"], s.labels["status"]): s.value
                for s in family.samples
                if s.name == "hotdash_http_requests_total"
            }
    return {}


def durations_count() -> dict:
    for family in http_families():
        if family.name == "hotdash_http_request_duration_seconds":
            return {
                (s.labels["route"], s.labels["method"]): s.value
                for s in family.samples
                if s.name.endswith("_count")
            }
    return {}


def grew(before: dict, after: dict) -> dict:
    return {k: after[k] - before.get(k, 0) for k in after if after[k] != before.get(k, 0)}


def test_requests__counted_by_route_template_method_and_status(client, viewer):
    make_integration("shop")
    client.force_login(viewer)
    before, timed = requests_by_labels(), durations_count()
    client.get("/healthz")
    client.get("/healthz")
    client.get("/api/v1/integrations/shop/")
    client.get("/api/v1/integrations/nope/")
    client.get("/no/such/page/12345")
    client.generic("BREW", "/healthz")
    assert grew(before, requests_by_labels()) == {
        ("healthz", "GET", "200"): 2,
        ("api/v1/integrations/<slug>/", "GET", "200"): 1,
        ("api/v1/integrations/<slug>/", "GET", "404"): 1,
        ("<unmatched>", "GET", "404"): 1,
        ("healthz", "OTHER", "405"): 1,
    }
    assert grew(timed, durations_count())[("healthz", "GET")] == 2


CHILD = """
from monitoring.metrics.http import REQUESTS
for _ in range({n}):
    REQUESTS.labels("healthz", "GET", "200").inc()
"""


def test_multiprocess__every_worker_summed_dead_ones_included(tmp_path, monkeypatch):
    # Given two worker processes that counted 3 and 4 requests and have exited
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    for n in (3, 4):
        subprocess.run([sys.executable, "-c", CHILD.format(n=n)], env=env, check=True)
    # When a scrape reads the directory
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    # Then the counter is their sum
    assert requests_by_labels() == {("healthz", "GET", "200"): 7}
