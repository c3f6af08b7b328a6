"""PostgreSQL links every audit event into the chain as it is inserted.

A BEFORE INSERT trigger takes the chain's advisory lock (held until commit),
reads the head, and sets seq, prev_hash, at and hash, where the application
supplies the body digest in `hash` (approvals.audit.chain explains the
formula). One statement per append, so the lock is held for the insert and
its commit only; and no insert, from any code path, can fork the chain.
Each statement of a VOLATILE PL/pgSQL function takes a fresh snapshot in READ
COMMITTED, so the head read after the lock sees the previous holder's commit.
SQLite computes the same in Python (approvals.audit.record).
"""

from django.db import migrations

CHAIN_LOCK_KEY = 0x48444155  # approvals.audit.record.CHAIN_LOCK_KEY

FORWARD = f"""
CREATE OR REPLACE FUNCTION approvals_audit_chain() RETURNS trigger AS $$
DECLARE
    head RECORD;
BEGIN
    PERFORM pg_advisory_xact_lock({CHAIN_LOCK_KEY});
    SELECT seq, hash INTO head FROM approvals_auditevent ORDER BY seq DESC LIMIT 1;
    IF FOUND THEN
        NEW.seq := head.seq + 1;
        NEW.prev_hash := head.hash;
    ELSE
        NEW.seq := 1;
        NEW.prev_hash := repeat('0', 64);
    END IF;
    NEW.at := clock_timestamp();
    NEW.hash := encode(sha256(convert_to(
        NEW.prev_hash || '|' || NEW.seq || '|'
        || to_char(NEW.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
        || '|' || NEW.hash, 'UTF8')), 'hex');
    RETURN NEW;
END;
$$ LANGUAGE plpgsql VOLATILE;

DROP TRIGGER IF EXISTS approvals_auditevent_chain ON approvals_auditevent;
CREATE TRIGGER approvals_auditevent_chain
    BEFORE INSERT ON approvals_auditevent
    FOR EACH ROW EXECUTE FUNCTION approvals_audit_chain();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS approvals_auditevent_chain ON approvals_auditevent;
DROP FUNCTION IF EXISTS approvals_audit_chain();
"""


def _on_postgresql(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [("approvals", "0002_audit_append_only")]

    operations = [
        migrations.RunPython(_on_postgresql(FORWARD), _on_postgresql(BACKWARD), elidable=False),
    ]
