"""The weekly SLA report goes through the channel machinery: one Notification per e-mail
channel that receives reports, sent with the CSV attached and the e-mail timeout."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.core import mail

from monitoring import channels
from monitoring.models import Channel, Incident, Notification
from monitoring.services.alerting import channels_for, channels_seed
from monitoring.slo.report import sla_report_mail
from tests.monitoring.conftest import make_integration

pytestmark = pytest.mark.django_db
AFTER = datetime(2026, 11, 25, tzinfo=UTC)  # the last complete week is 2026-W47


@pytest.fixture
def report_channel(db):
    return Channel.objects.create(
        name="sla-report",
        kind="email",
        recipients="ops@hotrodan.test\nlead@hotrodan.test",
        receives_reports=True,
        max_severity=0,
    )


@pytest.fixture
def timeouts(monkeypatch):
    """The timeouts the e-mail sender opened its connections with."""
    seen, real = [], channels.get_connection

    def spy(*args, **kwargs):
        seen.append(kwargs.get("timeout"))
        return real(*args, **kwargs)

    monkeypatch.setattr(channels, "get_connection", spy)
    return seen


def test_report__sent_as_a_notification_with_the_csv_and_the_timeout(
    report_channel, mail_channel, sync_jobs, timeouts, settings, django_capture_on_commit_callbacks
):
    # Given a report channel, an incident-only channel and a 7 s e-mail timeout
    settings.EMAIL_TIMEOUT = 7
    make_integration("shop")
    # When the weekly job runs
    with django_capture_on_commit_callbacks(execute=True):
        assert sla_report_mail(now=AFTER) == "2026-W47 queued to 1 channel(s)"
    # Then one notification, not about an incident, went to the report channel only
    note = Notification.objects.get()
    assert (note.incident, note.channel, note.event) == (None, report_channel, "sla_report")
    assert note.status == "sent" and note.dedupe_key == f"sla-report:2026-W47:{report_channel.pk}"
    [message] = mail.outbox
    assert message.to == ["ops@hotrodan.test", "lead@hotrodan.test"]
    assert message.subject == "[HotDash] SLA report 2026-W47"
    assert message.body.startswith("shop: availability")
    name, content, kind = message.attachments[0]
    assert name == "hotdash-sla-2026-W47.csv" and kind == "text/csv"
    assert content.startswith("integration,") and "\nshop," in content
    assert timeouts == [7]


def test_report__once_per_week(report_channel):
    assert sla_report_mail(now=AFTER) == "2026-W47 queued to 1 channel(s)"
    assert sla_report_mail(now=AFTER) == "2026-W47 already sent"
    assert Notification.objects.count() == 1


def test_report__no_report_channel__nothing_queued(mail_channel):
    assert sla_report_mail(now=AFTER).startswith("no recipients")
    assert not Notification.objects.exists()


def test_report__disabled_channel__not_used(report_channel):
    Channel.objects.filter(pk=report_channel.pk).update(enabled=False)
    assert sla_report_mail(now=AFTER).startswith("no recipients")


def test_seed__sla_recipients_become_a_report_channel_no_incident_routes_to(settings):
    # Given SLA_REPORT_RECIPIENTS
    settings.SLA_REPORT_RECIPIENTS = ["ops@hotrodan.test", "cfo@hotrodan.test"]
    # When the seed runs twice (the second time with a changed list)
    assert channels_seed() == 1
    settings.SLA_REPORT_RECIPIENTS = ["ops@hotrodan.test"]
    assert channels_seed() == 0
    # Then one e-mail channel receives the report and no incident, however severe
    channel = Channel.objects.get(name="sla-report")
    assert (channel.kind, channel.recipients) == ("email", "ops@hotrodan.test")
    assert channel.receives_reports and channel.max_severity == 0
    incident = Incident(integration=make_integration("shop"), severity=1)
    assert channel not in channels_for(incident)


def test_seed__no_recipients__no_report_channel(settings):
    settings.SLA_REPORT_RECIPIENTS = []
    channels_seed()
    assert not Channel.objects.filter(name="sla-report").exists()


def test_email__hung_server__retryable_failure(report_channel, monkeypatch):
    # Given a mail server that does not answer within the timeout
    def hung(self, *args, **kwargs):
        raise TimeoutError("timed out")

    monkeypatch.setattr("django.core.mail.backends.locmem.EmailBackend.send_messages", hung)
    # When a report is sent, Then the attempt fails and may be retried
    with pytest.raises(channels.SendFailed) as failed:
        channels.send(report_channel, {"subject": "s", "text": "t", "key": "k"})
    assert failed.value.retryable and "TimeoutError" in failed.value.detail


def test_email__incident_alert__headline_as_subject(mail_channel):
    body = {"text": "[SEV2] #1 shop down: opened", "severity": "SEV2", "summary": "x"}
    channels.send(mail_channel, body)
    [message] = mail.outbox
    assert message.subject == body["text"] and "severity: SEV2" in message.body
    assert message.attachments == []


def test_slack__message_without_severity__still_worded(monkeypatch):
    posted = []
    monkeypatch.setattr(
        channels.SlackWebhookClient, "__init__", lambda self, integration: None, raising=False
    )
    monkeypatch.setattr(
        channels.SlackWebhookClient, "post", lambda self, text, blocks: posted.append(text)
    )
    channel = Channel(name="ops-slack", kind="slack")
    assert channels.send(channel, {"subject": "SLA report", "text": "rows"}) == "ok"
    assert posted == ["SLA report"]
