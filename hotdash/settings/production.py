"""Production profile: HTTPS everywhere, DEBUG refused. Passes `manage.py check --deploy`."""

from .base import *  # noqa: F401,F403
from .base import CONFIG

if CONFIG.debug:
    raise SystemExit("hotdash: configuration error: DEBUG must be off in the production profile")

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = True
SECURE_HSTS_SECONDS = 31536000
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
