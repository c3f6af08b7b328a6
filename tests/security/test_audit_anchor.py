"""The audit trail against its own table owner (issue 14 item 4).

With the application's database role one could disable the append-only trigger and delete
the tail, delete checkpoints, append a forged event with a correct digest, or rewrite an
event and re-chain the rest, and `audit_verify` said "intact". Now the events' digests and
the checkpoints' signatures are HMACs under a key the database does not hold
(APPROVALS_AUDIT_KEY, by default derived from SECRET_KEY), checkpoints are numbered, and a
head seen outside the database (the log line, the metrics, the weekly mail) can be given
as a witness. One test per hostile case; the database writer never has the key.

On PostgreSQL the tampering goes past the triggers as the table owner could
(`ALTER TABLE … DISABLE TRIGGER`, tests.approvals.conftest.tampering); the
least-privilege roles (`manage.py audit_db_roles`) take even that from the application.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import logging
import os
import subprocess
import sys
import uuid
from pathlib import Path
from unittest import mock

import psycopg
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import timezone

from approvals.audit import Actor, Witness, audit_checkpoint_write, audit_record, audit_verify
from approvals.audit.anchor import checkpoint_text
from approvals.audit.chain import chain_hash, legacy_body_digest
from approvals.audit.db_roles import db_role_sql
from approvals.models import AuditCheckpoint, AuditEvent
from approvals.selectors import audit_head
from tests.approvals.conftest import on_postgres, tampering  # noqa: F401 (a fixture)

ROOT = Path(__file__).resolve().parents[2]


def record(n: int) -> list[AuditEvent]:
    return [
        audit_record(actor=Actor.system("t"), verb="thing.done", target=f"x.Thing:{i}")
        for i in range(n)
    ]


def unkeyed_hash(event: AuditEvent) -> str:
    """The hash a database writer can compute: the chain formula with an unkeyed body."""
    return chain_hash(event.prev_hash, event.seq, event.at, legacy_body_digest(event))


def appending_without_the_key():
    """Append through the application's own code path, but with the digest a database
    writer can compute (no key): what a forged INSERT with a correct digest stores."""
    return mock.patch.multiple(
        "approvals.audit.record", body_digest=legacy_body_digest, event_hash=unkeyed_hash
    )


def rechain_from(seq: int, through: int | None = None) -> None:
    """Recompute prev_hash and hash from `seq` to `through` (or the head), as a database
    writer can: with an unkeyed body digest."""
    prev = AuditEvent.objects.filter(seq=seq - 1).values_list("hash", flat=True).first()
    events = AuditEvent.objects.filter(seq__gte=seq, seq__lte=through or 2**62).order_by("seq")
    for event in events:
        event.prev_hash = prev or "0" * 64
        event.hash = prev = unkeyed_hash(event)
        AuditEvent.objects.filter(pk=event.pk).update(prev_hash=event.prev_hash, hash=event.hash)


def kind_of(report) -> tuple[str, int] | None:
    return (report.first_break.kind, report.first_break.seq) if report.first_break else None


# -- on SQLite and PostgreSQL -----------------------------------------------------------


@pytest.mark.django_db
def test_tail_deleted__below_the_last_signed_checkpoint__is_truncated():
    # Given 10 events checkpointed, When the owner deletes the last 3
    record(10)
    audit_checkpoint_write()
    with tampering():
        AuditEvent.objects.filter(seq__gte=8).delete()
    # Then verification names the truncation
    assert kind_of(audit_verify()) == ("truncated", 8)


@pytest.mark.django_db
def test_checkpoint_deleted__leaves_a_gap_in_the_numbers():
    # Given three signed checkpoints, When the owner deletes the second
    for _ in range(3):
        record(2)
        audit_checkpoint_write()
    with tampering():
        AuditCheckpoint.objects.filter(number=2).delete()
    # Then the gap is reported, though every event is intact
    report = audit_verify()
    assert kind_of(report) == ("checkpoint_deleted", 6)
    assert "checkpoint(s) 2 missing" in report.first_break.detail


@pytest.mark.django_db
def test_forged_append__with_a_correct_unkeyed_digest__is_detected_even_once_checkpointed():
    # Given an intact trail, When a writer appends an event whose digest is the correct
    # sha256 of its body, linked to the head (on PostgreSQL by the trigger itself)
    record(3)
    with appending_without_the_key():
        audit_record(actor=Actor.system("approvals-sweeper"), verb="approval.approve")
    # And the checkpoint job then signs the head it finds
    assert audit_checkpoint_write().seq == 4
    # Then the forged event is reported: its hash is not the keyed one
    assert kind_of(audit_verify()) == ("edited", 4)


@pytest.mark.django_db
def test_rewrite_and_rechain__with_the_checkpoints_after_it_deleted__is_detected():
    # Given 30 events, checkpointed every 10
    for _ in range(3):
        record(10)
        audit_checkpoint_write()
    # When the owner rewrites #20, re-chains #20..#30 and deletes the checkpoints after #19
    with tampering():
        AuditEvent.objects.filter(seq=20).update(reason="nothing happened")
        rechain_from(20)
        AuditCheckpoint.objects.filter(seq__gte=20).delete()
    # Then #20 is reported: nobody without the key can give it a hash that verifies
    assert kind_of(audit_verify()) == ("edited", 20)


@pytest.mark.django_db
def test_rewrite_and_rechain__of_events_written_before_the_key__breaks_the_signed_checkpoint():
    # Given events written before the audit key (unkeyed), anchored by migration 0006's
    # signed checkpoint, then keyed events after
    with appending_without_the_key():
        record(10)
    anchor_legacy_events()
    record(3)
    assert audit_verify().ok
    # When the owner rewrites #5 and re-chains the unkeyed part (#5..#10)
    with tampering():
        AuditEvent.objects.filter(seq=5).update(reason="nothing happened")
        rechain_from(5, through=10)
    # Then the signed checkpoint at #10 no longer matches (nor can #11 be re-linked)
    assert kind_of(audit_verify()) == ("rewritten", 10)


@pytest.mark.parametrize(
    "signature",
    [
        pytest.param(lambda text: "", id="unsigned"),
        pytest.param(lambda text: hashlib.sha256(text.encode()).hexdigest(), id="sha256"),
        pytest.param(
            lambda text: hmac.new(b"guess", text.encode(), hashlib.sha256).hexdigest(),
            id="hmac-wrong-key",
        ),
    ],
)
@pytest.mark.django_db
def test_forged_checkpoint__is_refused(signature):
    # Given a checkpointed trail, When a writer adds a checkpoint of a head of their own
    record(4)
    audit_checkpoint_write()
    at = timezone.now()
    text = checkpoint_text(2, 4, "f" * 64, at, 0)
    AuditCheckpoint.objects.create(
        number=2, seq=4, head_hash="f" * 64, at=at, signature=signature(text)
    )
    # Then verification refuses it
    assert kind_of(audit_verify()) == ("checkpoint_forged", 4)


@pytest.mark.django_db
def test_checkpoint_edited__to_match_a_rewritten_head__is_refused():
    record(4)
    audit_checkpoint_write()
    with tampering():
        AuditCheckpoint.objects.filter(number=1).update(head_hash="e" * 64)
    assert kind_of(audit_verify()) == ("checkpoint_forged", 4)


@pytest.mark.django_db
def test_tail_and_newest_checkpoints_deleted__pass_unseen_without_a_witness_and_fail_with_one():
    # Given 6 events, checkpointed at #3 and #6, and the #6 checkpoint's log line kept
    record(3)
    audit_checkpoint_write()
    record(3)
    logged = audit_checkpoint_write()
    # When the owner deletes #4..#6 and the checkpoint that saw them
    with tampering():
        AuditEvent.objects.filter(seq__gte=4).delete()
        AuditCheckpoint.objects.filter(number=2).delete()
    # Then the database alone cannot tell (the documented limit)
    assert audit_verify().ok
    # But the head witnessed outside the database can
    witness = Witness(seq=logged.seq, hash=logged.head_hash)
    assert kind_of(audit_verify(witness=witness)) == ("truncated", 4)


@pytest.mark.django_db
def test_witness__the_whole_trail_deleted__is_detected_only_against_it():
    record(3)
    logged = audit_checkpoint_write()
    with tampering():
        AuditEvent.objects.all().delete()
        AuditCheckpoint.objects.all().delete()
    record(5)  # the application goes on writing a new, consistent trail
    assert audit_verify().ok
    witness = Witness(seq=logged.seq, hash=logged.head_hash[:16])
    assert kind_of(audit_verify(witness=witness)) == ("rewritten", 3)


@pytest.mark.django_db
def test_checkpoint__is_logged_with_its_number_seq_and_head(caplog):
    record(2)
    with caplog.at_level(logging.INFO, logger="approvals.audit"):
        checkpoint = audit_checkpoint_write()
    line = f"audit checkpoint n=1 seq=2 head={checkpoint.head_hash} at="
    assert any(message.startswith(line) for message in caplog.messages)


@pytest.mark.django_db
def test_audit_head__is_the_newest_event_and_the_last_checkpoint_number():
    assert audit_head() is None
    *_, last = record(3)
    audit_checkpoint_write()
    head = audit_head()
    assert (head.seq, head.hash, head.at, head.checkpoint) == (3, last.hash, last.at, 1)


@pytest.mark.django_db
def test_command__witness_from_the_log__passes_and_then_catches_the_truncation():
    record(3)
    logged = audit_checkpoint_write()
    args = ["--expect-seq", str(logged.seq), "--expect-hash", logged.head_hash]
    out = io.StringIO()
    call_command("audit_verify", *args, stdout=out)
    assert "witness #3 matches" in out.getvalue()
    with tampering():
        AuditEvent.objects.filter(seq=3).delete()
        AuditCheckpoint.objects.all().delete()
    with pytest.raises(CommandError) as caught:
        call_command("audit_verify", *args)
    assert caught.value.returncode == 1 and "#3 (truncated)" in str(caught.value)


def anchor_legacy_events() -> None:
    """What migration 0006 does on a trail of unkeyed events: sign a checkpoint of the head
    naming it the last unkeyed event."""
    from importlib import import_module

    from django.apps import apps

    import_module("approvals.migrations.0006_audit_anchor").sign_checkpoints(apps, None)


# -- PostgreSQL: least privilege --------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.usefixtures("on_postgres")
def test_db_roles__the_application_role__cannot_alter_update_delete_or_truncate_the_audit_trail():
    # Given a throwaway database set up with `manage.py audit_db_roles`, migrated by the owner
    suffix = uuid.uuid4().hex[:8]
    owner, app, database = f"hd_owner_{suffix}", f"hd_app_{suffix}", f"hd_roles_{suffix}"
    parts = db_role_sql(owner=owner, app=app, database=database)
    try:
        run(superuser_url("postgres"), parts[0][1])
        run(superuser_url(database), parts[1][1])
        migrate(role_url(owner, database))
        run(role_url(owner, database), parts[2][1])
        # When the application's role tries to tamper
        with psycopg.connect(role_url(app, database), autocommit=True) as conn:
            conn.execute(
                "INSERT INTO approvals_auditevent (seq, at, prev_hash, hash, actor_type, "
                "actor_name, actor_snapshot, verb, target_type, target_id, target_repr, "
                "request_id, changes, outcome, reason) VALUES (0, now(), '', %s, 'system', "
                "'t', '{}', 'a.b', '', '', '', '', '{}', 'success', '')",
                ["0" * 64],
            )
            assert conn.execute("SELECT count(*) FROM approvals_auditevent").fetchone() == (1,)
            conn.execute("UPDATE approvals_featureflag SET enabled = false")  # rows: allowed
            # Then the database refuses every statement that could rewrite history
            for statement, refusal in HOSTILE:
                with pytest.raises(psycopg.errors.InsufficientPrivilege, match=refusal):
                    conn.execute(statement)
            assert conn.execute("SELECT count(*) FROM approvals_auditevent").fetchone() == (1,)
    finally:
        run(
            superuser_url("postgres"),
            [
                f"DROP DATABASE IF EXISTS {database} WITH (FORCE)",
                f"DROP ROLE IF EXISTS {app}",
                f"DROP ROLE IF EXISTS {owner}",
            ],
        )


HOSTILE = [
    (
        "ALTER TABLE approvals_auditevent DISABLE TRIGGER approvals_auditevent_no_change",
        "must be owner",
    ),
    ("ALTER TABLE approvals_auditevent DISABLE TRIGGER ALL", "must be owner"),
    ("DELETE FROM approvals_auditevent", "permission denied"),
    ("UPDATE approvals_auditevent SET reason = 'x'", "permission denied"),
    ("TRUNCATE approvals_auditevent", "permission denied"),
    ("DELETE FROM approvals_auditcheckpoint", "permission denied"),
    ("UPDATE approvals_auditcheckpoint SET seq = 0", "permission denied"),
    ("DROP TABLE approvals_auditcheckpoint", "must be owner"),
    ("CREATE TABLE approvals_shadow (id int)", "permission denied"),
    (
        "CREATE TRIGGER t BEFORE INSERT ON approvals_auditevent "
        "FOR EACH ROW EXECUTE FUNCTION approvals_audit_chain()",
        "permission denied|must be owner",
    ),
]


def superuser_url(database: str) -> str:
    settings = connection.settings_dict
    password = f":{settings['PASSWORD']}" if settings.get("PASSWORD") else ""
    host, port = settings.get("HOST") or "127.0.0.1", settings.get("PORT") or 5432
    return f"postgresql://{settings['USER']}{password}@{host}:{port}/{database}"


def role_url(role: str, database: str) -> str:
    """The role connects without a password: the test server trusts local connections."""
    settings = connection.settings_dict
    host, port = settings.get("HOST") or "127.0.0.1", settings.get("PORT") or 5432
    return f"postgresql://{role}@{host}:{port}/{database}"


def run(url: str, statements: list[str]) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement)


def migrate(url: str) -> None:
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "hotdash.settings.test"}
    env.pop("REDIS_URL", None)
    done = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--no-input", "-v", "0"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
