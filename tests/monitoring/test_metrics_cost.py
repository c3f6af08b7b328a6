"""Issue 16 item 3: a scrape costs a fixed handful of grouped queries, whatever the number of
integrations and probes (no query per integration, no Python loop over history)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from monitoring.models import CheckResult
from tests.monitoring.conftest import make_integration

pytestmark = pytest.mark.django_db


def scrape_queries(user) -> int:
    api = APIClient()
    api.force_authenticate(user)
    api.get("/metrics")  # the first scrape of the hour may fold the tallies
    with CaptureQueriesContext(connection) as queries:
        assert api.get("/metrics").status_code == 200
    return len(queries)


def probed(slug: str, probes: int):
    integration = make_integration(slug)
    now = timezone.now()
    CheckResult.objects.bulk_create(
        CheckResult(integration=integration, checked_at=now - timedelta(minutes=n), status="ok")
        for n in range(probes)
    )


def test_scrape__queries_do_not_grow_with_integrations_or_probes(viewer):
    probed("one", 3)
    few = scrape_queries(viewer)
    for n in range(6):
        probed(f"more{n}", 120)
    assert scrape_queries(viewer) == few
    assert few <= 32  # 29 on SQLite with the seeded catalogue (docs/metrics.md, "Cost")
