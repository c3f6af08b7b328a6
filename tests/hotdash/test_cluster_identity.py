"""A job cluster started with another SECRET_KEY or schema version than the web refuses to
run, naming the mismatch (issue 15; hotdash/identity.py). The checks in-process, then
`manage.py qcluster` for real: exit status 1, one line, no traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core import signing

from hotdash.identity import SALT, cluster_refusal, identity_publish, schema_leaves
from hotdash.models import Identity

ROOT = Path(__file__).resolve().parents[2]
WEB_KEY = "web-key-" + "w" * 50
OTHER_KEY = "cluster-key-" + "c" * 50


@pytest.mark.django_db
def test_refusal__nothing_published__runs():
    assert cluster_refusal() is None


@pytest.mark.django_db
def test_refusal__same_key_and_schema__runs():
    identity_publish()
    assert cluster_refusal() is None


@pytest.mark.django_db
def test_refusal__other_key__names_secret_key(settings):
    settings.SECRET_KEY = WEB_KEY
    identity_publish()
    settings.SECRET_KEY = OTHER_KEY
    refusal = cluster_refusal()
    assert refusal.startswith("SECRET_KEY differs from the web's")
    assert WEB_KEY not in refusal and OTHER_KEY not in refusal  # never the secret itself


@pytest.mark.django_db
def test_refusal__web_key_in_fallbacks__runs(settings):
    """Mid-rotation: the cluster already has the new key, the web still the old one."""
    settings.SECRET_KEY = WEB_KEY
    identity_publish()
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = OTHER_KEY, [WEB_KEY]
    assert cluster_refusal() is None


@pytest.mark.django_db
def test_refusal__web_runs_another_release__names_app_and_migrations():
    web = {**schema_leaves(), "monitoring": "0099_from_the_future"}
    identity_publish()
    Identity.objects.filter(name="web").update(signed=signing.dumps({"schema": web}, salt=SALT))
    refusal = cluster_refusal()
    assert refusal.startswith("schema version differs from the web's")
    ours = schema_leaves()["monitoring"]
    assert f"monitoring: web 0099_from_the_future, cluster {ours}" in refusal
    assert "approvals" not in refusal  # only what differs


@pytest.mark.django_db
def test_refusal__tampered_identity__treated_as_another_key():
    identity_publish()
    Identity.objects.filter(name="web").update(signed="not-a-signature")
    assert cluster_refusal().startswith("SECRET_KEY differs")


# -- manage.py qcluster, for real ---------------------------------------------------------


def _manage(home: Path, *args: str, key: str, **extra: str) -> subprocess.CompletedProcess:
    environ = {
        **{k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")},
        "DEBUG": "0",
        "SECRET_KEY": key,
        "DATABASE_URL": f"sqlite:///{home / 'db.sqlite3'}",
        "ALLOWED_HOSTS": "127.0.0.1",
        **extra,
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=environ,
        capture_output=True, text=True, timeout=240,
    )


@pytest.fixture(scope="module")
def seeded(tmp_path_factory) -> Path:
    """A database migrated and seeded by the web's release with WEB_KEY."""
    home = tmp_path_factory.mktemp("identity")
    for command in (["migrate", "--noinput", "-v0"], ["seed"]):
        assert _manage(home, *command, key=WEB_KEY).returncode == 0
    return home


def _one_line_refusal(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("CommandError: this job cluster will not run: ")
    return lines[0]


def test_qcluster__other_secret_key__exits_1_naming_it(seeded):
    line = _one_line_refusal(_manage(seeded, "qcluster", key=OTHER_KEY))
    assert "SECRET_KEY differs from the web's" in line
    assert OTHER_KEY not in line and WEB_KEY not in line


def test_qcluster__database_behind__exits_1_naming_migrations(tmp_path):
    assert _manage(tmp_path, "migrate", "--noinput", "-v0", key=WEB_KEY).returncode == 0
    assert _manage(tmp_path, "migrate", "hotdash", "0001", "-v0", key=WEB_KEY).returncode == 0
    line = _one_line_refusal(_manage(tmp_path, "qcluster", key=WEB_KEY))
    assert "the database lacks this release's migrations (hotdash.0002_identity)" in line


def test_qcluster__same_key__starts(seeded):
    """The matching cluster gets past the check and runs (once, then stops)."""
    result = _manage(seeded, "qcluster", "--run-once", key=WEB_KEY)
    assert result.returncode == 0, result.stderr
    assert "will not run" not in result.stderr


@pytest.mark.django_db
def test_readyz__foreign_identity_stored__web_publishes_its_own(client, settings, monkeypatch):
    """The web is what clusters compare with: its first /readyz replaces another's identity."""
    from hotdash import identity

    monkeypatch.setattr(identity, "_ensured", False)
    settings.SECRET_KEY = OTHER_KEY
    identity_publish()  # say, a seed run with another key
    settings.SECRET_KEY = WEB_KEY
    assert cluster_refusal().startswith("SECRET_KEY differs")
    assert client.get("/readyz").status_code == 200
    assert cluster_refusal() is None
    published = Identity.objects.get(name="web").published_at
    assert client.get("/readyz").status_code == 200  # once per process: no second write
    assert Identity.objects.get(name="web").published_at == published
