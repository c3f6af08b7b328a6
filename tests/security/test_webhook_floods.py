"""Floods of refused webhooks (issue 14, item 7): counted exactly, audited boundedly, limited.

Before: every forged delivery appended one undeletable audit event (4,847 in 20 s from
8 clients). Now a refusal adds one to its (window, address, source, reason) counter; at
most REJECTION_AUDITED_KEYS + 1 = 11 audit events are written per 5-minute window
whatever the number of deliveries or addresses; an address over REJECTION_LIMIT
refusals in a window gets 429 + Retry-After, but a delivery that verifies never does.
"""

from __future__ import annotations

import threading
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.db.models import Sum
from django.test import Client, RequestFactory

from approvals.models import AuditEvent
from integrations.webhooks.intake import Refusal
from integrations.webhooks.models import WebhookEvent, WebhookRejection
from integrations.webhooks.rejections import address_key, rejection_note, rejections_prune
from tests.integrations.webhooks.conftest import (  # noqa: F401 - fixtures
    CHATWOOT_URL,
    GOLD_URL,
    ORDER,
    SHOPIFY_URL,
    chatwoot_headers,
    jobs,
    post,
    shopify_headers,
    to_bytes,
    webhook_secrets,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("jobs")]
AUDITED_KEYS = 10  # the default WEBHOOK_REJECTION_AUDITED_KEYS
BODY = to_bytes(ORDER)


def forged(client: Client, address: str, n: int = 0, *, url: str = SHOPIFY_URL):
    """One forged delivery: Shopify and Chatwoot with a wrong signature, gold with a
    wrong token, rotating by `n`."""
    kind = n % 3
    if kind == 0:
        headers = shopify_headers(BODY, secret="forged")
    elif kind == 1:
        headers, url = chatwoot_headers(BODY, secret="forged"), CHATWOOT_URL
    else:
        headers, url = {"Authorization": "Bearer forged"}, GOLD_URL
    return client.post(
        url, data=BODY, content_type="application/json", headers=headers, REMOTE_ADDR=address
    )


def audits() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(verb="webhook.rejected"))


def counted() -> int:
    return WebhookRejection.objects.aggregate(total=Sum("count"))["total"] or 0


@pytest.mark.django_db(transaction=True)
def test_flood__from_8_threads__counts_add_up_and_audit_rows_stay_bounded(settings):
    """N forged deliveries from 8 threads × 3 sources: 24 counter rows, ≤ 11 audit rows."""
    settings.WEBHOOK_REJECTION_LIMIT = 10_000  # counting only; the limit has its own test
    threads, per_thread = 8, 30
    statuses: Counter = Counter()
    lock = threading.Lock()

    def sender(index: int) -> None:
        client = Client()
        try:
            for n in range(per_thread):
                status = forged(client, f"198.51.100.{index + 1}", n).status_code
                with lock:
                    statuses[status] += 1
        finally:
            connection.close()

    workers = [threading.Thread(target=sender, args=(i,)) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()

    n = threads * per_thread
    assert statuses == {401: n}
    assert counted() == n  # every delivery counted exactly once
    assert not WebhookEvent.objects.exists()
    per_window = Counter(a.changes["window"]["start"] for a in audits())
    assert per_window and all(rows <= AUDITED_KEYS + 1 for rows in per_window.values())
    assert len(audits()) <= 2 * (AUDITED_KEYS + 1)  # the run may straddle one window edge


def test_one_address_one_reason__one_audit_row_and_the_count(client, settings):
    settings.WEBHOOK_REJECTION_LIMIT = 10_000
    for _ in range(100):
        assert forged(client, "192.0.2.7").status_code == 401
    [row] = WebhookRejection.objects.all()
    assert (row.address, row.source, row.reason, row.count) == (
        "192.0.2.7",
        "shopify",
        "bad_signature",
        100,
    )
    [audit] = audits()
    assert audit.changes["address"] == "192.0.2.7" and audit.ip == "192.0.2.7"


def test_many_addresses__audited_one_by_one_up_to_the_budget_then_one_overflow(client):
    for index in range(30):
        forged(client, f"203.0.113.{index + 1}")
    rows = audits()
    assert len(rows) == AUDITED_KEYS + 1
    assert [bool(a.changes.get("overflow")) for a in rows].count(True) == 1
    assert WebhookRejection.objects.count() == 30 and counted() == 30


def test_over_the_limit__429_with_retry_after__and_still_counted(client, settings):
    settings.WEBHOOK_REJECTION_LIMIT = 5
    answers = [forged(client, "192.0.2.50", n) for n in range(8)]
    assert [a.status_code for a in answers] == [401] * 5 + [429] * 3
    assert answers[-1].json()["code"] == "rate_limited"
    assert 1 <= int(answers[-1]["Retry-After"]) <= 300
    assert counted() == 8
    assert forged(client, "192.0.2.51").status_code == 401  # another address is not limited


def test_over_the_limit__a_valid_shopify_delivery_from_the_same_address__accepted(client, settings):
    """Shopify delivers from shared egress addresses: a forger there must not starve it."""
    settings.WEBHOOK_REJECTION_LIMIT = 3
    for n in range(6):
        forged(client, "34.0.0.1", n)
    headers = shopify_headers(BODY)
    response = client.post(
        SHOPIFY_URL, data=BODY, content_type="application/json", headers=headers,
        REMOTE_ADDR="34.0.0.1",
    )  # fmt: skip
    assert response.status_code == 202
    assert WebhookEvent.objects.count() == 1


def test_over_the_limit__a_signed_but_unstorable_delivery__still_its_own_400(client, settings):
    settings.WEBHOOK_REJECTION_LIMIT = 1
    forged(client, "34.0.0.2")
    forged(client, "34.0.0.2")
    body = b'{"total": NaN}'
    response = client.post(
        SHOPIFY_URL, data=body, content_type="application/json",
        headers=shopify_headers(body), REMOTE_ADDR="34.0.0.2",
    )  # fmt: skip
    assert (response.status_code, response.json()["code"]) == (400, "json_non_finite")


def test_oversized_flood__counted_and_limited_like_forgeries(client, settings):
    settings.WEBHOOK_REJECTION_LIMIT = 2
    settings.WEBHOOK_MAX_BODY_BYTES = 10
    statuses = [forged(client, "192.0.2.60").status_code for _ in range(4)]
    assert statuses == [413, 413, 429, 429]
    assert WebhookRejection.objects.get().reason == "too_large"


@pytest.mark.parametrize(
    "raw, key",
    [
        ("2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64"),
        ("2001:db8:1:2:ffff::9", "2001:db8:1:2::/64"),
        ("::ffff:192.0.2.1", "192.0.2.1"),
        ("192.0.2.1", "192.0.2.1"),
        ("not an address", "unknown"),
    ],
)
def test_address_key__ipv6_counted_by_its_64(raw, key):
    assert address_key(raw) == key


def test_ipv6_hopping_within_a_64__one_counter(client):
    for host in range(20):
        forged(client, f"2001:db8:5:6::{host + 1:x}")
    assert WebhookRejection.objects.get().count == 20
    assert len(audits()) == 1


def test_next_window__a_new_counter_and_a_new_audit_row():
    request = RequestFactory().post(SHOPIFY_URL, REMOTE_ADDR="192.0.2.80")
    refusal = Refusal(401, "bad_signature", "no")
    start = datetime(2026, 12, 7, 20, 0, tzinfo=UTC)
    for offset in (0, 100, 299, 300, 301):
        rejection_note(
            source="shopify",
            refusal=refusal,
            request=request,
            body_bytes=0,
            now=start + timedelta(seconds=offset),
        )
    assert list(
        WebhookRejection.objects.order_by("window_start").values_list("count", flat=True)
    ) == [3, 2]
    assert len(audits()) == 2


def test_counters_visible_in_the_admin_with_the_window_total(admin_client):
    for index in range(3):
        forged(Client(), f"192.0.2.{90 + index}")
    forged(Client(), "192.0.2.90")
    response = admin_client.get("/admin/integrations/webhookrejection/")
    assert response.status_code == 200
    rows = response.context["cl"].result_list
    assert sorted(r.count for r in rows) == [1, 1, 2]
    assert {r.window_total for r in rows} == {4}


def test_prune__drops_counters_past_retention():
    request = RequestFactory().post(SHOPIFY_URL, REMOTE_ADDR="192.0.2.99")
    old = datetime.now(UTC) - timedelta(days=30)
    rejection_note(
        source="shopify", refusal=Refusal(401, "x", "x"), request=request, body_bytes=0, now=old
    )
    rejection_note(source="shopify", refusal=Refusal(401, "x", "x"), request=request, body_bytes=0)
    assert rejections_prune() == 1
    assert WebhookRejection.objects.count() == 1
