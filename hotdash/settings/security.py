"""Settings for who may come in: the login lockout (django-axes) and cross-origin API calls.
Star-imported by base.py; values come from the environment (config.py)."""

from datetime import timedelta

from .config import CONFIG

# django-axes refuses a locked-out login before any password is checked; then Django's own.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Five failed logins for one user name (from anywhere), or from one address (whatever the
# names), lock that user name or address out for LOGIN_COOLOFF_MINUTES; a failure while
# locked out starts the cool-off again. Unlocking: docs/security.md#logins.
AXES_FAILURE_LIMIT = CONFIG.login_failure_limit
AXES_COOLOFF_TIME = timedelta(minutes=CONFIG.login_cooloff_minutes)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_CLIENT_IP_CALLABLE = "hotdash.proxies.client_ip"  # the client, behind TRUSTED_PROXIES
AXES_LOCKOUT_TEMPLATE = "admin/locked_out.html"
AXES_DISABLE_ACCESS_LOG = True  # logins are on the audit trail (hotdash/logins.py)
AXES_SENSITIVE_PARAMETERS = ["password", "csrfmiddlewaretoken"]  # masked in AccessAttempt
AXES_VERBOSE = False

# A dashboard served from another origin may call the API (GET, and writes with a token):
# CORS_ALLOWED_ORIGINS lists those origins; none by default. Only /api/ answers CORS.
CORS_ALLOWED_ORIGINS = CONFIG.cors_allowed_origins
CORS_URLS_REGEX = r"^/api/.*$"
CORS_PREFLIGHT_MAX_AGE = 3600
