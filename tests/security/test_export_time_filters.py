"""CSV exports take the same time filters as the lists: any ISO 8601 offset reaches the
database in UTC, and a bad time is a 400 naming the field — never a 200 that streams a
header and stops (issue 14 item 6: `opened_before=…+18:00` exported a header only on
PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from rest_framework.test import APIClient

from integrations.models import Integration
from monitoring.models import CheckResult, Incident

pytestmark = pytest.mark.django_db

WHEN = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)


@pytest.fixture
def api(viewer):
    client = APIClient()
    client.force_authenticate(viewer)
    return client


@pytest.fixture
def history():
    shopify = Integration.objects.create(slug="shopify", name="Shopify", kind="shopify")
    CheckResult.objects.create(integration=shopify, checked_at=WHEN, status="fail", latency_ms=5)
    Incident.objects.create(integration=shopify, title="Shopify is down", opened_at=WHEN)
    return shopify


def lines(answer) -> list[str]:
    return b"".join(answer.streaming_content).decode().splitlines()


@pytest.mark.parametrize(
    "path",
    [
        # the row is at 10:00 UTC; -06:00 is an ordinary offset, +18:00 and -05:21 ones PostgreSQL refuses
        "/api/v1/incidents/export/?opened_after=2026-12-07T04:00:00-06:00",
        "/api/v1/incidents/export/?opened_before=2026-12-08T04:01:00%2B18:00",
        "/api/v1/checks/export/?since=2026-12-07T04:38:00-05:21",
        "/api/v1/checks/export/?until=2026-12-08T04:01:00%2B18:00",
    ],
)
def test_export__offset_beyond_postgres_range__rows_exported(api, history, path):
    answer = api.get(path)

    assert answer.status_code == 200
    rows = lines(answer)
    assert len(rows) == 2, rows  # the header and the one row inside the window
    assert "shopify" in rows[1].split(",")[:2]


@pytest.mark.parametrize(
    "path, field",
    [
        ("/api/v1/incidents/export/?opened_after=0001-01-01T00:00:00%2B10:00", "opened_after"),
        ("/api/v1/checks/export/?since=not-a-time", "since"),
    ],
)
def test_export__bad_time__400_naming_the_field(api, history, path, field):
    answer = api.get(path)

    assert answer.status_code == 400
    assert field in answer.content.decode()


def test_export__query_refused_by_the_database__not_a_header_only_200(api, history, monkeypatch):
    """Whatever the database refuses fails the request before it starts, never mid-stream."""
    from django.db import DatabaseError
    from django.db.models.query import QuerySet

    def refused(self, *args, **kwargs):
        raise DatabaseError("time zone displacement out of range")

    monkeypatch.setattr(QuerySet, "iterator", refused)

    with pytest.raises(DatabaseError):
        api.get("/api/v1/checks/export/")
