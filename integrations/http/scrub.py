"""Scrubbing: no credential value may reach a log line, a stored message or an exception text.

Two nets, both applied by `Scrubber.__call__`:
1. every known secret value (and its URL-encoded, JSON-escaped and, for URLs,
   path-only forms) is replaced, longest first;
2. patterns that look like credentials whoever owns them: auth header values,
   `Bearer …` tokens, JWTs, PEM private keys, Slack webhook paths.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from urllib.parse import quote, quote_plus, urlsplit

REDACTED = "[redacted]"
MIN_SECRET_LENGTH = 4  # shorter values would blank out ordinary words

_PATTERNS = [
    re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?-----END [A-Z ]*PRIVATE KEY-----", re.S),
    re.compile(r"\bBearer(?:-API)?\s+[A-Za-z0-9._~+/=-]+", re.I),
    re.compile(r"\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*"),
    re.compile(r"/services/T[A-Za-z0-9]+/B[A-Za-z0-9]+/[A-Za-z0-9_-]+"),
    re.compile(
        r"(?P<name>authorization|x-shopify-access-token|api_access_token|apikey|x-api-key"
        r"|access_token|private_key|client_secret|assertion)"
        r"(?P<sep>['\"]?\s*[:=]\s*['\"]?)[^'\"\s,;&}]+",
        re.I,
    ),
]


class Scrubber:
    """Replaces secret values and credential-looking text with `[redacted]`."""

    def __init__(self, secrets: Iterable[str | None] = ()) -> None:
        self._values: set[str] = set()
        for secret in secrets:
            self.add(secret)

    def add(self, secret: str | None) -> None:
        """Remember `secret` (and its encoded forms); short or empty values are ignored."""
        if not secret or len(secret) < MIN_SECRET_LENGTH:
            return
        forms = {secret, quote(secret, safe=""), quote_plus(secret), json.dumps(secret)[1:-1]}
        parts = urlsplit(secret)
        if parts.scheme in {"http", "https"} and len(parts.path) > MIN_SECRET_LENGTH:
            forms.add(parts.path)  # requests' error texts name only the path of a URL
        self._values |= {form for form in forms if len(form) >= MIN_SECRET_LENGTH}

    def __call__(self, text: object) -> str:
        """`text` as a string with every secret and credential-looking value redacted."""
        out = str(text)
        for value in sorted(self._values, key=len, reverse=True):
            out = out.replace(value, REDACTED)
        for pattern in _PATTERNS:
            out = pattern.sub(_replacement, out)
        return out


def _replacement(match: re.Match[str]) -> str:
    groups = match.groupdict()
    if groups.get("name"):
        return f"{groups['name']}{groups['sep']}{REDACTED}"
    return REDACTED
