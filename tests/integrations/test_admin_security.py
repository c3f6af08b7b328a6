"""A live integration's destination and secrets cannot be edited in place."""

from __future__ import annotations

import pytest
from django.urls import reverse

from integrations.models import Integration

pytestmark = pytest.mark.django_db


@pytest.fixture
def live(db):
    return Integration.objects.create(
        slug="shop",
        name="Shop",
        kind="http",
        base_url="https://shop.example.com",
        mode="live",
        credential_env={"token": "SHOP_TOKEN"},
    )


def form_data(integration, **changes):
    data = {
        "slug": integration.slug,
        "name": integration.name,
        "kind": integration.kind,
        "base_url": integration.base_url,
        "sandbox_path": "",
        "enabled": "on",
        "credential_env": '{"token": "SHOP_TOKEN"}',
        "config": "{}",
        "probe_interval_seconds": 60,
        "probe_retry_seconds": 5,
        "probe_timeout_seconds": 10,
        "failures_before_down": 3,
        "degraded_latency_ms": 2000,
        "slo_availability": "99.5",
        "slo_latency_ms": 1000,
        "slo_latency_percent": "95",
        "business_weight": 3,
        "state-TOTAL_FORMS": 0,
        "state-INITIAL_FORMS": 0,
        "state-MIN_NUM_FORMS": 0,
        "state-MAX_NUM_FORMS": 1,
    }
    return {**data, **changes}


def test_live__base_url_and_credentials__not_editable(client, superuser, live):
    client.force_login(superuser)
    url = reverse("admin:integrations_integration_change", args=[live.pk])
    client.post(
        url,
        form_data(
            live,
            base_url="https://attacker.example",
            credential_env='{"token": "OTHER_TOKEN"}',
        ),
    )
    live.refresh_from_db()
    assert live.base_url == "https://shop.example.com"
    assert live.credential_env == {"token": "SHOP_TOKEN"}


def test_create__mode_live__ignored_starts_in_sandbox(client, superuser):
    client.force_login(superuser)
    client.post(
        reverse("admin:integrations_integration_add"),
        form_data(
            Integration(slug="new", name="New", kind="http", base_url="https://n.example"),
            mode="live",
        ),
    )
    assert Integration.objects.get(slug="new").mode == "sandbox"
