"""The demo, for real, for the doc examples: a seeded database, `manage.py runserver` on a
free port, and each example run by bash against it.

- `Store`: the seeded baseline (a SQLite file, or a PostgreSQL database when the tests run
  on PostgreSQL) and a fresh copy of it per doc page.
- `baseline_build`: what `python3 run.py demo` leaves after a few minutes — migrated,
  `manage.py seed --demo-users`, every integration probed, Shopify down with incident 1
  (the sandbox refuses its token, and keeps refusing while the pages run), tiles computed,
  rollups and signals run (finding 1) — plus one API token per role.
- `LiveServer`: runserver on one copy, and `run(example)`.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from tests.hotdash.production import ROOT, free_port, wait_until_answering

from .examples import Example, hd_alias

# What the docs tell an operator to set: webhook secrets (webhooks.md), a credential
# before asking for live mode (live-mode.md), the public address (runbooks/shopify.md).
SECRETS = {
    "SHOPIFY_WEBHOOK_SECRET": "doc-examples-shopify-webhook-secret",
    "GOLD_REPLY_WEBHOOK_TOKEN": "doc-examples-gold-reply-token",
    "CHATWOOT_WEBHOOK_SECRET": "doc-examples-chatwoot-webhook-secret",
    "SHOPIFY_ADMIN_TOKEN": "shpat_doc_examples",
    "PUBLIC_BASE_URL": "https://ops.example.com",
}
SHOPIFY_DOWN = {"wrong_auth": True}  # the baseline's outage, kept on while the pages run
PLACEHOLDERS = {"<slug>": "shopify", "<id>": "1"}
DECISION = re.compile(r"/approvals/\d+/(approve|reject|resolve)/")
# What every example runs after: the doc's own `hd` alias, and curl recording the
# response's headers and body (bash: a function wins over the command of the same name).
PREAMBLE = """set -o pipefail
shopt -s expand_aliases
{alias}
curl() {{ command curl -D "$HD_TRACE/headers" "$@" | tee "$HD_TRACE/body"; return "${{PIPESTATUS[0]}}"; }}
"""


class Store:
    """The baseline database and fresh copies of it: SQLite files in `home`, or PostgreSQL
    databases beside the test database (dropped by `close`)."""

    def __init__(self, home: Path, postgres: dict | None):
        self.home, self.postgres, self.created = home, postgres, []

    def url(self, name: str) -> str:
        if not self.postgres:
            return f"sqlite:///{self.home / name}.sqlite3"
        p = self.postgres
        auth = p["USER"] + (f":{p['PASSWORD']}" if p.get("PASSWORD") else "")
        return f"postgres://{auth}@{p['HOST'] or '127.0.0.1'}:{p['PORT'] or 5432}/{self._db(name)}"

    def _db(self, name: str) -> str:
        return f"{self.postgres['NAME']}_docs_{name}".replace("-", "_").replace(".", "_")

    def _sql(self, *statements: str) -> None:
        import psycopg

        p = self.postgres
        with psycopg.connect(
            dbname="postgres",
            host=p["HOST"] or "127.0.0.1",
            port=p["PORT"] or 5432,
            user=p["USER"],
            password=p.get("PASSWORD") or None,
            autocommit=True,
        ) as connection:
            for statement in statements:
                connection.execute(statement)

    def create_base(self) -> str:
        if self.postgres:
            base = self._db("base")
            self._sql(f'DROP DATABASE IF EXISTS "{base}" WITH (FORCE)', f'CREATE DATABASE "{base}"')
            self.created.append(base)
        return self.url("base")

    def copy(self, name: str) -> str:
        """A fresh copy of the baseline (no process may be connected to it)."""
        if self.postgres:
            copy = self._db(name)
            self._sql(
                f'DROP DATABASE IF EXISTS "{copy}" WITH (FORCE)',
                f'CREATE DATABASE "{copy}" TEMPLATE "{self._db("base")}"',
            )
            self.created.append(copy)
        else:
            shutil.copyfile(self.home / "base.sqlite3", self.home / f"{name}.sqlite3")
        return self.url(name)

    def close(self) -> None:
        if self.postgres:
            self._sql(*(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)' for name in self.created))


def environ(database_url: str, sandbox_url: str) -> dict[str, str]:
    """The demo's environment (`run.py demo`: DEBUG, the sandbox's address) on `database_url`."""
    left_out = ("DJANGO_", "REDIS_", "SECRET_KEY")  # the demo's development key, its ORM broker
    base = {k: v for k, v in os.environ.items() if not k.startswith(left_out)}
    return {
        **base,
        **SECRETS,
        "DJANGO_SETTINGS_MODULE": "hotdash.settings.base",
        "DEBUG": "1",
        "DATABASE_URL": database_url,
        "SANDBOX_URL": sandbox_url,
    }


def manage(env: dict, *args: str, ok=(0,)) -> str:
    done = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode in ok, (
        f"manage.py {' '.join(args)}: {done.stdout[-1000:]}{done.stderr[-2000:]}"
    )
    return done.stdout


def baseline_build(store: Store, sandbox) -> dict[str, str]:
    """Build the baseline; answers one API key per demo login that the examples use."""
    env = environ(store.create_base(), sandbox.url)
    manage(env, "migrate", "--noinput", "-v0")
    manage(env, "seed", "--demo-users")
    tokens = {
        user: manage(env, "token_create", user, "--name", "doc examples").split()[-1]
        for user in ("operator", "approver", "viewer")
    }
    manage(env, "probe", "--all", ok=(0, 2))
    sandbox.set_faults("shopify", **SHOPIFY_DOWN)  # Shopify down: incident 1
    for _ in range(3):
        manage(env, "probe", "shopify", ok=(2,))
    manage(env, "shell", "-c", BASELINE_JOBS)
    return tokens


# The job cluster's first minutes: tiles, rollups, and the signals (finding 1: Shopify's
# refused credentials).
BASELINE_JOBS = """
from integrations.tiles.services import tiles_refresh
from monitoring.tasks import rollups_refresh_task, signals_task
tiles_refresh()
rollups_refresh_task()
signals_task()
"""


@dataclass
class Outcome:
    returncode: int
    stdout: str
    stderr: str
    status: int | None
    headers: str
    body: str


class LiveServer:
    """runserver on a fresh copy of the baseline, as the demo runs it."""

    def __init__(self, store: Store, name: str, sandbox, tokens: dict[str, str], home: Path):
        self.env = environ(store.copy(name), sandbox.url)
        self.sandbox, self.tokens = sandbox, tokens
        self.home = home / name
        (self.home / "trace").mkdir(parents=True, exist_ok=True)
        self.url = f"http://127.0.0.1:{free_port()}"
        self.process = subprocess.Popen(
            [
                sys.executable,
                str(ROOT / "manage.py"),
                "runserver",
                urlsplit(self.url).netloc,
                "--noreload",
                "--skip-checks",
            ],
            env=self.env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        wait_until_answering(self.url + "/healthz", self.process)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.communicate()

    def script(self, example: Example) -> str:
        """The example as the doc shows it, pointed at this server and the test's sandbox."""
        text = "\n".join([*example.setup, example.command])
        sandbox = urlsplit(self.sandbox.url).netloc
        for written, actual in (
            ("http://127.0.0.1:8000", self.url),
            ("https://<host>", self.url),
            ("localhost:8765", sandbox),
            *PLACEHOLDERS.items(),
        ):
            text = text.replace(written, actual)
        return PREAMBLE.format(alias=hd_alias()) + text + "\n"

    def run(self, example: Example) -> Outcome:
        trace = self.home / "trace"
        for name in ("headers", "body"):
            (trace / name).unlink(missing_ok=True)
        user = example.user or ("approver" if DECISION.search(example.command) else "operator")
        assert user in self.tokens, f"{example.id}: the demo has no user {user!r}"
        env = {
            **self.env,
            "HOTDASH": self.url,
            "SANDBOX_URL": self.sandbox.url,
            "TOKEN": self.tokens[user],
            "HD_TRACE": str(trace),
        }
        done = subprocess.run(
            ["bash", "-c", self.script(example)],
            env=env,
            cwd=self.home,
            capture_output=True,
            text=True,
            timeout=60,
        )
        headers = (trace / "headers").read_text() if (trace / "headers").exists() else ""
        body = (trace / "body").read_text() if (trace / "body").exists() else ""
        statuses = re.findall(r"^HTTP/[\d.]+ (\d{3})", headers, re.MULTILINE)
        if body.startswith("HTTP/"):  # curl -i: the headers are in the output too
            body = re.split(r"\r?\n\r?\n", body, maxsplit=1)[-1]
        return Outcome(
            done.returncode,
            done.stdout,
            done.stderr,
            int(statuses[-1]) if statuses else None,
            headers,
            body,
        )
