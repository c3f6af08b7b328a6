"""Settings for the test suite: the environment as usual, with a test key if none is set."""

import os

os.environ.setdefault("SECRET_KEY", "test-only-not-secret")

from .base import *  # noqa: E402,F401,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed only
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

# SQLite tests use a file, not the shared-cache in-memory database: threads then see
# committed data and wait on the busy timeout like production, instead of failing
# at once with "database table is locked". One file per process, so parallel runs
# never collide.
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):  # noqa: F405
    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": str(BASE_DIR / "var" / f"test-{os.getpid()}.sqlite3")  # noqa: F405
    }

API_MICRO_CACHE_SECONDS = 0  # tests read what they just wrote (the cache has its own tests)

# Tests clear the cache around each test; with Redis configured (CI's second run) that
# would FLUSHDB the broker's database too, so the suite keeps a per-process cache and
# tests/hotdash/test_shared_cache.py checks the Redis cache itself.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
