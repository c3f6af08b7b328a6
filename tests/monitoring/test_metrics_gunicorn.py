"""Issue 16 item 3: under gunicorn with PROMETHEUS_MULTIPROC_DIR, the HTTP request counters
are the node's, not one worker's, and do not fall when workers are replaced.

A production-profile gunicorn with 2 workers answers 10 requests; every worker is then
stopped (gunicorn starts new ones) and 10 more are answered. A scrape, by whichever worker,
must count all 20 (without the directory, scrapes read 3 or 7: one worker's own)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from tests.hotdash.production import free_port, production_environ, wait_until_answering

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).with_name("gunicorn")
MANAGE = [sys.executable, str(ROOT / "manage.py")]


def manage(env: dict, *args: str) -> str:
    done = subprocess.run(
        [*MANAGE, *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def workers(master: int) -> set[int]:
    """The worker pids of the gunicorn we started (its children)."""
    found = subprocess.run(["pgrep", "-P", str(master)], capture_output=True, text=True)
    return {int(pid) for pid in found.stdout.split()}


def healthz_count(base: str, token: str) -> float:
    text = requests.get(f"{base}/metrics", headers={"Authorization": f"Token {token}"}).text
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            if s.name == "hotdash_http_requests_total" and s.labels["route"] == "healthz":
                return s.value
    return 0.0


@pytest.mark.skipif(not GUNICORN.exists(), reason="gunicorn is not installed")
def test_gunicorn_multiprocess__counts_every_worker_and_survives_replacement(tmp_path):
    base_env = {
        k: v for k, v in os.environ.items() if k not in {"DEBUG", "DATABASE_URL", "REDIS_URL"}
    }
    metrics_dir = tmp_path / "metrics"
    metrics_dir.mkdir()
    env = production_environ(tmp_path, base_env, PROMETHEUS_MULTIPROC_DIR=str(metrics_dir))
    manage(env, "shell", "-c", "from django.contrib.auth.models import User; User.objects.create_superuser('scraper', None, 'unused-pw-1234')")  # fmt: skip
    token = manage(env, "token_create", "scraper", "--name", "prometheus")
    port = free_port()
    server = subprocess.Popen(
        [str(GUNICORN), "hotdash.wsgi", "-b", f"127.0.0.1:{port}", "-w", "2", "--log-level", "warning"],
        env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_answering(f"{base}/readyz", server)
        for _ in range(10):
            assert requests.get(f"{base}/healthz", timeout=10).status_code == 200
        first = workers(server.pid)
        for pid in first:
            os.kill(pid, signal.SIGTERM)  # gunicorn replaces them
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not (
            len(workers(server.pid)) == 2 and not workers(server.pid) & first
        ):
            time.sleep(0.2)
        wait_until_answering(f"{base}/readyz", server)
        for _ in range(10):
            assert requests.get(f"{base}/healthz", timeout=10).status_code == 200
        assert [healthz_count(base, token) for _ in range(4)] == [20.0] * 4
    finally:
        server.terminate()
        server.wait(timeout=20)
