"""SLO and anomaly evaluation benchmark (issue 9): N integrations with 30 days of hourly
rollups and 6 hours of raw probes (one a minute), evaluated as the one-minute job does.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hotdash_slo python bench/slo_bench.py
    python bench/slo_bench.py --small          # CI: 50 integrations, 7 days

History is written with COPY on PostgreSQL (bulk_create elsewhere). Prints, per phase,
the wall time and the number of SQL queries: the SLO statuses (raw ≤ 6 h windows,
rollup windows, upstream and maintenance reads), the burn-rate job, the anomaly job and
the business-flow job; then the whole cycle against the target (< 10 s for 1,000
integrations with 30 days of rollups). Raw results are only read for the last 6 h
(burn windows) and 15 min (anomaly sample).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common  # noqa: E402

PREFIX = "bench-slo-"
TARGET_S = 10.0


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--integrations", type=int, default=1000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--raw-hours", type=int, default=6)
    parser.add_argument("--flows", type=int, default=50, help="integrations with order counts")
    parser.add_argument("--cycles", type=int, default=3)
    parser.add_argument("--small", action="store_true", help="a quick run for CI")
    parser.add_argument("--keep", action="store_true", help="reuse the data of a previous run")
    options = parser.parse_args()
    if options.small:
        options.integrations, options.days, options.flows, options.cycles = 50, 7, 5, 2
    return options


def histogram(rng: random.Random, count: int, slow: bool) -> list[int]:
    from monitoring.rollups import BUCKETS_MS

    buckets = [0] * (len(BUCKETS_MS) + 1)
    centre = 7 if slow else 4  # (500, 1000] ms or (50, 100] ms
    for _ in range(count):
        buckets[min(len(buckets) - 1, max(0, centre + rng.choice((-1, 0, 0, 0, 1))))] += 1
    return buckets


def load(options) -> dict:
    """Replace the benchmark's integrations and write their history. Returns row counts."""
    from django.utils import timezone

    from integrations.models import Integration, IntegrationState
    from monitoring.models import Incident, StateTransition
    from monitoring.rollups import floor_hour

    Integration.objects.filter(slug__startswith=PREFIX).delete()
    Integration.objects.bulk_create(
        [
            Integration(
                slug=f"{PREFIX}{n:05d}",
                name=f"Bench {n}",
                kind="http",
                base_url="https://example.invalid",
                slo_availability="99.500",
                slo_latency_ms=1000,
                business_weight=1 + n % 4,
            )
            for n in range(options.integrations)
        ],
        batch_size=2000,
    )
    ids = list(
        Integration.objects.filter(slug__startswith=PREFIX)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    IntegrationState.objects.bulk_create(
        [IntegrationState(integration_id=pk, status="ok") for pk in ids], batch_size=2000
    )
    now = timezone.now()
    rng = random.Random(9)
    rollups = _copy_rollups(ids, floor_hour(now), options.days, rng)
    raw = _copy_checks(ids, now, options.raw_hours, rng)
    flows = _copy_flows(ids[: options.flows], floor_hour(now), min(options.days, 29), rng)
    # A little of everything the SLO reads besides counts: maintenance, upstream outages.
    for pk in ids[:10]:
        start = now - timedelta(days=2, hours=pk % 24)
        StateTransition.objects.create(
            integration_id=pk, at=start, from_status="ok", to_status="maintenance"
        )
        StateTransition.objects.create(
            integration_id=pk,
            at=start + timedelta(hours=2),
            from_status="maintenance",
            to_status="ok",
        )
    for pk in ids[10:20]:
        opened = now - timedelta(days=5)
        Incident.objects.create(
            integration_id=pk,
            title="bench",
            opened_at=opened,
            resolved_at=opened + timedelta(hours=1),
            status="resolved",
            caused_by_id=ids[0],
        )
    return {"integrations": len(ids), "rollups": rollups, "raw": raw, "flow_counts": flows}


def _copy(table: str, columns: list[str], rows) -> int:
    """COPY rows into `table` on PostgreSQL; bulk INSERTs elsewhere. Returns rows written."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return _insert(table, columns, rows)
    written = 0
    with connection.cursor() as cursor:
        with cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
                written += 1
    return written


def _insert(table: str, columns: list[str], rows) -> int:
    from django.db import connection, transaction

    marks = ", ".join(["%s"] * len(columns))
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"
    batch, written = [], 0
    with transaction.atomic(), connection.cursor() as cursor:
        for row in rows:
            batch.append(row)
            if len(batch) == 5000:
                cursor.executemany(sql, batch)
                written, batch = written + len(batch), []
        if batch:
            cursor.executemany(sql, batch)
            written += len(batch)
    return written


def _copy_rollups(ids, this_hour, days, rng) -> int:
    from monitoring.rollups import percentile

    def rows():
        for index, pk in enumerate(ids):
            flaky, slow = index % 7 == 0, index % 11 == 0
            for back in range(days * 24, -1, -1):
                hour = this_hour - timedelta(hours=back)
                failures = rng.randint(0, 3) if flaky else int(rng.random() < 0.02)
                buckets = histogram(rng, 60, slow and hour.weekday() == 0)
                yield (
                    pk,
                    hour,
                    60,
                    failures,
                    0,
                    60 * 80.0,
                    json.dumps(buckets),
                    percentile(buckets, 0.5),
                    percentile(buckets, 0.95),
                    percentile(buckets, 0.99),
                )

    columns = [
        "integration_id",
        "hour",
        "count",
        "failures",
        "degraded",
        "latency_sum_ms",
        "latency_histogram",
        "p50_ms",
        "p95_ms",
        "p99_ms",
    ]
    return _copy("monitoring_checkrollup", columns, rows())


def _copy_checks(ids, now, hours, rng) -> int:
    def rows():
        for index, pk in enumerate(ids):
            failing_now = index % 97 == 0  # a few integrations are having an outage
            for back in range(hours * 60, 0, -1):
                fail = (failing_now and back <= 12) or rng.random() < 0.003
                yield (
                    pk,
                    now - timedelta(minutes=back, seconds=index % 60),
                    "fail" if fail else "ok",
                    rng.uniform(40, 120),
                    rng.uniform(0, 500),
                    503 if fail else 200,
                    "vendor_5xx" if fail else "",
                    "",
                    "",
                    "{}",
                )

    columns = [
        "integration_id",
        "checked_at",
        "status",
        "latency_ms",
        "lag_ms",
        "http_status",
        "error_class",
        "message",
        "fingerprint",
        "details",
    ]
    return _copy("monitoring_checkresult", columns, rows())


def _copy_flows(ids, this_hour, days, rng) -> int:
    def rows():
        for pk in ids:
            for back in range(1, days * 24 + 1):
                hour = this_hour - timedelta(hours=back)
                yield (pk, "orders", hour, rng.randint(2, 8) if 8 <= hour.hour <= 21 else 1)

    return _copy("monitoring_flowcount", ["integration_id", "metric", "hour", "count"], rows())


def timed(label: str, function, results: dict):
    from django.db import connection, reset_queries

    reset_queries()
    started = time.perf_counter()
    value = function()
    elapsed = time.perf_counter() - started
    results.setdefault(label, []).append((elapsed, len(connection.queries)))
    return value


def evaluate(options) -> dict:
    from django.conf import settings

    settings.DEBUG = True  # count queries
    results: dict = {}
    for _ in range(options.cycles):
        one_cycle(options, results)
    return results


def one_cycle(options, results: dict) -> None:
    from django.utils import timezone

    from integrations.models import Integration
    from monitoring.services.burn_alerts import burn_alerts_evaluate
    from monitoring.slo import series
    from monitoring.slo.anomaly import anomalies_evaluate, flows_evaluate
    from monitoring.slo.status import slo_statuses

    now = timezone.now()
    integrations = list(Integration.objects.enabled())
    thresholds = {i.pk: i.slo_latency_ms for i in integrations}
    phases = {
        "raw windows (≤ 6 h, raw results)": lambda: series.raw_counts(thresholds, now),
        "rollup windows (1 d, 3 d, 30 d)": lambda: series.rollup_counts(
            thresholds, now, options.days
        ),
        "SLO statuses (all reads)": lambda: slo_statuses(integrations, now=now),
        "burn-rate job": lambda: burn_alerts_evaluate(now=now),
        "anomaly job": lambda: anomalies_evaluate(now=now),
        "business-flow job": lambda: flows_evaluate(now=now),
    }
    for label, phase in phases.items():
        timed(label, phase, results)


def main() -> None:
    options = parse()
    url = common.choose_database("hotdash_slo")
    common.ensure_postgres_database(url)
    common.setup_django(url)
    common.migrate()
    from django.db import connection

    print(f"database: {connection.vendor} ({url.rsplit('/', 1)[-1]})")
    if not options.keep:
        started = time.perf_counter()
        counts = load(options)
        print(
            f"loaded {counts['integrations']} integrations, {counts['rollups']:,} rollups "
            f"({options.days} d), {counts['raw']:,} raw results ({options.raw_hours} h), "
            f"{counts['flow_counts']:,} flow counts in {time.perf_counter() - started:.1f} s"
        )
        with connection.cursor() as cursor:
            for table in (
                "monitoring_checkrollup",
                "monitoring_checkresult",
                "monitoring_flowcount",
            ):
                if connection.vendor == "postgresql":
                    cursor.execute(f"ANALYZE {table}")
    results = evaluate(options)
    print(f"\n{'phase':36} {'best s':>8} {'worst s':>8} {'queries':>8}")
    for label, runs in results.items():
        times = [t for t, _ in runs]
        print(f"{label:36} {min(times):8.3f} {max(times):8.3f} {runs[-1][1]:8d}")
    cycle = [
        sum(results[label][i][0] for label in ("burn-rate job", "anomaly job", "business-flow job"))
        for i in range(options.cycles)
    ]
    verdict = "within" if max(cycle) < TARGET_S else "OVER"
    print(
        f"\nwhole cycle (burn + anomaly + flows): best {min(cycle):.2f} s, worst {max(cycle):.2f} s "
        f"— {verdict} the {TARGET_S:.0f} s target"
    )


if __name__ == "__main__":
    main()
