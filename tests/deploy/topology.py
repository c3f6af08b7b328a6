"""The production topology as processes on this machine (issue 15 item 4): one throwaway
PostgreSQL database, a Redis database, the vendor sandbox, gunicorn with 2 workers and
job clusters, each started the way deploy/systemd starts it and each in its own process
group, so that one can be killed whole as when its machine dies."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import psycopg
import redis
import requests

from tests.hotdash.production import free_port, production_environ, wait_until_answering

ROOT = Path(__file__).resolve().parents[2]
PG_ADMIN = "postgres://postgres@127.0.0.1:5432/postgres"
GUNICORN = Path(sys.executable).with_name("gunicorn")


class Topology:
    """Started by `start()`, stopped (every process group SIGKILLed, the database dropped)
    by `stop()`. `env` is the deployment's environment file, as a dict."""

    def __init__(self, home: Path, redis_url: str) -> None:
        self.home, self.name = home, f"hd_topology_{uuid.uuid4().hex[:10]}"
        self.database_url = f"postgres://postgres@127.0.0.1:5432/{self.name}"
        self.redis_url = redis_url
        self.web_port, self.sandbox_port = free_port(), free_port()
        self.url = f"http://127.0.0.1:{self.web_port}"
        self.sandbox_url = f"http://127.0.0.1:{self.sandbox_port}"
        self.processes: dict[str, subprocess.Popen] = {}
        self.env: dict[str, str] = {}

    # -- lifecycle -------------------------------------------------------------------------

    def start(self, clusters: int) -> None:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{self.name}"')
        redis.Redis.from_url(self.redis_url).flushdb()  # the story's own Redis database
        base = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "DJANGO_SETTINGS_MODULE"}}
        self.env = production_environ(
            self.home,
            base,
            DATABASE_URL=self.database_url,
            REDIS_URL=self.redis_url,
            SANDBOX_URL=self.sandbox_url,
        )
        self.manage("seed", "--demo-users")
        self._spawn("sandbox", [sys.executable, "-m", "sandbox", "--port", str(self.sandbox_port), "--quiet"])
        self._spawn("web", [
            str(GUNICORN), "hotdash.wsgi", "--bind", f"127.0.0.1:{self.web_port}",
            "--workers", "2", "--threads", "4", "--graceful-timeout", "30",
            "--control-socket", str(self.home / "gunicorn.ctl"),
        ])
        for number in range(1, clusters + 1):
            self.cluster_start(number)
        wait_until_answering(f"{self.url}/healthz", self.processes["web"])

    def cluster_start(self, number: int) -> None:
        self._spawn(f"jobs@{number}", [sys.executable, "manage.py", "qcluster"])

    def kill(self, name: str) -> None:
        """SIGKILL a process's whole group, as when its machine dies."""
        process = self.processes[name]
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(10)

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                try:
                    os.killpg(process.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                process.wait(10)
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')

    def _spawn(self, name: str, argv: list[str]) -> None:
        log = (self.home / f"{name}.log").open("ab")
        self.processes[name] = subprocess.Popen(
            argv, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: killed whole
        )

    def log(self, name: str) -> str:
        return (self.home / f"{name}.log").read_text(errors="replace")[-4000:]

    # -- what an operator has at hand -----------------------------------------------------

    def manage(self, *args: str) -> str:
        result = subprocess.run(
            [sys.executable, "manage.py", *args], cwd=ROOT, env=self.env,
            capture_output=True, text=True, timeout=240,
        )
        assert result.returncode == 0, f"manage.py {' '.join(args)}: {result.stderr[-2000:]}"
        return result.stdout

    def token(self, username: str) -> str:
        return self.manage("token_create", username, "--name", "topology story").strip().splitlines()[-1]

    def sql(self, query: str, *params) -> list[tuple]:
        with psycopg.connect(self.database_url, autocommit=True) as conn:
            cursor = conn.execute(query, params)
            return cursor.fetchall() if cursor.description else []

    @contextlib.contextmanager
    def explained(self):
        """On a failure inside, print every process's log and the database's view."""
        try:
            yield
        except BaseException:
            for name in self.processes:
                print(f"--- {name}.log\n{self.log(name)}")
            print("--- database\n" + self.diagnosis())
            raise

    def diagnosis(self) -> str:
        """The probe loop's leases, Shopify's state and its last results, for a failure."""
        queries = [
            "SELECT name, holder, expires_at FROM monitoring_lease",
            "SELECT id, status, started_at, finished_at, attempts, error FROM approvals_approvalrequest",
            "SELECT s.next_probe_at, s.claimed_until, s.circuit_state, now() FROM integrations_integrationstate s "
            "JOIN integrations_integration i ON i.id = s.integration_id WHERE i.slug = 'shopify'",
            "SELECT c.checked_at, c.status, c.latency_ms, c.lag_ms, c.error_class FROM monitoring_checkresult c JOIN integrations_integration i "
            "ON i.id = c.integration_id WHERE i.slug = 'shopify' ORDER BY c.checked_at",
        ]
        return "\n".join(f"{q}\n  {self.sql(q)}" for q in queries)

    def cluster_holding(self, lease: str) -> str | None:
        """The job cluster whose process holds `lease` (holder "host:ppid:pid:uuid")."""
        rows = self.sql("SELECT holder FROM monitoring_lease WHERE name = %s AND expires_at > now()", lease)
        pids = {int(p) for p in (rows[0][0].split(":")[1:-1] if rows else []) if p.isdigit()}
        for name, process in self.processes.items():
            if name.startswith("jobs@") and process.poll() is None and pids & _group(process.pid):
                return name
        return None


def _group(pgid: int) -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if os.getpgid(int(entry.name)) == pgid:
                    found.add(int(entry.name))
            except OSError:
                continue
    return found


class Api:
    """The REST API as a client behind the TLS-terminating proxy sees it."""

    def __init__(self, url: str, token: str) -> None:
        self.url, self.session = url, requests.Session()
        self.session.headers.update({"Authorization": f"Token {token}", "X-Forwarded-Proto": "https"})

    def get(self, path: str, **params) -> dict:
        response = self.session.get(f"{self.url}{path}", params=params, timeout=30)
        assert response.status_code == 200, (path, response.status_code, response.text[:500])
        return response.json()

    def post(self, path: str, body: dict, expect: int = 200) -> dict:
        response = self.session.post(f"{self.url}{path}", json=body, timeout=30)
        assert response.status_code == expect, (path, response.status_code, response.text[:500])
        return response.json()


def eventually(what: str, probe, seconds: float, every: float = 1.0):
    """probe()'s first truthy answer within `seconds`, else AssertionError naming `what`."""
    deadline, last = time.monotonic() + seconds, None
    while time.monotonic() < deadline:
        last = probe()
        if last:
            return last
        time.sleep(every)
    raise AssertionError(f"{what}: not within {seconds:.0f} s (last: {last!r})")
