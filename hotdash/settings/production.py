"""Production profile: HTTPS everywhere, DEBUG refused. Passes `manage.py check --deploy`.

Behind a TLS-terminating proxy: the proxy sets X-Forwarded-Proto, every page redirects to
HTTPS, except the endpoints machines probe over plain HTTP (a load balancer's health
checks, Prometheus): /healthz, /readyz and /metrics (the last still wants its token).
Static files are served by the app (WhiteNoise) from `collectstatic`'s output,
compressed and content-hashed, so they can be cached for a year (docs/deployment.md).
"""

from .base import *  # noqa: F401,F403
from .base import CONFIG

if CONFIG.debug:
    raise SystemExit("hotdash: configuration error: DEBUG must be off in the production profile")

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = True
# SecurityMiddleware matches these against the path without its leading slash.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
SECURE_HSTS_SECONDS = 31536000
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Static files from the app itself, right after SecurityMiddleware as WhiteNoise asks:
# no separate file server to run behind the proxy.
MIDDLEWARE = [*MIDDLEWARE]  # noqa: F405
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
    "whitenoise.middleware.WhiteNoiseMiddleware",
)
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
