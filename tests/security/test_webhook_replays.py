"""Replayed webhooks (issue 14, item 10): a captured delivery sent again with fresh ids.

Shopify signs only the body, so the replay window is on X-Shopify-Triggered-At (8 h,
twice Shopify's own 4-hour retry span). Chatwoot signs "{timestamp}.{body}": a replay
is keyed on that, so a new X-Chatwoot-Delivery does not make it new.
"""

from __future__ import annotations

import time
import uuid

import pytest

from approvals.models import AuditEvent
from integrations.webhooks.models import WebhookEvent
from tests.integrations.webhooks.conftest import (  # noqa: F401 - fixtures
    CHATWOOT_URL,
    MESSAGE,
    SHOPIFY_URL,
    chatwoot_headers,
    jobs,
    post,
    post_shopify,
    shopify_headers,
    to_bytes,
    triggered_at,
    webhook_secrets,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("jobs")]
HOUR = 3600


def fresh_ids() -> dict:
    return {"X-Shopify-Event-Id": str(uuid.uuid4()), "X-Shopify-Webhook-Id": str(uuid.uuid4())}


def codes_audited() -> list[str]:
    return [a.changes["code"] for a in AuditEvent.objects.filter(verb="webhook.rejected")]


def test_shopify__triggered_years_ago_with_a_fresh_webhook_id__refused_as_stale(client):
    response = post_shopify(
        client, **fresh_ids(), **{"X-Shopify-Triggered-At": "2021-03-04T05:06:07.000000Z"}
    )
    assert (response.status_code, response.json()["code"]) == (401, "stale_trigger")
    assert not WebhookEvent.objects.exists()
    assert codes_audited() == ["stale_trigger"]


def test_shopify__triggered_just_beyond_the_window__refused(client):
    response = post_shopify(client, **{"X-Shopify-Triggered-At": triggered_at(8 * HOUR + 60)})
    assert (response.status_code, response.json()["code"]) == (401, "stale_trigger")


def test_shopify__triggered_far_in_the_future__refused(client):
    response = post_shopify(client, **{"X-Shopify-Triggered-At": "2999-01-01T00:00:00Z"})
    assert (response.status_code, response.json()["code"]) == (401, "future_trigger")
    assert not WebhookEvent.objects.exists()


@pytest.mark.parametrize("value", ["yesterday", "0001-01-01T00:00:00+14:00", "9" * 40])
def test_shopify__unparsable_trigger_time__400_not_accepted_as_unknown(client, value):
    response = post_shopify(client, **{"X-Shopify-Triggered-At": value})
    assert (response.status_code, response.json()["code"]) == (400, "invalid_header")
    assert not WebhookEvent.objects.exists()


def test_shopify__last_retry_after_four_hours__still_accepted(client):
    # Shopify's 8th retry keeps the original trigger time (vendor-contracts.md §2).
    response = post_shopify(client, **{"X-Shopify-Triggered-At": triggered_at(4 * HOUR + 600)})
    assert response.status_code == 202


def test_chatwoot__replayed_with_new_delivery_ids__stored_once(client):
    body = to_bytes(MESSAGE)
    signed = chatwoot_headers(body, timestamp=int(time.time()) - 60)
    answers = [
        post(client, CHATWOOT_URL, body, signed | {"X-Chatwoot-Delivery": str(uuid.uuid4())})
        for _ in range(4)
    ]
    assert [a.status_code for a in answers] == [202, 200, 200, 200]
    assert [a.json()["status"] for a in answers[1:]] == ["duplicate"] * 3
    assert WebhookEvent.objects.count() == 1


def test_chatwoot__replayed_without_a_delivery_id__stored_once(client):
    body = to_bytes(MESSAGE)
    signed = chatwoot_headers(body)
    assert post(client, CHATWOOT_URL, body, signed).status_code == 202
    replay = {k: v for k, v in signed.items() if k != "X-Chatwoot-Delivery"}
    assert post(client, CHATWOOT_URL, body, replay).status_code == 200
    assert WebhookEvent.objects.count() == 1


def test_chatwoot__same_body_signed_again_later__a_new_event(client):
    # Two real events can carry equal bodies; Chatwoot signs each with its own timestamp.
    body = to_bytes(MESSAGE)
    first = chatwoot_headers(body, timestamp=int(time.time()) - 30)
    second = chatwoot_headers(body, timestamp=int(time.time()))
    assert post(client, CHATWOOT_URL, body, first).status_code == 202
    assert post(client, CHATWOOT_URL, body, second).status_code == 202
    assert WebhookEvent.objects.count() == 2


def test_same_body_from_two_sources__both_stored(client):
    body = to_bytes(MESSAGE)
    assert post(client, CHATWOOT_URL, body, chatwoot_headers(body)).status_code == 202
    assert post(client, SHOPIFY_URL, body, shopify_headers(body)).status_code == 202
