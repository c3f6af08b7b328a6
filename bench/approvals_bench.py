#!/usr/bin/env python3
"""Governance benchmark: approve-click → execution latency, and audit appends per second.

    REDIS_URL=redis://127.0.0.1:6379/14 \
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hotdash_bench_gov \
    .venv/bin/python bench/approvals_bench.py [--small]

1. Latency: a django-q2 cluster (Redis broker) is started by this script. Each
   round creates a `flags.set` request (a real live action: precondition, payload
   hash, approval, execution job, flag write, audit), then times the approving
   call until the worker has finished executing it (`finished_at`, same clock).
2. Audit appends: 4 processes append concurrently (each append its own
   transaction, serialised by the advisory lock); then the whole chain is verified.

The database is dropped and recreated first (only if its name contains "bench";
--keep-db to keep it), so every run starts from an empty trail.

Targets (issue 4): p95 click → execution < 1 s; ≥ 1,000 appends/s with an intact chain.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULTS = {
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/hotdash_bench_gov",
    "REDIS_URL": "redis://127.0.0.1:6379/14",
    "SECRET_KEY": "bench-only-not-secret",
    "DJANGO_SETTINGS_MODULE": "bench.approvals_settings",  # its own queue name
    "Q_WORKERS": "2",
}
FLAG = "bench.approvals"
WRITERS = 4


def setup_django() -> None:
    for name, value in DEFAULTS.items():
        os.environ.setdefault(name, value)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def services_missing(settings) -> str:
    """'' when PostgreSQL and Redis both answer, else what is missing."""
    import socket
    from urllib.parse import urlsplit

    db = settings.DATABASES["default"]
    if not db["ENGINE"].endswith("postgresql"):
        return "PostgreSQL (DATABASE_URL is not postgres://)"
    redis = urlsplit(settings.REDIS_URL or "")
    for name, host, port in (
        ("PostgreSQL", db["HOST"] or "127.0.0.1", int(db["PORT"] or 5432)),
        ("Redis", redis.hostname or "127.0.0.1", redis.port or 6379),
    ):
        try:
            socket.create_connection((host, port), 2).close()
        except OSError:
            return name
    return ""


def ensure_database(*, fresh: bool) -> None:
    """(Re)create the benchmark's PostgreSQL database, then migrate. Only a database whose
    name contains "bench" is ever dropped: the audit trail cannot be emptied otherwise."""
    from django.conf import settings
    from django.core.management import call_command

    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("postgresql"):
        import psycopg

        dsn = f"host={db['HOST']} port={db['PORT'] or 5432} user={db['USER']} dbname=postgres"
        if db.get("PASSWORD"):
            dsn += f" password={db['PASSWORD']}"
        with psycopg.connect(dsn, autocommit=True) as conn:
            if fresh and "bench" in db["NAME"]:
                conn.execute(f'DROP DATABASE IF EXISTS "{db["NAME"]}" WITH (FORCE)')
            exists = conn.execute(
                "SELECT 1 FROM pg_database WHERE datname=%s", [db["NAME"]]
            ).fetchone()
            if not exists:
                conn.execute(f'CREATE DATABASE "{db["NAME"]}"')
    call_command("migrate", verbosity=0, interactive=False)


def personas():
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from approvals.models import FeatureFlag
    from approvals.roles import APPROVERS, OPERATORS, roles_seed

    roles_seed()
    users = {}
    for name, groups in (
        ("bench-operator", [OPERATORS]),
        ("bench-approver", [OPERATORS, APPROVERS]),
    ):
        user, _ = get_user_model().objects.get_or_create(username=name)
        user.groups.set(Group.objects.filter(name__in=groups))
        users[name] = user
    FeatureFlag.objects.get_or_create(key=FLAG, defaults={"kind": "release", "owner": "bench"})
    return users["bench-operator"], users["bench-approver"]


def start_cluster() -> subprocess.Popen:
    env = {**os.environ}
    return subprocess.Popen(
        [sys.executable, "manage.py", "qcluster"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def one_round(operator, approver, timeout: float = 30.0) -> tuple[float, float, str]:
    """(click → started, click → finished) in seconds, and the final status."""
    from approvals.models import ApprovalRequest, FeatureFlag
    from approvals.services import approval_request_approve, approval_request_create

    enabled = FeatureFlag.objects.get(key=FLAG).enabled
    request = approval_request_create(
        action="flags.set", params={"key": FLAG, "enabled": not enabled}, requested_by=operator
    )
    clicked = time.time()
    approval_request_approve(request_id=request.pk, approver=approver, comment="bench")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        row = ApprovalRequest.objects.filter(pk=request.pk).values(
            "status", "started_at", "finished_at"
        )[0]
        if row["finished_at"]:
            started = row["started_at"].timestamp() - clicked
            return started, row["finished_at"].timestamp() - clicked, row["status"]
        time.sleep(0.002)
    return float("nan"), float("nan"), "timeout"


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered) + 0.5) - 1))]


def bench_latency(rounds: int) -> dict:
    operator, approver = personas()
    cluster = start_cluster()
    try:
        for _ in range(3):  # warm-up: the cluster's workers start and connect
            one_round(operator, approver, timeout=60)
        results = [one_round(operator, approver) for _ in range(rounds)]
    finally:
        cluster.terminate()
        cluster.wait(30)
    finished = [r[1] for r in results if r[2] == "succeeded"]
    started = [r[0] for r in results if r[2] == "succeeded"]
    return {
        "rounds": rounds,
        "succeeded": len(finished),
        "p50_finished_s": statistics.median(finished),
        "p95_finished_s": percentile(finished, 0.95),
        "max_finished_s": max(finished),
        "p95_started_s": percentile(started, 0.95),
    }


def _writer(count: int, start, index: int, out) -> None:
    setup_django()
    from django.db import connection

    from approvals.audit import Actor, audit_record

    actor = Actor.system(f"bench-writer-{index}")
    start.wait()
    began = time.perf_counter()
    for n in range(count):
        audit_record(actor=actor, verb="bench.append", target=f"bench.Item:{n}", changes={"n": n})
    out.put((index, time.perf_counter() - began))
    connection.close()


def bench_audit(per_writer: int) -> dict:
    from approvals.audit import audit_verify
    from approvals.models import AuditEvent

    before = AuditEvent.objects.count()
    context = multiprocessing.get_context("spawn")
    start, out = context.Barrier(WRITERS + 1), context.Queue()
    procs = [
        context.Process(target=_writer, args=(per_writer, start, i, out)) for i in range(WRITERS)
    ]
    for proc in procs:
        proc.start()
    start.wait()
    began = time.perf_counter()
    durations = [out.get(timeout=600) for _ in procs]
    wall = time.perf_counter() - began
    for proc in procs:
        proc.join()
    verify_began = time.perf_counter()
    report = audit_verify()
    verify_s = time.perf_counter() - verify_began
    appended = WRITERS * per_writer
    return {
        "writers": WRITERS,
        "appended": appended,
        "wall_s": wall,
        "appends_per_s": appended / wall,
        "slowest_writer_s": max(d for _, d in durations),
        "chain_events": report.checked,
        "chain_grew_by": AuditEvent.objects.count() - before,
        "chain_intact": report.ok,
        "verify_s": verify_s,
        "verify_events_per_s": report.checked / verify_s if verify_s else 0.0,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--small", action="store_true", help="a quick run for CI")
    parser.add_argument("--audit-only", action="store_true", help="skip the latency part")
    parser.add_argument("--per-writer", type=int, help="audit appends per writer process")
    parser.add_argument("--keep-db", action="store_true", help="do not recreate the database")
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args()
    setup_django()
    from django.conf import settings
    from django.db import connection

    missing = services_missing(settings)
    if missing:
        print(
            f"approvals_bench: skipped, {missing} not reachable (the figures are for PostgreSQL + Redis)"
        )
        return 0
    ensure_database(fresh=not args.keep_db)
    print(
        f"database: {connection.vendor} {settings.DATABASES['default']['NAME']}; broker: {settings.REDIS_URL}"
    )
    latency = None if args.audit_only else bench_latency(10 if args.small else 100)
    if latency:
        print(
            "approve click → execution finished: "
            f"p50 {latency['p50_finished_s'] * 1000:.0f} ms, p95 {latency['p95_finished_s'] * 1000:.0f} ms, "
            f"max {latency['max_finished_s'] * 1000:.0f} ms "
            f"(click → job started p95 {latency['p95_started_s'] * 1000:.0f} ms; "
            f"{latency['succeeded']}/{latency['rounds']} succeeded)"
        )
    audit = bench_audit(args.per_writer or (250 if args.small else 2500))
    print(
        f"audit appends: {audit['appended']:,} by {audit['writers']} processes in {audit['wall_s']:.2f} s "
        f"= {audit['appends_per_s']:,.0f}/s; chain of {audit['chain_events']:,} events "
        f"{'INTACT' if audit['chain_intact'] else 'BROKEN'}, verified in {audit['verify_s']:.2f} s "
        f"({audit['verify_events_per_s']:,.0f} events/s)"
    )
    latency_ok = latency is None or (
        latency["succeeded"] == latency["rounds"] and latency["p95_finished_s"] < 1.0
    )
    ok = latency_ok and audit["appends_per_s"] >= 1000 and audit["chain_intact"]
    print("targets met" if ok else "TARGETS MISSED")
    return 0 if ok or not args.check else 1


if __name__ == "__main__":
    sys.exit(main())
