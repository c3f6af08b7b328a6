"""Anchor the audit trail outside the database (approvals.audit.anchor).

1. Checkpoints get a number (1, 2, 3…), `legacy_through` and a signature under the audit
   key; their time is set by the application (it is signed), no longer by auto_now_add.
2. Every event so far was hashed with an unkeyed sha256 body: they stay as they are, and
   the signed checkpoints name the last of them (`legacy_through`, the head now). Events
   after it must carry a keyed body.
3. Existing checkpoints are numbered in seq order and signed if the event at their seq
   still carries their hash; one that does not is left unsigned (verification reports it).
   A checkpoint of the head now is added, so the legacy events are anchored by a signature.
4. PostgreSQL refuses UPDATE, DELETE and TRUNCATE on checkpoints, as on events (0002).
"""

import django.utils.timezone
from django.db import migrations, models

TRIGGERS = r"""
DROP TRIGGER IF EXISTS approvals_auditcheckpoint_no_change ON approvals_auditcheckpoint;
CREATE TRIGGER approvals_auditcheckpoint_no_change
    BEFORE UPDATE OR DELETE ON approvals_auditcheckpoint
    FOR EACH ROW EXECUTE FUNCTION approvals_audit_append_only();
DROP TRIGGER IF EXISTS approvals_auditcheckpoint_no_truncate ON approvals_auditcheckpoint;
CREATE TRIGGER approvals_auditcheckpoint_no_truncate
    BEFORE TRUNCATE ON approvals_auditcheckpoint
    FOR EACH STATEMENT EXECUTE FUNCTION approvals_audit_append_only();
"""

DROP_TRIGGERS = r"""
DROP TRIGGER IF EXISTS approvals_auditcheckpoint_no_change ON approvals_auditcheckpoint;
DROP TRIGGER IF EXISTS approvals_auditcheckpoint_no_truncate ON approvals_auditcheckpoint;
"""


def _on_postgresql(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, params=None)

    return run


def sign_checkpoints(apps, schema_editor):
    from django.utils import timezone

    from approvals.audit.anchor import checkpoint_signature

    AuditEvent = apps.get_model("approvals", "AuditEvent")
    AuditCheckpoint = apps.get_model("approvals", "AuditCheckpoint")
    head = AuditEvent.objects.order_by("-seq").values_list("seq", "hash").first()
    legacy = head[0] if head else 0
    number = 0
    for checkpoint in AuditCheckpoint.objects.order_by("seq", "id"):
        number += 1
        seen = AuditEvent.objects.filter(seq=checkpoint.seq).values_list("hash", flat=True)
        signature = ""
        if seen.first() == checkpoint.head_hash:
            signature = checkpoint_signature(
                number=number,
                seq=checkpoint.seq,
                head_hash=checkpoint.head_hash,
                at=checkpoint.at,
                legacy_through=legacy,
            )
        AuditCheckpoint.objects.filter(pk=checkpoint.pk).update(
            number=number, legacy_through=legacy, signature=signature
        )
    if head and not AuditCheckpoint.objects.filter(seq=head[0], head_hash=head[1]).exists():
        fields = {"number": number + 1, "seq": head[0], "head_hash": head[1]}
        fields.update(at=timezone.now(), legacy_through=legacy)
        AuditCheckpoint.objects.create(**fields, signature=checkpoint_signature(**fields))


class Migration(migrations.Migration):
    dependencies = [("approvals", "0005_payload_hash_keyed")]

    operations = [
        migrations.AddField(
            model_name="auditcheckpoint",
            name="number",
            field=models.BigIntegerField(null=True),
        ),
        migrations.AddField(
            model_name="auditcheckpoint",
            name="legacy_through",
            field=models.BigIntegerField(
                default=0, help_text="The last event hashed before the audit key (unkeyed)."
            ),
        ),
        migrations.AddField(
            model_name="auditcheckpoint",
            name="signature",
            field=models.CharField(blank=True, max_length=64, default=""),
        ),
        migrations.AlterField(
            model_name="auditcheckpoint",
            name="at",
            field=models.DateTimeField(default=django.utils.timezone.now),
        ),
        migrations.AlterModelOptions(name="auditcheckpoint", options={"ordering": ["-number"]}),
        migrations.RunPython(sign_checkpoints, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="auditcheckpoint",
            name="number",
            field=models.BigIntegerField(unique=True, help_text="1, 2, 3…: a gap is a deletion."),
        ),
        migrations.RunPython(
            _on_postgresql(TRIGGERS), _on_postgresql(DROP_TRIGGERS), elidable=False
        ),
    ]
