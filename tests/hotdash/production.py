"""What the tests that start the production profile for real share: a free port, a
migrated SQLite file with its static files collected, and waiting for a server to answer."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def production_environ(home: Path, base: dict[str, str], **extra: str) -> dict[str, str]:
    """`base` with the production profile on a fresh SQLite file in `home`, migrated, and
    its static files collected into `home/static`."""
    environ = {
        **base,
        "DJANGO_SETTINGS_MODULE": "hotdash.settings.production",
        "SECRET_KEY": "production-profile-test-key-" + "x" * 40,
        "DATABASE_URL": f"sqlite:///{home / 'db.sqlite3'}",
        "ALLOWED_HOSTS": "127.0.0.1",
        "STATIC_ROOT": str(home / "static"),
        **extra,
    }
    for command in (["migrate", "--noinput", "-v0"], ["collectstatic", "--noinput", "-v0"]):
        manage = [sys.executable, str(ROOT / "manage.py"), *command]
        subprocess.run(manage, env=environ, cwd=ROOT, check=True, timeout=240)
    return environ


def wait_until_answering(url: str, server: subprocess.Popen, seconds: float = 60) -> None:
    """Until `url` answers at all; AssertionError with the server's stderr if it exits."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(server.stderr.read().decode()[-2000:])
        try:
            requests.get(url, timeout=5, allow_redirects=False)
            return
        except requests.RequestException:  # not listening yet, or still loading Django
            time.sleep(0.2)
    raise AssertionError(f"{url} did not answer within {seconds:.0f} s")
