"""The audit chain: written in the caller's transaction, append-only, and any tampering detected."""

from __future__ import annotations

import contextlib
import io
import threading
from datetime import timedelta
from unittest import mock

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from jingwu.core import audit, context
from jingwu.core.crypto import HASH_ALGORITHM
from jingwu.core.models import AuditLane, AuditLog

pytestmark = pytest.mark.django_db


def _write(n: int, event: str = "test.event") -> list[AuditLog]:
    return [audit.record(event, object_type="test.thing", object_id=str(i), changes={"i": i}) for i in range(n)]


def _raw(sql: str, params: list | None = None) -> None:
    """Raw SQL behind the ORM's back; on PostgreSQL with the append-only trigger switched off."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE core_auditlog DISABLE TRIGGER jingwu_audit_no_update")
        cursor.execute(sql, params or [])
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE core_auditlog ENABLE TRIGGER jingwu_audit_no_update")


# --- Writing ---------------------------------------------------------------------------------


def test_record_is_rolled_back_with_the_callers_transaction():
    _write(1)
    head_before = AuditLane.objects.get().seq

    with pytest.raises(RuntimeError), transaction.atomic():
        audit.record("test.rolled_back")
        raise RuntimeError("the change failed")

    assert not AuditLog.objects.filter(event="test.rolled_back").exists()
    assert AuditLane.objects.get().seq == head_before
    assert audit.verify() == []


def test_record_outside_any_request_names_its_origin_and_actor(org):
    with context.acting(origin="command", user=org.sysadmin):
        row = audit.record("test.from_command")
    row.refresh_from_db()
    assert row.origin == "command"
    assert row.actor_username == "sysadmin"
    assert row.request_id


def test_changing_an_id_number_logs_a_mask_not_the_number(org):
    from jingwu.org.services import person_update
    from jingwu.testing.factories import make_id_number

    old_number = org.person_a.id_number
    new_number = make_id_number(division="110101")
    person_update(actor=org.sysadmin, person=org.person_a, id_number=new_number)

    row = AuditLog.objects.get(event="org.person.update")
    assert row.changes["id_number"] == [audit.SENSITIVE_MARK, audit.SENSITIVE_MARK]
    stored = str(row.changes) + row.object_repr + row.message
    assert new_number not in stored and old_number not in stored


# --- Verification ------------------------------------------------------------------------------


def test_an_untouched_chain_verifies_and_the_command_says_so():
    _write(5)
    out = io.StringIO()
    call_command("audit", "verify", stdout=out)
    assert f"审计链完整 / audit chain intact (5 rows, 1 lanes, algorithm {HASH_ALGORITHM})" in out.getvalue()


def test_an_edited_row_is_detected():
    rows = _write(4)
    _raw("UPDATE core_auditlog SET message = %s WHERE id = %s", ["改过了", rows[1].pk])

    problems = audit.verify()
    assert [(p.kind, p.seq) for p in problems] == [("edited", rows[1].seq)]

    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError) as failure:
        call_command("audit", "verify", stdout=out, stderr=err)
    assert failure.value.returncode != 0
    assert f"edited: lane {rows[1].lane} seq {rows[1].seq}" in err.getvalue()


def test_a_deleted_row_in_the_middle_is_detected():
    rows = _write(5)
    _raw("DELETE FROM core_auditlog WHERE id = %s", [rows[2].pk])
    assert [(p.kind, p.seq) for p in audit.verify()] == [("missing", rows[2].seq)]


def test_a_deleted_last_row_is_detected():
    rows = _write(3)
    _raw("DELETE FROM core_auditlog WHERE id = %s", [rows[-1].pk])
    problems = audit.verify()
    assert [(p.kind, p.seq) for p in problems] == [("missing", rows[-1].seq)]


def test_a_forged_row_is_detected_even_with_a_correct_hash():
    rows = _write(3)
    last = rows[-1]
    forged = AuditLog(
        lane=last.lane,
        seq=last.seq + 1,
        prev_hash=last.hash,
        algorithm=last.algorithm,
        occurred_at=timezone.now(),
        event="auth.login",
        actor_username="intruder",
        changes={},
    )
    forged.hash = audit.row_hash(forged)
    forged.save(force_insert=True)
    assert [(p.kind, p.seq) for p in audit.verify()] == [("inserted", last.seq + 1)]


def test_rows_in_a_lane_without_a_head_are_reported():
    _write(1)
    other_lane = AuditLane.objects.get().lane + 100
    forged = AuditLog(
        lane=other_lane, seq=1, prev_hash=audit.GENESIS, algorithm=HASH_ALGORITHM, occurred_at=timezone.now()
    )
    forged.hash = audit.row_hash(forged)
    forged.save(force_insert=True)
    assert [(p.lane, p.kind) for p in audit.verify()] == [(other_lane, "inserted")]


def test_the_log_refuses_update_delete_truncate_on_postgresql_and_tampering_shows_elsewhere():
    rows = _write(2)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for sql in ("UPDATE core_auditlog SET message = 'x'", "DELETE FROM core_auditlog"):
                with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
                    cursor.execute(sql)
            with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
                cursor.execute("SET LOCAL jingwu.test_truncate = 'off'")
                cursor.execute("TRUNCATE core_auditlog")
        assert AuditLog.objects.count() == 2
        assert audit.verify() == []
    else:
        # SQLite has no trigger: the edit goes through, and the chain exposes it.
        with connection.cursor() as cursor:
            cursor.execute("UPDATE core_auditlog SET message = 'x' WHERE id = %s", [rows[0].pk])
        assert [p.kind for p in audit.verify()] == ["edited"]


# --- Retention ---------------------------------------------------------------------------------


def _write_at(when, n: int) -> list[AuditLog]:
    with mock.patch.object(audit.timezone, "now", return_value=when):
        return _write(n, event="test.old")


def test_purge_removes_only_rows_past_retention_is_audited_and_the_chain_still_verifies(settings):
    now = timezone.now()
    _write_at(now - timedelta(days=settings.AUDIT_RETENTION_DAYS + 30), 3)
    recent = _write(2, event="test.recent")

    deleted = audit.purge_older_than(now - timedelta(days=settings.AUDIT_RETENTION_DAYS + 1))

    assert deleted == 3
    assert not AuditLog.objects.filter(event="test.old").exists()
    assert set(AuditLog.objects.filter(event="test.recent").values_list("pk", flat=True)) == {r.pk for r in recent}
    purge_row = AuditLog.objects.get(event="audit.purge")
    assert purge_row.changes["deleted"] == 3
    assert audit.verify() == []
    # Rows written after the purge keep chaining from the anchor.
    _write(1, event="test.after")
    assert audit.verify() == []


def test_purge_refuses_rows_younger_than_retention(settings):
    _write_at(timezone.now() - timedelta(days=10), 2)
    with pytest.raises(ValueError):
        audit.purge_older_than(timezone.now() - timedelta(days=5))
    recent_day = (timezone.localdate() - timedelta(days=settings.AUDIT_RETENTION_DAYS - 1)).isoformat()
    with pytest.raises(CommandError, match="180"):
        call_command("audit", "purge", "--before", recent_day, stdout=io.StringIO())
    assert AuditLog.objects.filter(event="test.old").count() == 2
    assert not AuditLog.objects.filter(event="audit.purge").exists()


def test_purge_command_deletes_old_rows_and_records_itself_as_a_command(settings):
    _write_at(timezone.now() - timedelta(days=settings.AUDIT_RETENTION_DAYS + 60), 4)
    before = (timezone.localdate() - timedelta(days=settings.AUDIT_RETENTION_DAYS + 5)).isoformat()
    out = io.StringIO()
    call_command("audit", "purge", "--before", before, stdout=out)
    assert "已清理 4 条" in out.getvalue()
    row = AuditLog.objects.get(event="audit.purge")
    assert row.origin == "command"
    call_command("audit", "verify", stdout=io.StringIO())


def test_purge_command_rejects_a_malformed_date():
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("audit", "purge", "--before", "2024/01/01", stdout=io.StringIO())


# --- Concurrency -------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_keep_every_chain_intact():
    threads_n, per_thread = 8, 50
    barrier = threading.Barrier(threads_n)
    errors: list[str] = []
    # SQLite's in-memory test database (shared cache) answers a concurrent writer with "table is
    # locked" instead of waiting as a file database does (busy_timeout); there the threads take
    # turns per transaction, still interleaving across lanes. PostgreSQL runs them truly at once.
    turns = threading.Lock() if connection.vendor == "sqlite" else contextlib.nullcontext()

    def writer(t: int) -> None:
        try:
            barrier.wait(timeout=10)
            for i in range(per_thread):
                with turns, transaction.atomic():
                    audit.record("test.concurrent", object_type="test.thread", object_id=f"{t}-{i}")
        except Exception as exc:  # any failure must fail the test, with its cause
            errors.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=writer, args=(t,)) for t in range(threads_n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    rows = list(AuditLog.objects.filter(event="test.concurrent").values_list("lane", "seq"))
    assert len(rows) == threads_n * per_thread
    assert len(set(rows)) == len(rows)
    assert audit.verify() == []
