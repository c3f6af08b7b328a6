"""A cleanly stopped job cluster (SIGTERM, as systemd and compose stop it) ends its probe
loop at the next tick and releases the slot for the standby, instead of probing on to the
end of its 110 s run while the cluster waits (issue 15; docs/deployment.md, "In-flight
jobs"). A real `manage.py qcluster` on a migrated, seeded SQLite file."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
KEY = "cluster-stop-test-" + "k" * 40


def _env(home: Path) -> dict[str, str]:
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith("DJANGO_") and k != "REDIS_URL"},
        "DEBUG": "0",
        "SECRET_KEY": KEY,
        "DATABASE_URL": f"sqlite:///{home / 'db.sqlite3'}",
        "ALLOWED_HOSTS": "127.0.0.1",
    }


def _holder(home: Path) -> str:
    with sqlite3.connect(home / "db.sqlite3", timeout=10) as db:
        row = db.execute(
            "SELECT holder FROM monitoring_lease WHERE name = 'probe-loop-0' "
            "AND expires_at > strftime('%Y-%m-%d %H:%M:%f', 'now')"
        ).fetchone()
    return row[0] if row else ""


def test_sigterm__probe_loop_released_and_cluster_gone_within_20s(tmp_path):
    env = _env(tmp_path)
    for command in (["migrate", "--noinput", "-v0"], ["seed"]):
        subprocess.run([sys.executable, "manage.py", *command], cwd=ROOT, env=env, check=True,
                       capture_output=True, timeout=240)
    log = (tmp_path / "cluster.log").open("w+")
    cluster = subprocess.Popen([sys.executable, "manage.py", "qcluster"], cwd=ROOT, env=env,
                               stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while not _holder(tmp_path) and time.monotonic() < deadline:
            assert cluster.poll() is None, log.seek(0) or log.read()[-3000:]
            time.sleep(0.5)
        assert _holder(tmp_path), "the probe loop never started"
        time.sleep(3)  # well inside its 110 s run

        asked = time.monotonic()
        cluster.send_signal(signal.SIGTERM)  # the main process only, as KillMode=mixed does
        released = None
        while cluster.poll() is None and time.monotonic() - asked < 60:
            if released is None and not _holder(tmp_path):
                released = time.monotonic() - asked
            time.sleep(0.1)
        stopped = time.monotonic() - asked
    finally:
        if cluster.poll() is None:
            os.killpg(cluster.pid, signal.SIGKILL)
        cluster.wait(10)
    log.seek(0)
    output = log.read()
    assert stopped < 20, f"the cluster took {stopped:.1f} s to stop\n{output[-3000:]}"
    assert released is not None and released < 5, (released, output[-3000:])
    assert "released for its standby" in output
    assert "Traceback" not in output
