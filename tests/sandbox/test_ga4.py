"""GA4 sandbox: the JWT-bearer token endpoint, runReport shapes, validation and quotas."""

from __future__ import annotations

import base64
import json
import time
from datetime import UTC, datetime, timedelta

import pytest
import requests

from sandbox import data

GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"


def _b64(obj) -> str:
    return base64.urlsafe_b64encode(json.dumps(obj).encode()).decode().rstrip("=")


def jwt(lifetime: int = 3600, **claims) -> str:
    now = int(time.time())
    body = {
        "iss": "sa@hotdash.iam.gserviceaccount.com",
        "aud": "https://oauth2.googleapis.com/token",
        "scope": "https://www.googleapis.com/auth/analytics.readonly",
        "iat": now,
        "exp": now + lifetime,
    } | claims
    return f"{_b64({'alg': 'RS256', 'typ': 'JWT', 'kid': 'k1'})}.{_b64(body)}.c2lnbmF0dXJl"


@pytest.fixture
def token(sandbox):
    resp = requests.post(f"{sandbox.url}/ga4/token", data={"grant_type": GRANT, "assertion": jwt()})
    return resp.json()["access_token"]


@pytest.fixture
def report(sandbox, token):
    url = f"{sandbox.url}/ga4/v1beta/properties/314159265:runReport"

    def run(body, bearer=token):
        return requests.post(url, json=body, headers={"Authorization": f"Bearer {bearer}"})

    return run


def _yesterday() -> str:
    return (datetime.now(UTC).date() - timedelta(days=1)).isoformat()


BASIC = {
    "dateRanges": [{"startDate": "7daysAgo", "endDate": "yesterday"}],
    "dimensions": [{"name": "date"}],
    "metrics": [{"name": "sessions"}, {"name": "totalRevenue"}],
}


def test_token__well_formed_jwt__returns_access_token(sandbox):
    resp = requests.post(f"{sandbox.url}/ga4/token", data={"grant_type": GRANT, "assertion": jwt()})
    body = resp.json()
    assert resp.status_code == 200
    assert body["access_token"].startswith("ya29.sandbox-")
    assert (body["expires_in"], body["token_type"]) == (3599, "Bearer")


def test_token__malformed_assertion__returns_invalid_grant(sandbox):
    resp = requests.post(
        f"{sandbox.url}/ga4/token", data={"grant_type": GRANT, "assertion": "abc.def"}
    )
    assert (resp.status_code, resp.json()["error"]) == (400, "invalid_grant")


def test_token__lifetime_over_an_hour__returns_invalid_grant(sandbox):
    resp = requests.post(
        f"{sandbox.url}/ga4/token", data={"grant_type": GRANT, "assertion": jwt(lifetime=7200)}
    )
    assert resp.json()["error"] == "invalid_grant"


def test_token__wrong_grant_type__returns_unsupported_grant_type(sandbox):
    resp = requests.post(f"{sandbox.url}/ga4/token", data={"grant_type": "password"})
    assert resp.json()["error"] == "unsupported_grant_type"


def test_run_report__without_token__returns_401_unauthenticated(report):
    resp = report(BASIC, bearer="nope")
    assert resp.status_code == 401
    assert resp.json()["error"]["status"] == "UNAUTHENTICATED"


def test_run_report__date_rows__are_strings_in_yyyymmdd(report):
    body = report(BASIC).json()
    assert body["metricHeaders"][1] == {"name": "totalRevenue", "type": "TYPE_CURRENCY"}
    row = body["rows"][0]
    assert len(row["dimensionValues"][0]["value"]) == 8
    assert all(isinstance(v["value"], str) for v in row["metricValues"])
    assert body["rowCount"] == 7


def test_run_report__revenue__equals_the_days_orders(report):
    day = _yesterday()
    body = report(
        {
            "dateRanges": [{"startDate": day, "endDate": day}],
            "metrics": [{"name": "totalRevenue"}, {"name": "ecommercePurchases"}],
        }
    ).json()
    day_date = datetime.fromisoformat(day).date()
    expected = data.revenue_for_day(day_date)
    assert float(body["rows"][0]["metricValues"][0]["value"]) == pytest.approx(float(expected))
    assert body["rows"][0]["metricValues"][1]["value"] == str(len(data.orders_for_day(day_date)))


def test_run_report__empty_range__omits_rows_and_row_count(report):
    body = report(
        {
            "dateRanges": [{"startDate": "2099-01-01", "endDate": "2099-01-02"}],
            "metrics": [{"name": "sessions"}],
        }
    ).json()
    assert "rows" not in body and "rowCount" not in body


def test_run_report__limit_and_offset__page_the_rows(report):
    body = report(BASIC | {"limit": 2, "offset": 1}).json()
    assert len(body["rows"]) == 2 and body["rowCount"] == 7


def test_run_report__two_date_ranges__add_date_range_dimension(report):
    body = report(
        {
            "dateRanges": [
                {"startDate": "7daysAgo", "endDate": "yesterday"},
                {"startDate": "14daysAgo", "endDate": "8daysAgo"},
            ],
            "metrics": [{"name": "sessions"}],
        }
    ).json()
    assert body["dimensionHeaders"] == [{"name": "dateRange"}]
    assert {r["dimensionValues"][0]["value"] for r in body["rows"]} == {
        "date_range_0",
        "date_range_1",
    }


def test_run_report__too_many_dimensions__returns_400_invalid_argument(report):
    body = BASIC | {"dimensions": [{"name": "date"}] * 10}
    resp = report(body)
    assert (resp.status_code, resp.json()["error"]["status"]) == (400, "INVALID_ARGUMENT")


def test_run_report__too_many_metrics__returns_400(report):
    assert report(BASIC | {"metrics": [{"name": "sessions"}] * 11}).status_code == 400


def test_run_report__unknown_metric__returns_400_naming_it(report):
    resp = report(BASIC | {"metrics": [{"name": "bounceRatez"}]})
    assert "bounceRatez" in resp.json()["error"]["message"]


def test_run_report__property_quota__depletes_per_call(report):
    first = report(BASIC | {"returnPropertyQuota": True}).json()["propertyQuota"]
    second = report(BASIC | {"returnPropertyQuota": True}).json()["propertyQuota"]
    assert first["tokensPerHour"]["consumed"] >= 1
    assert second["tokensPerHour"]["remaining"] < first["tokensPerHour"]["remaining"]
    assert "propertyQuota" not in report(BASIC).json()


def test_run_report__exhausted_hourly_tokens__returns_429_resource_exhausted(sandbox, report):
    sandbox.set_faults("ga4", tokens_per_hour=2)
    codes = [report(BASIC).status_code for _ in range(3)]
    resp = report(BASIC)
    assert codes[:2] == [200, 200]
    assert resp.status_code == 429
    assert resp.json()["error"]["status"] == "RESOURCE_EXHAUSTED"


def test_throttle_fault__returns_resource_exhausted(sandbox, report):
    sandbox.set_faults("ga4", throttle=True)
    assert report(BASIC).json()["error"]["code"] == 429


def test_wrong_auth_fault__returns_403_permission_denied(sandbox, report):
    sandbox.set_faults("ga4", wrong_auth=True)
    assert report(BASIC).json()["error"]["status"] == "PERMISSION_DENIED"


def test_error_rate_fault__returns_500_internal(sandbox, report):
    sandbox.set_faults("ga4", error_rate=1.0)
    assert report(BASIC).json()["error"] == {
        "code": 500,
        "message": "Internal error encountered.",
        "status": "INTERNAL",
    }
