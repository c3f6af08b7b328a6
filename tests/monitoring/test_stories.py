"""Whole stories against the vendor sandbox over real HTTP, with fault injection:
what an operator would see happen, end to end."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from approvals import registry
from approvals.models import ApprovalRequest
from integrations.models import Integration, IntegrationState
from monitoring.engine import probe_now
from monitoring.models import Channel, Incident, MaintenanceWindow, Notification
from monitoring.services.maintenance import maintenance_tick

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def store(sandbox, settings, sync_jobs):
    """The seeded Hot Rod AN catalogue, talking to the sandbox, alerts to Slack and mail."""
    settings.SANDBOX_URL = sandbox.url
    call_command("seed")
    Channel.objects.create(name="ops mail", kind="email", recipients="ops@hotrodan.test")
    Integration.objects.update(failures_before_down=2, probe_timeout_seconds=2)
    return sandbox


@pytest.fixture
def restart_step():
    """A live recovery step (stands in for a vendor restart): it must never run unapproved."""
    performed = []
    registry.register(
        "tests.restart_shopify_app",
        schema={"type": "object", "properties": {"slug": {"type": "string"}}},
        risk=registry.LIVE,
        perform=lambda params, key: performed.append(key) or {"restarted": True},
        replace=True,
    )
    yield performed
    registry.unregister("tests.restart_shopify_app")


def probe(*slugs):
    return probe_now(list(Integration.objects.filter(slug__in=slugs).order_by("slug")))


def alerts(sandbox, word):
    return [m for m in sandbox.slack_messages() if word in m["payload"].get("text", "")]


def test_story__outage_pages_once_recovers_safely_asks_for_live_step_resolves(store, restart_step):
    shopify = Integration.objects.get(slug="shopify")
    shopify.config = {
        **shopify.config,
        "playbook": [
            "monitoring.reprobe",
            "integrations.circuit_reset",
            "tests.restart_shopify_app",
        ],
    }
    shopify.save()
    store.set_faults("shopify", outage=True)
    for _ in range(4):
        probe("shopify")

    incident = Incident.objects.get(integration=shopify)
    assert incident.status == "open" and incident.severity == 1
    assert len(alerts(store, "opened")) == 1  # Slack, once
    assert len([m for m in mail.outbox if m.subject.endswith("opened")]) == 1  # mail, once
    steps = list(ApprovalRequest.objects.order_by("pk").values_list("action", "status"))
    assert steps == [
        ("monitoring.reprobe", "succeeded"),
        ("integrations.circuit_reset", "succeeded"),
        ("tests.restart_shopify_app", "pending"),
    ]
    assert restart_step == []  # the live step waits for a human

    store.clear_faults("shopify")
    probe("shopify")
    incident.refresh_from_db()
    assert incident.status == "resolved"
    assert len(alerts(store, "resolved")) == 1
    kinds = list(incident.events.values_list("kind", flat=True))
    assert kinds[0] == "opened" and kinds.index("resolved") > kinds.index("approval")
    assert kinds[kinds.index("resolved") + 1 :] == ["notified", "notified"]  # Slack, mail
    assert {"notified", "recovery", "approval"} <= set(kinds)


def test_story__dependency_outage_pages_once(store):
    store.set_faults("supabase", outage=True)
    store.set_faults("chatwoot", outage=True)
    for _ in range(2):
        probe("supabase")
        probe("chatwoot")
    chatwoot = Incident.objects.get(integration__slug="chatwoot")
    assert chatwoot.caused_by.slug == "supabase"
    assert len(alerts(store, "opened")) == 1
    assert "Supabase" in alerts(store, "opened")[0]["payload"]["text"]
    statuses = set(Notification.objects.filter(incident=chatwoot).values_list("status", flat=True))
    assert statuses == {"suppressed"}


def test_story__maintenance_window_silences(store):
    window = MaintenanceWindow.objects.create(
        starts_at=timezone.now() - timedelta(minutes=1),
        ends_at=timezone.now() + timedelta(hours=1),
        owner="ops",
        reason="Publer API upgrade",
    )
    window.integrations.add(Integration.objects.get(slug="publer"))
    maintenance_tick()
    store.set_faults("publer", outage=True)
    for _ in range(3):
        probe("publer")
    assert IntegrationState.objects.get(integration__slug="publer").status == "maintenance"
    assert not Incident.objects.exists()
    assert store.slack_messages() == []


def test_story__vendor_hangs__probe_times_out_within_its_deadline(store):
    store.set_faults("chatwoot", outage=True, outage_mode="hang", hang_ms=10_000)
    started = time.monotonic()
    check = probe("chatwoot").checks[0]
    assert time.monotonic() - started < 4  # probe_timeout_seconds is 2
    assert (check.status, check.error_class) == ("fail", "timeout")


def test_story__connection_reset__recorded_as_connection_error(store):
    store.set_faults("llamaindex", outage=True, outage_mode="reset")
    check = probe("llamaindex").checks[0]
    assert (check.status, check.error_class) == ("fail", "connection")


def test_story__every_catalogue_service_is_up_in_the_sandbox(store):
    stats = probe_now(list(Integration.objects.order_by("slug")))
    failures = {
        c.integration.slug: (c.error_class, c.message) for c in stats.checks if c.status == "fail"
    }
    assert failures == {}
    assert set(IntegrationState.objects.values_list("status", flat=True)) == {"ok"}
