"""Classification, contracts, size caps, deprecations and scrubbing of the gateway."""

from __future__ import annotations

import logging

import pytest
import requests

from integrations.http import (
    REDACTED,
    CallTimedOut,
    ConnectionFailed,
    ContractBroken,
    ErrorClass,
    GatewayError,
    Scrubber,
    Throttled,
)
from monitoring.models import CheckResult

URL = "https://vendor.example/thing"
SECRET = "s3cret-token-value"


def test_error_classes__are_the_check_result_choices():
    """One list: the gateway's classes are what a CheckResult may store."""
    field = CheckResult._meta.get_field("error_class")
    assert field.choices == ErrorClass.choices
    raised = {cls.error_class for cls in GatewayError.__subclasses__()}
    assert raised == set(ErrorClass.values) - {ErrorClass.NONE}


def test_non_json_body__is_contract_on_json(mocked, make_gateway):
    mocked.get(URL, body="<html>oops</html>", content_type="text/html")
    result = make_gateway().request("GET", URL)
    with pytest.raises(ContractBroken, match="JSON"):
        result.json()


def test_check__raising_key_error__is_contract(mocked, make_gateway):
    mocked.get(URL, json={"unexpected": 1})
    with pytest.raises(ContractBroken, match="KeyError"):
        make_gateway().request("GET", URL, check=lambda r: r.json()["data"])


def test_declared_length_over_cap__is_contract_without_reading(mocked, make_gateway):
    mocked.get(URL, body=b"x" * 2000)
    with pytest.raises(ContractBroken, match="cap"):
        make_gateway(max_bytes=1000).request("GET", URL)


def test_redirect__is_not_followed(mocked, make_gateway):
    mocked.get(URL, status=302, headers={"Location": "https://elsewhere.example/"})
    with pytest.raises(ContractBroken, match="302"):
        make_gateway().request("GET", URL)


def test_expect__accepts_a_chosen_refusal(mocked, make_gateway):
    mocked.post(URL, status=400, body="invalid_payload")
    result = make_gateway().request("POST", URL, data=b"{", expect={400})
    assert result.text == "invalid_payload"


def test_read_timeout__is_timeout(mocked, make_gateway):
    mocked.get(URL, body=requests.ReadTimeout("read timed out"))
    with pytest.raises(CallTimedOut):
        make_gateway(max_attempts=1).request("GET", URL)


def test_deprecation_headers__are_captured(mocked, make_gateway):
    mocked.get(URL, json={}, headers={"Sunset": "Sat, 31 Oct 2026 00:00:00 GMT"})
    gateway = make_gateway()
    gateway.request("GET", URL)
    assert gateway.deprecations == ["Sunset: Sat, 31 Oct 2026 00:00:00 GMT"]


def test_x_ratelimit_headers__give_headroom(mocked, make_gateway):
    headers = {
        "X-RateLimit-Limit": "100",
        "X-RateLimit-Remaining": "25",
        "X-RateLimit-Reset": "1714558492",
    }
    mocked.get(URL, json={}, headers=headers)
    gateway = make_gateway()
    gateway.request("GET", URL)
    assert gateway.headroom == 0.25
    assert gateway.rate_limit["reset_at"] == 1714558492 and gateway.rate_limit["limit"] == 100


def test_gateway_pause__longer_than_the_deadline__refuses(make_gateway, clock):
    with pytest.raises(Throttled) as caught:
        make_gateway(deadline_s=1.0).pause(2.0, "bucket empty")
    assert caught.value.sent is False and clock.sleeps == []


# -- scrubbing -------------------------------------------------------------------


def test_error_detail__never_carries_the_credential(mocked, make_gateway, caplog):
    mocked.get(URL, status=500, body=f"bad token {SECRET} Authorization: Bearer {SECRET}")
    mocked.get(URL, status=500, body=f"still {SECRET}")
    mocked.get(URL, status=500, body=f"and {SECRET}")
    caplog.set_level(logging.DEBUG)
    with pytest.raises(Exception) as caught:
        make_gateway().request("GET", URL, headers={"Authorization": f"Bearer {SECRET}"})
    assert SECRET not in str(caught.value) and SECRET not in caught.value.detail
    assert REDACTED in caught.value.detail
    assert caplog.records and SECRET not in caplog.text


def test_secret_url__is_scrubbed_from_connection_errors(mocked):
    from integrations.http import Gateway, Limits

    hook = "https://hooks.slack.com/services/T0AB/B0CD/abcdefghijkl"
    mocked.post(hook, body=requests.ConnectionError(f"Max retries exceeded with url: {hook[23:]}"))
    gateway = Gateway("slack", limits=Limits(max_attempts=1), secrets=[hook])
    with pytest.raises(ConnectionFailed) as caught:
        gateway.request("POST", hook, json={})
    assert "abcdefghijkl" not in str(caught.value)


@pytest.mark.parametrize(
    "text",
    [
        "Authorization: Bearer abc.def-ghi",
        "header X-Shopify-Access-Token: shpat_1234567890",
        "api_access_token=tok_987654",
        "apikey: sb_secret_abcdef",
        "jwt eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJ4In0.c2lnbmF0dXJl",
        "url /services/T0AB/B0CD/abcdefghijkl",
        "-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----",
        "Authorization: Bearer-API publer-key-123",
    ],
)
def test_scrubber__redacts_credential_looking_text(text):
    scrubbed = Scrubber()(text)
    assert REDACTED in scrubbed
    for word in (
        "abc.def",
        "shpat_",
        "tok_987",
        "sb_secret",
        "c2lnbmF0",
        "abcdefghijkl",
        "MIIB",
        "publer-key",
    ):
        assert word not in scrubbed


def test_scrubber__redacts_known_values_in_encoded_forms():
    scrub = Scrubber(["p@ss word/1"])
    assert scrub("q=p%40ss%20word%2F1 and p%40ss+word%2F1 and p@ss word/1").count(REDACTED) == 3
