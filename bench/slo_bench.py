"""SLO and anomaly evaluation benchmark (issues 9 and 17): N integrations with 30 days of
hourly rollups and 6 hours of raw probes (one a minute), evaluated as the jobs do.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hd_slo_bench python bench/slo_bench.py
    python bench/slo_bench.py --small          # CI: 50 integrations, 7 days

History is written with COPY on PostgreSQL (bulk_create elsewhere). Prints, per phase of
the current path, the wall time and the number of SQL queries; then checks that the
baseline (the path before issue 17: one filtered aggregate per window, a Fraction per
burn rate, one flow read per series — kept below, patched in by `baseline()`) gives
exactly the same SLO statuses; then runs the SLO cycle (burn-rate, anomaly and flow
jobs) on both paths, alternating, and prints the medians: wall, CPU ms of this process
and of its PostgreSQL backend (parallel workers off, so the backend does all of the
database's work), services per CPU second, the load average, the ratio and the target
(< 3 s for 1,000 integrations with 30 days of rollups).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from contextlib import contextmanager
from datetime import timedelta
from fractions import Fraction
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common  # noqa: E402

PREFIX = "bench-slo-"
TARGET_S = 3.0


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
    settings.DEBUG = False
    return results


def one_cycle(options, results: dict) -> None:
    from django.utils import timezone

    from integrations.models import Integration
    from monitoring.slo import series
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
    } | {label: lambda job=job: job(now=now) for label, job in jobs().items()}
    for label, phase in phases.items():
        timed(label, phase, results)


def jobs() -> dict:
    """The SLO cycle: what the one-minute job and the flow job evaluate."""
    from monitoring.services.burn_alerts import burn_alerts_evaluate
    from monitoring.slo.anomaly import anomalies_evaluate, flows_evaluate

    return {
        "burn-rate job": burn_alerts_evaluate,
        "anomaly job": anomalies_evaluate,
        "business-flow job": flows_evaluate,
    }


# The path before issue 17 (one filtered aggregate per window; a Fraction per burn rate),
# kept here only to be measured against the current one in the same run.
@contextmanager
def baseline():
    from monitoring.slo import anomaly, maths, series

    saved = series._raw_aggregate, series.rollup_aggregate, maths.burn_rate, anomaly.flows_evaluate
    series._raw_aggregate, series.rollup_aggregate = _old_raw_aggregate, _old_rollup_aggregate
    maths.burn_rate, anomaly.flows_evaluate = _old_burn_rate, _old_flows_evaluate
    try:
        yield
    finally:
        series._raw_aggregate, series.rollup_aggregate, maths.burn_rate, anomaly.flows_evaluate = (
            saved
        )


def _old_raw_aggregate(query, since, now) -> dict:
    from django.db.models import Count, F, Q

    from monitoring.models import CheckResult
    from monitoring.slo.maths import RAW_WINDOWS, WINDOWS, Counts

    fail = Q(status=CheckResult.Status.FAIL)
    slow = Q(latency_ms__gt=F("integration__slo_latency_ms"))
    columns = {}
    for name in RAW_WINDOWS:
        inside = Q(checked_at__gt=now - WINDOWS[name])
        columns |= {
            f"t_{name}": Count("pk", filter=inside),
            f"b_{name}": Count("pk", filter=inside & fail),
            f"s_{name}": Count("pk", filter=inside & slow),
        }
    rows = query.filter(checked_at__gt=since, checked_at__lte=now).values("integration_id")
    return {
        row["integration_id"]: {
            n: Counts(row[f"t_{n}"], row[f"b_{n}"], row[f"s_{n}"]) for n in RAW_WINDOWS
        }
        for row in rows.annotate(**columns)
    }


def _old_rollup_aggregate(query, ranges) -> dict:
    from django.db.models import Max, Min, Q, Sum

    from monitoring.slo.series import BUCKETS, _bucket

    columns = {}
    for name, (start, end) in ranges.items():
        inside = Q(hour__gte=start, hour__lt=end)
        columns |= {f"t_{name}": Sum("count", filter=inside)}
        columns |= {f"b_{name}": Sum("failures", filter=inside)}
        columns |= {f"lo_{name}": Min("min_ms", filter=inside)}
        columns |= {f"hi_{name}": Max("max_ms", filter=inside)}
        columns |= {f"h{i}_{name}": Sum(_bucket(i), filter=inside) for i in BUCKETS}
    since = min(start for start, _ in ranges.values())
    until = max(end for _, end in ranges.values())
    rows = query.filter(hour__gte=since, hour__lt=until).values("integration_id")
    return {row["integration_id"]: row for row in rows.annotate(**columns)}


def _old_flows_evaluate(*, now) -> dict:
    """One read and one open-incident look-up per series, as before issue 17."""
    from integrations.models import Integration
    from monitoring.conf import knob
    from monitoring.models import FlowCount
    from monitoring.rollups import floor_hour
    from monitoring.services.signal_incidents import signal_sync
    from monitoring.slo import anomaly

    end = floor_hour(now)
    span, weeks = int(knob("FLOW_MAX_SPAN_HOURS")), int(knob("ANOMALY_WEEKS"))
    hours = [end - timedelta(hours=h) for h in range(span, 0, -1)]
    wanted = hours + [h - timedelta(weeks=w) for w in range(1, weeks + 1) for h in hours]
    recent = FlowCount.objects.filter(hour__gte=end - timedelta(days=2))
    metrics: dict = {}
    for pk, metric in recent.values_list("integration_id", "metric").distinct():
        metrics.setdefault(pk, set()).add(metric)
    tally: dict = {}
    enabled = Integration.objects.enabled().select_related("state").filter(pk__in=metrics)
    for integration in (i for i in enabled if anomaly._answering(i)):
        series = {
            metric: dict(
                FlowCount.objects.filter(
                    integration_id=integration.pk, metric=metric, hour__in=wanted
                ).values_list("hour", "count")
            )
            for metric in sorted(metrics[integration.pk])
        }
        what = signal_sync(anomaly._flow_signal(integration, series, end), now=now)
        tally[what] = tally.get(what, 0) + 1
    tally.pop("unchanged", None)
    return tally


def _old_burn_rate(bad, total, objective_percent):
    if total <= 0:
        return None
    allowed = 1 - Fraction(str(objective_percent)) / 100
    ratio = Fraction(int(bad), int(total))
    if allowed <= 0:
        return float("inf") if ratio > 0 else 0.0
    return float(ratio / allowed)


def backend_cpu() -> float:
    """CPU seconds of this connection's PostgreSQL backend so far (0 elsewhere): the
    server is on this machine, and /proc/<pid>/stat is readable."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return 0.0
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(label: str, runs: dict) -> None:
    """One SLO cycle (burn-rate, anomaly and flow jobs): wall, this process's CPU, the
    backend's CPU, and the load average around it."""
    from django.utils import timezone

    load, db, py = os.getloadavg()[0], backend_cpu(), time.process_time()
    started = time.perf_counter()
    now = timezone.now()
    for job in jobs().values():
        job(now=now)
    wall = time.perf_counter() - started
    py, db = time.process_time() - py, backend_cpu() - db
    runs.setdefault(label, []).append((wall, py, db, (load + os.getloadavg()[0]) / 2))


def compare(options) -> dict:
    """Both paths, alternating, `options.cycles` times each after one warm-up cycle (which
    opens the incidents); the statuses of both must be exactly equal."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # every CPU second of a query in this backend
            cursor.execute("SET max_parallel_workers_per_gather = 0")
    same_numbers(options)
    runs: dict = {}
    measure("warm-up", runs)
    for repetition in range(options.cycles):
        for label in ("baseline", "current") if repetition % 2 else ("current", "baseline"):
            if label == "baseline":
                with baseline():
                    measure(label, runs)
            else:
                measure(label, runs)
    return runs


def same_numbers(options) -> None:
    """Exit unless the baseline and the current path give identical SLO statuses."""
    from django.utils import timezone

    from monitoring.slo.status import slo_statuses

    now = timezone.now()
    current = [_numbers(s) for s in slo_statuses(now=now)]
    with baseline():
        old = [_numbers(s) for s in slo_statuses(now=now)]
    if current != old:
        sys.exit("the current path's SLO statuses differ from the baseline's")
    print(f"same numbers: {len(current)} SLO statuses equal on both paths")


def _numbers(status) -> tuple:
    return (status.counts, status.availability, status.latency, status.firing, status.uptime)


def report(runs: dict, integrations: int) -> None:
    print(
        f"\n{'SLO cycle':10} {'wall ms':>8} {'CPU ms':>8} {'python':>8} {'postgres':>8}"
        f" {'services/CPU s':>15} {'load':>6}   (medians of {len(runs['current'])})"
    )
    medians = {}
    for label in ("baseline", "current"):
        wall, py, db, load = (
            statistics.median(column) for column in zip(*runs[label], strict=True)
        )
        medians[label] = (wall, py + db)
        print(
            f"{label:10} {wall * 1e3:8.0f} {(py + db) * 1e3:8.0f} {py * 1e3:8.0f} "
            f"{db * 1e3:8.0f} {integrations / (py + db):15,.0f} {load:6.2f}"
        )
    (old_wall, old_cpu), (wall, cpu) = medians["baseline"], medians["current"]
    verdict = "within" if cpu < TARGET_S and wall < TARGET_S else "OVER"
    print(
        f"ratio baseline / current: CPU {old_cpu / cpu:.1f}×, wall {old_wall / wall:.1f}×; "
        f"current {cpu:.2f} CPU s, {wall:.2f} s wall — {verdict} the {TARGET_S:g} s target "
        f"(cpus {os.cpu_count()}, load now {' '.join(f'{x:.2f}' for x in os.getloadavg())})"
    )


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
    print(f"\n{'phase (current path)':36} {'best s':>8} {'worst s':>8} {'queries':>8}")
    for label, runs in results.items():
        times = [t for t, _ in runs]
        print(f"{label:36} {min(times):8.3f} {max(times):8.3f} {runs[-1][1]:8d}")
    report(compare(options), options.integrations)


if __name__ == "__main__":
    main()
