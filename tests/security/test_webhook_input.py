"""Valid but unstorable webhook input (issue 14, item 5): answered 400 with a precise code,
audited, nothing stored — never a 503 that Shopify retries for 4 hours, never a traceback.

Each raw body below is signed correctly, so it passes authentication and reaches parsing.
The cases that PostgreSQL refuses (U+0000, lone surrogates) are stored by SQLite: the
test asserts the answer and that nothing is stored, which fails on either database
without the checks.
"""

from __future__ import annotations

import json
import logging
import time

import pytest

from approvals.models import AuditEvent
from integrations.webhooks.models import WebhookEvent
from tests.integrations.webhooks.conftest import (  # noqa: F401 - fixtures
    CHATWOOT_URL,
    MESSAGE,
    chatwoot_headers,
    jobs,
    post,
    post_chatwoot,
    post_gold,
    post_shopify,
    to_bytes,
    webhook_secrets,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("jobs")]


def nested(depth: int) -> bytes:
    return b'{"a": ' + b"[" * depth + b"]" * depth + b"}"


UNSTORABLE = {
    "nul_in_value": (rb'{"id": 1, "note": "a\u0000b"}', "json_nul"),
    "nul_in_key": (rb'{"id": 1, "a\u0000": 2}', "json_nul"),
    "lone_high_surrogate": (rb'{"id": 1, "note": "\ud800"}', "json_surrogate"),
    "lone_low_surrogate_in_key": (rb'{"\uDC00x": 1}', "json_surrogate"),
    "number_beyond_a_double": (b'{"id": 1, "total": 1e999}', "json_non_finite"),
    "negative_number_beyond_a_double": (b'{"total": -1e999}', "json_non_finite"),
    "nan": (b'{"id": 1, "total": NaN}', "json_non_finite"),
    "infinity": (b'{"total": Infinity}', "json_non_finite"),
    "minus_infinity": (b'{"total": [-Infinity]}', "json_non_finite"),
    "nested_2000_levels": (nested(2000), "json_too_deep"),
    "nested_65_levels": (nested(64), "json_too_deep"),
}


def codes_audited() -> list[str]:
    return [a.changes["code"] for a in AuditEvent.objects.filter(verb="webhook.rejected")]


def assert_refused(response, code: str, caplog) -> None:
    assert response.status_code == 400, response.content
    assert response.json()["code"] == code
    assert not WebhookEvent.objects.exists()
    assert code in codes_audited()
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


@pytest.mark.parametrize("body, code", UNSTORABLE.values(), ids=UNSTORABLE.keys())
def test_shopify__signed_unstorable_json__400_with_its_code(client, caplog, body, code):
    assert_refused(post_shopify(client, payload=body), code, caplog)


@pytest.mark.parametrize("body, code", UNSTORABLE.values(), ids=UNSTORABLE.keys())
def test_chatwoot__signed_unstorable_json__400_with_its_code(client, caplog, body, code):
    body = body.replace(b"{", b'{"event": "message_created", ', 1)
    assert_refused(post_chatwoot(client, payload=body), code, caplog)


def test_gold_reply__nul_in_the_reply__400(client, caplog):
    body = rb'{"conversation_id": 1, "reply": "x\u0000", "author": "a", "source": "s"}'
    assert_refused(post_gold(client, payload=body), "json_nul", caplog)


def test_nesting_at_the_limit__accepted(client):
    assert post_shopify(client, payload=nested(63)).status_code == 202


@pytest.mark.parametrize(
    "body",
    [
        b'{"a": "' + b"[" * 100 + b'", "b": "x\\\\", "c": "\\"[[[["}',
        b'{"a": ["\\\\", ' + b'{"b": [' * 31 + b"]}" * 31 + b'], "pad": [' + b"[], " * 20 + b"[]]}",
        json.dumps(
            {"items": [{"id": n, "tags": [[n]], "x": {"y": [n]}} for n in range(300)]}
        ).encode(),
    ],
    ids=["brackets_inside_strings", "escaped_backslash_then_64_levels", "wide_but_shallow"],
)
def test_brackets_in_strings_or_wide_bodies__depth_measured_right(client, body):
    assert post_shopify(client, payload=body).status_code == 202


def test_deep_after_escaped_backslashes__refused(client):
    body = b'{"a": ["\\\\\\"", ' + b'{"b": [' * 40 + b"]}" * 40 + b"]}"
    assert post_shopify(client, payload=body).json()["code"] == "json_too_deep"


def test_escaped_text_that_only_looks_like_a_nul__accepted(client):
    # `\\u0000` is a backslash then "u0000": six printable characters, no NUL.
    response = post_shopify(client, payload=rb'{"note": "\\u0000 and \\ud800"}')
    assert response.status_code == 202
    assert WebhookEvent.objects.get().body == {"note": "\\u0000 and \\ud800"}


def test_surrogate_pair__accepted_as_one_character(client):
    response = post_shopify(client, payload=rb'{"note": "\ud83d\ude97"}')
    assert response.status_code == 202
    assert WebhookEvent.objects.get().body == {"note": "\U0001f697"}


@pytest.mark.parametrize(
    "stamp",
    ["²³", "١٧٦٥١٣٦٤٠٠", "9" * 5000],
    ids=["superscript_digits", "arabic_indic_digits", "5000_digits"],
)
def test_chatwoot__timestamp_not_ascii_unix_seconds__401_bad_timestamp(client, caplog, stamp):
    body = to_bytes(MESSAGE)
    headers = chatwoot_headers(body) | {"X-Chatwoot-Timestamp": stamp}
    response = post(client, CHATWOOT_URL, body, headers)
    assert (response.status_code, response.json()["code"]) == (401, "bad_timestamp")
    assert codes_audited() == ["bad_timestamp"]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


@pytest.mark.parametrize(
    "header", ["X-Shopify-Shop-Domain", "X-Shopify-Event-Id", "X-Shopify-API-Version"]
)
def test_shopify__nul_in_a_stored_header__400_invalid_header(client, caplog, header):
    response = post_shopify(client, **{header: "hot\x00rod"})
    assert_refused(response, "invalid_header", caplog)


def test_chatwoot__fresh_timestamp_still_accepted(client):
    assert post_chatwoot(client, timestamp=int(time.time())).status_code == 202
