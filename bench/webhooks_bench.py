#!/usr/bin/env python3
"""Inbound webhook benchmark: sustained verified ingest, then a redelivery storm.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hotdash_wh \
    REDIS_URL=redis://127.0.0.1:6379/13 \
    .venv/bin/python bench/webhooks_bench.py [--small] [--worker-class sync|gthread] [--threads 8]

1. gunicorn (2 worker processes, gthread with 8 threads each by default) serves
   the real project on PostgreSQL, with django-q2's Redis broker (the production
   layout in DESIGN.md).
2. Ingest: SENDERS concurrent senders (asyncio, raw HTTP/1.1, one process) post
   signed Shopify `orders/create` deliveries (a ~2 KB order, a distinct event
   each). Printed: deliveries/s over the whole run, p50/p90/p99/max response
   time (connect to last byte), status counts, and the CPU each process role
   spent per delivery (gunicorn, PostgreSQL backends, Redis, the load generator).
3. Storm: EVENTS events, each sent 3 times, all shuffled (duplicates arrive out
   of order and concurrently). Then a django-q2 cluster (2 workers) processes
   them. Printed: rows per event, events lost (never stored, or not processed),
   events processed more than once (the `attempts` column, and independently
   the jobs' own results counted by bench/webhooks_bench_app.py).

Targets (issue 6): ≥ 1,000 deliveries/s, p99 < 50 ms, zero lost, zero twice.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import hashlib
import hmac
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SECRET = "bench-shopify-webhook-secret"
DEFAULTS = {
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/hotdash_wh",
    "REDIS_URL": "redis://127.0.0.1:6379/13",
    "SECRET_KEY": "bench-only-not-secret",
    "DJANGO_SETTINGS_MODULE": "bench.webhooks_bench_settings",
    "SHOPIFY_WEBHOOK_SECRET": SECRET,
    "Q_WORKERS": "2",
}
PROCESS_TASK = "integrations.webhooks.tasks.webhook_event_process_task"


def order_body(n: int) -> bytes:
    """A Shopify order payload of about 2 KB (REST resource JSON, as webhooks send)."""
    lines = [
        {
            "id": 1_000_000 + n * 10 + i,
            "sku": f"AN6-{i:03d}",
            "title": "AN-6 braided hose end, 45 degree",
            "quantity": 1 + i % 3,
            "price": "24.95",
            "admin_graphql_api_id": f"gid://shopify/LineItem/{1_000_000 + n * 10 + i}",
        }
        for i in range(6)
    ]
    order = {
        "id": 5_600_000_000_000 + n,
        "admin_graphql_api_id": f"gid://shopify/Order/{5_600_000_000_000 + n}",
        "name": f"#{10_000 + n}",
        "email": "jake.miller@example.com",
        "created_at": "2026-11-22T12:00:00-08:00",
        "currency": "USD",
        "total_price": "149.70",
        "financial_status": "paid",
        "line_items": lines,
        "shipping_address": {"city": "Bakersfield", "province_code": "CA", "zip": "93301"},
    }
    return json.dumps(order).encode()


def request_bytes(body: bytes, event_id: str, port: int) -> bytes:
    mac = base64.b64encode(hmac.new(SECRET.encode(), body, hashlib.sha256).digest()).decode()
    headers = [
        "POST /webhooks/shopify/ HTTP/1.1",
        f"Host: 127.0.0.1:{port}",
        "Content-Type: application/json",
        f"Content-Length: {len(body)}",
        "X-Shopify-Topic: orders/create",
        f"X-Shopify-Hmac-Sha256: {mac}",
        "X-Shopify-Shop-Domain: hot-rod-an.myshopify.com",
        "X-Shopify-API-Version: 2025-10",
        f"X-Shopify-Webhook-Id: {uuid.uuid4()}",
        f"X-Shopify-Event-Id: {event_id}",
        # now: a trigger older than the replay window is refused (docs/webhooks.md)
        f"X-Shopify-Triggered-At: {time.strftime('%Y-%m-%dT%H:%M:%S.000000Z', time.gmtime())}",
        "Connection: keep-alive",
    ]
    return ("\r\n".join(headers) + "\r\n\r\n").encode() + body


# -- the load generator ------------------------------------------------------------------


async def _exchange(reader, writer, payload: bytes) -> tuple[int, bool]:
    writer.write(payload)
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    fields = {
        k.strip().lower(): v.strip() for k, _, v in (ln.partition(":") for ln in lines[1:] if ln)
    }
    await reader.readexactly(int(fields.get("content-length", "0")))
    return status, fields.get("connection", "").lower() == "close"


async def _sender(requests_iter, port: int, results: list) -> None:
    reader = writer = None
    for payload in requests_iter:
        started = time.perf_counter()
        if writer is None:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            status, close = await _exchange(reader, writer, payload)
        except (OSError, asyncio.IncompleteReadError):
            status, close = 0, True
        results.append((status, time.perf_counter() - started))
        if close:
            writer.close()
            writer = None
    if writer is not None:
        writer.close()


def send_all(payloads: list[bytes], port: int | list[int], senders: int) -> tuple[float, list]:
    """Send every payload from `senders` concurrent connections; (seconds, [(status, s)]).
    Several ports (web nodes) share the senders round-robin, as a proxy would."""
    results: list = []
    ports = port if isinstance(port, list) else [port]

    async def main():
        shared = iter(payloads)  # one iterator: each sender takes the next delivery
        await asyncio.gather(
            *(_sender(shared, ports[i % len(ports)], results) for i in range(senders))
        )

    started = time.perf_counter()
    asyncio.run(main())
    return time.perf_counter() - started, results


def summarise(label: str, seconds: float, results: list) -> dict:
    latencies = sorted(r[1] * 1000 for r in results)
    q = statistics.quantiles(latencies, n=100)
    statuses: dict[int, int] = {}
    for status, _ in results:
        statuses[status] = statuses.get(status, 0) + 1
    figures = {
        "deliveries": len(results),
        "seconds": round(seconds, 2),
        "per_s": round(len(results) / seconds),
        "p50_ms": round(q[49], 2),
        "p90_ms": round(q[89], 2),
        "p99_ms": round(q[98], 2),
        "max_ms": round(latencies[-1], 2),
        "statuses": statuses,
    }
    print(f"{label}: {json.dumps(figures)}", flush=True)
    return figures


# -- processes: database, gunicorn, cluster ------------------------------------------------


def env() -> dict:
    merged = {**os.environ}
    for name, value in DEFAULTS.items():
        merged.setdefault(name, value)
    return merged


def setup_django() -> None:
    os.environ.update({k: v for k, v in env().items() if k in DEFAULTS})
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def ensure_database() -> None:
    """Create the benchmark's database if it is missing, migrate, and empty the event table."""
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    db = settings.DATABASES["default"]
    if not db["ENGINE"].endswith("postgresql"):
        raise SystemExit("the webhook benchmark runs on PostgreSQL (set DATABASE_URL)")
    import psycopg

    dsn = f"host={db['HOST']} port={db['PORT'] or 5432} user={db['USER']} dbname=postgres"
    with psycopg.connect(dsn, autocommit=True) as admin:
        if not admin.execute("SELECT 1 FROM pg_database WHERE datname=%s", [db["NAME"]]).fetchone():
            admin.execute(f'CREATE DATABASE "{db["NAME"]}"')
    call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE integrations_webhookevent")


def flush_redis() -> None:
    import redis

    redis.Redis.from_url(env()["REDIS_URL"]).flushdb()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def cpu_seconds(pid: int) -> float:
    """utime + stime of one process (Linux /proc), 0 when it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_by_role(server: subprocess.Popen) -> dict[str, float]:
    """CPU seconds so far of: gunicorn (master and workers), this database's PostgreSQL
    backends, redis-server, and this process (the load generator)."""
    from django.db import connection

    children = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        backends = [row[0] for row in cursor.fetchall()]
    redis_pids = subprocess.run(["pgrep", "-x", "redis-server"], capture_output=True, text=True)
    return {
        "gunicorn": sum(cpu_seconds(int(p)) for p in [server.pid, *children]),
        "postgres": sum(cpu_seconds(p) for p in backends),
        "redis": sum(cpu_seconds(int(p)) for p in redis_pids.stdout.split()),
        "load generator": cpu_seconds(os.getpid()),
    }


def start_gunicorn(port: int, args) -> subprocess.Popen:
    command = [
        str(ROOT / ".venv/bin/gunicorn"),
        "hotdash.wsgi:application",
        f"--workers={args.workers}",
        f"--worker-class={args.worker_class}",
        f"--threads={args.threads}",
        f"--bind=127.0.0.1:{port}",
        "--backlog=2048",
        "--log-level=warning",
        "--keep-alive=5",
    ]
    server = subprocess.Popen(command, cwd=ROOT, env=env())
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("gunicorn did not start")


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(20)
    except subprocess.TimeoutExpired:
        process.kill()


# -- phases ------------------------------------------------------------------------------


def ingest(port: int, count: int, senders: int, label: str) -> dict:
    payloads = [request_bytes(order_body(n), str(uuid.uuid4()), port) for n in range(count)]
    seconds, results = send_all(payloads, port, senders)
    return summarise(label, seconds, results)


def storm(port: int, events: int, senders: int) -> tuple[dict, list[str]]:
    ids = [str(uuid.uuid4()) for _ in range(events)]
    payloads = [request_bytes(order_body(n), ids[n], port) for n in range(events) for _ in range(3)]
    random.Random(6).shuffle(payloads)
    seconds, results = send_all(payloads, port, senders)
    return summarise("storm (each event 3x, shuffled)", seconds, results), ids


def process_and_count(ids: list[str], timeout_s: float) -> dict:
    """Run a django-q2 cluster until the storm's events are processed; count the outcome."""
    import redis
    from django.db.models import Count, Sum

    from integrations.webhooks.models import WebhookEvent

    cluster = subprocess.Popen(
        [str(ROOT / ".venv/bin/python"), "manage.py", "qcluster"],
        cwd=ROOT,
        env=env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    started, rows = time.time(), WebhookEvent.objects.filter(event_id__in=ids)
    try:
        while time.time() - started < timeout_s:
            if not rows.filter(status__in=["received", "processing"]).exists():
                break
            time.sleep(0.5)
        drained = time.time() - started
        time.sleep(2)  # the monitor records the last results
    finally:
        stop(cluster)
    per_id = rows.values("event_id").annotate(n=Count("id"))
    counter = redis.Redis.from_url(env()["REDIS_URL"])
    jobs = {
        k: int(counter.get(f"bench:webhooks:{k}") or 0) for k in ("processed", "skipped", "error")
    }
    totals = rows.aggregate(attempts=Sum("attempts"))
    figures = {
        "events": len(ids),
        "stored": per_id.count(),
        "rows_for_one_event_max": max((r["n"] for r in per_id), default=0),
        "lost_not_stored": len(ids) - per_id.count(),
        "lost_not_processed": rows.exclude(status="processed").count(),
        "processed_twice_by_attempts": (totals["attempts"] or 0) - rows.count(),
        "jobs_returning_processed": jobs["processed"],
        "processed_twice_by_job_results": max(0, jobs["processed"] - len(ids)),
        "jobs_skipped": jobs["skipped"],
        "job_errors": jobs["error"],
        "processing_seconds": round(drained, 1),
    }
    print(f"storm outcome: {json.dumps(figures)}", flush=True)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="a quick run for CI")
    parser.add_argument("--deliveries", type=int, default=20_000)
    parser.add_argument("--events", type=int, default=3_000, help="storm events (x3 deliveries)")
    parser.add_argument("--senders", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    # gthread: a worker's threads overlap their waits (commit, Redis); still 2 processes.
    parser.add_argument("--worker-class", default="gthread", choices=["sync", "gthread"])
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args()
    if args.small:
        args.deliveries, args.events = 2_000, 300
    setup_django()
    ensure_database()
    flush_redis()
    port = free_port()
    layout = f"{args.workers} x {args.worker_class}" + (
        f"/{args.threads}" if args.worker_class == "gthread" else ""
    )
    print(f"gunicorn {layout}, {args.senders} senders, load {os.getloadavg()[0]:.2f}", flush=True)
    server = start_gunicorn(port, args)
    try:
        ingest(port, 500, args.senders, "warm-up")
        before = cpu_by_role(server)
        figures = ingest(port, args.deliveries, args.senders, "sustained ingest")
        after = cpu_by_role(server)
        per = {k: round((after[k] - before[k]) / figures["deliveries"] * 1000, 3) for k in after}
        per["total"] = round(sum(per.values()), 3)
        print(f"cpu ms per delivery (sustained): {json.dumps(per)}", flush=True)
        flush_redis()  # the ingest's jobs are not part of the storm's count
        _, ids = storm(port, args.events, args.senders)
    finally:
        stop(server)
    process_and_count(ids, timeout_s=600)


if __name__ == "__main__":
    main()
