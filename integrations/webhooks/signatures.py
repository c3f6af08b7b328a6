"""Verifying who sent a webhook: HMAC signatures and bearer tokens, in constant time.

Secrets are environment variable NAMES resolved at call time, never stored,
logged or returned. Each secret has a `_PREVIOUS` twin that is also accepted,
so a secret can be rotated without dropping deliveries (docs/webhooks.md).

- Shopify: `X-Shopify-Hmac-Sha256` = base64(HMAC-SHA256(app secret, raw body))
  (shopify.dev/docs/apps/build/webhooks/subscribe/https#step-5-verify-the-webhook;
  vendor-contracts.md §2).
- Chatwoot: `X-Chatwoot-Signature` = `sha256=` + hex(HMAC-SHA256(secret,
  "{X-Chatwoot-Timestamp}.{raw body}")), timestamp within 5 minutes
  (chatwoot/chatwoot PR #13573; developers.chatwoot.com/api-reference/webhooks;
  vendor-contracts.md §3).
- Gold replies: `Authorization: Bearer <GOLD_REPLY_WEBHOOK_TOKEN>`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re

SHOPIFY_SECRET = "SHOPIFY_WEBHOOK_SECRET"
CHATWOOT_SECRET = "CHATWOOT_WEBHOOK_SECRET"
GOLD_REPLY_TOKEN = "GOLD_REPLY_WEBHOOK_TOKEN"
CHATWOOT_TOLERANCE_S = 300  # "reject anything older than about 5 minutes" (Chatwoot docs)
# Unix seconds in ASCII digits only: str.isdigit() also accepts "²³" and other Unicode
# digits, which int() then refuses; 12 digits reach the year 33658.
_UNIX_SECONDS = re.compile(r"[0-9]{1,12}")


class Rejected(Exception):
    """The sender is not authenticated. `code` is stable and safe to return; no secret in it."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail


def secrets_of(variable: str) -> list[bytes]:
    """The current and previous values of a secret variable (those that are set), as bytes."""
    names = (variable, f"{variable}_PREVIOUS")
    values = [os.environ.get(name, "").strip() for name in names]
    return [value.encode("utf-8") for value in values if value]


def any_match(expected: list[bytes], given: bytes) -> bool:
    """True if `given` equals any of `expected`. Every candidate is compared with
    hmac.compare_digest (constant time), and all are compared, so timing does not
    tell which secret matched."""
    matched = False
    for candidate in expected:
        matched |= hmac.compare_digest(candidate, given)
    return matched


def shopify_verify(body: bytes, header: str | None) -> None:
    """Return if `header` is the base64 HMAC of `body` under a Shopify secret; else Rejected."""
    if not header:
        raise Rejected("missing_signature", "X-Shopify-Hmac-Sha256 is missing.")
    secrets = secrets_of(SHOPIFY_SECRET)
    if not secrets:
        raise Rejected("not_configured", f"{SHOPIFY_SECRET} is not set; deliveries are refused.")
    expected = [base64.b64encode(_mac(secret, body).digest()) for secret in secrets]
    if not any_match(expected, header.strip().encode("ascii", "replace")):
        raise Rejected("bad_signature", "X-Shopify-Hmac-Sha256 does not match the body.")


def chatwoot_verify(body: bytes, signature: str, timestamp: str | None, *, now: float) -> None:
    """Return if `signature` signs "{timestamp}.{body}" with a Chatwoot secret and the
    timestamp is within CHATWOOT_TOLERANCE_S of `now`; else Rejected (`stale_timestamp`,
    `bad_signature`, `not_configured`)."""
    secrets = secrets_of(CHATWOOT_SECRET)
    if not secrets:
        raise Rejected(
            "not_configured", f"{CHATWOOT_SECRET} is not set; signed deliveries are refused."
        )
    stamp = (timestamp or "").strip()
    if not _UNIX_SECONDS.fullmatch(stamp):
        raise Rejected("bad_timestamp", "X-Chatwoot-Timestamp is missing or not unix seconds.")
    if abs(now - int(stamp)) > CHATWOOT_TOLERANCE_S:
        raise Rejected("stale_timestamp", "X-Chatwoot-Timestamp is more than 5 minutes away.")
    message = stamp.encode("ascii") + b"." + body
    expected = [
        b"sha256=" + _mac(secret, message).hexdigest().encode("ascii") for secret in secrets
    ]
    if not any_match(expected, signature.strip().encode("ascii", "replace")):
        raise Rejected("bad_signature", "X-Chatwoot-Signature does not match the body.")


def bearer_verify(header: str | None, variable: str = GOLD_REPLY_TOKEN) -> None:
    """Return if `header` is `Bearer <token>` for the current or previous token; else Rejected."""
    scheme, _, token = (header or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Rejected("missing_token", "Authorization: Bearer <token> is missing.")
    tokens = secrets_of(variable)
    if not tokens:
        raise Rejected("not_configured", f"{variable} is not set; deliveries are refused.")
    if not any_match(tokens, token.strip().encode("utf-8")):
        raise Rejected("bad_token", "The bearer token is not valid.")


def _mac(secret: bytes, message: bytes):
    return hmac.new(secret, message, hashlib.sha256)
