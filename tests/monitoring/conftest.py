"""Fixtures for monitoring stories: integrations probed through `responses`, channels."""

from __future__ import annotations

import base64
from datetime import timedelta

import pytest
import responses
from django.utils import timezone
from django_q.conf import Conf

from integrations.models import Integration, IntegrationState
from monitoring.models import Channel

WEBHOOK_SECRET = "whsec_" + base64.b64encode(b"0123456789abcdef0123456789abcdef").decode()


@pytest.fixture(autouse=True)
def quick_recovery(settings):
    settings.RECOVERY_REPROBE_DELAYS = [0, 0]


@pytest.fixture
def vendor():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


@pytest.fixture
def sync_jobs(monkeypatch):
    """django-q2 runs enqueued jobs at once, in this process."""
    monkeypatch.setattr(Conf, "SYNC", True)


def make_integration(slug, *, weight=3, failures_before_down=1, **fields):
    integration = Integration.objects.create(
        slug=slug,
        name=slug.title(),
        kind="http",
        base_url=f"http://{slug}.probe.test",
        mode="live",
        failures_before_down=failures_before_down,
        probe_timeout_seconds=2,
        business_weight=weight,
        config={"max_attempts": 1},
        **fields,
    )
    IntegrationState.objects.create(integration=integration, next_probe_at=timezone.now())
    return integration


def vendor_says(vendor, integration, status):
    vendor.upsert(responses.GET, f"http://{integration.slug}.probe.test/", status=status)


@pytest.fixture
def mail_channel(db):
    return Channel.objects.create(name="ops mail", kind="email", recipients="ops@hotrodan.test")


@pytest.fixture
def hook_channel(db, monkeypatch):
    monkeypatch.setenv("OPS_HOOK_SECRET", WEBHOOK_SECRET)
    return Channel.objects.create(
        name="ops hook",
        kind="webhook",
        url="http://hooks.ops.test/in",
        secret_env="OPS_HOOK_SECRET",
    )


@pytest.fixture
def escalation_channel(db):
    return Channel.objects.create(
        name="on-call lead", kind="email", recipients="lead@hotrodan.test", escalation_level=1
    )


def minutes_ago(n):
    return timezone.now() - timedelta(minutes=n)
