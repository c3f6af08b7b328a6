"""Delete the `integrations.<slug>.live` feature flags.

Live vs sandbox is `Integration.mode` alone: the flags repeated it, and nothing
read them. Their history stays in the audit trail. Not reversible in content:
going back re-creates nothing (the old seed would create them again, off).
"""

from django.db import migrations


def drop_live_flags(apps, schema_editor):
    FeatureFlag = apps.get_model("approvals", "FeatureFlag")
    FeatureFlag.objects.filter(key__startswith="integrations.", key__endswith=".live").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("approvals", "0003_audit_chain_trigger"),
        ("integrations", "0005_probe_retry_seconds"),
    ]

    operations = [migrations.RunPython(drop_live_flags, migrations.RunPython.noop)]
