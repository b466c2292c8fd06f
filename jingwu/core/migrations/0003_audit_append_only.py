"""On PostgreSQL, refuse UPDATE, DELETE and TRUNCATE on the audit log.

The only exception is the audited retention purge, which sets ``jingwu.audit_purge`` for its own
transaction and may delete rows only (never update them). SQLite has no such guard; the hash chain
still exposes any edit there.
"""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION jingwu_audit_guard() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' AND current_setting('jingwu.audit_purge', true) = 'on' THEN
        RETURN OLD;
    END IF;
    -- Test databases only (set by the test suite's conftest with ALTER DATABASE): let the test
    -- runner's flush empty the table between tests. Production databases never carry it.
    IF TG_OP = 'TRUNCATE' AND current_setting('jingwu.test_truncate', true) = 'on' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'audit log is append-only (% refused)', TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER jingwu_audit_no_update BEFORE UPDATE OR DELETE ON core_auditlog
    FOR EACH ROW EXECUTE FUNCTION jingwu_audit_guard();
CREATE TRIGGER jingwu_audit_no_truncate BEFORE TRUNCATE ON core_auditlog
    FOR EACH STATEMENT EXECUTE FUNCTION jingwu_audit_guard();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS jingwu_audit_no_update ON core_auditlog;
DROP TRIGGER IF EXISTS jingwu_audit_no_truncate ON core_auditlog;
DROP FUNCTION IF EXISTS jingwu_audit_guard();
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD, params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD, params=None)


class Migration(migrations.Migration):
    dependencies = [("core", "0002_initial")]
    operations = [migrations.RunPython(forward, backward)]
