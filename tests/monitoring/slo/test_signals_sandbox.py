"""Vendor signals against the vendor sandbox over real HTTP: MCP tool drift (the sandbox's
tools controls), Shopify's deprecation header (`deprecated_before`), quota forecasts
(GA4 `tokens_per_day`, the Shopify bucket), revoked credentials (`wrong_auth`)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from integrations.models import IntegrationState
from monitoring.engine import probe_now
from monitoring.models import Finding, SignalState
from monitoring.slo.signals import signals_evaluate
from monitoring.slo.signals.credentials import credential_report, credentials_evaluate
from monitoring.slo.signals.quota import quota_evaluate, quota_forecasts
from monitoring.slo.signals.sunset import deprecations_evaluate
from monitoring.slo.signals.tools import tools_evaluate

pytestmark = pytest.mark.django_db


def probe(integration, times: int = 1) -> None:
    for _ in range(times):
        probe_now([integration])


def findings(kind):
    return list(Finding.objects.filter(kind=kind, status="open"))


# -- MCP tool drift ------------------------------------------------------------------------

NEW_TOOL = {
    "name": "delete_repository",
    "description": "Delete a repository",
    "inputSchema": {"type": "object", "properties": {"repo": {"type": "string"}}},
}
CHANGED_SCHEMA = {
    "type": "object",
    "properties": {
        "owner": {"type": "string"},
        "repo": {"type": "string"},
        "n": {"type": "integer"},
    },
    "required": ["owner", "repo", "n"],
}


def test_tool_drift__first_sighting__baseline_only(from_catalogue):
    github = from_catalogue("mcp-github")
    probe(github)

    assert tools_evaluate(timezone.now()) == 0

    baseline = SignalState.objects.get(key=f"mcp-tools:{github.pk}").data
    assert "search_code" in baseline["tools"] and len(baseline["fingerprint"]) == 64
    assert findings("tool_drift") == []


def test_tool_drift__added_removed_and_changed_schema__recorded(from_catalogue, sandbox):
    github = from_catalogue("mcp-github")
    probe(github)
    tools_evaluate(timezone.now())
    sandbox.set_faults(
        "mcp/github",
        tools_add=[NEW_TOOL],
        tools_remove=["search_code"],
        tools_patch={"get_issue": {"inputSchema": CHANGED_SCHEMA}},
    )
    probe(github)

    assert tools_evaluate(timezone.now()) == 1

    [finding] = findings("tool_drift")
    assert finding.integration == github and finding.severity == "critical"
    assert finding.data["added"] == ["delete_repository"]
    assert finding.data["removed"] == ["search_code"]
    assert finding.data["changed"]["get_issue"]["inputSchema"]["after"] == CHANGED_SCHEMA
    assert finding.data["fingerprint_before"] != finding.data["fingerprint_after"]
    assert "1 added, 1 removed, 1 changed" in finding.title


def test_tool_drift__unchanged_since__nothing_new(from_catalogue, sandbox):
    github = from_catalogue("mcp-github")
    probe(github)
    tools_evaluate(timezone.now())
    sandbox.set_faults("mcp/github", tools_remove=["get_me"])
    probe(github)
    tools_evaluate(timezone.now())
    probe(github)

    assert tools_evaluate(timezone.now()) == 0
    assert len(findings("tool_drift")) == 1


# -- Shopify deprecations -------------------------------------------------------------------


def test_deprecated_reason__listed_per_query(from_catalogue, sandbox):
    sandbox.set_faults("shopify", deprecated_before="2027-01")
    shop = from_catalogue("shopify")  # pinned to 2026-10
    probe(shop, times=2)

    assert deprecations_evaluate(timezone.now()) == 1

    [finding] = findings("deprecation")
    assert finding.data["query"] == "ShopName" and finding.data["count"] == 2
    assert finding.data["reason"].startswith("https://shopify.dev/api/usage/versioning")
    assert "query ShopName" in finding.title


def test_no_deprecated_reason__no_finding(from_catalogue):
    probe(from_catalogue("shopify"))

    assert deprecations_evaluate(timezone.now()) == 0


# -- quotas ---------------------------------------------------------------------------------


def test_ga4_daily_tokens_running_out__forecast_and_finding(from_catalogue, sandbox):
    sandbox.set_faults("ga4", tokens_per_day=50)
    ga4 = from_catalogue("ga4")
    probe(ga4, times=4)  # each runReport costs a token

    now = timezone.now()
    [forecast] = [f for f in quota_forecasts(now)[ga4.pk] if f.quota == "tokensPerDay"]
    assert forecast.remaining == 46 and forecast.slope_per_hour < 0
    assert forecast.runs_out and forecast.exhausted_at < forecast.resets_at

    assert quota_evaluate(now) >= 1
    finding = Finding.objects.get(kind="quota", key="ga4:tokensPerDay", status="open")
    assert finding.severity == "critical" and "46 left" in finding.detail


def test_ga4_plenty_of_tokens__still_a_trend_but_no_finding_beyond_the_reset(from_catalogue):
    ga4 = from_catalogue("ga4")
    probe(ga4, times=3)

    forecasts = {f.quota: f for f in quota_forecasts(timezone.now())[ga4.pk]}
    assert forecasts["tokensPerDay"].remaining == 199_997
    assert forecasts["tokensPerDay"].slope_per_hour < 0  # spending, steadily


def test_shopify_bucket_not_refilling__forecast_to_run_dry(from_catalogue, sandbox):
    sandbox.set_faults("shopify", maximum_available=40.0, restore_rate=0.0)
    shop = from_catalogue("shopify")
    probe(shop, times=4)

    [bucket] = quota_forecasts(timezone.now())[shop.pk]
    assert bucket.quota == "cost_bucket" and bucket.capacity == 40.0
    assert bucket.remaining < 40 and bucket.runs_out and bucket.resets_at is None
    assert quota_evaluate(timezone.now()) == 1


def test_shopify_bucket_refilling__never_runs_dry(from_catalogue):
    shop = from_catalogue("shopify")
    probe(shop, times=3)

    [bucket] = quota_forecasts(timezone.now())[shop.pk]
    assert not bucket.runs_out
    assert quota_evaluate(timezone.now()) == 0


# -- credentials ----------------------------------------------------------------------------


def test_revoked_token__its_own_state_and_finding_while_health_says_down(from_catalogue, sandbox):
    sandbox.set_faults("shopify", wrong_auth=True)
    shop = from_catalogue("shopify", failures_before_down=1)
    probe(shop)
    shop.refresh_from_db()

    assert IntegrationState.objects.get(pk=shop.pk).status == "down"
    assert credential_report(shop)["state"] == "revoked"
    credentials_evaluate(timezone.now())
    [finding] = findings("revoked")
    assert finding.severity == "critical" and "restarting will not help" in finding.detail

    sandbox.clear_faults("shopify")
    probe(shop)
    shop.refresh_from_db()
    credentials_evaluate(timezone.now())
    assert credential_report(shop)["state"] == "ok" and findings("revoked") == []


def test_signals_evaluate__runs_every_signal_once(from_catalogue):
    probe(from_catalogue("shopify"))

    found = signals_evaluate()

    assert set(found) == {"sunset", "deprecations", "quota", "webhooks", "credentials", "tools"}
    assert -1 not in found.values()
