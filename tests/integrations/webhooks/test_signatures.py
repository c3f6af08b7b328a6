"""Signature and token checks: the vendors' schemes, rotation, constant-time comparison."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from unittest import mock

import pytest

from integrations.webhooks import signatures
from integrations.webhooks.signatures import (
    Rejected,
    bearer_verify,
    chatwoot_verify,
    shopify_verify,
)
from tests.integrations.webhooks.conftest import (
    CHATWOOT_OLD,
    CHATWOOT_SECRET,
    GOLD_OLD,
    GOLD_TOKEN,
    SHOPIFY_OLD,
    SHOPIFY_SECRET,
)

BODY = b'{"id": 1, "note": "caf\\u00e9"}'


def shopify_mac(secret: str, body: bytes = BODY) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def chatwoot_mac(secret: str, stamp: int, body: bytes = BODY) -> str:
    message = f"{stamp}.".encode() + body
    return "sha256=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def rejection(call) -> str:
    with pytest.raises(Rejected) as caught:
        call()
    return caught.value.code


def test_shopify__the_vendor_scheme__verifies():
    shopify_verify(BODY, shopify_mac(SHOPIFY_SECRET))


@pytest.mark.parametrize(
    ("header", "code"),
    [(None, "missing_signature"), ("", "missing_signature"), ("bm90IGl0", "bad_signature")],
)
def test_shopify__missing_or_wrong__rejected(header, code):
    assert rejection(lambda: shopify_verify(BODY, header)) == code


def test_shopify__one_byte_changed__rejected():
    assert rejection(lambda: shopify_verify(BODY + b" ", shopify_mac(SHOPIFY_SECRET))) == (
        "bad_signature"
    )


def test_shopify__no_secret_configured__refuses_everything(monkeypatch):
    monkeypatch.delenv("SHOPIFY_WEBHOOK_SECRET")
    assert rejection(lambda: shopify_verify(BODY, shopify_mac(""))) == "not_configured"


def test_shopify_rotation__both_secrets_accepted_during_rotation(monkeypatch):
    """Given the new secret as current and the old one as _PREVIOUS, both sign validly."""
    monkeypatch.setenv("SHOPIFY_WEBHOOK_SECRET_PREVIOUS", SHOPIFY_OLD)
    shopify_verify(BODY, shopify_mac(SHOPIFY_SECRET))
    shopify_verify(BODY, shopify_mac(SHOPIFY_OLD))
    assert rejection(lambda: shopify_verify(BODY, shopify_mac("a third one"))) == "bad_signature"


def test_shopify_rotation__after_previous_removed__old_secret_rejected():
    assert rejection(lambda: shopify_verify(BODY, shopify_mac(SHOPIFY_OLD))) == "bad_signature"


def test_chatwoot__the_vendor_scheme__verifies():
    now = int(time.time())
    chatwoot_verify(BODY, chatwoot_mac(CHATWOOT_SECRET, now), str(now), now=now)


@pytest.mark.parametrize("skew", [-301, 301, 3600])
def test_chatwoot__timestamp_over_5_minutes_away__stale(skew):
    now = int(time.time())
    stamp = now + skew
    signature = chatwoot_mac(CHATWOOT_SECRET, stamp)
    assert rejection(lambda: chatwoot_verify(BODY, signature, str(stamp), now=now)) == (
        "stale_timestamp"
    )


def test_chatwoot__within_5_minutes__accepted():
    now = int(time.time())
    stamp = now - 299
    chatwoot_verify(BODY, chatwoot_mac(CHATWOOT_SECRET, stamp), str(stamp), now=now)


def test_chatwoot__timestamp_swapped_after_signing__rejected():
    now = int(time.time())
    signature = chatwoot_mac(CHATWOOT_SECRET, now - 10)
    assert rejection(lambda: chatwoot_verify(BODY, signature, str(now), now=now)) == (
        "bad_signature"
    )


@pytest.mark.parametrize("stamp", [None, "", "yesterday", "-5"])
def test_chatwoot__unusable_timestamp__rejected(stamp):
    assert rejection(lambda: chatwoot_verify(BODY, "sha256=00", stamp, now=time.time())) == (
        "bad_timestamp"
    )


def test_chatwoot_rotation__both_secrets_accepted(monkeypatch):
    monkeypatch.setenv("CHATWOOT_WEBHOOK_SECRET_PREVIOUS", CHATWOOT_OLD)
    now = int(time.time())
    for secret in (CHATWOOT_SECRET, CHATWOOT_OLD):
        chatwoot_verify(BODY, chatwoot_mac(secret, now), str(now), now=now)


@pytest.mark.parametrize(
    ("header", "code"),
    [
        (None, "missing_token"),
        ("Bearer ", "missing_token"),
        (f"Token {GOLD_TOKEN}", "missing_token"),
        ("Bearer nope", "bad_token"),
    ],
)
def test_bearer__missing_or_wrong__rejected(header, code):
    assert rejection(lambda: bearer_verify(header)) == code


def test_bearer_rotation__both_tokens_accepted(monkeypatch):
    monkeypatch.setenv("GOLD_REPLY_WEBHOOK_TOKEN_PREVIOUS", GOLD_OLD)
    bearer_verify(f"Bearer {GOLD_TOKEN}")
    bearer_verify(f"bearer {GOLD_OLD}")


@pytest.mark.parametrize(
    "check",
    [
        lambda: shopify_verify(BODY, "AAAA"),
        lambda: chatwoot_verify(BODY, "sha256=00", str(int(time.time())), now=time.time()),
        lambda: bearer_verify("Bearer wrong"),
    ],
)
def test_every_scheme__compares_with_hmac_compare_digest_against_every_secret(monkeypatch, check):
    """Constant time: compare_digest, once per configured secret (no early exit on a match)."""
    for name in ("SHOPIFY_WEBHOOK_SECRET", "CHATWOOT_WEBHOOK_SECRET", "GOLD_REPLY_WEBHOOK_TOKEN"):
        monkeypatch.setenv(f"{name}_PREVIOUS", "another-secret")
    with mock.patch.object(signatures.hmac, "compare_digest", wraps=hmac.compare_digest) as spy:
        with pytest.raises(Rejected):
            check()
    assert spy.call_count == 2


def test_rejection_messages__never_contain_a_secret(monkeypatch):
    monkeypatch.setenv("SHOPIFY_WEBHOOK_SECRET_PREVIOUS", SHOPIFY_OLD)
    with pytest.raises(Rejected) as caught:
        shopify_verify(BODY, shopify_mac("wrong"))
    text = f"{caught.value.code} {caught.value.detail}"
    assert SHOPIFY_SECRET not in text and SHOPIFY_OLD not in text
