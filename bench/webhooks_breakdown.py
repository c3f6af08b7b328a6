#!/usr/bin/env python3
"""Where one webhook delivery's time goes, in-process (no HTTP server, no load generator).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hotdash_wh \
    REDIS_URL=redis://127.0.0.1:6379/13 .venv/bin/python bench/webhooks_breakdown.py

Prints CPU time (this process) and wall time per call for the whole request
through Django's WSGI handler and for each stage alone. CPU time is what limits
throughput on a shared 2-core machine; it is far less disturbed by other work
than wall time. Run bench/webhooks_bench.py first (it creates the database).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import json
import logging
import time
import uuid

import webhooks_bench as wb

N = 1000


def measure(label: str, call) -> None:
    call(0)
    cpu, wall = time.process_time(), time.perf_counter()
    for i in range(1, N + 1):
        call(i)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    print(f"{label:44s} cpu {cpu / N * 1000:6.3f} ms   wall {wall / N * 1000:6.3f} ms", flush=True)


def wsgi_environ(method: str, raw: bytes) -> dict:
    head, body = raw.split(b"\r\n\r\n", 1)
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": "/webhooks/shopify/",
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body if method == "POST" else b""),
    }
    for line in head.decode().split("\r\n")[1:]:
        name, _, value = line.partition(": ")
        key = name.upper().replace("-", "_")
        environ[key if key in ("CONTENT_TYPE", "CONTENT_LENGTH") else f"HTTP_{key}"] = value
    return environ


def main() -> None:
    wb.setup_django()
    from django.core.handlers.wsgi import WSGIHandler
    from django.db import connection
    from django.utils import timezone

    from integrations.webhooks.insert import event_insert
    from integrations.webhooks.intake import webhook_event_enqueue
    from integrations.webhooks.signatures import shopify_verify

    logging.getLogger("django.request").setLevel(logging.ERROR)  # the 405s would log
    app = WSGIHandler()
    body = wb.order_body(1)
    posts = [
        wsgi_environ("POST", wb.request_bytes(body, str(uuid.uuid4()), 8000)) for _ in range(N + 1)
    ]
    get = wb.request_bytes(body, "x", 8000)
    mac = base64.b64encode(hmac.new(wb.SECRET.encode(), body, hashlib.sha256).digest()).decode()

    def handle(environ):
        response = app(environ, lambda status, headers: None)
        b"".join(response)
        response.close()

    now = timezone.now()
    measure("whole POST (Django, verify, insert, enqueue)", lambda i: handle(posts[i]))
    measure(
        "Django only: GET -> 405 (middleware, URLs)", lambda i: handle(wsgi_environ("GET", get))
    )
    measure("HMAC verify (2 KB body)", lambda i: shopify_verify(body, mac))
    measure("json.loads (2 KB body)", lambda i: json.loads(body))
    measure(
        "insert (one INSERT … ON CONFLICT, commit)",
        lambda i: event_insert(
            {
                "source": "shopify",
                "event_id": str(uuid.uuid4()),
                "topic": "orders/create",
                "body": json.loads(body),
                "received_at": now,
                "available_at": now,
            }
        ),
    )
    measure("enqueue (django-q2 async_task, Redis)", lambda i: webhook_event_enqueue(0))
    measure("health check (SELECT 1)", lambda i: connection.cursor().execute("SELECT 1"))
    wb.flush_redis()


if __name__ == "__main__":
    main()
