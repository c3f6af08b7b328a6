"""Alerts are rows first, sent once, retried with backoff, and failures land on the timeline."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import smtplib
import threading
from datetime import timedelta

import pytest
import responses
from django.core.exceptions import ValidationError
from django.db import connection, connections
from django.utils import timezone

from integrations.http.errors import CircuitOpen
from monitoring.models import Channel, Incident, MaintenanceWindow, Notification
from monitoring.services.alerting import incident_notify, notification_send, notifications_sweep
from monitoring.services.incidents import incident_acknowledge, incident_open, incident_resolve
from tests.monitoring.conftest import WEBHOOK_SECRET, make_integration

pytestmark = pytest.mark.django_db
HOOK = "http://hooks.ops.test/in"


@pytest.fixture
def incident(db):
    shop = make_integration("shop", weight=1)
    return incident_open(integration=shop, reason="HTTP 503")[0]


def queued(incident, event="opened"):
    incident_notify(incident=incident, event=event)
    return Notification.objects.get(event=event)


def test_webhook__standard_webhooks_signature__verifies(vendor, incident, hook_channel):
    vendor.add(responses.POST, HOOK, status=200)
    note = queued(incident)
    assert notification_send(note.pk) == "sent"
    request = vendor.calls[-1].request
    key = base64.b64decode(WEBHOOK_SECRET.removeprefix("whsec_"))
    signed = f"{request.headers['webhook-id']}.{request.headers['webhook-timestamp']}.".encode()
    expected = base64.b64encode(hmac.new(key, signed + request.body, hashlib.sha256).digest())
    assert request.headers["webhook-signature"] == f"v1,{expected.decode()}"
    assert json.loads(request.body)["type"] == "incident.opened"


def test_webhook__secret_never_in_payload_or_row(vendor, incident, hook_channel):
    vendor.add(responses.POST, HOOK, status=200)
    note = queued(incident)
    notification_send(note.pk)
    note.refresh_from_db()
    assert WEBHOOK_SECRET not in json.dumps(note.payload) + note.response + note.last_error
    assert WEBHOOK_SECRET not in vendor.calls[-1].request.body.decode()


def test_send__twice__sent_once(vendor, incident, hook_channel):
    vendor.add(responses.POST, HOOK, status=200)
    note = queued(incident)
    assert notification_send(note.pk) == "sent"
    assert notification_send(note.pk) == "not-claimed"
    assert len(vendor.calls) == 1


def test_notify__same_event_twice__one_row(incident, hook_channel):
    incident_notify(incident=incident, event="opened")
    incident_notify(incident=incident, event="opened")
    assert Notification.objects.count() == 1


def test_webhook__timeout__retried_later_with_backoff(vendor, incident, hook_channel):
    vendor.add(responses.POST, HOOK, body=responses.ConnectionError("reset"))
    note = queued(incident)
    assert notification_send(note.pk) == "queued"
    note.refresh_from_db()
    assert note.attempts == 1 and note.next_attempt_at > timezone.now() + timedelta(seconds=20)
    assert "notify_failed" in incident.events.values_list("kind", flat=True)
    assert notification_send(note.pk) == "not-claimed"  # not due yet


def test_webhook__429_retry_after__waits_at_least_that(vendor, incident, hook_channel):
    vendor.add(responses.POST, HOOK, status=429, headers={"Retry-After": "900"})
    note = queued(incident)
    notification_send(note.pk)
    note.refresh_from_db()
    assert note.next_attempt_at >= timezone.now() + timedelta(seconds=890)


def test_webhook__gone_410__failed_at_once_with_reason(vendor, incident, hook_channel):
    vendor.add(responses.POST, HOOK, status=410, body="gone")
    note = queued(incident)
    assert notification_send(note.pk) == "failed"
    note.refresh_from_db()
    assert "410" in note.last_error


def test_webhook__keeps_failing__gives_up_after_max_attempts(
    vendor, incident, hook_channel, settings
):
    settings.NOTIFICATION_MAX_ATTEMPTS = 2
    vendor.add(responses.POST, HOOK, status=503)
    note = queued(incident)
    notification_send(note.pk)
    Notification.objects.filter(pk=note.pk).update(next_attempt_at=timezone.now())
    assert notification_send(note.pk) == "failed"
    assert Notification.objects.get().attempts == 2


def test_webhook__secret_variable_missing__failed_with_clear_reason(
    incident, hook_channel, monkeypatch
):
    monkeypatch.delenv("OPS_HOOK_SECRET")
    note = queued(incident)
    assert notification_send(note.pk) == "failed"
    assert (
        Notification.objects.get().last_error == "environment variable OPS_HOOK_SECRET is not set"
    )


def test_mail__server_refuses__failed_and_incident_progresses(incident, mail_channel, monkeypatch):
    def refuse(*args, **kwargs):
        raise smtplib.SMTPRecipientsRefused({"ops@hotrodan.test": (550, b"no such user")})

    monkeypatch.setattr("django.core.mail.backends.locmem.EmailBackend.send_messages", refuse)
    note = queued(incident)
    assert notification_send(note.pk) == "failed"
    resolved = incident_resolve(incident_id=incident.pk)
    assert resolved.status == "resolved"


def test_mail__server_down__retried(incident, mail_channel, monkeypatch):
    def down(*args, **kwargs):
        raise ConnectionRefusedError("connection refused")

    monkeypatch.setattr("django.core.mail.backends.locmem.EmailBackend.send_messages", down)
    note = queued(incident)
    assert notification_send(note.pk) == "queued"


def test_sweep__worker_died_mid_send__requeued_and_sent(vendor, incident, hook_channel, sync_jobs):
    vendor.add(responses.POST, HOOK, status=200)
    note = queued(incident)
    Notification.objects.filter(pk=note.pk).update(
        status="sending", claimed_until=timezone.now() - timedelta(seconds=1)
    )
    assert notifications_sweep() == 1
    assert Notification.objects.get().status == "sent"


def test_routing__severity_and_integration_filters(incident):
    sev1_only = Channel.objects.create(name="pager", kind="email", recipients="a@x", max_severity=1)
    other = Channel.objects.create(name="other", kind="email", recipients="b@x")
    other.integrations.add(make_integration("unrelated"))
    incident_notify(incident=incident, event="opened")
    assert list(Notification.objects.values_list("channel", flat=True)) == [sev1_only.pk]


def test_channel__webhook_without_secret__refused():
    with pytest.raises(ValidationError):
        Channel(name="x", kind="webhook", url="https://x.example").full_clean()


def test_channel__secret_value_pasted_as_name__refused():
    channel = Channel(name="x", kind="webhook", url="https://x.example", secret_env=WEBHOOK_SECRET)
    with pytest.raises(ValidationError):
        channel.full_clean()


def test_maintenance_window__ends_before_it_starts__refused():
    now = timezone.now()
    window = MaintenanceWindow(
        starts_at=now, ends_at=now - timedelta(hours=1), owner="o", reason="r"
    )
    with pytest.raises(ValidationError, match="must end after it starts"):
        window.full_clean()


def test_maintenance_window__weekly__covers_later_weeks_only_in_its_hours():
    start = timezone.now().replace(microsecond=0) - timedelta(days=14, minutes=10)
    window = MaintenanceWindow(
        starts_at=start,
        ends_at=start + timedelta(hours=1),
        recurrence="weekly",
        owner="o",
        reason="r",
    )
    assert window.occurrence_at(start + timedelta(days=14, minutes=5))
    assert window.occurrence_at(start + timedelta(days=14, hours=2)) is None


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_acknowledge_and_auto_resolve__concurrent__end_consistent(vendor, operator):
    """Given an open incident, when an operator acknowledges while recovery resolves it,
    then it ends resolved, never re-opened, and the timeline matches the final state."""
    if connection.vendor != "postgresql":
        pytest.skip("row-lock ordering is exercised on PostgreSQL")
    for _ in range(10):
        shop = make_integration(f"shop{Incident.objects.count()}")
        incident = incident_open(integration=shop, reason="down")[0]
        start = threading.Barrier(2)
        errors = []

        def ack(pk=incident.pk, start=start, errors=errors):
            start.wait()
            try:
                incident_acknowledge(incident_id=pk, user=operator)
            except Exception as exc:  # the conflict is a valid outcome
                errors.append(exc)
            finally:
                connections.close_all()

        def resolve(pk=incident.pk, start=start, errors=errors):
            start.wait()
            try:
                incident_resolve(incident_id=pk)
            except Exception as exc:
                errors.append(exc)
            finally:
                connections.close_all()

        threads = [threading.Thread(target=ack), threading.Thread(target=resolve)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert all(getattr(e, "code", "") == "incident_resolved" for e in errors), errors
        final = Incident.objects.get(pk=incident.pk)
        assert final.status == "resolved", list(
            final.events.values_list("kind", "at", "actor_name")
        )
        last = final.events.order_by("-at", "-pk").first()
        assert last.kind == "resolved"
        assert all(getattr(e, "code", "") == "incident_resolved" for e in errors)


def test_circuit_open__alert_waits_instead_of_failing(incident, hook_channel, monkeypatch):
    def open_circuit(channel, payload):
        raise CircuitOpen("circuit open for slack")

    monkeypatch.setattr("monitoring.channels.send", open_circuit)
    note = queued(incident)
    assert notification_send(note.pk) == "queued"
