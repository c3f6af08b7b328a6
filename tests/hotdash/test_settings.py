"""Settings come from the environment; bad ones stop start-up with one line naming the variable."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from hotdash.settings.env import DEFAULT_SQLITE_PATH, DEV_SECRET_KEY, ConfigError, read_config
from tests.hotdash.shell import manage_shell

ROOT = Path(__file__).resolve().parents[2]


def test_defaults__debug_on__uses_dev_key_and_sqlite_file():
    config = read_config({"DEBUG": "1"})
    assert config.debug is True
    assert config.secret_key == DEV_SECRET_KEY
    assert config.database["ENGINE"] == "django.db.backends.sqlite3"
    assert config.database["NAME"] == str(DEFAULT_SQLITE_PATH)
    assert config.redis_url is None


def test_secret_key__missing_with_debug_off__is_refused():
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        read_config({})


def test_secret_key__given__is_used():
    assert read_config({"SECRET_KEY": "s3cret-value"}).secret_key == "s3cret-value"


def test_debug__not_a_boolean__names_the_variable():
    with pytest.raises(ConfigError, match="DEBUG"):
        read_config({"DEBUG": "maybe"})


def test_database_url__postgres__parsed_with_persistent_connections():
    config = read_config({"SECRET_KEY": "k", "DATABASE_URL": "postgres://u:p@db.example:5433/hd"})
    db = config.database
    assert (db["ENGINE"], db["NAME"], db["HOST"], db["PORT"], db["USER"]) == (
        "django.db.backends.postgresql",
        "hd",
        "db.example",
        5433,
        "u",
    )
    assert db["CONN_HEALTH_CHECKS"] is True


@pytest.mark.parametrize(
    "url",
    ["mysql://u@h/db", "not a url", "postgres://u@h:5432/", "sqlite://:memory:"],
)
def test_database_url__unsupported_or_incomplete__names_the_variable(url):
    with pytest.raises(ConfigError, match="DATABASE_URL"):
        read_config({"SECRET_KEY": "k", "DATABASE_URL": url})


def test_redis_url__set__selected():
    config = read_config({"SECRET_KEY": "k", "REDIS_URL": "redis://127.0.0.1:6379/1"})
    assert config.redis_url == "redis://127.0.0.1:6379/1"


def test_redis_url__wrong_scheme__refused():
    with pytest.raises(ConfigError, match="REDIS_URL"):
        read_config({"SECRET_KEY": "k", "REDIS_URL": "http://127.0.0.1:6379"})


def test_allowed_hosts__comma_list__split_and_trimmed():
    config = read_config({"SECRET_KEY": "k", "ALLOWED_HOSTS": " ops.example.com, .example.net ,"})
    assert config.allowed_hosts == ["ops.example.com", ".example.net"]


def test_q_workers__out_of_range__refused():
    with pytest.raises(ConfigError, match="Q_WORKERS"):
        read_config({"SECRET_KEY": "k", "Q_WORKERS": "0"})


def test_public_base_url__unset_none__set_trailing_slash_dropped():
    assert read_config({"SECRET_KEY": "k"}).public_base_url is None
    config = read_config({"SECRET_KEY": "k", "PUBLIC_BASE_URL": "https://ops.example.com/"})
    assert config.public_base_url == "https://ops.example.com"


def test_public_base_url__not_a_url__refused():
    with pytest.raises(ConfigError, match="PUBLIC_BASE_URL"):
        read_config({"SECRET_KEY": "k", "PUBLIC_BASE_URL": "ops.example.com"})


def _manage(args: list[str], **env: str) -> subprocess.CompletedProcess:
    clean = {
        k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG", "DATABASE_URL"}
    }
    clean.pop("DJANGO_SETTINGS_MODULE", None)
    clean["DEBUG"] = ""  # off, and not taken from a running demo's var/demo.env
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_startup__no_secret_key_and_debug_off__one_line_no_traceback():
    result = _manage(["check"])
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "hotdash: configuration error: SECRET_KEY is not set (required when DEBUG is off)"
    )
    assert "Traceback" not in result.stderr


def test_startup__bad_database_url__one_line_naming_it():
    result = _manage(["check"], SECRET_KEY="k", DATABASE_URL="mongodb://h/db")
    assert result.returncode == 1
    assert "DATABASE_URL" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_production_profile__check_deploy__no_warnings():
    result = _manage(
        ["check", "--deploy", "--fail-level", "WARNING"],
        DJANGO_SETTINGS_MODULE="hotdash.settings.production",
        SECRET_KEY="x7#Qp2!vL9@wR4$tY8^uI1&oP6*aS3(dF5)gH0_jK-zX+cV=bN~mM",
        ALLOWED_HOSTS="ops.hotrodan.example",
    )
    assert result.returncode == 0, result.stderr + result.stdout
    assert "no issues" in result.stdout


def test_production_profile__debug_on__refused():
    result = _manage(
        ["check"], DJANGO_SETTINGS_MODULE="hotdash.settings.production", SECRET_KEY="k", DEBUG="1"
    )
    assert result.returncode == 1
    assert "DEBUG must be off" in result.stderr


def test_email_url__smtp_tls__django_email_settings():
    config = read_config({"SECRET_KEY": "k", "EMAIL_URL": "smtp+tls://ops:pw@mail.example:587"})
    assert config.email["EMAIL_HOST"] == "mail.example"
    assert config.email["EMAIL_PORT"] == 587 and config.email["EMAIL_USE_TLS"] is True


def test_email_url__unknown_scheme__names_the_variable():
    with pytest.raises(ConfigError, match="EMAIL_URL"):
        read_config({"SECRET_KEY": "k", "EMAIL_URL": "pigeon://coop"})


def test_secret_key_fallbacks__comma_list__kept_in_order():
    config = read_config({"SECRET_KEY": "new", "SECRET_KEY_FALLBACKS": "old-1, old-2"})
    assert config.secret_key_fallbacks == ["old-1", "old-2"]


def test_static_root__relative__refused():
    with pytest.raises(ConfigError, match="STATIC_ROOT"):
        read_config({"SECRET_KEY": "k", "STATIC_ROOT": "static"})


def test_approvals_keys__from_the_environment__as_approvals_settings():
    config = read_config(
        {
            "SECRET_KEY": "k",
            "APPROVALS_AUDIT_KEY": "a" * 40,
            "APPROVALS_AUDIT_KEY_FALLBACKS": "b" * 40 + "," + "c" * 40,
        }
    )
    assert config.approvals_keys == {
        "AUDIT_KEY": "a" * 40,
        "AUDIT_KEY_FALLBACKS": ("b" * 40, "c" * 40),
    }


def test_approvals_key__too_short__names_the_variable():
    with pytest.raises(ConfigError, match="APPROVALS_HASH_KEY"):
        read_config({"SECRET_KEY": "k", "APPROVALS_HASH_KEY": "short"})


def test_approvals_key__reaches_the_approvals_knob():
    code = "from approvals.conf import knob; print(knob('AUDIT_KEY'))"
    assert manage_shell(code, APPROVALS_AUDIT_KEY="z" * 40).strip() == "z" * 40
