"""The vendor sandbox as a webhook sender: the vendors' headers, signed over the bytes sent."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests


class Capture(BaseHTTPRequestHandler):
    """Records every request (headers and raw body) and answers 202 with a JSON body."""

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.seen.append((dict(self.headers), body))
        answer = b'{"status": "accepted"}'
        self.send_response(202)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args):
        pass


@pytest.fixture
def receiver():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Capture)
    server.seen = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def url_of(server) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}/hook"


def test_shopify__signed_over_the_exact_bytes_with_vendor_headers(sandbox, receiver):
    answer = sandbox.deliver_webhook(
        vendor="shopify", topic="orders/create", target_url=url_of(receiver), secret="s3"
    )
    [(headers, body)] = receiver.seen
    expected = base64.b64encode(hmac.new(b"s3", body, hashlib.sha256).digest()).decode()
    assert headers["X-Shopify-Hmac-Sha256"] == expected
    assert headers["X-Shopify-Topic"] == "orders/create"
    assert headers["X-Shopify-Shop-Domain"] == "hot-rod-an.myshopify.com"
    assert headers["X-Shopify-Event-Id"] == answer["event_id"]
    assert {"X-Shopify-API-Version", "X-Shopify-Webhook-Id", "X-Shopify-Triggered-At"} <= set(
        headers
    )
    assert json.loads(body)["admin_graphql_api_id"].startswith("gid://shopify/Order/")
    assert answer["deliveries"][0]["status"] == 202


def test_shopify__duplicates_share_the_event_id_with_new_webhook_ids(sandbox, receiver):
    sandbox.deliver_webhook(
        vendor="shopify",
        topic="orders/updated",
        target_url=url_of(receiver),
        secret="s3",
        duplicate=2,
        payload={"id": 5},
    )
    assert len(receiver.seen) == 3
    assert len({h["X-Shopify-Event-Id"] for h, _ in receiver.seen}) == 1
    assert len({h["X-Shopify-Webhook-Id"] for h, _ in receiver.seen}) == 3
    assert {b for _, b in receiver.seen} == {b'{"id":5}'}


def test_chatwoot__signature_of_timestamp_dot_body_and_stable_delivery(sandbox, receiver):
    sandbox.deliver_webhook(
        vendor="chatwoot",
        topic="message_created",
        target_url=url_of(receiver),
        secret="cw",
        duplicate=1,
        timestamp=1_700_000_000,
    )
    (first, body), (second, _) = receiver.seen
    mac = hmac.new(b"cw", b"1700000000." + body, hashlib.sha256).hexdigest()
    assert first["X-Chatwoot-Signature"] == f"sha256={mac}"
    assert first["X-Chatwoot-Timestamp"] == "1700000000"
    assert first["X-Chatwoot-Delivery"] == second["X-Chatwoot-Delivery"]
    assert json.loads(body)["event"] == "message_created"


def test_unsigned__no_signature_headers(sandbox, receiver):
    sandbox.deliver_webhook(
        vendor="chatwoot", topic="message_created", target_url=url_of(receiver), sign=False
    )
    [(headers, _)] = receiver.seen
    assert "X-Chatwoot-Signature" not in headers and "X-Chatwoot-Timestamp" not in headers


@pytest.mark.parametrize(
    "spec",
    [
        {"vendor": "stripe", "topic": "x", "target_url": "http://127.0.0.1:1/", "secret": "s"},
        {"vendor": "shopify", "topic": "", "target_url": "http://127.0.0.1:1/", "secret": "s"},
        {"vendor": "shopify", "topic": "x", "target_url": "file:///etc/passwd", "secret": "s"},
        {"vendor": "shopify", "topic": "x", "target_url": "http://127.0.0.1:1/"},
        {
            "vendor": "shopify",
            "topic": "x",
            "target_url": "http://127.0.0.1:1/",
            "secret": "s",
            "duplicate": 99,
        },
    ],
)
def test_bad_request__400_invalid_delivery(sandbox, spec):
    response = requests.post(f"{sandbox.url}/_control/webhooks/deliver", json=spec, timeout=5)
    assert response.status_code == 400 and response.json()["error"] == "invalid_delivery"


def test_unreachable_target__reported_per_delivery(sandbox):
    answer = sandbox.deliver_webhook(
        vendor="shopify", topic="orders/create", target_url="http://127.0.0.1:9/", secret="s"
    )
    assert answer["deliveries"][0]["status"] is None and answer["deliveries"][0]["error"]
