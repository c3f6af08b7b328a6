"""Freshness per (source, topic), and the admin: list, filters, replay, freshness view."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from integrations.webhooks.models import WebhookEvent
from integrations.webhooks.selectors import topic_pairs, webhook_freshness

pytestmark = pytest.mark.django_db
Status = WebhookEvent.Status
CHANGELIST = "admin:integrations_webhookevent_changelist"


def event_at(seconds_ago: float, topic="orders/create", source="shopify", **fields):
    return WebhookEvent.objects.create(
        source=source,
        event_id=str(uuid.uuid4()),
        topic=topic,
        body={},
        received_at=timezone.now() - timedelta(seconds=seconds_ago),
        **fields,
    )


def test_freshness__time_since_last_and_median_gap_per_topic():
    now = timezone.now()
    for ago in (700, 400, 300, 100):  # gaps 300, 100, 200 → median 200
        event_at(ago)
    event_at(50, "message_created", "chatwoot")
    rows = {(r.source, r.topic): r for r in webhook_freshness(now=now)}
    orders = rows[("shopify", "orders/create")]
    assert round(orders.since_last_s) == 100 and round(orders.usual_interval_s) == 200
    assert round(orders.lateness, 1) == 0.5 and orders.sampled == 4
    chat = rows[("chatwoot", "message_created")]
    assert chat.usual_interval_s is None and chat.lateness is None


def test_freshness__usual_interval_from_the_last_n_events_only(settings):
    for ago in (10_000, 9_000, 30, 20, 10):  # the old wide gaps fall outside the sample
        event_at(ago)
    [row] = webhook_freshness(sample=2)
    assert round(row.usual_interval_s) == 10 and row.sampled == 3


def test_topic_pairs__distinct_and_sorted():
    for topic, source in [("b", "shopify"), ("a", "shopify"), ("b", "shopify"), ("z", "chatwoot")]:
        event_at(1, topic, source)
    assert topic_pairs() == [("chatwoot", "z"), ("shopify", "a"), ("shopify", "b")]


def test_admin__list_filters_and_badges(client, superuser):
    event_at(5, status=Status.FAILED)
    event_at(5, "message_created", "chatwoot", status=Status.PROCESSED)
    client.force_login(superuser)
    response = client.get(reverse(CHANGELIST), {"status": "failed", "topic": "orders/create"})
    assert response.status_code == 200
    assert response.context["cl"].result_count == 1
    assert b"hd-badge" in response.content and b"Freshness per topic" in response.content


def test_admin__replay_action__failed_ones_only(client, superuser, monkeypatch):
    queued = []
    monkeypatch.setattr("django_q.tasks.async_task", lambda f, *a, **k: queued.append(a))
    failed, done = event_at(5, status=Status.FAILED), event_at(5, status=Status.PROCESSED)
    client.force_login(superuser)
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(
            reverse(CHANGELIST),
            {"action": "replay", "_selected_action": [failed.pk, done.pk]},
            follow=True,
        )
    assert "Replayed 1 event(s); skipped 1 not failed." in response.content.decode()
    assert queued == [(failed.pk,)]
    failed.refresh_from_db()
    assert failed.status == Status.RECEIVED


def test_admin__replay_refused_to_a_viewer_without_the_role(client, viewer):
    from django.contrib.auth.models import Permission

    viewer.user_permissions.add(Permission.objects.get(codename="view_webhookevent"))
    failed = event_at(5, status=Status.FAILED)
    client.force_login(viewer)
    response = client.get(reverse(CHANGELIST))
    assert response.status_code == 200 and b'value="replay"' not in response.content
    failed.refresh_from_db()
    assert failed.status == Status.FAILED


def test_admin__freshness_view(client, superuser):
    event_at(100)
    event_at(40)
    client.force_login(superuser)
    response = client.get(reverse("admin:integrations_webhookevent_freshness"))
    assert response.status_code == 200
    assert b"orders/create" in response.content and b"60.0" in response.content


def test_admin__freshness_view_needs_view_permission(client, viewer):
    from django.contrib.auth import get_user_model

    no_role = get_user_model().objects.create_user("staff-no-role", is_staff=True)
    client.force_login(no_role)
    assert client.get(reverse("admin:integrations_webhookevent_freshness")).status_code == 403
    client.force_login(viewer)  # viewers read webhook events, so they see freshness too
    assert client.get(reverse("admin:integrations_webhookevent_freshness")).status_code == 200


def test_admin__rows_are_read_only(client, superuser):
    event = event_at(5)
    client.force_login(superuser)
    page = client.get(reverse("admin:integrations_webhookevent_change", args=[event.pk]))
    assert page.status_code == 200 and b'name="_save"' not in page.content
    assert client.get(reverse("admin:integrations_webhookevent_add")).status_code == 403
