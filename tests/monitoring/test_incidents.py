"""Incident stories: an outage opens one incident, pages once per channel, resolves on recovery."""

from __future__ import annotations

from datetime import timedelta

import pytest
import responses
from django.core import mail
from django.utils import timezone

from hotdash.errors import Conflict
from integrations.models import Integration, IntegrationState
from monitoring.engine import probe_now
from monitoring.models import Incident, IncidentEvent, MaintenanceWindow, Notification
from monitoring.services.incidents import (
    incident_acknowledge,
    incident_resolve,
    incident_unacknowledge,
)
from monitoring.services.maintenance import maintenance_tick
from monitoring.services.reactions import incidents_escalate
from tests.monitoring.conftest import make_integration, vendor_says

pytestmark = pytest.mark.django_db


def kinds(incident):
    return list(incident.events.values_list("kind", flat=True))


def test_outage__opens_one_incident_and_pages_each_channel_once(
    vendor, sync_jobs, mail_channel, hook_channel, django_capture_on_commit_callbacks, settings
):
    settings.RECOVERY_MAX_STEPS_PER_HOUR = 0  # recovery's own probes are another test's story
    shop = make_integration("shop", weight=1, failures_before_down=2)
    vendor_says(vendor, shop, 503)
    vendor.add(responses.POST, "http://hooks.ops.test/in", status=204)
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(4):
            probe_now([shop])
    incident = Incident.objects.get()
    assert (incident.status, incident.severity, incident.cause) == ("open", 1, "down")
    assert kinds(incident).count("opened") == 1
    assert kinds(incident).count("confirmed") == 2  # the probes after it opened
    assert sorted(Notification.objects.values_list("channel__kind", "event", "status")) == [
        ("email", "opened", "sent"),
        ("webhook", "opened", "sent"),
    ]
    assert len(mail.outbox) == 1 and "[SEV1]" in mail.outbox[0].subject
    assert len([c for c in vendor.calls if "hooks.ops.test" in c.request.url]) == 1


def test_recovery__resolves_with_downtime_and_announces_it(
    vendor, sync_jobs, mail_channel, django_capture_on_commit_callbacks
):
    shop = make_integration("shop")
    vendor_says(vendor, shop, 500)
    with django_capture_on_commit_callbacks(execute=True):
        probe_now([shop])
        vendor_says(vendor, shop, 200)
        probe_now([shop])
    incident = Incident.objects.get()
    assert incident.status == "resolved"
    assert incident.downtime_seconds is not None and incident.downtime_seconds >= 0
    assert [m.subject.split(": ")[-1] for m in mail.outbox] == ["opened", "resolved"]


def test_flap__inside_cooldown__reopens_the_same_incident(vendor, mail_channel):
    shop = make_integration("shop")
    for status in (500, 200, 500):
        vendor_says(vendor, shop, status)
        probe_now([shop])
    incident = Incident.objects.get()
    assert (incident.status, incident.reopen_count) == ("open", 1)
    assert "reopened" in kinds(incident)


def test_flap__after_cooldown__new_incident(vendor, settings):
    settings.INCIDENT_REOPEN_COOLDOWN_MINUTES = 0
    shop = make_integration("shop")
    for status in (500, 200, 500):
        vendor_says(vendor, shop, status)
        probe_now([shop])
    assert Incident.objects.count() == 2


def test_dependency_outage__dependant_marked_caused_and_not_paged(vendor, mail_channel):
    supabase = make_integration("supabase")
    chatwoot = make_integration("chatwoot")
    chatwoot.depends_on.add(supabase)
    vendor_says(vendor, supabase, 503)
    vendor_says(vendor, chatwoot, 503)
    probe_now([supabase])
    probe_now([chatwoot])
    caused = Incident.objects.get(integration=chatwoot)
    assert caused.caused_by == supabase
    assert list(Notification.objects.filter(incident=caused).values_list("status", flat=True)) == [
        "suppressed"
    ]
    assert Notification.objects.filter(incident__integration=supabase, status="queued").count() == 1


def test_dependency_outage__dependant_never_paged__so_its_resolution_is_not_sent(
    vendor, mail_channel
):
    supabase = make_integration("supabase")
    chatwoot = make_integration("chatwoot")
    chatwoot.depends_on.add(supabase)
    for integration in (supabase, chatwoot):
        vendor_says(vendor, integration, 503)
        probe_now([integration])
    vendor_says(vendor, chatwoot, 200)
    probe_now([chatwoot])
    dependant = Incident.objects.get(integration=chatwoot)
    assert dependant.status == "resolved"
    assert list(dependant.notifications.values_list("event", "status")) == [
        ("opened", "suppressed")
    ]  # "resolved" goes only where "opened" went: nowhere


def test_acknowledge__resolved_incident__409_and_stays_resolved(vendor, operator):
    shop = make_integration("shop")
    vendor_says(vendor, shop, 500)
    probe_now([shop])
    incident = Incident.objects.get()
    incident_resolve(incident_id=incident.pk, user=operator, note="fixed by hand")
    with pytest.raises(Conflict) as refused:
        incident_acknowledge(incident_id=incident.pk, user=operator)
    assert refused.value.code == "incident_resolved"
    assert Incident.objects.get().status == "resolved"


def test_acknowledge__stops_escalation_not_monitoring(vendor, operator, mail_channel):
    shop = make_integration("shop")
    vendor_says(vendor, shop, 500)
    probe_now([shop])
    incident = incident_acknowledge(incident_id=Incident.objects.get().pk, user=operator)
    assert incident.next_notification_at is None
    probe_now([shop])
    assert "confirmed" in kinds(incident)  # probes go on
    assert incidents_escalate(now=timezone.now() + timedelta(hours=2)) == 0


def test_unacknowledge__escalation_resumes(vendor, operator):
    shop = make_integration("shop")
    vendor_says(vendor, shop, 500)
    probe_now([shop])
    incident = incident_acknowledge(incident_id=Incident.objects.get().pk, user=operator)
    incident = incident_unacknowledge(incident_id=incident.pk, user=operator)
    assert incident.status == "open" and incident.next_notification_at is not None


def test_resolve__twice_by_a_person__409(vendor, operator):
    shop = make_integration("shop")
    vendor_says(vendor, shop, 500)
    probe_now([shop])
    pk = Incident.objects.get().pk
    incident_resolve(incident_id=pk, user=operator)
    with pytest.raises(Conflict):
        incident_resolve(incident_id=pk, user=operator)


def test_escalation__unacknowledged__escalates_then_renotifies(
    vendor, mail_channel, escalation_channel
):
    shop = make_integration("shop")
    vendor_says(vendor, shop, 500)
    probe_now([shop])
    incident = Incident.objects.get()
    assert incident.escalation_policy["levels"] == {
        "0": [mail_channel.pk],
        "1": [escalation_channel.pk],
    }
    later = incident.next_notification_at + timedelta(seconds=1)
    assert incidents_escalate(now=later) == 1
    assert Notification.objects.filter(event="escalated", channel=escalation_channel).exists()
    much_later = Incident.objects.get().next_notification_at + timedelta(seconds=1)
    incidents_escalate(now=much_later)
    assert Notification.objects.filter(event="renotify", channel=mail_channel).count() == 1


def test_maintenance__window_silences_and_holds_status(vendor, mail_channel):
    shop = make_integration("shop")
    window = MaintenanceWindow.objects.create(
        starts_at=timezone.now() - timedelta(minutes=5),
        ends_at=timezone.now() + timedelta(minutes=30),
        owner="ops",
        reason="vendor upgrade",
    )
    window.integrations.add(shop)
    assert maintenance_tick()["entered"] == ["shop"]
    vendor_says(vendor, shop, 500)
    probe_now([shop])
    probe_now([shop])
    shop.state.refresh_from_db()
    assert shop.state.status == "maintenance"
    assert not Incident.objects.exists()


def test_maintenance__ends_while_still_failing__operators_told(vendor, mail_channel):
    shop = make_integration("shop")
    window = MaintenanceWindow.objects.create(
        starts_at=timezone.now() - timedelta(minutes=30),
        ends_at=timezone.now() + timedelta(minutes=1),
        owner="ops",
        reason="vendor upgrade",
    )
    window.integrations.add(shop)
    maintenance_tick()
    vendor_says(vendor, shop, 500)
    probe_now([shop])
    result = maintenance_tick(timezone.now() + timedelta(minutes=2))
    assert result["left"] == ["shop"]
    assert Notification.objects.filter(event="maintenance_ended", status="queued").count() == 1


def test_timeline__records_opened_confirmed_resolved_with_actor(vendor, operator):
    shop = make_integration("shop")
    vendor_says(vendor, shop, 500)
    probe_now([shop])
    probe_now([shop])
    incident = incident_resolve(incident_id=Incident.objects.get().pk, user=operator, note="ok")
    events = list(incident.events.values_list("kind", "actor_name"))
    assert events[0] == (IncidentEvent.Kind.OPENED, "system")
    assert events[-1] == (IncidentEvent.Kind.RESOLVED, operator.username)


def test_manual_resolve__while_still_down__next_failure_reopens(vendor, operator, mail_channel):
    shop = make_integration("shop")
    vendor_says(vendor, shop, 500)
    probe_now([shop])
    incident_resolve(incident_id=Incident.objects.get().pk, user=operator, note="looks fine")
    probe_now([shop])
    incident = Incident.objects.get()
    assert (incident.status, incident.reopen_count) == ("open", 1)


def test_disabled__status_follows_the_switch_and_reminders_stop(vendor):
    shop = make_integration("shop")
    vendor_says(vendor, shop, 500)
    probe_now([shop])
    Integration.objects.filter(pk=shop.pk).update(enabled=False)
    assert maintenance_tick()["disabled"] == ["shop"]
    assert IntegrationState.objects.get(pk=shop.pk).status == "disabled"
    assert incidents_escalate(now=timezone.now() + timedelta(hours=3)) == 0
    Integration.objects.filter(pk=shop.pk).update(enabled=True)
    assert maintenance_tick()["enabled"] == ["shop"]
    assert IntegrationState.objects.get(pk=shop.pk).status == "unknown"
