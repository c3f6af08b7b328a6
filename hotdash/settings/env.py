"""Read HotDash's configuration from the environment.

`read_config(environ)` turns a mapping of environment variables into plain
settings values, or raises `ConfigError` naming the variable at fault. It
never reads `os.environ` itself, so it can be tested with any mapping.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import environ

BASE_DIR = Path(__file__).resolve().parent.parent.parent
DEFAULT_SQLITE_PATH = BASE_DIR / "var" / "hotdash.sqlite3"
DEV_SECRET_KEY = "django-insecure-hotdash-development-only"
DATABASE_SCHEMES = {"sqlite", "postgres", "postgresql", "pgsql"}
TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off", ""}


class ConfigError(Exception):
    """A setting is missing or malformed; the message names the variable."""


@dataclass(frozen=True)
class Config:
    debug: bool
    secret_key: str
    allowed_hosts: list[str]
    database: dict
    redis_url: str | None
    sandbox_url: str
    q_workers: int
    probe_slots: int = 1
    probe_concurrency: int = 32
    check_retention_days: int = 7
    rollup_retention_days: int = 400
    csrf_trusted_origins: list[str] = field(default_factory=list)
    email: dict = field(default_factory=dict)
    default_from_email: str = "hotdash@localhost"
    public_base_url: str | None = None
    sandbox_console_enabled: bool = True
    login_failure_limit: int = 5
    login_cooloff_minutes: int = 15
    static_root: Path = BASE_DIR / "staticfiles"
    secret_key_fallbacks: list[str] = field(default_factory=list)
    cors_allowed_origins: list[str] = field(default_factory=list)
    log_level: str = "INFO"
    log_format: str = "plain"
    trusted_proxies: list[str] = field(default_factory=list)
    # Keys the database must not hold (approvals/keys.py); empty: derived from SECRET_KEY.
    approvals_keys: dict = field(default_factory=dict)


def read_bool(environ_: Mapping[str, str], name: str, default: bool) -> bool:
    """Parse a boolean variable; raises ConfigError for anything but yes/no words."""
    raw = environ_.get(name)
    if raw is None:
        return default
    word = raw.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ConfigError(f"{name} must be one of true/false/1/0/yes/no/on/off, not {raw!r}")


def read_int(environ_: Mapping[str, str], name: str, default: int, lo: int, hi: int) -> int:
    raw = environ_.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, not {raw!r}") from None
    if not lo <= value <= hi:
        raise ConfigError(f"{name} must be between {lo} and {hi}, not {value}")
    return value


def read_path(environ_: Mapping[str, str], name: str, default: Path) -> Path:
    """An absolute directory path (it need not exist yet)."""
    raw = environ_.get(name, "").strip()
    if not raw:
        return default
    if not Path(raw).is_absolute():
        raise ConfigError(f"{name} must be an absolute path, not {raw!r}")
    return Path(raw)


LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


def read_choice(
    environ_: Mapping[str, str], name: str, default: str, choices, *, upper: bool = False
) -> str:
    raw = environ_.get(name, "").strip()
    if not raw:
        return default
    value = raw.upper() if upper else raw.lower()
    if value not in choices:
        raise ConfigError(f"{name} must be one of {', '.join(choices)}, not {raw!r}")
    return value


def read_origins(environ_: Mapping[str, str], name: str) -> list[str]:
    """Comma-separated origins (`https://dash.example.com`, a port allowed, no path)."""
    origins = read_list(environ_, name, [])
    for origin in origins:
        parts = urlsplit(origin)
        if (
            parts.scheme not in {"http", "https"}
            or not parts.hostname
            or parts.path not in {"", "/"}
        ):
            raise ConfigError(
                f"{name} holds {origin!r}; origins look like https://dash.example.com"
            )
    return [origin.rstrip("/") for origin in origins]


def read_networks(environ_: Mapping[str, str], name: str) -> list[str]:
    """Comma-separated addresses or networks (`127.0.0.1,10.0.0.0/8`)."""
    entries = read_list(environ_, name, [])
    for entry in entries:
        try:
            ipaddress.ip_network(entry, strict=False)
        except ValueError:
            raise ConfigError(f"{name} holds {entry!r}, not an address or network") from None
    return entries


APPROVALS_KEYS = ("HASH_KEY", "AUDIT_KEY")


def read_approvals_keys(environ_: Mapping[str, str]) -> dict:
    """APPROVALS_HASH_KEY / APPROVALS_AUDIT_KEY and their comma-separated _FALLBACKS, as
    settings `APPROVALS_<NAME>`; only those set (the others keep approvals' defaults)."""
    found = {}
    for name in APPROVALS_KEYS:
        key = environ_.get(f"APPROVALS_{name}", "").strip()
        if key:
            if len(key) < 32:
                raise ConfigError(f"APPROVALS_{name} must be at least 32 characters")
            found[name] = key
        fallbacks = read_list(environ_, f"APPROVALS_{name}_FALLBACKS", [])
        if fallbacks:
            found[f"{name}_FALLBACKS"] = tuple(fallbacks)
    return found


def read_list(environ_: Mapping[str, str], name: str, default: list[str]) -> list[str]:
    raw = environ_.get(name)
    if raw is None:
        return list(default)
    return [item.strip() for item in raw.split(",") if item.strip()]


def read_database(environ_: Mapping[str, str]) -> dict:
    """DATABASE_URL as a Django DATABASES['default'] dict (SQLite file by default)."""
    raw = environ_.get("DATABASE_URL", "").strip()
    if not raw:
        return sqlite_database(DEFAULT_SQLITE_PATH)
    scheme = urlsplit(raw).scheme
    if scheme not in DATABASE_SCHEMES:
        raise ConfigError(
            f"DATABASE_URL has scheme {scheme or '(none)'!r}; use postgres://… or sqlite:///…"
        )
    try:
        config = environ.Env.db_url_config(raw)
    except Exception as exc:  # django-environ raises several types for bad URLs
        raise ConfigError(f"DATABASE_URL could not be parsed ({type(exc).__name__})") from None
    if config["ENGINE"].endswith("sqlite3"):
        if not config.get("NAME") or config["NAME"] == ":memory:":
            raise ConfigError("DATABASE_URL for SQLite needs a file path: sqlite:////abs/path.db")
        return sqlite_database(Path(config["NAME"]))
    if not config.get("NAME"):
        raise ConfigError("DATABASE_URL names no database (postgres://user@host:5432/NAME)")
    config["ENGINE"] = "django.db.backends.postgresql"
    config["CONN_MAX_AGE"] = 60
    config["CONN_HEALTH_CHECKS"] = True
    return config


def sqlite_database(path: Path) -> dict:
    """SQLite tuned for a web server and a job cluster sharing one file."""
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(path),
        "OPTIONS": {
            # IMMEDIATE takes the write lock at BEGIN, so two writers queue on the
            # busy timeout instead of failing a lock upgrade (Django 5.1+ option).
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        },
    }


def read_email(environ_: Mapping[str, str]) -> dict:
    """EMAIL_URL (smtp://user:pass@host:587, smtp+tls://…, consolemail://) as Django
    EMAIL_* settings; unset: the console backend when DEBUG is on, else SMTP on localhost."""
    raw = environ_.get("EMAIL_URL", "").strip()
    if not raw:
        return {}
    try:
        config = environ.Env.email_url_config(raw)
    except Exception as exc:
        raise ConfigError(f"EMAIL_URL could not be parsed ({type(exc).__name__})") from None
    if not config.get("EMAIL_BACKEND"):
        raise ConfigError(
            "EMAIL_URL has an unknown scheme; use smtp://, smtp+tls:// or smtp+ssl://"
        )
    return config


def read_url(environ_: Mapping[str, str], name: str, default: str | None) -> str | None:
    raw = environ_.get(name, "").strip()
    if not raw:
        return default
    parts = urlsplit(raw)
    allowed = {"redis", "rediss"} if name == "REDIS_URL" else {"http", "https"}
    if parts.scheme not in allowed or not parts.hostname:
        raise ConfigError(f"{name} must be a {'/'.join(sorted(allowed))} URL, not {raw!r}")
    return raw.rstrip("/")


def read_config(environ_: Mapping[str, str]) -> Config:
    """Build the Config, raising ConfigError on the first bad variable."""
    debug = read_bool(environ_, "DEBUG", default=False)
    secret_key = environ_.get("SECRET_KEY", "").strip()
    if not secret_key:
        if not debug:
            raise ConfigError("SECRET_KEY is not set (required when DEBUG is off)")
        secret_key = DEV_SECRET_KEY
    return Config(
        debug=debug,
        secret_key=secret_key,
        allowed_hosts=read_list(environ_, "ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"]),
        database=read_database(environ_),
        redis_url=read_url(environ_, "REDIS_URL", None),
        sandbox_url=read_url(environ_, "SANDBOX_URL", "http://127.0.0.1:8765"),
        q_workers=read_int(environ_, "Q_WORKERS", 2, 1, 64),
        probe_slots=read_int(environ_, "PROBE_LOOP_SLOTS", 1, 1, 64),
        probe_concurrency=read_int(environ_, "PROBE_CONCURRENCY", 32, 1, 512),
        check_retention_days=read_int(environ_, "CHECK_RETENTION_DAYS", 7, 1, 3650),
        rollup_retention_days=read_int(environ_, "ROLLUP_RETENTION_DAYS", 400, 31, 3650),
        csrf_trusted_origins=read_list(environ_, "CSRF_TRUSTED_ORIGINS", []),
        email=read_email(environ_),
        default_from_email=environ_.get("DEFAULT_FROM_EMAIL", "hotdash@localhost").strip(),
        public_base_url=read_url(environ_, "PUBLIC_BASE_URL", None),
        sandbox_console_enabled=read_bool(environ_, "SANDBOX_CONSOLE_ENABLED", default=True),
        login_failure_limit=read_int(environ_, "LOGIN_FAILURE_LIMIT", 5, 2, 100),
        login_cooloff_minutes=read_int(environ_, "LOGIN_COOLOFF_MINUTES", 15, 1, 24 * 60),
        static_root=read_path(environ_, "STATIC_ROOT", BASE_DIR / "staticfiles"),
        secret_key_fallbacks=read_list(environ_, "SECRET_KEY_FALLBACKS", []),
        cors_allowed_origins=read_origins(environ_, "CORS_ALLOWED_ORIGINS"),
        log_level=read_choice(environ_, "LOG_LEVEL", "INFO", LOG_LEVELS, upper=True),
        log_format=read_choice(environ_, "LOG_FORMAT", "plain", ("plain", "json")),
        trusted_proxies=read_networks(environ_, "TRUSTED_PROXIES"),
        approvals_keys=read_approvals_keys(environ_),
    )
