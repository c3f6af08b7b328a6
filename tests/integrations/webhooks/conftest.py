"""Webhook fixtures: secrets in the environment, signed deliveries, a recording tile refresh."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from django.core.cache import cache
from django.test import TestCase
from django_q.conf import Conf

SHOPIFY_SECRET = "shpss_test_current_0123456789"
SHOPIFY_OLD = "shpss_test_previous_9876543210"
CHATWOOT_SECRET = "cw_test_current_secret"
CHATWOOT_OLD = "cw_test_previous_secret"
GOLD_TOKEN = "gold-token-current-abcdef"
GOLD_OLD = "gold-token-previous-uvwxyz"

SHOPIFY_URL = "/webhooks/shopify/"
CHATWOOT_URL = "/webhooks/chatwoot/"
GOLD_URL = "/api/webhooks/gold-replies"
ORDER = {"id": 820982911946154508, "name": "#1001", "total_price": "199.00"}
MESSAGE = {"event": "message_created", "id": 7, "content": "Hi", "conversation": {"id": 42}}
GOLD = {
    "conversation_id": 42,
    "reply": "Your AN-6 fittings ship today.",
    "author": "dana",
    "source": "helpdesk",
}


@pytest.fixture(autouse=True)
def webhook_secrets(monkeypatch):
    """Current secrets set, previous ones unset; the tile coalescing marks cleared."""
    monkeypatch.setenv("SHOPIFY_WEBHOOK_SECRET", SHOPIFY_SECRET)
    monkeypatch.setenv("CHATWOOT_WEBHOOK_SECRET", CHATWOOT_SECRET)
    monkeypatch.setenv("GOLD_REPLY_WEBHOOK_TOKEN", GOLD_TOKEN)
    for name in ("SHOPIFY_WEBHOOK_SECRET", "CHATWOOT_WEBHOOK_SECRET", "GOLD_REPLY_WEBHOOK_TOKEN"):
        monkeypatch.delenv(f"{name}_PREVIOUS", raising=False)
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def jobs(monkeypatch):
    """Records the jobs enqueued (instead of queueing them): `jobs` is a list of args."""
    queued: list[tuple] = []
    monkeypatch.setattr("django_q.tasks.async_task", lambda func, *args, **kw: queued.append(args))
    return queued


@pytest.fixture
def sync_jobs(monkeypatch):
    """django-q2 runs enqueued jobs at once, in this process (or the live server's thread)."""
    monkeypatch.setattr(Conf, "SYNC", True)


@pytest.fixture
def refreshed(monkeypatch):
    """A recording `tiles_refresh`: the keys of each call; answers `ok` for every key."""
    calls: list[list[str]] = []

    def tiles_refresh(keys=None, **_):
        calls.append(list(keys))
        return dict.fromkeys(keys, "ok")

    monkeypatch.setattr("integrations.webhooks.refetch.tiles_refresh", tiles_refresh)
    return calls


def to_bytes(payload) -> bytes:
    return payload if isinstance(payload, bytes) else json.dumps(payload).encode()


def triggered_at(seconds_ago: float = 0) -> str:
    """X-Shopify-Triggered-At as real traffic writes it, with nanoseconds."""
    moment = datetime.now(UTC) - timedelta(seconds=seconds_ago)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f") + "458Z"


def shopify_headers(body: bytes, *, secret: str = SHOPIFY_SECRET, topic="orders/create", **extra):
    mac = base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()
    headers = {
        "X-Shopify-Topic": topic,
        "X-Shopify-Hmac-Sha256": mac,
        "X-Shopify-Shop-Domain": "hot-rod-an.myshopify.com",
        "X-Shopify-API-Version": "2025-10",
        "X-Shopify-Webhook-Id": str(uuid.uuid4()),
        "X-Shopify-Event-Id": str(uuid.uuid4()),
        "X-Shopify-Triggered-At": triggered_at(),
    }
    return {k: v for k, v in (headers | extra).items() if v is not None}


def chatwoot_headers(body: bytes, *, secret: str = CHATWOOT_SECRET, timestamp=None, **extra):
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    mac = hmac.new(secret.encode(), stamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    headers = {
        "X-Chatwoot-Signature": f"sha256={mac}",
        "X-Chatwoot-Timestamp": stamp,
        "X-Chatwoot-Delivery": str(uuid.uuid4()),
    }
    return {k: v for k, v in (headers | extra).items() if v is not None}


def post(client, url: str, body: bytes, headers: dict):
    """POST the raw bytes; on-commit callbacks (the enqueue) run as after a real commit."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(url, data=body, content_type="application/json", headers=headers)


def post_shopify(client, payload=ORDER, **header_options):
    body = to_bytes(payload)
    return post(client, SHOPIFY_URL, body, shopify_headers(body, **header_options))


def post_chatwoot(client, payload=MESSAGE, **header_options):
    body = to_bytes(payload)
    return post(client, CHATWOOT_URL, body, chatwoot_headers(body, **header_options))


def post_gold(client, payload=GOLD, token: str = GOLD_TOKEN, **headers):
    auth = {"Authorization": f"Bearer {token}"} if token else {}
    return post(client, GOLD_URL, to_bytes(payload), auth | headers)
