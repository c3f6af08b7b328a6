"""Sign every decision (approvals.payload.decision_signature): only signed ones count.

Existing decisions with an approver are signed as they stand (as 0005 re-signed payload
hashes: the database is trusted once, at the migration). Decisions whose approver was
deleted stay unsigned: they no longer counted anyway.
"""

from django.db import migrations, models


def sign_decisions(apps, schema_editor):
    from approvals.payload import decision_signature

    ApprovalDecision = apps.get_model("approvals", "ApprovalDecision")
    for decision in ApprovalDecision.objects.exclude(approver=None).iterator():
        signature = decision_signature(
            request_id=decision.request_id,
            approver_id=decision.approver_id,
            verdict=decision.verdict,
            payload_hash=decision.payload_hash,
        )
        ApprovalDecision.objects.filter(pk=decision.pk).update(signature=signature)


class Migration(migrations.Migration):
    dependencies = [("approvals", "0006_audit_anchor")]

    operations = [
        migrations.AddField(
            model_name="approvaldecision",
            name="signature",
            field=models.CharField(blank=True, default="", max_length=64),
        ),
        migrations.RunPython(sign_decisions, migrations.RunPython.noop),
    ]
