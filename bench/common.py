"""Shared plumbing for the benchmarks: a database to measure on, Django, the sandbox.

Benchmarks print figures; they assert nothing. CI runs each with --small only to
prove it still runs.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN = "postgres://postgres@127.0.0.1:5432/postgres"


def reachable(port: int, host: str = "127.0.0.1") -> bool:
    try:
        socket.create_connection((host, port), 1).close()
        return True
    except OSError:
        return False


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def choose_database(name: str) -> str:
    """DATABASE_URL if set; else a throwaway PostgreSQL database when 5432 answers; else SQLite."""
    if os.environ.get("DATABASE_URL"):
        return os.environ["DATABASE_URL"]
    if reachable(5432):
        return f"postgres://postgres@127.0.0.1:5432/{name}"
    return f"sqlite:///{ROOT / 'var' / (name + '.sqlite3')}"


def ensure_postgres_database(url: str, *, fresh: bool = False) -> None:
    """Create the benchmark's PostgreSQL database if missing; `fresh` drops it first
    (only databases whose name contains "bench", so a real one is never touched)."""
    if not url.startswith("postgres"):
        return
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        if fresh and "bench" in name:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


def setup_django(database_url: str, sandbox_url: str | None = None) -> None:
    """Point this process at the benchmark database (and sandbox) and start Django."""
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("SECRET_KEY", "benchmark-only")
    if sandbox_url:
        os.environ["SANDBOX_URL"] = sandbox_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hotdash.settings.base")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def migrate() -> None:
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def start_sandbox(port: int) -> subprocess.Popen:
    process = subprocess.Popen(
        [sys.executable, "-m", "sandbox", "--port", str(port), "--quiet"],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(100):
        if reachable(port):
            return process
        time.sleep(0.1)
    process.kill()
    raise SystemExit("the vendor sandbox did not start")


def sandbox_faults(sandbox_url: str, vendor: str, **faults) -> dict:
    """Merge `faults` into one fault key of the sandbox at `sandbox_url`; its settings after."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from sandbox.client import SandboxClient

    return SandboxClient(sandbox_url, timeout=5).set_faults(vendor, **faults)


def percentile(sorted_values: list[float], q: float) -> float | None:
    if not sorted_values:
        return None
    index = min(len(sorted_values) - 1, max(0, round(q * (len(sorted_values) - 1))))
    return sorted_values[index]


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def peak_rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


def drop_postgres_database(url: str) -> None:
    """Drop a benchmark's PostgreSQL database (only names containing "bench")."""
    import psycopg

    name = url.rsplit("/", 1)[1]
    if "bench" in name:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
