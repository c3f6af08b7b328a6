"""Scaling out (issue 15 item 6): the probe engine, webhook intake and dashboard reads with
1–2 web nodes and 1–4 job clusters, as processes on this machine sharing one PostgreSQL and
one Redis. The baseline, in the same run, is the smallest topology (1 web node / 1 cluster).

    python bench/scale_bench.py            # 1-4 clusters, 8,000 integrations every 10 s, 60 s
    python bench/scale_bench.py --small    # CI: 1-2 clusters, 2,500 every 10 s, 10 s (~2.5 min)

Needs PostgreSQL at 127.0.0.1:5432 (a database hd_scale_bench_<pid>, created and dropped)
and Redis at 127.0.0.1:6379 (REDIS_URL, default db 7, flushed). Web nodes are gunicorn
(2 gthread workers x 4 threads, as deploy/systemd/hotdash-web.service) on ports of their own,
the load spread round-robin over them as a proxy would; job clusters are `manage.py
qcluster` (Q_WORKERS=2, PROBE_LOOP_SLOTS = the number of clusters), after `manage.py seed`
published the web's identity under the same SECRET_KEY, as the deploy does.

1. Webhook intake, 1 and 2 web nodes, 16 senders (bench/webhooks_bench.py's sender):
   deliveries/s, p50/p99, CPU ms per delivery by role. Rounds alternate the topologies;
   medians over rounds.
2. Dashboard reads, 1 and 2 web nodes, 16 keep-alive connections on /api/v1/health/summary/
   and /api/v1/integrations/ (bench/api_bench.py's loop and catalogue): req/s, p99, CPU.
3. Probe engine, 1..4 job clusters: integrations against the vendor sandbox with injected
   latency, demand above one cluster's capacity; after a warm-up, a fixed window: probes/s
   achieved, lag p95 (due -> start), CPU ms per probe by role. Only the probe loop's
   schedule is kept (the other jobs' CPU would blur the per-probe figure).

CPU by role (bench/scale_parts.py): web nodes, job clusters, this database's PostgreSQL
backends, Redis, the sandbox, the load generator; the load average before and after each
window, and the most PostgreSQL backends the topology held.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import api_bench, common, probe_bench, webhooks_bench  # noqa: E402
from bench.scale_parts import READS, SHOWN, CpuSampler, JobCluster, Window, report  # noqa: E402


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clusters", type=int, default=4, help="probe engine: 1..N clusters")
    parser.add_argument("--integrations", type=int, default=8000)
    parser.add_argument("--interval", type=int, default=10, help="probe interval, s")
    parser.add_argument("--latency-ms", type=int, default=60, help="injected in the sandbox")
    # each probe thread holds a PostgreSQL connection: 4 loops x 32 would pass the shared
    # server's max_connections (100), which other work on this machine needs too
    parser.add_argument("--concurrency", type=int, default=12, help="PROBE_CONCURRENCY")
    parser.add_argument("--warmup", type=float, default=30.0, help="s before a probe window")
    parser.add_argument("--window", type=float, default=60.0, help="probe window, s")
    parser.add_argument("--deliveries", type=int, default=10_000, help="per webhook round")
    parser.add_argument("--read-seconds", type=float, default=8.0, help="per endpoint, round")
    parser.add_argument("--rounds", type=int, default=3, help="web rounds (medians)")
    parser.add_argument("--senders", type=int, default=16)
    parser.add_argument("--only", choices=["webhooks", "reads", "probes"])
    parser.add_argument("--small", action="store_true", help="a quick run for CI")
    options = parser.parse_args()
    if options.small:
        options.clusters, options.integrations, options.interval = 2, 2500, 10
        options.warmup, options.window, options.deliveries = 10.0, 10.0, 2000
        options.read_seconds, options.rounds = 2.0, 1
    return options


def environment(database: str, sandbox_url: str) -> None:
    """What every node reads: one environment file, as the deploy copies it everywhere."""
    os.environ.update(
        DATABASE_URL=database,
        REDIS_URL=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/7"),
        SECRET_KEY="bench-scale-only-not-secret",
        SANDBOX_URL=sandbox_url,
        DJANGO_SETTINGS_MODULE="hotdash.settings.base",
        SHOPIFY_WEBHOOK_SECRET=webhooks_bench.SECRET,
        DEBUG="0",
        ALLOWED_HOSTS="127.0.0.1",
        Q_WORKERS="2",
        PYTHONPATH=str(common.ROOT),
    )


def webhooks(ports: list[int], options, sampler: CpuSampler) -> dict:
    """Rounds of sustained intake, 1 then 2 web nodes each round; figures per topology."""
    for port in ports:
        webhooks_bench.ingest(port, 500, options.senders, f"warm-up :{port}")
    runs: dict[int, list] = {1: [], 2: []}
    for round_ in range(options.rounds):
        for nodes in (1, 2):
            targets = ports[:nodes]
            payloads = [
                webhooks_bench.request_bytes(
                    webhooks_bench.order_body(n), os.urandom(8).hex(), targets[n % nodes]
                )
                for n in range(options.deliveries)
            ]
            with Window(sampler) as window:
                seconds, results = webhooks_bench.send_all(payloads, targets, options.senders)
            label = f"webhooks {nodes} node(s) round {round_ + 1}"
            figures = webhooks_bench.summarise(label, seconds, results)
            runs[nodes].append((figures["per_s"], figures["p50_ms"], figures["p99_ms"], window))
            print(f"  {_cpu_line(window, figures['deliveries'])}", flush=True)
    return runs


def reads(ports: list[int], key: str, options, sampler: CpuSampler) -> dict:
    """Rounds of 16 keep-alive connections per endpoint, 1 then 2 web nodes each round."""
    for path in READS:
        api_bench.hammer(ports, path, key, 4, 1.0)  # warm up every worker
    runs: dict[tuple, list] = {}
    for round_ in range(options.rounds):
        for nodes in (1, 2):
            for path in READS:
                with Window(sampler) as window:
                    r = api_bench.hammer(ports[:nodes], path, key, 16, options.read_seconds)
                count = round(r["rps"] * window.seconds)
                print(
                    f"reads {nodes} node(s) {path} round {round_ + 1}: {r['rps']:.0f} req/s, "
                    f"p50 {r['p50']:.1f} p99 {r['p99']:.1f} ms, errors {r['errors']}\n"
                    f"  {_cpu_line(window, count)}",
                    flush=True,
                )
                runs.setdefault((nodes, path), []).append((r["rps"], r["p99"], count, window))
    return runs


def probes(options, env: dict, sampler: CpuSampler) -> dict:
    """One window per topology, 1..`clusters` job clusters, each on a fresh load."""
    import redis
    from django_q.models import Schedule

    from integrations.models import Integration

    Integration.objects.exclude(slug__startswith=probe_bench.PREFIX).update(enabled=False)
    Schedule.objects.exclude(func="monitoring.tasks.run_due_probes_task").delete()
    common.sandbox_faults(os.environ["SANDBOX_URL"], "llamaindex", latency_ms=options.latency_ms)
    results = {}
    for count in range(1, options.clusters + 1):
        redis.Redis.from_url(os.environ["REDIS_URL"]).flushdb()  # no jobs left from before
        results[count] = probe_topology(count, options, env, sampler)
    return results


def probe_topology(count: int, options, env: dict, sampler: CpuSampler) -> dict:
    from django.utils import timezone
    from django_q.tasks import async_task

    from integrations.models import IntegrationState
    from monitoring.models import CheckResult, Lease

    Lease.objects.all().delete()
    probe_bench.load(options.integrations, options.interval)
    IntegrationState.objects.update(status="ok")  # no first-probe transitions to page
    env = {**env, "PROBE_LOOP_SLOTS": str(count), "PROBE_CONCURRENCY": str(options.concurrency)}
    clusters = [JobCluster(env) for _ in range(count)]
    sampler.roots["job clusters"] = {c.process.pid for c in clusters}
    try:
        for _ in range(count):  # one run per slot now, rather than at the scheduler's minute
            async_task("monitoring.tasks.run_due_probes_task", purpose="schedule")
        time.sleep(options.warmup)
        began = timezone.now()
        with Window(sampler) as window:
            time.sleep(options.window)
        ended = timezone.now()
    finally:
        for cluster in clusters:
            cluster.stop()  # SIGKILL, whole: a graceful stop is not measured here
    rows = CheckResult.objects.filter(
        integration__slug__startswith=probe_bench.PREFIX, checked_at__range=(began, ended)
    )
    lags = sorted(rows.values_list("lag_ms", flat=True))
    done = len(lags)
    figures = {
        "per_s": done / window.seconds,
        "lag_p95_s": (common.percentile(lags, 0.95) or 0) / 1000,
        "failed": rows.filter(status="fail").count(),
        "window": window,
        "done": done,
    }
    print(
        f"probes {count} cluster(s): {done} in {window.seconds:.0f} s = {figures['per_s']:.1f}/s "
        f"(demand {options.integrations / options.interval:.0f}/s, concurrency "
        f"{options.concurrency}), lag p95 "
        f"{figures['lag_p95_s']:.1f} s, failed {figures['failed']}\n  {_cpu_line(window, done)}",
        flush=True,
    )
    return figures


def _cpu_line(window: Window, count: int) -> str:
    per = window.per(count)
    split = ", ".join(f"{role} {per[role]:.2f}" for role in SHOWN)
    return (
        f"cpu ms per op: {split}; pg backends peak {window.backends}; "
        f"load {window.load[0]:.2f} -> {window.load[1]:.2f}"
    )


def main() -> None:
    options = parse()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # stop every process on the way out
    if not (common.reachable(5432) and common.reachable(6379)):
        print("scale_bench: needs PostgreSQL (127.0.0.1:5432) and Redis (:6379); skipped")
        return
    name = f"hd_scale_bench_{os.getpid()}"
    database = f"postgres://postgres@127.0.0.1:5432/{name}"
    common.ensure_postgres_database(database, fresh=True)
    sandbox_port = common.free_port()
    environment(database, f"http://127.0.0.1:{sandbox_port}")
    sampler, web, sandbox = CpuSampler(name), [], None
    webhook_runs, read_runs, probe_runs = {}, {}, {}
    try:
        sandbox = common.start_sandbox(sandbox_port)
        sampler.roots["sandbox"] = {sandbox.pid}
        key = prepare(options, database)
        sampler.start()
        print(
            f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cpus, "
            f"load {' '.join(f'{x:.2f}' for x in os.getloadavg())}",
            flush=True,
        )
        if options.only in (None, "webhooks", "reads"):
            ports = _ports(2)
            web = [webhooks_bench.start_gunicorn(p, GUNICORN) for p in ports]
            sampler.roots["web"] = {w.pid for w in web}
            if options.only in (None, "webhooks"):
                webhook_runs = _timed(webhooks, ports, options, sampler)
            if options.only in (None, "reads"):
                read_runs = _timed(reads, ports, key, options, sampler)
            for server in web:
                webhooks_bench.stop(server)
        if options.only in (None, "probes"):
            probe_runs = _timed(probes, options, dict(os.environ), sampler)
        report(webhook_runs, read_runs, probe_runs, options)
        print(f"load average at the end {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    finally:
        for process in [*web, *([sandbox] if sandbox else [])]:
            if process.poll() is None:
                webhooks_bench.stop(process)
        cleanup(database)
        sampler.stop()


GUNICORN = SimpleNamespace(workers=2, worker_class="gthread", threads=4)


def prepare(options, database: str) -> str:
    """Django on the fresh database: migrate, seed (the web's identity for the clusters),
    Redis flushed, the dashboard's catalogue; returns a viewer's API token."""
    from django.core.management import call_command

    common.setup_django(database, os.environ["SANDBOX_URL"])
    common.migrate()
    call_command("seed", stdout=open(os.devnull, "w"))
    webhooks_bench.flush_redis()
    return api_bench.load_catalogue(100 if options.small else 1000)


def _timed(part, *args):
    started = time.monotonic()
    try:
        return part(*args)
    finally:
        print(f"{part.__name__} took {time.monotonic() - started:.0f} s", flush=True)


def _ports(count: int) -> list[int]:
    ports: set[int] = set()
    while len(ports) < count:
        ports.add(common.free_port())
    return sorted(ports)


def cleanup(database: str) -> None:
    from django.db import connections

    connections.close_all()
    common.drop_postgres_database(database)
    webhooks_bench.flush_redis()


if __name__ == "__main__":
    main()
