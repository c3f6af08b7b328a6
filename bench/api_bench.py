"""Dashboard read benchmark (issue 7): the hot read endpoints under gunicorn on PostgreSQL,
first with a small probe history, then with a large one, to show reads do not scan history.

    python bench/api_bench.py            # 1,000 integrations; 10 thousand, then 10 million results
    python bench/api_bench.py --small    # CI: 100 integrations; 1,000 then 100,000 results

For each of /api/v1/health/summary/, /api/v1/integrations/ (first page) and
/api/v1/tiles/sales_pulse/ it prints p50/p95/p99 and requests/s at 2 and 16 concurrent
keep-alive connections, for both history sizes, and the large/small ratios.
"""

from __future__ import annotations

import argparse
import http.client
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common  # noqa: E402

ENDPOINTS = ["/api/v1/health/summary/", "/api/v1/integrations/", "/api/v1/tiles/sales_pulse/"]
PREFIX = "api-bench-"


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--integrations", type=int, default=1000)
    parser.add_argument("--small-history", type=int, default=10_000)
    parser.add_argument("--large-history", type=int, default=10_000_000)
    parser.add_argument("--seconds", type=float, default=10.0, help="per endpoint and concurrency")
    parser.add_argument("--small", action="store_true", help="a quick run for CI")
    options = parser.parse_args()
    if options.small:
        options.integrations, options.small_history = 100, 1_000
        options.large_history, options.seconds = 100_000, 2.0
    return options


def load_catalogue(count: int) -> str:
    """Integrations with mixed states, 30 days of rollups and transitions, one tile; a token."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.db import connection
    from django.utils import timezone

    from approvals.roles import VIEWERS, roles_seed
    from hotdash.models import ApiToken
    from integrations.models import Integration, TileSnapshot
    from monitoring.summaries import summaries_refresh

    Integration.objects.filter(slug__startswith=PREFIX).delete()
    Integration.objects.bulk_create(
        Integration(
            slug=f"{PREFIX}{n:04d}", name=f"Service {n}", kind="http", base_url="https://x.io"
        )
        for n in range(count)
    )
    with connection.cursor() as cursor:
        cursor.execute(STATES_SQL, [PREFIX + "%"])
        cursor.execute(ROLLUPS_SQL, [PREFIX + "%"])
        cursor.execute(TRANSITIONS_SQL, [PREFIX + "%"])
    summaries_refresh()  # what the rollup job keeps up to date
    TileSnapshot.objects.update_or_create(
        key="sales_pulse",
        defaults={"title": "Sales Pulse", "data": SALES_PULSE, "generated_at": timezone.now()},
    )
    roles_seed()
    user, _ = get_user_model().objects.get_or_create(username="api-bench")
    user.groups.add(Group.objects.get(name=VIEWERS))
    token = ApiToken(user=user, name="bench")
    key = token.issue()
    token.save()
    return key


STATES_SQL = """
INSERT INTO integrations_integrationstate
  (integration_id, status, status_since, last_probe_at, last_success_at, consecutive_failures,
   last_latency_ms, last_error_class, last_message, circuit_state, circuit_failures, rate_limit,
   rate_limit_headroom, summary, updated_at, claimed_by)
SELECT id, (ARRAY['ok','ok','ok','degraded','down'])[1 + id %% 5], now(), now(), now(), 0,
       20 + id %% 50, '', '', 'closed', 0, '{}'::jsonb, 0.8, '{}'::jsonb, now(), ''
FROM integrations_integration WHERE slug LIKE %s
"""

ROLLUPS_SQL = """
INSERT INTO monitoring_checkrollup
  (integration_id, hour, count, failures, degraded, latency_sum_ms, latency_histogram,
   p50_ms, p95_ms, p99_ms)
SELECT i.id, date_trunc('hour', now()) - make_interval(hours => h), 60, (i.id + h) %% 3, 0, 1800,
       '[0,10,30,15,5,0,0,0,0,0,0,0,0]'::jsonb, 22, 60, 90
FROM integrations_integration i, generate_series(0, 30 * 24 - 1) h WHERE i.slug LIKE %s
"""

TRANSITIONS_SQL = """
INSERT INTO monitoring_statetransition
  (integration_id, at, from_status, to_status, cause, processed_at, attempts, last_error)
SELECT i.id, now() - make_interval(hours => k * 37), 'ok', 'degraded', 'bench',
       now() - make_interval(hours => k * 37), 0, ''
FROM integrations_integration i, generate_series(1, 8) k WHERE i.slug LIKE %s
"""

CHECKS_SQL = """
WITH ids AS (
  SELECT array_agg(id ORDER BY id) AS a, count(*) AS n
  FROM integrations_integration WHERE slug LIKE %s
)
INSERT INTO monitoring_checkresult
  (integration_id, checked_at, status, latency_ms, lag_ms, http_status, error_class, message,
   fingerprint, details)
SELECT ids.a[1 + (g %% ids.n)], now() - make_interval(secs => g / ids.n * 60),
       CASE WHEN g %% 50 = 0 THEN 'fail' ELSE 'ok' END,
       15 + g %% 40, g %% 900, 200, '', '', '', '{}'::jsonb
FROM ids, generate_series(%s, %s) g
"""

SALES_PULSE = {
    "today": {"orders": 42, "revenue": {"amount": "5214.80", "currency": "USD"}},
    "same_weekday_last_week": {"orders": 38, "revenue": {"amount": "4790.10", "currency": "USD"}},
    "change_percent": {"orders": 10.5, "revenue": 8.9},
    "ga4": {"sessions": 3120, "purchases": 41, "conversion_rate_percent": 1.31},
}


def add_checks(total: int) -> None:
    """Bring the benchmark's check history to `total` rows, server-side in 1M-row batches."""
    from django.db import connection

    from monitoring.models import CheckResult

    have = CheckResult.objects.filter(integration__slug__startswith=PREFIX).count()
    with connection.cursor() as cursor:
        while have < total:
            batch = min(1_000_000, total - have)
            cursor.execute(CHECKS_SQL, [PREFIX + "%", have + 1, have + batch])
            have += batch
        cursor.execute("ANALYZE")


def serve(port: int, env: dict) -> subprocess.Popen:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "hotdash.wsgi",
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],
        cwd=common.ROOT,
        env=env,
    )
    for _ in range(100):
        if common.reachable(port):
            return process
        time.sleep(0.1)
    process.kill()
    raise SystemExit("gunicorn did not start")


def hammer(port: int | list[int], path: str, key: str, concurrency: int, seconds: float) -> dict:
    """`concurrency` keep-alive connections requesting `path` for `seconds`; several ports
    (web nodes) share the connections round-robin, as a proxy would."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds
    ports = port if isinstance(port, list) else [port]

    def client(port: int):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        mine = []
        headers = {"Authorization": f"Token {key}", "Host": "127.0.0.1"}
        while time.monotonic() < stop_at:
            started = time.perf_counter()
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            response.read()
            mine.append((time.perf_counter() - started) * 1000)
            if response.status != 200:
                errors[0] += 1
        with lock:
            latencies.extend(mine)

    threads = [
        threading.Thread(target=client, args=(ports[i % len(ports)],)) for i in range(concurrency)
    ]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - began
    latencies.sort()
    return {
        "rps": len(latencies) / elapsed,
        "p50": common.percentile(latencies, 0.50),
        "p95": common.percentile(latencies, 0.95),
        "p99": common.percentile(latencies, 0.99),
        "errors": errors[0],
    }


def measure(port: int, key: str, seconds: float) -> dict:
    results = {}
    for path in ENDPOINTS:
        hammer(port, path, key, 2, min(1.0, seconds))  # warm up both workers
        for concurrency in (2, 16):
            results[(path, concurrency)] = hammer(port, path, key, concurrency, seconds)
    return results


def main() -> None:
    options = parse()
    database = common.choose_database("hotdash_apibench")
    if not database.startswith("postgres"):
        print("api_bench: needs PostgreSQL (127.0.0.1:5432); skipped")
        return
    common.ensure_postgres_database(database, fresh=True)  # 10M rows: start from nothing
    common.setup_django(database)
    common.migrate()
    key = load_catalogue(options.integrations)
    env = {
        **os.environ,
        "DEBUG": "0",
        "ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SETTINGS_MODULE": "hotdash.settings.base",
    }
    port = common.free_port()
    runs = {}
    for label, total in (("small", options.small_history), ("large", options.large_history)):
        started = time.monotonic()
        add_checks(total)
        print(
            f"history {label}: {total:,} check results (loaded in {time.monotonic() - started:.0f} s)"
        )
        server = serve(port, env)
        try:
            runs[label] = measure(port, key, options.seconds)
        finally:
            server.terminate()
            server.wait(10)
    report(options, runs)


def report(options, runs: dict) -> None:
    print(
        f"\n{options.integrations} integrations; gunicorn 2 workers; {options.seconds:.0f} s per cell"
    )
    print(
        f"{'endpoint':<30} {'conc':>4} {'history':>8} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'req/s':>7} {'err':>4}"
    )
    for path, concurrency in runs["small"]:
        for label in ("small", "large"):
            r = runs[label][(path, concurrency)]
            print(
                f"{path:<30} {concurrency:>4} {label:>8} {r['p50']:>7.1f} {r['p95']:>7.1f} "
                f"{r['p99']:>7.1f} {r['rps']:>7.0f} {r['errors']:>4}"
            )
        small, large = runs["small"][(path, concurrency)], runs["large"][(path, concurrency)]
        print(
            f"{'':<30} {'':>4} {'ratio':>8} {'':>7} {large['p95'] / small['p95']:>7.2f} "
            f"{'':>7} {small['rps'] / large['rps']:>7.2f}   (large/small p95; small/large req/s)"
        )


if __name__ == "__main__":
    main()
