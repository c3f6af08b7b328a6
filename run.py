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


DEMO_ENV = ROOT / "var" / "demo.env"
# What a second terminal needs to reach the running demo (read by hotdash/settings/base.py,
# in the development profile only; never by the production or test profiles).
DEMO_ENV_KEYS = ("DEBUG", "SANDBOX_URL", "DATABASE_URL", "REDIS_URL")
STOP_GRACE_SECONDS = 8


def demo_env_write(env: dict) -> None:
    """Leave var/demo.env for `manage.py` in another terminal (see DEMO_ENV_KEYS)."""
    DEMO_ENV.parent.mkdir(exist_ok=True)
    lines = [
        "# Written by `python3 run.py demo` so that manage.py in a second terminal reaches this",
        "# demo. Read in the development profile only (hotdash.settings.base), never in",
        "# production or tests; variables already set in the shell win. Removed when it stops.",
        *(f"{key}={env[key]}" for key in DEMO_ENV_KEYS if env.get(key)),
    ]
    DEMO_ENV.write_text("\n".join(lines) + "\n")


def start(*args: str, env: dict) -> subprocess.Popen:
    """A child in its own session: a terminal's Ctrl-C reaches run.py alone, which then
    stops each child's whole process group (the job cluster's workers included)."""
    return subprocess.Popen(
        [str(PY), "manage.py", *args], cwd=ROOT, env=env, start_new_session=True
    )


def stop(children: list[subprocess.Popen]) -> None:
    """SIGTERM to every child's group, SIGKILL to what is left after the grace period."""
    for child in children:
        _signal_group(child, signal.SIGTERM)
    deadline = time.monotonic() + STOP_GRACE_SECONDS
    for child in children:
        try:
            child.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            pass
    for child in children:
        _signal_group(child, signal.SIGKILL)  # workers outliving their parent, if any
        child.wait()


def _signal_group(child: subprocess.Popen, sig: int) -> None:
    try:
        os.killpg(child.pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def demo() -> int:
    """Migrate, seed, then run the sandbox, the job cluster and the web server until Ctrl-C."""
    env = {**os.environ, "DEBUG": os.environ.get("DEBUG", "1")}
    web_port = env.get("HOTDASH_PORT", "8000")
    sandbox_port = env.get("SANDBOX_PORT", "8765")
    env.setdefault("SANDBOX_URL", f"http://127.0.0.1:{sandbox_port}")
    demo_env_write(env)
    manage("migrate", "--no-input", env=env)
    manage("seed", "--demo-users", env=env)
    # Ctrl-C and `kill` both stop it, even when started from a script's background job
    # (a non-interactive shell starts those with SIGINT ignored).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    children = []
    try:
        children.append(start("sandbox", "--port", sandbox_port, env=env))
        children.append(start("qcluster", env=env))
        children.append(start("runserver", f"127.0.0.1:{web_port}", "--noreload", env=env))
        time.sleep(2)
        say(f"operator console: http://127.0.0.1:{web_port}/admin/  (logins printed above)")
        say(f"vendor sandbox:   {env['SANDBOX_URL']}/_control/faults")
        say(
            f"second terminal:  . .venv/bin/activate  (manage.py reads {DEMO_ENV.relative_to(ROOT)})"
        )
        say("Ctrl-C stops everything")
        while all(child.poll() is None for child in children):
            time.sleep(0.5)
        say("a process stopped; shutting the rest down")
        return 1
    except KeyboardInterrupt:
        say("stopping")
        return 0
    finally:
        stop(children)
        DEMO_ENV.unlink(missing_ok=True)  # nothing left for a second terminal to reach


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
