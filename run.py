#!/usr/bin/env python3
"""HotDash's two commands, for a fresh machine with only Python 3.11+.

    python3 run.py demo    # venv, install, migrate SQLite, seed, sandbox + jobs + web
    python3 run.py test    # the whole test suite (extra args go to pytest)

Standard library only: this file runs before anything is installed.
"""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / "python"
STAMP = VENV / ".hotdash-installed"


def say(message: str) -> None:
    print(f"[hotdash] {message}", flush=True)


def ensure_python() -> None:
    if sys.version_info < (3, 11):  # noqa: UP036 - run.py must explain itself on old Pythons
        sys.exit(f"hotdash: Python 3.11+ is required, this is {sys.version.split()[0]}")


def ensure_venv() -> None:
    """Create .venv and install the project (with test extras) when pyproject.toml changed."""
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if STAMP.is_file() and STAMP.read_text().strip() == wanted and PY.exists():
        return
    if not PY.exists():
        say("creating the virtual environment in .venv")
        venv.EnvBuilder(with_pip=True).create(VENV)
    say("installing HotDash and its dependencies (first run only)")
    pip = [str(PY), "-m", "pip", "install", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "--upgrade", "pip"], check=True)
    subprocess.run([*pip, "-e", f"{ROOT}[dev]"], check=True, cwd=ROOT)
    STAMP.write_text(wanted)


def manage(*args: str, env: dict | None = None) -> None:
    subprocess.run([str(PY), "manage.py", *args], check=True, cwd=ROOT, env=env)


def demo() -> int:
    """Migrate, seed, then run the sandbox, the job cluster and the web server until Ctrl-C."""
    env = {**os.environ, "DEBUG": os.environ.get("DEBUG", "1")}
    web_port = env.get("HOTDASH_PORT", "8000")
    sandbox_port = env.get("SANDBOX_PORT", "8765")
    env.setdefault("SANDBOX_URL", f"http://127.0.0.1:{sandbox_port}")
    manage("migrate", "--no-input", env=env)
    manage("seed", "--demo-users", env=env)
    children = [
        subprocess.Popen(
            [str(PY), "manage.py", "sandbox", "--port", sandbox_port], cwd=ROOT, env=env
        ),
        subprocess.Popen([str(PY), "manage.py", "qcluster"], cwd=ROOT, env=env),
        subprocess.Popen(
            [str(PY), "manage.py", "runserver", f"127.0.0.1:{web_port}", "--noreload"],
            cwd=ROOT,
            env=env,
        ),
    ]
    time.sleep(2)
    say(f"operator console: http://127.0.0.1:{web_port}/admin/  (logins printed above)")
    say(f"vendor sandbox:   {env['SANDBOX_URL']}/_control/faults")
    say("Ctrl-C stops everything")
    try:
        while all(child.poll() is None for child in children):
            time.sleep(1)
        say("a process stopped; shutting the rest down")
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGINT)
        for child in children:
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()


def test(args: list[str]) -> int:
    """Run pytest; exit status 5 (no tests collected) counts as failure."""
    return subprocess.run([str(PY), "-m", "pytest", *args], cwd=ROOT).returncode


def main(argv: list[str]) -> int:
    ensure_python()
    if not argv or argv[0] not in {"demo", "test"}:
        print(__doc__)
        return 2
    ensure_venv()
    return demo() if argv[0] == "demo" else test(argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
