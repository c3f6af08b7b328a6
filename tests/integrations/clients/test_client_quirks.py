"""Exact vendor quirks with `responses`: Shopify's bucket, GA4's tokens, Publer, Slack, MCP SSE."""

from __future__ import annotations

import json
import logging
import time

import pytest
import responses

from integrations.clients import ga4 as ga4_module
from integrations.clients.ga4 import GA4Client, quota_headroom
from integrations.clients.mcp_wire import find_response
from integrations.clients.publer import PublerClient
from integrations.clients.shopify import ShopifyClient, version_age
from integrations.clients.slack import SlackWebhookClient
from integrations.clients.supabase import parse_content_range
from integrations.http import Gateway, HttpResult, Limits, Throttled
from integrations.models import Integration

SHOP = "https://shop.example/admin/api/2025-10/graphql.json"


class Clock:
    def __init__(self) -> None:
        self.now, self.sleeps = 100.0, []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(round(seconds, 3))
        self.now += seconds


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def mocked():
    with responses.RequestsMock(assert_all_requests_are_fired=True) as rsps:
        yield rsps


def _client(cls, clock, kind: str, credentials: dict, base_url: str, config: dict | None = None):
    integration = Integration(
        slug=kind, name=kind, kind=kind, base_url=base_url, mode="live", config=config or {}
    )
    gateway = Gateway(kind, limits=Limits(deadline_s=10), clock=clock, sleep=clock.sleep)
    return cls(integration, gateway=gateway, credentials=credentials)


def _cost(requested, available, restore=50.0, maximum=1000.0, actual=None):
    throttle = {
        "maximumAvailable": maximum,
        "currentlyAvailable": available,
        "restoreRate": restore,
    }
    return {
        "cost": {
            "requestedQueryCost": requested,
            "actualQueryCost": actual,
            "throttleStatus": throttle,
        }
    }


def test_shopify__throttled_200__waits_cost_minus_available_over_restore_rate(mocked, clock):
    throttled = {
        "errors": [{"message": "Throttled", "extensions": {"code": "THROTTLED"}}],
        "extensions": _cost(752, 666),
    }
    mocked.post(SHOP, json=throttled)
    mocked.post(
        SHOP,
        json={"data": {"shop": {"name": "Hot Rod AN"}}, "extensions": _cost(752, 248, actual=752)},
    )
    client = _client(
        ShopifyClient, clock, "shopify", {"token": "t0ken-value"}, "https://shop.example"
    )
    assert client.shop_name() == "Hot Rod AN"
    assert clock.sleeps == [1.72]  # (752 - 666) / 50
    assert client.gateway.headroom == pytest.approx(0.248)


def test_shopify__short_bucket__waits_before_calling(mocked, clock):
    mocked.post(SHOP, json={"data": {"shop": {"name": "x"}}, "extensions": _cost(60, 0)})
    client = _client(
        ShopifyClient, clock, "shopify", {"token": "t0ken-value"}, "https://shop.example"
    )
    client.gateway.rate_limit = {
        "source": "shopify_cost",
        "maximum_available": 1000.0,
        "currently_available": 10.0,
        "restore_rate": 50.0,
        "observed_at": time.time(),
    }
    client.graphql("query { shop { name } }", cost=60)
    assert len(clock.sleeps) == 1 and clock.sleeps[0] == pytest.approx(1.0, abs=0.01)


def test_shopify__429__obeys_retry_after(mocked, clock):
    mocked.post(SHOP, status=429, headers={"Retry-After": "2"}, json={"errors": "Throttled"})
    mocked.post(SHOP, json={"data": {"shop": {"name": "x"}}})
    client = _client(
        ShopifyClient, clock, "shopify", {"token": "t0ken-value"}, "https://shop.example"
    )
    client.shop_name()
    assert clock.sleeps == [2.0]


def test_shopify__version_age():
    from datetime import date

    assert version_age("2025-10", date(2026, 3, 1))["api_version_status"] == "current"
    assert version_age("2025-04", date(2026, 3, 1))["api_version_status"] == "ageing"
    assert version_age("2024-10", date(2026, 3, 1))["api_version_status"] == "unsupported"


def test_ga4__token_is_cached_and_refreshed_after_a_401(mocked, clock, caplog):
    from integrations.clients.jwt import sandbox_private_key_pem

    ga4_module._tokens.clear()
    account = json.dumps(
        {
            "client_email": "sa@p.iam.gserviceaccount.com",
            "private_key": sandbox_private_key_pem(),
            "token_uri": "https://oauth.example/token",
        }
    )
    mocked.post(
        "https://oauth.example/token", json={"access_token": "ya29.first-token", "expires_in": 3599}
    )
    report = "https://ga.example/v1beta/properties/42:runReport"
    mocked.post(report, json={"metricHeaders": [{"name": "sessions"}], "rows": [], "rowCount": 0})
    mocked.post(
        report,
        status=401,
        json={"error": {"code": 401, "status": "UNAUTHENTICATED", "message": "ya29.first-token"}},
    )
    mocked.post(
        "https://oauth.example/token",
        json={"access_token": "ya29.second-token", "expires_in": 3599},
    )
    mocked.post(report, json={"metricHeaders": [{"name": "sessions"}]})
    caplog.set_level(logging.DEBUG)
    client = _client(
        GA4Client,
        clock,
        "ga4",
        {"service_account_json": account},
        "https://ga.example",
        {"property_id": "42"},
    )
    client.run_report(metrics=["sessions"])
    client.run_report(metrics=["sessions"])
    assert mocked.calls[0].request.body.startswith("grant_type=urn%3Aietf")
    assert mocked.calls[4].request.headers["Authorization"] == "Bearer ya29.second-token"
    assert "ya29.first" not in caplog.text and "PRIVATE KEY" not in caplog.text


def test_ga4__quota_headroom_is_the_tightest_quota():
    quota = {
        "tokensPerHour": {"consumed": 1, "remaining": 4000},
        "tokensPerDay": {"consumed": 1, "remaining": 199_000},
    }
    assert quota_headroom(quota) == pytest.approx(0.1)


@pytest.mark.parametrize("status", [200, 202])
def test_publer__schedule_accepts_200_and_202(mocked, clock, status):
    mocked.post(
        "https://app.publer.example/api/v1/posts/schedule",
        status=status,
        json={"job_id": "j1"},
        match=[
            responses.matchers.header_matcher(
                {"Authorization": "Bearer-API k3y-value", "Publer-Workspace-Id": "w1"}
            )
        ],
    )
    client = _client(
        PublerClient,
        clock,
        "publer",
        {"api_key": "k3y-value", "workspace_id": "w1"},
        "https://app.publer.example",
    )
    assert client.schedule([{"networks": {}}]) == "j1"


def test_publer__job_status_in_the_other_envelope(mocked, clock):
    body = {
        "success": True,
        "data": {"status": "complete", "result": {"failures": {"a1": ["limit"]}}},
    }
    mocked.get("https://app.publer.example/api/v1/job_status/j1", json=body)
    client = _client(
        PublerClient,
        clock,
        "publer",
        {"api_key": "k3y-value", "workspace_id": "w1"},
        "https://app.publer.example",
    )
    status = client.job_status("j1")
    assert status.done and not status.ok and status.failures == {"a1": ["limit"]}


def test_slack__429_is_throttled_with_retry_after_and_not_reposted(mocked, clock):
    hook = "https://hooks.slack.com/services/T1/B1/secretpart"
    mocked.post(hook, status=429, body="rate_limited", headers={"Retry-After": "30"})
    client = _client(
        SlackWebhookClient, clock, "slack", {"webhook_url": hook}, "https://hooks.slack.com"
    )
    with pytest.raises(Throttled) as caught:
        client.post("hello")
    assert caught.value.retry_after == 30 and "secretpart" not in str(caught.value)


def test_slack__live_webhook_outside_base_url__is_refused(clock):
    from integrations.http import ConfigInvalid

    client = _client(
        SlackWebhookClient,
        clock,
        "slack",
        {"webhook_url": "https://evil.example/x"},
        "https://hooks.slack.com",
    )
    with pytest.raises(ConfigInvalid):
        client.post("hello")


def test_mcp__sse_body__yields_the_response_among_notifications():
    from requests.structures import CaseInsensitiveDict

    body = (
        b': keep-alive\n\nevent: message\ndata: {"jsonrpc":"2.0","method":"notifications/progress"}\n\n'
        b'data: {"jsonrpc":"2.0","id":7,\ndata: "result":{"tools":[]}}\n\n'
    )
    http = HttpResult(200, CaseInsensitiveDict({"Content-Type": "text/event-stream"}), body, 1.0)
    assert find_response(http, 7)["result"] == {"tools": []}


@pytest.mark.parametrize(
    ("value", "total"), [("0-24/3573458", 3573458), ("*/0", 0), ("0-9/*", None), (None, None)]
)
def test_supabase__content_range(value, total):
    assert parse_content_range(value) == total
