"""Scrubbing derived forms of a secret (issue 14, item 9).

A vendor echoing a 16-character prefix of a credential, its base64 or its upper-case
form got it stored in check results, the state row and incident events, and served by
the API. Each derived form has its test here, then one end to end: a live Shopify
probe whose 401 body echoes derived forms stores and serves none of them.
"""

from __future__ import annotations

import base64
import binascii
from urllib.parse import quote, quote_plus

import pytest
import responses
from rest_framework.test import APIClient

from integrations.http import REDACTED, Scrubber
from integrations.models import Integration, IntegrationState
from monitoring.models import CheckResult

TOKEN = "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"  # mixed case: every case variant differs
SPACED = "Xk29+dLq/83MZ pR7vT1=bWcY5nE&q"  # a secret with characters URL-encoding changes
TILDES = "Qz8~~~Lm4Pw7Rt2Vb6"  # base64 of "~~~" is "fn5+": the URL-safe alphabet differs


def leaks(text: str, secret: str = TOKEN) -> bool:
    """True when any 8-character run of `secret` survives in `text`, in any case."""
    low = text.lower()
    return any(secret[i : i + 8].lower() in low for i in range(len(secret) - 7))


@pytest.fixture
def scrub() -> Scrubber:
    return Scrubber([TOKEN, SPACED, TILDES])


def test_prefix__16_characters__redacted(scrub):
    out = scrub(f"invalid token {TOKEN[:16]}… for this shop")
    assert out == f"invalid token {REDACTED}… for this shop"


def test_suffix__8_characters__redacted(scrub):
    assert not leaks(scrub(f"token ending {TOKEN[-8:]} was revoked"))


def test_middle__any_run_of_8__redacted(scrub):
    assert not leaks(scrub(f"saw '{TOKEN[7:19]}'"))


def test_run_of_7__kept(scrub):
    """Seven characters are below the window: ordinary text is not blanked out."""
    assert TOKEN[3:10] in scrub(f"saw {TOKEN[3:10]} here")


def test_upper_case__redacted(scrub):
    assert not leaks(scrub(f"TOKEN {TOKEN.upper()} REFUSED"))


def test_lower_case_prefix__redacted(scrub):
    assert not leaks(scrub(f"token {TOKEN[:12].lower()}"))


@pytest.mark.parametrize("prefix", ["", "u:", "ab:", "user:"])
def test_base64__every_alignment__redacted(scrub, prefix):
    """Basic auth echoes base64("user:token"): the token may start at any byte alignment."""
    encoded = base64.b64encode(f"{prefix}{TOKEN}".encode()).decode()
    out = scrub(f"Authorisation header was Basic {encoded}")
    assert encoded[4:-4] not in out and REDACTED in out


def test_base64_urlsafe__redacted(scrub):
    encoded = base64.urlsafe_b64encode(TILDES.encode()).decode()
    assert "-" in encoded or "_" in encoded  # the URL-safe alphabet is really used
    assert encoded[2:-2] not in scrub(f"state={encoded}")


def test_base64_of_a_prefix__redacted(scrub):
    encoded = base64.b64encode(TOKEN[:16].encode()).decode()
    assert encoded[:-4] not in scrub(f"echo {encoded}")


@pytest.mark.parametrize("case", [str.lower, str.upper])
def test_hex__either_case__redacted(scrub, case):
    encoded = case(binascii.hexlify(TOKEN.encode()).decode())
    out = scrub(f"digest input {encoded}")
    assert encoded[:20] not in out and encoded[-20:] not in out


@pytest.mark.parametrize("encode", [lambda s: quote(s, safe=""), quote_plus, quote])
def test_url_encoded__percent_and_plus__redacted(scrub, encode):
    encoded = encode(SPACED)
    assert encoded != SPACED
    out = scrub(f"GET /callback?key={encoded[:20]}&x=1")
    assert encoded[:20] not in out and encoded[6:18] not in out


def test_ordinary_words_of_a_word_like_secret__kept():
    """The sandbox's `sandbox-shopify-token` is words: its parts are not secret runs."""
    scrub = Scrubber(["sandbox-shopify-token"])
    assert scrub("X-Shopify-Access-Token refused") == "X-Shopify-Access-Token refused"
    assert scrub("got SANDBOX-SHOPIFY-TOKEN") == f"got {REDACTED}"


def test_never_raises__odd_input(scrub):
    for text in (None, 42, b"\xff\x00", "\ud800 lone surrogate", "İ" * 50 + TOKEN.upper(), ""):
        assert isinstance(scrub(text), str)
    assert not leaks(scrub("İ" * 50 + TOKEN.upper()))


def test_json_details__strings_scrubbed(scrub):
    data = {"sse": [f"first event {TOKEN[:10]}"], "n": 3}
    assert scrub.data(data) == {"sse": [f"first event {REDACTED}"], "n": 3}


# -- end to end: nothing derived is stored or served ---------------------------------------


@pytest.mark.django_db
def test_probe__vendor_echoes_derived_forms__stored_and_served_without_them(monkeypatch, operator):
    monkeypatch.setenv("SHOP_TOKEN_FOR_TEST", TOKEN)
    shop = Integration.objects.create(
        slug="shop",
        name="Shop",
        kind="shopify",
        base_url="https://hotrod.myshopify.com",
        mode="live",
        credential_env={"token": "SHOP_TOKEN_FOR_TEST"},
        failures_before_down=1,
        config={"max_attempts": 1, "api_version": "2025-07"},
    )
    IntegrationState.objects.create(integration=shop)
    b64 = base64.b64encode(f"x:{TOKEN}".encode()).decode()
    body = (
        '{"errors":"[API] Invalid API key or access token '
        f'{TOKEN[:16]} / {TOKEN.upper()[10:]} / {b64}"}}'
    )
    client = APIClient()
    client.force_authenticate(operator)
    with responses.RequestsMock() as vendor:
        vendor.post(
            "https://hotrod.myshopify.com/admin/api/2025-07/graphql.json", status=401, body=body
        )
        assert client.post("/api/v1/integrations/shop/probe/").status_code == 200
    check = CheckResult.objects.get(integration=shop)
    state = IntegrationState.objects.get(pk=shop.pk)
    served = client.get("/api/v1/integrations/shop/").content.decode()
    assert check.error_class == "auth" and "Invalid API key" in check.message
    for text in (check.message, str(check.details), state.last_message, served):
        assert not leaks(text), text
        assert b64[4:-4] not in text


@pytest.mark.django_db
def test_probe__success_echoes_a_prefix_in_the_shop_name__stored_without_it(monkeypatch):
    """Vendor text on a successful answer goes into the check's message: scrubbed too."""
    from monitoring.engine import probe_now

    monkeypatch.setenv("SHOP_TOKEN_FOR_TEST", TOKEN)
    shop = Integration.objects.create(
        slug="shop",
        name="Shop",
        kind="shopify",
        base_url="https://hotrod.myshopify.com",
        mode="live",
        credential_env={"token": "SHOP_TOKEN_FOR_TEST"},
        config={"max_attempts": 1, "api_version": "2025-07"},
    )
    IntegrationState.objects.create(integration=shop)
    with responses.RequestsMock() as vendor:
        vendor.post(
            "https://hotrod.myshopify.com/admin/api/2025-07/graphql.json",
            json={"data": {"shop": {"name": f"Hot Rod {TOKEN[:14].upper()}"}}},
        )
        probe_now([shop])
    check = CheckResult.objects.get(integration=shop)
    assert check.status == "ok" and "Hot Rod" in check.message
    assert not leaks(check.message) and not leaks(IntegrationState.objects.get().last_message)
