"""PostgreSQL refuses UPDATE, DELETE and TRUNCATE on the audit trail.

Only on PostgreSQL (SQLite, the demo database, relies on the application and
the hash chain). One exemption, for TRUNCATE only: databases named `test_*`,
which Django's test runner empties with TRUNCATE between tests; a test can still
prove the refusal there with `SET LOCAL hotdash.audit_strict = 'on'`.
"""

from django.db import migrations

FORWARD = r"""
CREATE OR REPLACE FUNCTION approvals_audit_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'TRUNCATE'
       AND current_database() LIKE 'test\_%'
       AND coalesce(current_setting('hotdash.audit_strict', true), '') <> 'on' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'the audit trail is append-only: % refused on %', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

DROP TRIGGER IF EXISTS approvals_auditevent_no_change ON approvals_auditevent;
CREATE TRIGGER approvals_auditevent_no_change
    BEFORE UPDATE OR DELETE ON approvals_auditevent
    FOR EACH ROW EXECUTE FUNCTION approvals_audit_append_only();

DROP TRIGGER IF EXISTS approvals_auditevent_no_truncate ON approvals_auditevent;
CREATE TRIGGER approvals_auditevent_no_truncate
    BEFORE TRUNCATE ON approvals_auditevent
    FOR EACH STATEMENT EXECUTE FUNCTION approvals_audit_append_only();
"""

BACKWARD = r"""
DROP TRIGGER IF EXISTS approvals_auditevent_no_change ON approvals_auditevent;
DROP TRIGGER IF EXISTS approvals_auditevent_no_truncate ON approvals_auditevent;
DROP FUNCTION IF EXISTS approvals_audit_append_only();
"""


def _on_postgresql(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [("approvals", "0001_initial")]

    operations = [
        migrations.RunPython(_on_postgresql(FORWARD), _on_postgresql(BACKWARD), elidable=False),
    ]
