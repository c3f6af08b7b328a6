"""Keys the database does not hold, for what a database writer must not be able to sign.

Each use names its settings and its salt:

    keys("HASH_KEY")            # APPROVALS_HASH_KEY (+ _FALLBACKS): the payload hash
    keys("AUDIT_KEY")           # APPROVALS_AUDIT_KEY (+ _FALLBACKS): the audit trail

An empty key (the default) means one derived from `SECRET_KEY` (fallbacks: Django's
`SECRET_KEY_FALLBACKS`); the salt makes each use's key its own, so a digest made for one
use never verifies for another. The first key signs; the others only verify.
"""

from __future__ import annotations

from django.conf import settings
from django.utils.crypto import constant_time_compare, salted_hmac

from approvals.conf import knob


def keys(name: str) -> list[str]:
    """The key that signs, then the retired keys that still verify, for the knob `name`."""
    explicit = knob(name)
    if explicit:
        return [explicit, *knob(f"{name}_FALLBACKS")]
    return [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]


def sign(salt: str, text: str, key: str) -> str:
    """HMAC-SHA256 (hex) of `text` under `key`, salted for one use."""
    return salted_hmac(salt, text, secret=key, algorithm="sha256").hexdigest()


def verifies(salt: str, text: str, digest: str, candidates: list[str]) -> bool:
    """Whether `digest` is the HMAC of `text` under one of the keys (constant time each)."""
    return any(constant_time_compare(sign(salt, text, key), digest) for key in candidates)
