"""Every kind's probe against the vendor sandbox over real HTTP: healthy, then under faults."""

from __future__ import annotations

import time

import pytest

from integrations.models import IntegrationState
from integrations.probes import probe_integration

SLUGS = ["shopify", "chatwoot", "ga4", "supabase", "publer", "slack", "llamaindex", "mcp-github"]


@pytest.mark.parametrize("slug", SLUGS)
def test_probe__healthy_sandbox__is_ok(make_integration, slug):
    outcome = probe_integration(make_integration(slug))
    assert outcome.ok, outcome
    assert outcome.error_class == "" and outcome.latency_ms > 0
    assert outcome.http_status in (200, 202, 204, 206, 400)  # slack's probe is a 400


def test_shopify__reports_bucket_headroom_and_version_age(make_integration):
    integration = make_integration("shopify")
    outcome = probe_integration(integration)
    assert outcome.rate_limit["source"] == "shopify_cost" and 0.9 < outcome.headroom <= 1
    assert outcome.details["api_version"] == "2026-10" and "api_version_status" in outcome.details
    state = IntegrationState.objects.get(pk=integration.pk)
    assert state.rate_limit["source"] == "shopify_cost" and state.rate_limit_headroom > 0.9


def test_shopify__deprecated_version__is_in_details(make_integration, sandbox):
    sandbox.set_faults("shopify", deprecated_before="2027-01")
    outcome = probe_integration(make_integration("shopify"))
    assert outcome.ok and "X-Shopify-API-Deprecated-Reason" in outcome.details["deprecations"][0]


def test_ga4__quota_gives_headroom(make_integration):
    outcome = probe_integration(make_integration("ga4"))
    assert outcome.rate_limit["source"] == "ga4_property_quota" and 0 < outcome.headroom <= 1


def test_publer__x_ratelimit_gives_headroom(make_integration):
    outcome = probe_integration(make_integration("publer"))
    assert outcome.rate_limit["source"] == "x-ratelimit" and outcome.headroom == pytest.approx(0.99)


def test_mcp__details_carry_tools_and_fingerprint(make_integration):
    outcome = probe_integration(make_integration("mcp-github"))
    details = outcome.details
    assert details["protocol_version"] == "2025-11-25" and outcome.http_status == 200
    assert details["tool_count"] == len(details["tool_names"]) > 5  # paginated (5 per page)
    assert len(details["tools_fingerprint"]) == 64


def test_mcp__tool_drift__changes_the_fingerprint(make_integration, sandbox):
    integration = make_integration("mcp-github")
    before = probe_integration(integration).details["tools_fingerprint"]
    sandbox.set_faults(
        "mcp/github", tools_remove=[probe_integration(integration).details["tool_names"][0]]
    )
    assert probe_integration(integration).details["tools_fingerprint"] != before


@pytest.mark.parametrize("faults", [{"protocol": "2026-07-28"}, {"sse": True}])
def test_mcp__stateless_server_and_sse_answers__are_understood(make_integration, sandbox, faults):
    sandbox.set_faults("mcp/github", **faults)
    outcome = probe_integration(make_integration("mcp-github"))
    assert outcome.ok, outcome
    expected = faults.get("protocol", "2025-11-25")
    assert outcome.details["protocol_version"] == expected


# -- faults ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("vendor", "faults", "error_class"),
    [
        ("shopify", {"wrong_auth": True}, "auth"),
        ("shopify", {"malformed": True}, "contract"),
        ("shopify", {"outage": True}, "vendor_5xx"),
        ("chatwoot", {"data_services": "failing"}, "contract"),
        ("chatwoot", {"wrong_auth": True}, "auth"),
        ("ga4", {"throttle": True}, "throttled"),
        ("supabase", {"outage": True, "outage_mode": "reset"}, "connection"),
        ("publer", {"wrong_auth": True}, "auth"),
        ("slack", {"revoked": True}, "auth"),
        ("llamaindex", {"error_rate": 1.0}, "vendor_5xx"),
    ],
)
def test_probe__under_fault__records_the_error_class(
    make_integration, sandbox, vendor, faults, error_class
):
    sandbox.set_faults(vendor, **faults)
    slug = {"mcp": "mcp-github"}.get(vendor, vendor)
    outcome = probe_integration(make_integration(slug, config=_fast(slug)))
    assert (outcome.ok, outcome.error_class) == (False, error_class), outcome


def test_probe__hanging_vendor__times_out_within_its_deadline(make_integration, sandbox):
    sandbox.set_faults("chatwoot", outage=True, outage_mode="hang", hang_ms=5000)
    started = time.monotonic()
    outcome = probe_integration(make_integration("chatwoot", probe_timeout_seconds=1.0))
    assert outcome.error_class == "timeout" and time.monotonic() - started < 2.0


def test_probe__shopify_throttled__is_throttled(make_integration, sandbox):
    sandbox.set_faults("shopify", throttle=True)
    outcome = probe_integration(make_integration("shopify", config=_fast("shopify")))
    assert outcome.error_class == "throttled"
    assert outcome.headroom == 0.0 and "throttled_until" in outcome.rate_limit


def test_probe__outage_opens_the_breaker_then_fails_fast(make_integration, sandbox):
    sandbox.set_faults("llamaindex", outage=True)
    config = {"max_attempts": 1, "circuit_failure_threshold": 2, "circuit_cooldown_seconds": 60}
    integration = make_integration("llamaindex", config=config)
    assert [probe_integration(integration).error_class for _ in range(3)] == [
        "vendor_5xx",
        "vendor_5xx",
        "circuit_open",
    ]


def _fast(slug: str) -> dict:
    from integrations.catalogue import CATALOGUE

    entry = next(e for e in CATALOGUE if e["slug"] == slug)
    return {**entry["config"], "backoff_base_seconds": 0.01}
