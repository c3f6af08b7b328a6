"""`manage_shell(code, **env)`: run Python in `manage.py shell` as a fresh process would,
with the development profile, DEBUG on and `env` on top; returns its stdout. For tests of
what settings the environment produces (the test process's own settings are fixed)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def manage_shell(code: str, **env: str) -> str:
    environ = {
        **{k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")},
        "DEBUG": "1",
        **env,
    }
    return subprocess.run(
        [sys.executable, "manage.py", "shell", "--verbosity", "0", "-c", code],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
