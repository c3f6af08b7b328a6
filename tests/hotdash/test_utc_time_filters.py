"""Time filters of the API take any ISO 8601 offset: they reach the database in UTC
(PostgreSQL refuses offsets beyond ±15:59), and a time that leaves the calendar once in
UTC is a 400 naming the field, never a 500."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(viewer):
    client = APIClient()
    client.force_authenticate(viewer)
    return client


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/incidents/?opened_before=0039-08-09T00:08:05%2B19:50",
        "/api/v1/incidents/?opened_after=2026-12-07T10:00:00-23:21",
        "/api/v1/checks/?since=2026-12-07T10:00:00-23:21",
        "/api/v1/audit/?until=2026-12-07T10:00:00%2B18:00",
    ],
)
def test_time_filter__offset_beyond_postgres_range__answered(api, path):
    answer = api.get(path)
    assert answer.status_code == 200, answer.content


def test_time_filter__out_of_the_calendar_in_utc__400_naming_the_field(api):
    answer = api.get("/api/v1/incidents/?opened_after=0001-01-01T00:00:00%2B10:00")
    assert answer.status_code == 400
    assert "opened_after" in answer.content.decode()
