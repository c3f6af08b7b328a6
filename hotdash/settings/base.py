"""Django settings for HotDash, read from the environment (see env.py and the README's
Configuration table)."""

import os

from .config import CONFIG
from .env import BASE_DIR, read_bool

DEBUG = CONFIG.debug
SECRET_KEY = CONFIG.secret_key
# Rotation (docs/deployment.md): the previous keys, comma-separated, still accepted for
# sessions, signed cursors and password-reset links until they expire.
SECRET_KEY_FALLBACKS = CONFIG.secret_key_fallbacks
ALLOWED_HOSTS = CONFIG.allowed_hosts
CSRF_TRUSTED_ORIGINS = CONFIG.csrf_trusted_origins
# The deployment's own proxies: behind them the client is read from X-Forwarded-For
# (hotdash/proxies.py); without them REMOTE_ADDR, and the header is never believed.
TRUSTED_PROXIES = CONFIG.trusted_proxies
# APPROVALS_HASH_KEY, APPROVALS_AUDIT_KEY and their fallbacks, when the environment sets them.
globals().update({f"APPROVALS_{name}": value for name, value in CONFIG.approvals_keys.items()})

INSTALLED_APPS = [
    # The Django admin with the operator console's site (status board, console pages).
    "hotdash.console.apps.ConsoleAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    # Login lockout (docs/security.md#logins): counts failed logins per user and per address.
    "axes",
    "corsheaders",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    # Before django_q: its `manage.py qcluster` checks the web's identity first.
    "hotdash",
    "django_q",
    "approvals",
    "integrations",
    "monitoring",
]

MIDDLEWARE = [
    "monitoring.metrics.http.HttpMetricsMiddleware",  # outermost: times every answer (metrics.md)
    "django.middleware.security.SecurityMiddleware",
    "hotdash.csp.ContentSecurityPolicyMiddleware",
    # ETag on every GET and 304 for If-None-Match: polling tiles cost almost nothing.
    "django.middleware.http.ConditionalGetMiddleware",
    "approvals.middleware.RequestIdMiddleware",
    # Before CommonMiddleware, as django-cors-headers asks (answers preflights itself).
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "hotdash.rest.RateLimitHeadersMiddleware",
    # Last, as django-axes asks: turns a locked-out login into its 429 page.
    "axes.middleware.AxesMiddleware",
]


ROOT_URLCONF = "hotdash.urls"
WSGI_APPLICATION = "hotdash.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {"default": CONFIG.database}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    (BASE_DIR / "var").mkdir(exist_ok=True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = CONFIG.static_root  # where collectstatic writes
# The production profile stores compressed, content-hashed copies (collectstatic).
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Request bodies: webhooks and the API cap what they read themselves; this is the
# outer guard for everything else (forms, admin).
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "hotdash.auth.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "EXCEPTION_HANDLER": "hotdash.errors.api_exception_handler",
    "DEFAULT_SCHEMA_CLASS": "hotdash.openapi.HotdashAutoSchema",
    # An unknown `?format=` is a 406 like an unknown Accept header (DRF answers 404).
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "hotdash.negotiation.StrictContentNegotiation",
    "DEFAULT_THROTTLE_RATES": {"mutations": "120/min"},
    # DRF's defaults (the browsable API posts forms), with JSON too deep to decode a 400.
    "DEFAULT_PARSER_CLASSES": ["hotdash.parsers.NestingSafeJSONParser"]
    + ["rest_framework.parsers.FormParser", "rest_framework.parsers.MultiPartParser"],
}

# Hot dashboard reads (health summary, integration list, tiles) answer from a per-process
# cache for this many seconds (0 turns it off): polling dashboards then cost almost nothing.
API_MICRO_CACHE_SECONDS = 2.0

SPECTACULAR_SETTINGS = {
    "TITLE": "HotDash Operator Control Center API",
    "DESCRIPTION": "Health, incidents, approvals and tiles for the Hot Rod AN store's integrations.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI from drf-spectacular-sidecar's static files: no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # The API reads JSON (the form parsers are there for DRF's browsable pages).
    "PARSER_WHITELIST": ["hotdash.parsers.NestingSafeJSONParser"],
    # Tags and operationIds start after the version: `incidents`, `incidents_acknowledge`.
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    # Enum names kept, nullable objects as 3.0 can say them, the examples recorded from real
    # answers, one tag per resource (hotdash/openapi.py).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "hotdash.openapi.nullable_refs_hook",
        "hotdash.openapi.examples_hook",
        "hotdash.openapi.tags_hook",
    ],
    "ENUM_NAME_OVERRIDES": {
        "IntegrationStatusEnum": "integrations.models.IntegrationState.Status",
        "IncidentStatusEnum": "monitoring.models.Incident.Status",
        "CheckStatusEnum": "monitoring.models.CheckResult.Status",
        "ApprovalStatusEnum": "approvals.models.ApprovalRequest.Status",
        "FlagScopeEnum": "approvals.models.FeatureFlag.Scope",
    },
}

REDIS_URL = CONFIG.redis_url
# The cache holds the API throttle's counters and the tile refetch marks: shared by every
# process and node through Redis when it is configured, per process otherwise.
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "hotdash",
        }
    }
Q_CLUSTER = {
    "name": "hotdash",
    "workers": CONFIG.q_workers,
    "timeout": 300,  # the probe loop task runs up to ~60 s; rollups may take longer
    "retry": 360,  # must exceed timeout, or a slow task is handed out twice
    "max_attempts": 3,
    "queue_limit": 50,
    "bulk": 10,
    "catch_up": False,  # a missed minute of scheduling is not worth replaying
    "save_limit": 500,
    "ack_failures": True,
    "label": "Jobs (django-q2)",
}
if REDIS_URL:
    Q_CLUSTER["redis"] = REDIS_URL
else:
    Q_CLUSTER["orm"] = "default"
    Q_CLUSTER["poll"] = 0.5

SANDBOX_URL = CONFIG.sandbox_url
# Private networks outbound calls may reach besides public addresses (docs/security.md#ssrf),
# comma-separated: `10.0.0.0/8`, `127.0.0.1:8765`, `[fd12::1]:443`. The sandbox needs no entry.
OUTBOUND_ALLOW_PRIVATE = [
    entry.strip()
    for entry in os.environ.get("OUTBOUND_ALLOW_PRIVATE", "").split(",")
    if entry.strip()
]

# Alert e-mail: EMAIL_URL (see env.read_email); the console backend in DEBUG without it.
if CONFIG.email:
    globals().update(CONFIG.email)
elif DEBUG:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = SERVER_EMAIL = CONFIG.default_from_email
# Seconds an SMTP connection or command may take: every mail (alerts, findings, the weekly
# report) goes through monitoring.channels with this timeout, so a hung server fails one
# attempt (retried with backoff) instead of holding a worker. EMAIL_TIMEOUT=10 by default.
try:
    EMAIL_TIMEOUT = float(os.environ.get("EMAIL_TIMEOUT", "").strip() or 10)
except ValueError:
    raise SystemExit("hotdash: configuration error: EMAIL_TIMEOUT must be seconds") from None
# The console's Sandbox control page (fault injection); off in a live-only deployment.
SANDBOX_CONSOLE_ENABLED = CONFIG.sandbox_console_enabled
# Where vendors reach this platform (webhook callbacks, e.g. shopify.webhooks_register):
# https://hotdash.example.com, or None when nothing outside may call in.
PUBLIC_BASE_URL = CONFIG.public_base_url

# The probe loop (monitoring.tasks.run_due_probes_task): each run holds one of
# `slots` leases, claiming up to `batch` due integrations every `tick` seconds and
# probing them on `concurrency` threads. A run started while every slot is held waits
# up to `handoff_wait` s for one to be handed over; the holder hands over at its next
# tick, so there is always a loop running although django-q2 starts them 30–90 s
# apart. `duration` bounds a run nobody takes over from (above the 1-minute schedule).
# PROBE_LOOP_HANDOFF=false restores the old fixed 55 s runs (benchmarks' baseline).
PROBE_LOOP_HANDOFF = read_bool(os.environ, "PROBE_LOOP_HANDOFF", True)
PROBE_LOOP = {
    "slots": CONFIG.probe_slots,
    "duration": 110 if PROBE_LOOP_HANDOFF else 55,
    "handoff_wait": 10.0 if PROBE_LOOP_HANDOFF else 0.0,
    "tick": 1.0,
    "batch": 500,
    "concurrency": CONFIG.probe_concurrency,
}
# Passive detection: a hard failure (connection, timeout, 5xx) of any non-probe call
# brings that integration's next probe forward (integrations.http.state.probe_pull_forward).
PROBE_PASSIVE_DETECTION = read_bool(os.environ, "PROBE_PASSIVE_DETECTION", True)
CHECK_RETENTION_DAYS = CONFIG.check_retention_days
ROLLUP_RETENTION_DAYS = CONFIG.rollup_retention_days  # hourly history, kept far longer

# Incidents: a flap inside the cool-down re-opens the same incident; while nobody
# acknowledges, re-notify every RENOTIFY minutes and escalate after ESCALATE minutes.
INCIDENT_REOPEN_COOLDOWN_MINUTES = 15
INCIDENT_RENOTIFY_MINUTES = 30
INCIDENT_ESCALATE_MINUTES = 15
NOTIFICATION_MAX_ATTEMPTS = 6

# The weekly SLA report (monitoring/slo, docs/slo.md) is mailed here, through the e-mail
# channel "sla-report" that `manage.py seed` keeps in step with this list:
# SLA_REPORT_RECIPIENTS="ops@example.com,lead@example.com".
SLA_REPORT_RECIPIENTS = [
    address.strip()
    for address in os.environ.get("SLA_REPORT_RECIPIENTS", "").split(",")
    if address.strip()
]

# Auto-recovery: re-probe waits (seconds) and at most this many steps per
# integration per hour, so a playbook never loops.
RECOVERY_REPROBE_DELAYS = [0, 2, 5]
RECOVERY_MAX_STEPS_PER_HOUR = 6
# One call of a live recovery step to a platform API (a Fly restart, a Supabase restore).
RECOVERY_ACTION_TIMEOUT_SECONDS = 30

# LOG_LEVEL sets the platform's own loggers (others stay at WARNING); LOG_FORMAT=json writes
# one JSON object per line with the request id (hotdash/logs.py), for a log pipeline.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "hotdash.logs.JsonFormatter"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": CONFIG.log_format}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        app: {"level": CONFIG.log_level}
        for app in ("hotdash", "integrations", "monitoring", "approvals")
    },
}

from .security import *  # noqa: E402,F401,F403 (logins, CORS)
