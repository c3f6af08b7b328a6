"""RateLimit headers on throttled changes (issue 16 item 4): the limit, what is left and
when the window frees a slot, counted by hand against the 120-per-minute rate."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from tests.monitoring.conftest import make_integration

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(operator):
    client = APIClient()
    client.force_authenticate(operator)
    return client


@pytest.fixture
def three_a_minute(monkeypatch):
    from rest_framework.throttling import SimpleRateThrottle

    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"mutations": "3/min"})


def test_changes__count_down_the_limit(api, three_a_minute):
    make_integration("shop", enabled=False)  # probe-now answers 409 fast, still a change

    answers = [api.post("/api/v1/integrations/shop/probe/") for _ in range(4)]

    assert [a["RateLimit-Remaining"] for a in answers[:3]] == ["2", "1", "0"]
    assert {a["RateLimit-Limit"] for a in answers} == {"3"}
    assert answers[3].status_code == 429
    assert answers[3]["RateLimit-Remaining"] == "0"
    assert 0 < int(answers[3]["RateLimit-Reset"]) <= 60


def test_reads__carry_no_rate_limit_headers(api):
    answer = api.get("/api/v1/health/summary/")
    assert answer.status_code == 200
    assert "RateLimit-Limit" not in answer
