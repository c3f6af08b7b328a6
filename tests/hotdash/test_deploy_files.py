"""deploy/ holds what production runs; these tests check it against the code, without
Docker or a running systemd (issue 15 item 3, docs/deployment.md).

- the env file template names only variables something reads, and every setting;
- the systemd units parse (`systemd-analyze verify`) and stop the job cluster cleanly;
- compose, the Dockerfile and the units run the same command lines;
- the web unit's gunicorn command line serves the production profile, and the job
  unit's command starts a cluster that stops on SIGTERM;
- a backup made with pg_dump restores into an empty database with its audit chain intact.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from hotdash.settings import env as settings_env
from tests.hotdash.production import free_port, production_environ, wait_until_answering

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
UNITS = DEPLOY / "systemd"
ENV_EXAMPLE = DEPLOY / "hotdash.env.example"
BIN = Path(sys.executable).parent
INSTALLED_BIN = "/opt/hotdash/current/.venv/bin/"

ASSIGNMENT = re.compile(r"^(#\s*)?([A-Z][A-Z0-9_]*)=(.*)$")
BASE_READS = re.compile(
    r"""(?:os\.environ\.get\(|read_bool\(os\.environ,\s*)"([A-Z][A-Z0-9_]*)\""""
)


# --- the environment file template ---------------------------------------------------------


def example_variables() -> tuple[dict[str, str], set[str]]:
    """(variables set in the template with their values, variables shown commented out)."""
    active, commented = {}, set()
    for line in ENV_EXAMPLE.read_text().splitlines():
        match = ASSIGNMENT.match(line)
        if match and match.group(1):
            commented.add(match.group(2))
        elif match:
            active[match.group(2)] = match.group(3)
    return active, commented


class Recording(dict):
    """An environment that remembers every name read from it."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.read: set[str] = set()

    def get(self, name, default=None):
        self.read.add(name)
        return super().get(name, default)


def settings_variables() -> set[str]:
    """Every variable the settings read: read_config's, base.py's own, and the profile."""
    environ = Recording(SECRET_KEY="k")
    settings_env.read_config(environ)
    base = (ROOT / "hotdash" / "settings" / "base.py").read_text()
    return environ.read | set(BASE_READS.findall(base)) | {"DJANGO_SETTINGS_MODULE"}


def credential_variables() -> set[str]:
    """The variables the catalogue's integrations and the webhook receivers name."""
    from integrations.catalogue import CATALOGUE
    from integrations.webhooks import signatures

    names: set[str] = set()

    def walk(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "credential_env":
                    names.update(value.values())
                elif key.endswith("_env") and isinstance(value, str):
                    names.add(value)
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(CATALOGUE)
    for secret in (signatures.SHOPIFY_SECRET, signatures.CHATWOOT_SECRET):
        names |= {secret, f"{secret}_PREVIOUS"}
    names |= {signatures.GOLD_REPLY_TOKEN, f"{signatures.GOLD_REPLY_TOKEN}_PREVIOUS"}
    return names


def test_env_example__names_only_variables_something_reads():
    active, commented = example_variables()
    unknown = (set(active) | commented) - settings_variables() - credential_variables()
    assert unknown == set()


def test_env_example__lists_every_setting_and_every_catalogue_credential():
    active, commented = example_variables()
    listed = set(active) | commented
    refused_in_production = {"DEBUG"}
    assert settings_variables() - refused_in_production - listed == set()
    assert credential_variables() - listed == set()


def test_env_example__sets_what_production_needs():
    active, _ = example_variables()
    assert active["DJANGO_SETTINGS_MODULE"] == "hotdash.settings.production"
    assert active["DATABASE_URL"].startswith("postgres://")
    assert active["REDIS_URL"].startswith("redis://")
    assert active["SANDBOX_CONSOLE_ENABLED"] == "false"
    for name in ("ALLOWED_HOSTS", "CSRF_TRUSTED_ORIGINS", "SECRET_KEY"):
        assert name in active


def test_env_example__as_shipped__refuses_to_start_without_a_secret_key():
    """Given the template copied unchanged, start-up stops naming SECRET_KEY: nobody runs
    production on a key that came with the source."""
    active, _ = example_variables()
    assert active["SECRET_KEY"] == ""
    with pytest.raises(settings_env.ConfigError, match="SECRET_KEY"):
        settings_env.read_config(active)


def test_env_example__filled_in__passes_the_deployment_checks():
    active, _ = example_variables()
    environ = {**clean_environ(), **active, "SECRET_KEY": "k" * 30 + "-deploy-check-" + "q" * 20}
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        env=environ,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]


def clean_environ() -> dict[str, str]:
    """This process's environment without the settings the tests set for themselves."""
    dropped = settings_variables() | {"DEBUG"}
    return {k: v for k, v in os.environ.items() if k not in dropped}


# --- the systemd units ---------------------------------------------------------------------


def unit_values(name: str, key: str) -> list[str]:
    """Every value of `key` in the unit, continuation lines joined."""
    text = (UNITS / name).read_text().replace("\\\n", " ")
    return [m.group(1).strip() for m in re.finditer(rf"^{key}=(.*)$", text, re.MULTILINE)]


def unit_command(name: str, index: int = 0) -> list[str]:
    return shlex.split(unit_values(name, "ExecStart")[index])


@pytest.mark.skipif(not Path("/usr/bin/systemd-analyze").exists(), reason="no systemd-analyze")
def test_units__systemd_analyze_verify__no_complaint(tmp_path):
    """Copies of the units, with their programs pointed at this virtualenv's (verify checks
    that each one exists); any unknown key or bad value is printed, so stderr must be empty."""
    for unit in UNITS.glob("*.service"):
        text = unit.read_text().replace(INSTALLED_BIN, f"{BIN}/")
        (tmp_path / unit.name).write_text(text)
    names = ["hotdash-web.service", "hotdash-jobs@1.service", "hotdash-migrate.service"]
    result = subprocess.run(
        ["/usr/bin/systemd-analyze", "verify", "--man=no", *(f"./{n}" for n in names)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    if "Failed to initialize" in result.stderr or "Cannot" in result.stderr[:200]:
        pytest.skip(f"systemd-analyze cannot run here: {result.stderr[:200]}")
    assert (result.returncode, result.stderr) == (0, "")


def test_units__every_process__reads_the_one_env_file_as_the_hotdash_user():
    for unit in ("hotdash-web.service", "hotdash-jobs@.service", "hotdash-migrate.service"):
        assert unit_values(unit, "EnvironmentFile") == ["/etc/hotdash/hotdash.env"]
        assert unit_values(unit, "User") == ["hotdash"]
        assert unit_values(unit, "ProtectSystem") == ["strict"]
        assert unit_values(unit, "NoNewPrivileges") == ["yes"]


def test_jobs_unit__sigterm_to_the_main_process__outlasts_a_probe_loop_run():
    """django-q2 finishes its workers' jobs on SIGTERM to the cluster process; sent to every
    process (KillMode=control-group) it kills them mid-job. The stop timeout must let the
    longest regular job, a probe-loop run, end."""
    from django.conf import settings

    assert unit_values("hotdash-jobs@.service", "KillMode") == ["mixed"]
    assert unit_values("hotdash-jobs@.service", "KillSignal") == ["SIGTERM"]
    longest_run = settings.PROBE_LOOP["duration"] + settings.PROBE_LOOP["handoff_wait"]
    assert int(unit_values("hotdash-jobs@.service", "TimeoutStopSec")[0]) > longest_run


# --- compose and the Dockerfile run the units' commands ------------------------------------


def compose() -> dict:
    yaml = pytest.importorskip("yaml", reason="PyYAML is not installed")
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text())


def without_location(argv: list[str]) -> list[str]:
    """A gunicorn command line without its program, --bind and --chdir (which differ by
    where it runs)."""
    args, rest = [], argv[1:]
    while rest:
        arg = rest.pop(0)
        if arg in {"--bind", "--chdir", "-b"}:
            rest.pop(0)
        else:
            args.append(arg)
    return args


def test_compose__has_the_database_broker_migrate_web_and_two_job_clusters():
    services = compose()["services"]
    assert set(services) == {"postgres", "redis", "migrate", "web", "jobs-1", "jobs-2"}
    assert services["postgres"]["image"].startswith("postgres:16")
    assert services["redis"]["image"].startswith("redis:7")
    assert "pg_isready" in services["postgres"]["healthcheck"]["test"]
    assert "/healthz" in " ".join(services["web"]["healthcheck"]["test"])


def test_compose_web__runs_the_web_units_gunicorn_command():
    web = compose()["services"]["web"]["command"]
    assert web[0] == "gunicorn"
    assert without_location(web) == without_location(unit_command("hotdash-web.service"))


def test_dockerfile_cmd__is_the_compose_web_command():
    cmd = re.search(r"^CMD (\[.*?\])$", (DEPLOY / "Dockerfile").read_text(), re.S | re.M)
    argv = [a for a in re.findall(r'"([^"]*)"', cmd.group(1))]
    assert argv == compose()["services"]["web"]["command"]


def test_compose_jobs__two_clusters_running_the_job_units_command():
    services = compose()["services"]
    unit = unit_command("hotdash-jobs@.service")
    assert Path(unit[0]).name == "python"
    for name in ("jobs-1", "jobs-2"):
        assert services[name]["command"] == ["python", *unit[1:]]
        assert services[name]["stop_grace_period"] == (
            unit_values("hotdash-jobs@.service", "TimeoutStopSec")[0] + "s"
        )


def test_compose_migrate__runs_the_migrate_units_commands_in_order():
    shell_line = compose()["services"]["migrate"]["command"][-1]
    steps = [shlex.split(step) for step in shell_line.split("&&")]
    unit_steps = [
        ["python", *unit_command("hotdash-migrate.service", i)[1:]]
        for i in range(len(unit_values("hotdash-migrate.service", "ExecStart")))
    ]
    assert steps == unit_steps


def test_nginx__caps_bodies_at_the_apps_limit_and_says_the_scheme():
    from django.conf import settings

    conf = (DEPLOY / "nginx" / "hotdash.conf").read_text()
    megabytes = int(re.search(r"client_max_body_size (\d+)m;", conf).group(1))
    assert megabytes * 1024 * 1024 == settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    assert "proxy_set_header X-Forwarded-Proto $scheme;" in conf


# --- the commands, run ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def production_env(tmp_path_factory) -> dict[str, str]:
    """The production profile on a fresh SQLite file, migrated, its static files collected."""
    return production_environ(
        tmp_path_factory.mktemp("deploy"), clean_environ(), SANDBOX_CONSOLE_ENABLED="false"
    )


def as_run_here(argv: list[str]) -> list[str]:
    """The unit's command line with this checkout's virtualenv and directory."""
    argv = [arg.replace("/opt/hotdash/current", str(ROOT)) for arg in argv]
    return [argv[0].replace(f"{ROOT}/.venv/bin", str(BIN)), *argv[1:]]


def test_web_unit__its_gunicorn_command__serves_the_production_profile(production_env):
    port = free_port()
    argv = as_run_here(unit_command("hotdash-web.service"))
    argv[argv.index("--bind") + 1] = f"127.0.0.1:{port}"
    server = subprocess.Popen(
        argv, env=production_env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_answering(f"{base}/healthz", server)
        assert requests.get(f"{base}/healthz", timeout=10).json() == {"status": "ok"}
        assert requests.get(f"{base}/readyz", timeout=10).json()["database"] == "ok"
        proxied = {"headers": {"X-Forwarded-Proto": "https"}, "timeout": 10}
        page = requests.get(f"{base}/admin/login/", **proxied)
        assert page.status_code == 200
        css = re.search(r'href="(/static/admin/css/base\.[0-9a-f]{12}\.css)"', page.text)
        assert requests.get(base + css.group(1), **proxied).status_code == 200
    finally:
        server.terminate()
        server.wait(timeout=60)


def test_jobs_unit__its_command__starts_a_cluster_that_stops_on_sigterm(production_env):
    argv = as_run_here(unit_command("hotdash-jobs@.service"))
    cluster = subprocess.Popen(
        argv, env=production_env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        time.sleep(8)
        assert cluster.poll() is None, cluster.stderr.read().decode()[-2000:]
    finally:
        cluster.send_signal(signal.SIGTERM)  # what KillMode=mixed sends: the main process only
        returncode = cluster.wait(timeout=60)
    assert returncode == 0
    assert "Traceback" not in cluster.stderr.read().decode()


# --- backup and restore (PostgreSQL) -------------------------------------------------------


def postgres_answers() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 5432), 2).close()
    except OSError:
        return False
    return all(shutil.which(tool) for tool in ("pg_dump", "pg_restore", "psql"))


RECORD_EVENTS = """
from approvals.audit import audit_record
from approvals.tasks import audit_checkpoint_task
for n in range(5):
    audit_record(actor=None, verb="deploy.backup_drill", changes={"n": n})
audit_checkpoint_task()
audit_record(actor=None, verb="deploy.backup_drill", changes={"n": 5})
"""


@pytest.mark.skipif(not postgres_answers(), reason="PostgreSQL on 127.0.0.1:5432 (with pg_dump)")
def test_backup__pg_dump_restored_into_an_empty_database__audit_chain_verifies(tmp_path):
    """docs/deployment.md#backups, as written: pg_dump -Fc, pg_restore into a new database,
    then `manage.py audit_verify` (the chain's triggers are restored after the rows)."""
    source, restored = f"hotdash_deploy_bk_{os.getpid()}", f"hotdash_deploy_rs_{os.getpid()}"
    psql = ["psql", "-h", "127.0.0.1", "-U", "postgres", "-q", "-c"]
    for name in (source, restored):
        subprocess.run([*psql, f"DROP DATABASE IF EXISTS {name}"], check=True)
        subprocess.run([*psql, f"CREATE DATABASE {name}"], check=True)
    try:
        environ = {**clean_environ(), "SECRET_KEY": "backup-drill-" + "b" * 40}

        def manage(database: str, *args: str) -> subprocess.CompletedProcess:
            url = f"postgres://postgres@127.0.0.1:5432/{database}"
            return subprocess.run(
                [sys.executable, "manage.py", *args],
                env={**environ, "DATABASE_URL": url},
                cwd=ROOT,
                capture_output=True,
                text=True,
                timeout=240,
            )

        assert manage(source, "migrate", "--noinput", "-v0").returncode == 0
        assert manage(source, "shell", "-c", RECORD_EVENTS).returncode == 0
        dump = tmp_path / "hotdash.dump"
        pg = ["-h", "127.0.0.1", "-U", "postgres"]
        subprocess.run(["pg_dump", *pg, "-Fc", "-f", str(dump), source], check=True)
        restore = ["pg_restore", *pg, "--no-owner", "--exit-on-error", "-d", restored, str(dump)]
        subprocess.run(restore, check=True)

        verified = manage(restored, "audit_verify")

        assert verified.returncode == 0, verified.stderr[-2000:]
        assert re.search(r"audit chain intact: 6 events, head #6 .*checkpoint #5", verified.stdout)
    finally:
        for name in (source, restored):
            subprocess.run([*psql, f"DROP DATABASE IF EXISTS {name}"], check=False)
