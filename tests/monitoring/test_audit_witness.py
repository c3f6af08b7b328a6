"""The audit trail's head is witnessed outside the database (issue 14 item 4): scraped as
metrics, where a series that goes down is a truncated trail, and written into the weekly
mail with the command that checks it later."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from rest_framework.test import APIClient

from approvals.audit import audit_record
from approvals.models import AuditCheckpoint, AuditEvent
from approvals.tasks import audit_checkpoint_task
from monitoring.models import Channel, Notification
from monitoring.slo.report import audit_witness_line, sla_report_mail

pytestmark = pytest.mark.django_db
AFTER = datetime(2026, 11, 25, tzinfo=UTC)


def metric(text: str, name: str) -> float:
    line = next(line for line in text.splitlines() if line.startswith(name + " "))
    return float(line.split()[1])


def scrape(viewer) -> str:
    api = APIClient()
    api.force_authenticate(viewer)
    return api.get("/metrics").content.decode()


def test_metrics__empty_trail__zeros(viewer):
    assert not AuditEvent.objects.exists()  # a fresh database: nothing audited yet
    text = scrape(viewer)
    assert metric(text, "hotdash_audit_head_seq") == 0
    assert metric(text, "hotdash_audit_checkpoint_number") == 0


def test_metrics__head_seq_and_checkpoint_number__as_stored(viewer):
    for n in range(3):
        audit_record(actor=None, verb="test.event", changes={"n": n})
    audit_checkpoint_task()
    audit_record(actor=None, verb="test.event", changes={"n": 3})

    text = scrape(viewer)

    newest = AuditEvent.objects.order_by("-seq").first()
    assert metric(text, "hotdash_audit_head_seq") == newest.seq
    assert metric(text, "hotdash_audit_checkpoint_number") == AuditCheckpoint.objects.count()
    assert AuditCheckpoint.objects.count() >= 1


def test_weekly_mail__carries_the_head_and_the_command_that_checks_it():
    Channel.objects.create(
        name="sla-report", kind="email", recipients="ops@hotrodan.test", receives_reports=True
    )
    audit_record(actor=None, verb="test.event")
    head = AuditEvent.objects.order_by("-seq").first()

    sla_report_mail(now=AFTER)

    text = Notification.objects.get(event="sla_report").payload["text"]
    assert f"event #{head.seq}, hash {head.hash}" in text
    assert f"--expect-seq {head.seq} --expect-hash {head.hash}" in text


def test_witness_line__empty_trail__says_so():
    assert not AuditEvent.objects.exists()
    assert audit_witness_line() == "Audit trail: empty."
