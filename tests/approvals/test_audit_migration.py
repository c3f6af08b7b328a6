"""Migration 0006 anchors a trail written before the audit key, and `audit_db_roles`."""

from __future__ import annotations

import importlib
import io

import pytest
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError

from approvals.audit import Actor, audit_record, audit_verify
from approvals.models import AuditCheckpoint, AuditEvent
from tests.approvals.conftest import tampering
from tests.security.test_audit_anchor import appending_without_the_key

sign_checkpoints = importlib.import_module(
    "approvals.migrations.0006_audit_anchor"
).sign_checkpoints


def unkeyed_trail(n: int) -> None:
    with appending_without_the_key():
        for i in range(n):
            audit_record(actor=Actor.system("t"), verb="old.event", target=f"x.Thing:{i}")


def old_checkpoint(seq: int, number: int) -> None:
    """A checkpoint as 0001 wrote it: no number (here a placeholder), no signature."""
    head_hash = AuditEvent.objects.get(seq=seq).hash
    AuditCheckpoint.objects.create(number=number, seq=seq, head_hash=head_hash, signature="")


@pytest.mark.django_db
def test_migration__unkeyed_trail__is_numbered_signed_and_anchored_at_its_head():
    # Given 8 events hashed before the key, with unsigned checkpoints at #3 and #6
    unkeyed_trail(3)
    old_checkpoint(3, 1001)
    unkeyed_trail(3)
    old_checkpoint(6, 1002)
    unkeyed_trail(2)
    assert not audit_verify().ok
    # When the migration runs
    with tampering():
        sign_checkpoints(apps, None)
    # Then the checkpoints are 1, 2 and a new 3 at the head, all naming #8 the last unkeyed
    rows = AuditCheckpoint.objects.order_by("number").values_list("number", "seq", "legacy_through")
    assert list(rows) == [(1, 3, 8), (2, 6, 8), (3, 8, 8)]
    # And the trail verifies, keyed events after it too
    audit_record(actor=Actor.system("t"), verb="new.event")
    report = audit_verify()
    assert (report.ok, report.checked, report.checkpoint_seq) == (True, 9, 8)


@pytest.mark.django_db
def test_migration__checkpoint_that_no_longer_matches__is_left_unsigned_and_reported():
    unkeyed_trail(3)
    old_checkpoint(3, 1001)
    with tampering():
        AuditCheckpoint.objects.update(head_hash="d" * 64)  # someone rewrote it before
        sign_checkpoints(apps, None)
    assert AuditCheckpoint.objects.get(number=1).signature == ""
    assert audit_verify().first_break.kind == "checkpoint_forged"


def test_db_roles_command__prints_insert_only_audit_tables_and_no_more_for_the_app():
    out = io.StringIO()
    call_command("audit_db_roles", "--app", "web", "--owner", "mig", "--database", "hd", stdout=out)
    text = out.getvalue()
    assert (
        "REVOKE UPDATE, DELETE ON approvals_auditevent, approvals_auditcheckpoint FROM web;" in text
    )
    assert "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO web;" in text
    assert "CREATE DATABASE hd OWNER mig;" in text
    assert "TRUNCATE" not in text and "TRIGGER" not in text and "ALL PRIVILEGES" not in text


def test_db_roles_command__a_name_that_is_not_a_plain_identifier__is_refused():
    with pytest.raises(CommandError, match="plain lower-case SQL identifier"):
        call_command("audit_db_roles", "--app", "web; DROP TABLE x")
