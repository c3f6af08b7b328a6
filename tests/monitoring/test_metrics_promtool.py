"""Issue 16 item 3: the rules and the dashboard that ship in deploy/ hold against what /metrics
really exports, and promtool accepts all three: `check rules`, `test rules` (the unit tests
in rules.test.yml) and `check metrics` on a scrape of a seeded database.

Without promtool the promtool tests skip, unless CI is set: CI installs Debian's
`prometheus` package, and there a missing promtool is a failure."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
import yaml
from django.core.management import call_command
from django.utils import timezone
from django_q.models import Task
from prometheus_client.parser import text_string_to_metric_families
from rest_framework.test import APIClient

from integrations.models import Integration, IntegrationState, TileSnapshot
from integrations.webhooks.models import WebhookEvent, WebhookRejection
from monitoring.metrics.jobs import HEARTBEAT
from monitoring.models import Channel, CheckResult, Notification
from monitoring.rollups import rollups_refresh

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "deploy/prometheus/rules.yml"
RULE_TESTS = ROOT / "deploy/prometheus/rules.test.yml"
DASHBOARD = ROOT / "deploy/grafana/hotdash.json"
NAME = re.compile(r"\b(hotdash_[a-z0-9_]+|hotdash:[a-z0-9_:]+|process_[a-z0-9_]+)")


@pytest.fixture
def promtool() -> str:
    found = shutil.which("promtool")
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("promtool is missing in CI (apt-get install prometheus)")
        pytest.skip("promtool is not installed (Debian: apt-get install prometheus)")
    return found


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(args, input=stdin, capture_output=True, text=True, timeout=120)


@pytest.fixture
def scrape(db, viewer) -> str:
    """GET /metrics over a seeded database where every family has at least one sample."""
    call_command("seed")
    now = timezone.now()
    shop = Integration.objects.get(slug="shopify")
    IntegrationState.objects.filter(integration=shop).update(rate_limit_headroom=0.5)
    CheckResult.objects.bulk_create(
        CheckResult(integration=shop, checked_at=now - timedelta(seconds=10 * n),
                    status="fail" if n % 5 == 0 else "ok", latency_ms=80 + n)
        for n in range(25)
    )  # fmt: skip
    rollups_refresh()
    Task.objects.create(
        id="hb", name="hb", func=HEARTBEAT, started=now, stopped=now, success=True,
        cluster="hotdash",
    )  # fmt: skip
    TileSnapshot.objects.create(key="sales_pulse", title="Sales Pulse", data={}, generated_at=now)
    channel = Channel.objects.create(name="metrics mail", kind="email", recipients="a@b.test")
    Notification.objects.create(channel=channel, event="opened", dedupe_key="m1", status="sent")
    WebhookEvent.objects.create(source="shopify", event_id="e1", topic="orders/create")
    WebhookRejection.objects.create(
        window_start=now, address="203.0.113.9", source="shopify", reason="bad_signature"
    )
    api = APIClient()
    api.force_authenticate(viewer)
    api.get("/healthz")  # so this process has counted a request
    response = api.get("/metrics")
    assert response.status_code == 200
    return response.content.decode()


def sample_names(text: str) -> set[str]:
    return {s.name for f in text_string_to_metric_families(text) for s in f.samples}


def rule_exprs() -> list[str]:
    groups = yaml.safe_load(RULES.read_text())["groups"]
    return [rule["expr"] for group in groups for rule in group["rules"]]


def recorded() -> set[str]:
    groups = yaml.safe_load(RULES.read_text())["groups"]
    return {rule["record"] for group in groups for rule in group["rules"] if "record" in rule}


def dashboard_exprs() -> list[str]:
    panels = json.loads(DASHBOARD.read_text())["panels"]
    return [target["expr"] for panel in panels for target in panel.get("targets", [])]


def test_rules__promtool_check_rules(promtool):
    result = run(promtool, "check", "rules", str(RULES))
    assert result.returncode == 0, result.stdout + result.stderr


def test_rules__promtool_unit_tests_pass(promtool):
    result = run(promtool, "test", "rules", str(RULE_TESTS))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


def test_scrape__promtool_check_metrics_is_clean(promtool, scrape):
    result = run(promtool, "check", "metrics", stdin=scrape)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout + result.stderr == ""


def test_scrape__every_family_has_help_type_and_a_sample(scrape):
    for family in text_string_to_metric_families(scrape):
        assert family.documentation, f"{family.name} has no HELP"
        assert family.type in {"counter", "gauge", "histogram"}, f"{family.name}: {family.type}"
        assert family.samples, f"{family.name} has no sample in the seeded scrape"
        assert f"# TYPE {family.name}" in scrape


def test_scrape__counters_end_in_total_and_histograms_are_real(scrape):
    for family in text_string_to_metric_families(scrape):
        names = {s.name for s in family.samples}
        if family.type == "counter":
            assert names == {f"{family.name}_total"}
        if family.type == "histogram":
            suffixes = {f"{family.name}_{end}" for end in ("bucket", "count", "sum")}
            assert names == suffixes, f"{family.name} is typed histogram without {suffixes}"


def test_dashboard_and_rules__reference_only_exported_or_recorded_names(scrape):
    exported, records = sample_names(scrape), recorded()
    used = {name for expr in rule_exprs() + dashboard_exprs() for name in NAME.findall(expr)}
    missing = sorted(n for n in used if n not in exported and n not in records)
    assert missing == [], f"referenced but neither exported nor recorded: {missing}"
    assert records <= used, "every recording rule is used by an alert or the dashboard"


def test_dashboard__every_panel_queries_the_chosen_datasource():
    dashboard = json.loads(DASHBOARD.read_text())
    panels = [p for p in dashboard["panels"] if p["type"] != "row"]
    assert panels and all(p["datasource"]["uid"] == "${datasource}" for p in panels)
    assert all(p["targets"] for p in panels)
