"""`python3 run.py demo` as a person runs it: a second terminal reaches it, Ctrl-C stops it all.

Issue 15 item 1: commands in a second terminal stopped with "SECRET_KEY is not set" unless
DEBUG=1 was exported, `sandbox_fault` aimed at :8765 whatever SANDBOX_PORT said, and Ctrl-C
(SIGINT to the terminal's process group) left 3–5 qcluster processes alive with tracebacks.

The demo runs here in its own process group on free ports and a fresh SQLite file. Every
process it starts inherits a marker variable, so a survivor is found by reading
/proc/<pid>/environ, whatever process group or parent it ended up with.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
DEMO_ENV = ROOT / "var" / "demo.env"
PY = ROOT / ".venv" / "bin" / "python"

pytestmark = pytest.mark.skipif(
    not Path("/proc/self/environ").exists(), reason="needs /proc to find survivors"
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def marked(mark: str) -> list[int]:
    """Pids of live processes whose environment holds HOTDASH_TEST_MARK=<mark>."""
    needle = f"HOTDASH_TEST_MARK={mark}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if needle in (entry / "environ").read_bytes().split(b"\0"):
                state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
                if state != "Z":  # a zombie has exited; only its parent's wait is missing
                    found.append(int(entry.name))
        except OSError:
            continue
    return found


def second_terminal(*args: str) -> subprocess.CompletedProcess:
    """manage.py as typed in a fresh shell: no DEBUG, no SANDBOX_URL, no DATABASE_URL."""
    shell = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DEBUG", "SANDBOX_URL", "DATABASE_URL", "REDIS_URL", "SECRET_KEY"}
        and not k.startswith("DJANGO_")
    }
    return subprocess.run(
        [str(PY), "manage.py", *args],
        cwd=ROOT,
        env=shell,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture
def demo(tmp_path):
    if DEMO_ENV.exists():
        pytest.skip("a demo is already running from this checkout (var/demo.env exists)")
    web, sandbox, mark = free_port(), free_port(), uuid.uuid4().hex
    env = {
        **{k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE", "REDIS_URL"}},
        "HOTDASH_PORT": str(web),
        "SANDBOX_PORT": str(sandbox),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite3'}",
        "HOTDASH_TEST_MARK": mark,
    }
    env.pop("SANDBOX_URL", None)
    log = (tmp_path / "demo.log").open("w+")
    process = subprocess.Popen(
        [sys.executable, "run.py", "demo"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group, as a terminal gives it
    )
    try:
        _wait_for(f"http://127.0.0.1:{web}/healthz", process, log)
        _wait_for(f"http://127.0.0.1:{sandbox}/_control/faults", process, log)
        yield {"process": process, "mark": mark, "log": log, "web": web, "sandbox": sandbox}
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        for pid in marked(mark):
            os.kill(pid, signal.SIGKILL)
        DEMO_ENV.unlink(missing_ok=True)


def _wait_for(url: str, process: subprocess.Popen, log) -> None:
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log.seek(0)
            raise AssertionError("the demo stopped:\n" + log.read()[-3000:])
        try:
            if requests.get(url, timeout=5).status_code < 500:
                return
        except requests.RequestException:
            pass
        time.sleep(0.5)
    raise AssertionError(f"{url} did not answer within 240 s")


def test_demo__second_terminal_and_ctrl_c(demo):
    # Given the demo running on non-default ports
    faults = f"http://127.0.0.1:{demo['sandbox']}/_control/faults"

    # When a second terminal breaks the Shopify sandbox, as the README shows
    result = second_terminal("sandbox_fault", "shopify", "--outage")

    # Then it reaches this demo's sandbox (SANDBOX_PORT), with no SECRET_KEY complaint
    assert result.returncode == 0, result.stderr
    assert requests.get(f"{faults}/shopify", timeout=5).json()["faults"]["outage"] is True
    assert second_terminal("sandbox_fault", "shopify", "--clear").returncode == 0

    # When Ctrl-C reaches the demo's process group
    started = time.monotonic()
    os.killpg(demo["process"].pid, signal.SIGINT)
    demo["process"].wait(timeout=15)
    stopped_in = time.monotonic() - started

    # Then every process it started is gone within 10 s, with no traceback, and the
    # second terminal's file with it
    deadline = time.monotonic() + 2
    while marked(demo["mark"]) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert marked(demo["mark"]) == []
    assert stopped_in < 10
    demo["log"].seek(0)
    output = demo["log"].read()
    assert "Traceback" not in output, output[-3000:]
    assert not DEMO_ENV.exists()
