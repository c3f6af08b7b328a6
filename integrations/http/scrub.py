"""Scrubbing: no credential value may reach a log line, a stored message or an exception text.

Three nets, all applied by `Scrubber.__call__`:
1. every known secret value (and its URL-encoded, JSON-escaped and, for URLs,
   path-only forms) is redacted, in any letter case;
2. derived forms (issue 14 item 9): any run of 8 or more characters of a secret's
   token, as it is or base64-encoded (standard and URL-safe, each of the 3 byte
   alignments), hex-encoded or URL-encoded, in any letter case. A vendor echoing
   a prefix, a suffix, the middle or an encoding of a credential is caught;
3. patterns that look like credentials whoever owns them: auth header values,
   `Bearer …` tokens, JWTs, PEM private keys, Slack webhook paths.

How net 2 stays cheap: when a secret is added, every 8-character window of
every encoded form of its tokens goes into one set (lower-cased). A message is
lower-cased (ASCII only, so positions do not move) and each of its 8-character
windows is looked up in that set; a hit's span is extended over the rest of the
token it sits in (letters, digits, `+/=_-%~`) and redacted. Tokens are the
secret split at characters outside that alphabet (a URL at `/ : . ?`, JSON at
its quotes); a token joins net 2 only if it is at least 8 characters long and
mixes two of lower case, upper case and digits: single-class parts (`sandbox`,
`service_account`, a JSON key) are ordinary words and are redacted only as part
of the whole secret.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Iterable
from urllib.parse import quote, quote_plus, urlsplit

REDACTED = "[redacted]"
MIN_SECRET_LENGTH = 4  # shorter values would blank out ordinary words
WINDOW = 8  # a run this long of a secret's token (or of an encoding of it) is redacted
_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
_SPLIT = re.compile(r"[^A-Za-z0-9+=_~-]+")  # '/', '.', ':' and '%' end a token
_TOKEN_CHAR = frozenset("abcdefghijklmnopqrstuvwxyz0123456789+/=_-%~")  # where a hit extends

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
    """Replaces secret values, their derived forms and credential-looking text with `[redacted]`."""

    def __init__(self, secrets: Iterable[str | None] = ()) -> None:
        self._values: set[str] = set()  # exact forms, lower-cased
        self._grams: set[str] = set()  # WINDOW-long runs of every derived form, lower-cased
        for secret in secrets:
            self.add(secret)

    def add(self, secret: str | None) -> None:
        """Remember `secret` (its encoded forms and derived runs); short or empty values are ignored."""
        if not secret or len(secret) < MIN_SECRET_LENGTH:
            return
        forms = {secret, quote(secret, safe=""), quote_plus(secret), json.dumps(secret)[1:-1]}
        parts = urlsplit(secret)
        if parts.scheme in {"http", "https"} and len(parts.path) > MIN_SECRET_LENGTH:
            forms.add(parts.path)  # requests' error texts name only the path of a URL
        self._values |= {form.translate(_LOWER) for form in forms if len(form) >= MIN_SECRET_LENGTH}
        for token in _SPLIT.split(secret):
            if _random_looking(token):
                for form in derived_forms(token):
                    self._grams.update(_windows(form.translate(_LOWER)))

    def __call__(self, text: object) -> str:
        """`text` as a string with every secret, derived form and credential-looking value
        redacted. Never raises for any input that has a `str`."""
        out = str(text)
        spans = self._spans(out.translate(_LOWER))
        for start, end in reversed(spans):
            out = out[:start] + REDACTED + out[end:]
        for pattern in _PATTERNS:
            out = pattern.sub(_replacement, out)
        return out

    def data(self, value: object) -> object:
        """`value` (JSON-like: dicts, lists, strings, numbers) with every string scrubbed."""
        if isinstance(value, str):
            return self(value)
        if isinstance(value, dict):
            return {key: self.data(item) for key, item in value.items()}
        if isinstance(value, (list, tuple)):
            return [self.data(item) for item in value]
        return value

    def _spans(self, low: str) -> list[tuple[int, int]]:
        """Sorted, merged [start, end) spans of `low` to redact."""
        spans = []
        for value in self._values:
            at = low.find(value)
            while at >= 0:
                spans.append((at, at + len(value)))
                at = low.find(value, at + 1)
        grams = self._grams
        if grams and len(low) >= WINDOW:
            hits = [
                (i, i + WINDOW)
                for i in range(len(low) - WINDOW + 1)
                if low[i : i + WINDOW] in grams
            ]
            spans.extend(_extend(low, start, end) for start, end in _merge(hits))
        return _merge(spans)


def derived_forms(token: str) -> set[str]:
    """The forms of `token` a vendor might echo: itself, URL-encoded (`%XX`, `+` for space),
    hex, and base64 (standard and URL-safe) from each of its first three characters, so every
    byte alignment inside a longer encoded text (`Basic base64(user:token)`) is covered."""
    raw = token.encode()
    forms = {token, quote(token, safe=""), quote_plus(token), binascii.hexlify(raw).decode()}
    for offset in range(3):
        encoded = base64.b64encode(raw[offset:]).decode().rstrip("=")
        forms |= {encoded, encoded.replace("+", "-").replace("/", "_")}
    return {form for form in forms if len(form) >= WINDOW}


def _random_looking(token: str) -> bool:
    """At least WINDOW long and mixing two of lower case, upper case and digits."""
    if len(token) < WINDOW:
        return False
    classes = (
        any(c.islower() for c in token),
        any(c.isupper() for c in token),
        any(c.isdigit() for c in token),
    )
    return sum(classes) >= 2


def _windows(form: str) -> set[str]:
    return {form[i : i + WINDOW] for i in range(len(form) - WINDOW + 1)}


def _extend(low: str, start: int, end: int) -> tuple[int, int]:
    """Grow [start, end) over the token characters around it."""
    while start > 0 and low[start - 1] in _TOKEN_CHAR:
        start -= 1
    while end < len(low) and low[end] in _TOKEN_CHAR:
        end += 1
    return start, end


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _replacement(match: re.Match[str]) -> str:
    groups = match.groupdict()
    if groups.get("name"):
        return f"{groups['name']}{groups['sep']}{REDACTED}"
    return REDACTED
