"""JSON that is valid but cannot be stored: refused with a precise code before the insert.

    json_decode(body) -> the decoded object, or Refusal 400 with one of these codes:

| code | what | why it cannot be stored |
|---|---|---|
| `invalid_json` | not JSON, not UTF-8, or not an object | nothing to store |
| `json_non_finite` | `NaN`, `Infinity`, `-Infinity`, or a number beyond a double (`1e999`) | JSON has no such value; PostgreSQL jsonb refuses it and json.dumps writes invalid JSON |
| `json_too_deep` | nesting deeper than MAX_DEPTH | the decoder, the encoder and the admin recurse; 2,000 levels overflow the stack |
| `json_nul` | a string or key holding U+0000 (`\\u0000`) | PostgreSQL jsonb and text refuse it (SQLite stores it) |
| `json_surrogate` | a lone UTF-16 surrogate (`\\ud800`) | not a character: jsonb refuses it, UTF-8 cannot encode it |

Without these checks each case reached the database or the encoder and
answered 503, which Shopify retries for 4 hours (issue 14, item 5).

The happy path stays cheap: one decoder, built once, refuses NaN, Infinity and
overflowing numbers as it parses (its hook runs per float literal; Shopify sends
prices as strings); nesting is measured on the raw bytes, only when the body has more
brackets than MAX_DEPTH (`_nests_too_deep`); the walk over every string runs
only when the raw bytes hold an escape that could be a NUL or a surrogate.
"""

from __future__ import annotations

import json
import math
import re

from integrations.webhooks.intake import Refusal

# Deepest nesting accepted. Shopify's deepest payloads (orders: line items → tax lines →
# price sets → money) nest about 6 levels; Chatwoot's about 5.
MAX_DEPTH = 64
# Escapes that may decode to U+0000 or to a surrogate (always through `\u`: JSON forbids
# raw control characters in strings, and raw surrogates are not UTF-8).
_SUSPECT_ESCAPE = re.compile(rb"\\u(?:0000|[dD][89a-fA-F])")
_SURROGATE = re.compile("[\ud800-\udfff]")


class _Unstorable(ValueError):
    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code, self.detail = code, detail


def _non_finite(text: str):
    raise _Unstorable("json_non_finite", f"The body holds {text}, which JSON cannot store.")


def _finite_float(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        _non_finite(f"the number {text[:40]}")
    return value


_DECODER = json.JSONDecoder(parse_constant=_non_finite, parse_float=_finite_float)
_BRACKETS = bytes.maketrans(b"{}", b"[]")
_NOT_STRUCTURE = bytes(b for b in range(256) if b not in b'"[]{}')


def json_decode(body: bytes) -> dict:
    """The body as a JSON object that PostgreSQL jsonb can store; Refusal 400 otherwise
    (codes in the module docstring)."""
    try:
        payload = _DECODER.decode(body.decode("utf-8"))
    except _Unstorable as unstorable:
        raise Refusal(400, unstorable.code, unstorable.detail) from None
    except RecursionError:
        raise _too_deep() from None
    except ValueError:  # includes UnicodeDecodeError: JSON between systems is UTF-8
        raise Refusal(400, "invalid_json", "The body is not valid JSON.") from None
    if not isinstance(payload, dict):
        raise Refusal(400, "invalid_json", "The body is not a JSON object.")
    if _nests_too_deep(body):
        raise _too_deep()
    if _SUSPECT_ESCAPE.search(body):
        _walk(payload)
    return payload


def _nests_too_deep(body: bytes) -> bool:
    """Whether the (valid JSON) `body` nests deeper than MAX_DEPTH, from its bytes, in
    C-speed passes (about a third of decoding it; none when it has few brackets):

    1. drop escaped backslashes, then escaped quotes (a run of backslashes always
       starts an escape, so once the pairs are gone a backslash before a quote
       escapes it);
    2. keep only quotes and brackets, `{}` written as `[]` (depth ignores the kind);
    3. drop the strings: empty pairs `""` first (removing two adjacent quotes keeps
       every other character's inside/outside), then any string still holding brackets;
    4. each `replace("[]", "")` removes exactly the innermost level.
    """
    if body.count(b"[") + body.count(b"{") <= MAX_DEPTH:
        return False
    if b"\\" in body:
        body = body.replace(b"\\\\", b"").replace(b'\\"', b"")
    brackets = body.translate(_BRACKETS, _NOT_STRUCTURE).replace(b'""', b"")
    if b'"' in brackets:
        brackets = b"".join(brackets.split(b'"')[::2])
    for _ in range(MAX_DEPTH):
        brackets = brackets.replace(b"[]", b"")
        if not brackets:
            return False
    return True


def _walk(payload) -> None:
    """Refusal 400 for a NUL or a lone surrogate anywhere (keys included). Iterative;
    the nesting is already known to be at most MAX_DEPTH."""
    stack = [payload]
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            for key, item in value.items():
                _check_string(key)
                stack.append(item)
        elif isinstance(value, list):
            stack.extend(value)
        elif isinstance(value, str):
            _check_string(value)


def _too_deep() -> Refusal:
    return Refusal(400, "json_too_deep", f"The body nests deeper than {MAX_DEPTH} levels.")


def _check_string(text: str) -> None:
    if text.isascii() and "\x00" not in text:
        return
    if "\x00" in text:
        raise Refusal(400, "json_nul", "The body holds U+0000, which cannot be stored.")
    if _SURROGATE.search(text):
        raise Refusal(400, "json_surrogate", "The body holds a lone UTF-16 surrogate.")
