"""Issue 16 item 3: the gauges of /metrics (job queue, heartbeats, circuits, vendor pauses,
tiles, 24 h latency, SLOs), each pinned to a hand-computed fixture at a fixed clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings
from django_q.brokers import get_broker
from django_q.models import OrmQ, Task
from django_q.signing import SignedPackage
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from integrations.models import IntegrationState, TileSnapshot
from monitoring.metrics.jobs import HEARTBEAT
from monitoring.models import CheckResult
from monitoring.prometheus import HotdashCollector
from monitoring.rollups import rollups_refresh
from tests.monitoring.conftest import make_integration
from tests.monitoring.test_metrics_counters import values

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 12, 7, 12, 30, tzinfo=UTC)


def collect(now: datetime = NOW) -> dict:
    """{family name: family} of the exposition as a scrape at `now` would write it."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(HotdashCollector(now=now))
    text = generate_latest(registry).decode()
    return {f.name: f for f in text_string_to_metric_families(text)}


def one(families: dict, name: str) -> float:
    (sample,) = families[name].samples
    return sample.value


def test_job_queue__orm_broker__waiting_pulled_and_oldest_age():
    if "orm" not in settings.Q_CLUSTER:
        pytest.skip("the ORM broker is in use only without REDIS_URL")
    key = get_broker().list_key
    for lock in (NOW - timedelta(seconds=600), NOW - timedelta(seconds=60)):
        OrmQ.objects.create(key=key, payload="task", lock=lock)
    OrmQ.objects.create(key=key, payload="task", lock=NOW + timedelta(seconds=300))  # pulled
    families = collect()
    assert one(families, "hotdash_jobs_queued") == 2
    assert one(families, "hotdash_jobs_pulled") == 1
    assert one(families, "hotdash_jobs_oldest_queued_age_seconds") == 600


def test_job_queue__redis_broker__length_and_age_of_the_head():
    if "redis" not in settings.Q_CLUSTER:
        pytest.skip("the Redis broker is in use only with REDIS_URL")
    broker = get_broker()
    broker.purge_queue()
    try:
        for started in (NOW - timedelta(seconds=450), NOW - timedelta(seconds=20)):
            broker.enqueue(SignedPackage.dumps({"id": "t", "started": started}))
        families = collect()
        assert one(families, "hotdash_jobs_queued") == 2
        assert one(families, "hotdash_jobs_oldest_queued_age_seconds") == 450
        assert "hotdash_jobs_pulled" not in families
    finally:
        broker.purge_queue()


def test_job_queue__empty__zero_depth_and_age():
    families = collect()
    assert one(families, "hotdash_jobs_queued") == 0
    assert one(families, "hotdash_jobs_oldest_queued_age_seconds") == 0


def _heartbeat(n: int, cluster: str, seconds_ago: int) -> None:
    stopped = NOW - timedelta(seconds=seconds_ago)
    Task.objects.create(
        id=f"hb{n}", name=f"hb{n}", func=HEARTBEAT, started=stopped, stopped=stopped,
        success=True, cluster=cluster,
    )  # fmt: skip


def test_heartbeat_age__newest_success_per_cluster_name():
    _heartbeat(1, "hotdash", 90)
    _heartbeat(2, "hotdash", 30)
    _heartbeat(3, "reports", 400)
    ages = values(collect(), "hotdash_jobs_heartbeat_age_seconds", "cluster")
    assert ages == {("hotdash",): 30, ("reports",): 400}


def test_circuit_state_and_vendor_pause__per_integration():
    shop, chat = make_integration("shop"), make_integration("chat")
    IntegrationState.objects.filter(integration=shop).update(
        circuit_state="open",
        rate_limit={"throttled_until": (NOW + timedelta(seconds=120)).timestamp()},
    )
    families = collect()
    circuit = values(families, "hotdash_circuit_state", "integration", "state")
    assert circuit == {
        ("chat", "closed"): 1, ("chat", "open"): 0, ("chat", "half_open"): 0,
        ("shop", "closed"): 0, ("shop", "open"): 1, ("shop", "half_open"): 0,
    }  # fmt: skip
    pause = values(families, "hotdash_vendor_pause_seconds", "integration")
    assert pause == {("shop",): 120, ("chat",): 0}
    assert chat  # enabled, so it has series


def test_tiles__age_stale_and_max_age():
    TileSnapshot.objects.create(
        key="sales_pulse", title="Sales Pulse", data={}, generated_at=NOW - timedelta(seconds=700)
    )
    TileSnapshot.objects.create(
        key="seo_pulse", title="SEO Pulse", data={}, generated_at=NOW - timedelta(seconds=60)
    )
    families = collect()
    age = values(families, "hotdash_tile_age_seconds", "tile")
    assert age == {("sales_pulse",): 700, ("seo_pulse",): 60}  # the others never computed
    stale = values(families, "hotdash_tile_stale", "tile")
    assert stale[("sales_pulse",)] == 1  # 700 s > its 600 s
    assert stale[("seo_pulse",)] == 0
    assert stale[("cx_pulse",)] == 1  # never computed
    assert values(families, "hotdash_tile_max_age_seconds", "tile")[("sales_pulse",)] == 600


def test_latency_24h__one_gauge_per_percentile_in_seconds():
    shop = make_integration("shop")
    CheckResult.objects.create(
        integration=shop, checked_at=NOW - timedelta(minutes=10), status="ok", latency_ms=120
    )
    rollups_refresh(now=NOW)
    families = collect()
    assert families["hotdash_probe_latency_24h_seconds"].type == "gauge"
    latency = values(families, "hotdash_probe_latency_24h_seconds", "integration", "percentile")
    # One probe of 120 ms: every percentile is that probe.
    assert latency == {("shop", "50"): 0.12, ("shop", "95"): 0.12, ("shop", "99"): 0.12}


def test_slo__burn_rates_budget_and_objective():
    # Given a 99 % objective and 10 probes in the last 4 minutes, 1 failed
    shop = make_integration("shop", slo_availability=99.0)
    CheckResult.objects.bulk_create(
        CheckResult(
            integration=shop,
            checked_at=NOW - timedelta(seconds=20 * n + 10),
            status="fail" if n == 0 else "ok",
            latency_ms=50,
        )
        for n in range(10)
    )
    rollups_refresh(now=NOW)
    families = collect()
    # Then the error ratio 1/10 over the allowed 1/100 burns at 10× in every window that has
    # its minimum of probes (5 m: 3 … 2 h: 10), and none is shown for 6 h (20), 1 d, 3 d
    burn = values(families, "hotdash_slo_burn_rate", "integration", "sli", "window")
    assert {k[2]: v for k, v in burn.items() if k[1] == "availability"} == {
        "5m": 10.0, "30m": 10.0, "1h": 10.0, "2h": 10.0,
    }  # fmt: skip
    assert {k[2]: v for k, v in burn.items() if k[1] == "latency"}["5m"] == 0.0
    budget = values(families, "hotdash_slo_error_budget_remaining_ratio", "integration", "sli")
    assert budget == {("shop", "availability"): -9.0, ("shop", "latency"): 1.0}
    objective = values(families, "hotdash_slo_objective_ratio", "integration", "sli")
    assert objective[("shop", "availability")] == 0.99
