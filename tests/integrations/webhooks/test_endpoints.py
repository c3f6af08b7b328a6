"""The three endpoints, every row of the bad-input table, and what is stored for good input."""

from __future__ import annotations

import json
import logging
import time
from datetime import UTC, datetime, timedelta

import pytest

from approvals.models import AuditEvent
from integrations.models import Integration
from integrations.webhooks.models import WebhookEvent
from tests.integrations.webhooks.conftest import (
    CHATWOOT_SECRET,
    CHATWOOT_URL,
    GOLD,
    GOLD_TOKEN,
    GOLD_URL,
    MESSAGE,
    ORDER,
    SHOPIFY_SECRET,
    SHOPIFY_URL,
    chatwoot_headers,
    post,
    post_chatwoot,
    post_gold,
    post_shopify,
    shopify_headers,
    to_bytes,
)

pytestmark = pytest.mark.django_db
Status = WebhookEvent.Status
# Real traffic has nanoseconds (…37.234647458Z), stored cut to microseconds.
TRIGGERED = (datetime.now(UTC) - timedelta(minutes=30)).replace(microsecond=234647)


def problem(response) -> tuple[int, str]:
    body = response.json()
    assert set(body) >= {"code", "detail"}
    return response.status_code, body["code"]


def rejections() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(verb="webhook.rejected").order_by("seq"))


# -- good input -------------------------------------------------------------------------


def test_shopify__signed_delivery__stored_with_its_headers_and_enqueued(client, jobs):
    body = to_bytes(ORDER)
    headers = shopify_headers(
        body,
        **{
            "X-Shopify-Event-Id": "evt-1",
            "X-Shopify-Webhook-Id": "wh-1",
            "X-Shopify-Triggered-At": f"{TRIGGERED:%Y-%m-%dT%H:%M:%S.%f}458Z",
        },
    )
    response = post(client, SHOPIFY_URL, body, headers)
    assert response.status_code == 202
    assert response.json()["status"] == "accepted"
    event = WebhookEvent.objects.get()
    assert (event.source, event.event_id, event.delivery_id) == ("shopify", "evt-1", "wh-1")
    assert (event.topic, event.shop_domain, event.api_version) == (
        "orders/create",
        "hot-rod-an.myshopify.com",
        "2025-10",
    )
    assert event.triggered_at == TRIGGERED
    assert event.body == ORDER and event.signed and event.status == Status.RECEIVED
    assert jobs == [(event.pk,)]


def test_shopify__no_event_id__dedupes_on_webhook_id(client, jobs):
    body = to_bytes(ORDER)
    headers = shopify_headers(body, **{"X-Shopify-Event-Id": None, "X-Shopify-Webhook-Id": "wh-9"})
    assert post(client, SHOPIFY_URL, body, headers).status_code == 202
    assert post(client, SHOPIFY_URL, body, headers).status_code == 200
    assert WebhookEvent.objects.get().event_id == "wh-9"


def test_shopify__without_trailing_slash__same_endpoint(client, jobs):
    body = to_bytes(ORDER)
    assert post(client, SHOPIFY_URL.rstrip("/"), body, shopify_headers(body)).status_code == 202


def test_chatwoot__signed_delivery__stored_by_delivery_id(client, jobs):
    body = to_bytes(MESSAGE)
    response = post(
        client, CHATWOOT_URL, body, chatwoot_headers(body, **{"X-Chatwoot-Delivery": "d-1"})
    )
    assert response.status_code == 202
    event = WebhookEvent.objects.get()
    assert (event.source, event.event_id, event.topic, event.signed) == (
        "chatwoot",
        "d-1",
        "message_created",
        True,
    )


def test_gold_reply__valid__stored_and_enqueued(client, jobs):
    response = post_gold(client, **{"Idempotency-Key": "reply-77"})
    assert response.status_code == 202
    event = WebhookEvent.objects.get()
    assert (event.source, event.topic, event.event_id, event.body) == (
        "gold_replies",
        "gold_reply",
        "reply-77",
        GOLD,
    )
    assert jobs == [(event.pk,)]


def test_gold_reply__no_idempotency_key__same_body_dedupes(client, jobs):
    assert post_gold(client).status_code == 202
    assert post_gold(client).status_code == 200
    assert WebhookEvent.objects.get().event_id.startswith("sha256:")


# -- duplicates, unknown topics ---------------------------------------------------------


def test_duplicate__200_and_no_second_row_or_job(client, jobs):
    body = to_bytes(ORDER)
    first = shopify_headers(body, **{"X-Shopify-Event-Id": "evt-dup"})
    again = shopify_headers(body, **{"X-Shopify-Event-Id": "evt-dup"})  # a new Webhook-Id
    assert post(client, SHOPIFY_URL, body, first).status_code == 202
    response = post(client, SHOPIFY_URL, body, again)
    assert response.status_code == 200 and response.json() == {"status": "duplicate"}
    assert WebhookEvent.objects.count() == 1 and len(jobs) == 1


def test_unknown_topic__202_stored_as_ignored_without_a_job(client, jobs):
    response = post_shopify(client, topic="carts/create")
    assert response.status_code == 202 and response.json()["status"] == "ignored"
    event = WebhookEvent.objects.get()
    assert event.status == Status.IGNORED and event.processed_at is not None
    assert jobs == []


def test_topic_a_tile_declares__handled(client, jobs):
    """orders/cancelled is not in our table, but the tiles list it in their events."""
    assert post_shopify(client, topic="orders/cancelled").json()["status"] == "accepted"


# -- bad input --------------------------------------------------------------------------


@pytest.mark.parametrize("url", [SHOPIFY_URL, CHATWOOT_URL, GOLD_URL])
@pytest.mark.parametrize("method", ["get", "put", "delete", "patch"])
def test_wrong_method__405(client, url, method):
    response = getattr(client, method)(url)
    assert problem(response) == (405, "method_not_allowed")
    assert response["Allow"] == "POST"


def test_shopify__missing_signature__401_audited_without_body(client, jobs):
    body = to_bytes(ORDER)
    response = post(
        client, SHOPIFY_URL, body, shopify_headers(body, **{"X-Shopify-Hmac-Sha256": None})
    )
    assert problem(response) == (401, "missing_signature")
    assert not WebhookEvent.objects.exists()
    [audit] = rejections()
    assert (audit.actor_type, audit.actor_name, audit.outcome) == ("webhook", "shopify", "denied")
    assert audit.changes == {
        "source": "shopify",
        "code": "missing_signature",
        "body_bytes": len(body),
        "address": "127.0.0.1",
        "window": {"start": audit.changes["window"]["start"], "seconds": 300},
    }
    assert "820982911946154508" not in json.dumps(audit.changes) + audit.reason


def test_shopify__wrong_secret__401_audited(client):
    response = post_shopify(client, secret="not-our-secret")
    assert problem(response) == (401, "bad_signature")
    assert [a.changes["code"] for a in rejections()] == ["bad_signature"]
    assert not WebhookEvent.objects.exists()


def test_shopify__missing_required_header__400_after_the_signature(client):
    body = to_bytes(ORDER)
    headers = shopify_headers(
        body, **{"X-Shopify-Shop-Domain": None, "X-Shopify-API-Version": None}
    )
    response = post(client, SHOPIFY_URL, body, headers)
    assert problem(response) == (400, "missing_header")
    assert response.json()["missing"] == ["X-Shopify-Shop-Domain", "X-Shopify-API-Version"]


def test_shopify__malformed_json__400(client):
    assert problem(post_shopify(client, payload=b'{"id": 1,')) == (400, "invalid_json")
    assert problem(post_shopify(client, payload=b"[1, 2]")) == (400, "invalid_json")
    assert problem(post_shopify(client, payload=b"\xff\xfe")) == (400, "invalid_json")
    assert not WebhookEvent.objects.exists()


def test_over_the_cap__413_by_declared_length(client, settings):
    settings.WEBHOOK_MAX_BODY_BYTES = 100
    big = to_bytes({"pad": "x" * 200})
    assert problem(post_shopify(client, payload=big)) == (413, "too_large")
    assert problem(post_gold(client, payload=big)) == (413, "too_large")


def test_over_the_cap__413_without_a_declared_length__reads_at_most_cap_plus_one(rf, settings):
    from integrations.webhooks.views import shopify_webhook

    settings.WEBHOOK_MAX_BODY_BYTES = 100
    request = rf.post(SHOPIFY_URL, data=b"x" * 10_000, content_type="application/json")
    request.META["CONTENT_LENGTH"] = ""  # e.g. chunked: only the stream knows
    reads: list[int] = []
    original = request.read
    request.read = lambda size=-1: reads.append(size) or original(size)
    response = shopify_webhook(request)
    assert (response.status_code, json.loads(response.content)["code"]) == (413, "too_large")
    assert reads == [101]


def test_chatwoot__stale_timestamp__401_audited(client):
    response = post_chatwoot(client, timestamp=int(time.time()) - 600)
    assert problem(response) == (401, "stale_timestamp")
    assert [a.changes["code"] for a in rejections()] == ["stale_timestamp"]


def test_chatwoot__wrong_signature__401(client):
    assert problem(post_chatwoot(client, secret="nope")) == (401, "bad_signature")


def test_chatwoot__unsigned_by_default__401(client):
    body = to_bytes(MESSAGE)
    response = post(client, CHATWOOT_URL, body, {"X-Chatwoot-Delivery": "d-2"})
    assert problem(response) == (401, "missing_signature")


def test_chatwoot__malformed_json__400(client):
    assert problem(post_chatwoot(client, payload=b"{not json")) == (400, "invalid_json")


def test_chatwoot__no_event_name__400(client):
    assert problem(post_chatwoot(client, payload={"id": 1})) == (400, "invalid_payload")


def test_chatwoot__unknown_event__202_ignored(client, jobs):
    response = post_chatwoot(client, payload={"event": "conversation_typing_on", "id": 1})
    assert response.status_code == 202 and response.json()["status"] == "ignored"
    assert WebhookEvent.objects.get().status == Status.IGNORED


def test_gold_reply__no_or_wrong_token__401_audited(client):
    assert problem(post_gold(client, token="")) == (401, "missing_token")
    assert problem(post_gold(client, token="wrong")) == (401, "bad_token")
    assert [a.changes["code"] for a in rejections()] == ["missing_token", "bad_token"]


@pytest.mark.parametrize(
    "payload",
    [
        {k: v for k, v in GOLD.items() if k != "reply"},
        GOLD | {"conversation_id": "42"},
        GOLD | {"reply": ""},
        GOLD | {"extra": 1},
    ],
)
def test_gold_reply__not_fitting_the_schema__400_with_field_errors(client, payload):
    response = post_gold(client, payload=payload)
    assert problem(response) == (400, "invalid")
    assert response.json()["errors"]


def test_gold_reply__malformed_idempotency_key__400(client):
    response = post_gold(client, **{"Idempotency-Key": "has spaces in it"})
    assert problem(response) == (400, "invalid_header")


def test_overlong_event_id__400_never_truncated(client):
    response = post_shopify(client, **{"X-Shopify-Event-Id": "e" * 201})
    assert problem(response) == (400, "invalid_header")


def test_storage_failure__503_not_500(client, monkeypatch):
    def broken(delivery):
        raise RuntimeError("database is gone")

    monkeypatch.setattr("integrations.webhooks.receivers.webhook_event_store", broken)
    assert problem(post_shopify(client)) == (503, "unavailable")


def test_enqueue_failure__still_202_and_left_for_the_sweeper(client, monkeypatch):
    def broker_down(*args, **kwargs):
        raise ConnectionError("redis is down")

    monkeypatch.setattr("django_q.tasks.async_task", broker_down)
    assert post_shopify(client).status_code == 202
    assert WebhookEvent.objects.get().status == Status.RECEIVED


# -- unsigned Chatwoot, allowed by an operator ------------------------------------------


def allow_unsigned(allowed=True):
    Integration.objects.create(
        slug="chatwoot",
        name="Chatwoot",
        kind="chatwoot",
        base_url="https://app.chatwoot.com",
        config={"account_id": 1, "allow_unsigned_webhooks": allowed},
    )


def test_chatwoot__unsigned_and_allowed__stored_as_unsigned(client, jobs):
    allow_unsigned()
    body = to_bytes(MESSAGE)
    assert post(client, CHATWOOT_URL, body, {}).status_code == 202
    event = WebhookEvent.objects.get()
    assert event.signed is False and event.event_id.startswith("sha256:")


@pytest.mark.parametrize("flag", [False, "true", 1])
def test_chatwoot__unsigned_flag_not_exactly_true__401(client, flag):
    allow_unsigned(flag)
    assert problem(post(client, CHATWOOT_URL, to_bytes(MESSAGE), {}))[0] == 401


def test_chatwoot__bad_signature_with_unsigned_allowed__still_401(client):
    allow_unsigned()
    assert problem(post_chatwoot(client, secret="forged")) == (401, "bad_signature")


def test_chatwoot__secret_unset_but_unsigned_allowed__accepted_as_unsigned(
    client, jobs, monkeypatch
):
    monkeypatch.delenv("CHATWOOT_WEBHOOK_SECRET")
    allow_unsigned()
    assert post_chatwoot(client).status_code == 202
    assert WebhookEvent.objects.get().signed is False


# -- secrets ----------------------------------------------------------------------------


def test_no_secret__in_any_answer_stored_row_audit_or_log(client, jobs, caplog):
    caplog.set_level(logging.DEBUG)
    answers = [
        post_shopify(client).content,
        post_shopify(client, secret="wrong").content,
        post_chatwoot(client, secret="wrong").content,
        post_gold(client, token="wrong").content,
        post_gold(client).content,
    ]
    stored = json.dumps(list(WebhookEvent.objects.values()), default=str)
    audited = json.dumps(list(AuditEvent.objects.values("changes", "reason")), default=str)
    for secret in (SHOPIFY_SECRET, CHATWOOT_SECRET, GOLD_TOKEN):
        for text in [*(a.decode() for a in answers), stored, audited, caplog.text]:
            assert secret not in text
