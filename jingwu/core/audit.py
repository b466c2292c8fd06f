"""Append-only, hash-chained audit log, written inside the caller's transaction.

Every row's hash covers the previous row's hash of its lane and its own content. Writers are spread
over ``settings.AUDIT_LANES`` chains, each with a locked head row: a writer keeps its lane and moves
to a free one when another transaction holds it (``_lock_lane``), so that concurrent transactions do
not queue behind one lock; ``verify()`` walks every lane.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.db import connection, models, transaction
from django.utils import timezone

from . import context, inserts
from .crypto import HASH_ALGORITHM
from .models import AuditLane, AuditLog

GENESIS = "0" * 64
SENSITIVE_MARK = "***"


def _digest(algorithm: str, text: str) -> str:
    return hashlib.new(algorithm, text.encode("utf-8")).hexdigest()


def _content(row: AuditLog) -> str:
    body = {
        "lane": row.lane,
        "seq": row.seq,
        "prev": row.prev_hash,
        "at": row.occurred_at.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor": row.actor_id,
        "username": row.actor_username,
        "name": row.actor_name,
        "event": row.event,
        "otype": row.object_type,
        "oid": row.object_id,
        "orepr": row.object_repr,
        "changes": row.changes,
        "ip": row.ip,
        "rid": row.request_id,
        "origin": row.origin,
        "ok": row.success,
        "msg": row.message,
    }
    return json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


def row_hash(row: AuditLog) -> str:
    return _digest(row.algorithm, _content(row))


_writer = threading.local()


def _lane_count() -> int:
    return max(1, int(getattr(settings, "AUDIT_LANES", 8)))


def _lane_for_writer() -> int:
    """The lane this writer (process/thread) last wrote to, or its first guess from its ids."""
    lane = getattr(_writer, "lane", None)
    if lane is None or lane >= _lane_count():
        lane = (os.getpid() * 31 + threading.get_ident()) % _lane_count()
    return lane


LANE_LOCK_CLASS = 0x4A57  # advisory-lock namespace of the lanes being created


def _claim_new_lane(number: int) -> bool:
    """Whether this transaction may create lane ``number``: on PostgreSQL a writer creating the same
    lane would hold its uncommitted row and make this one wait, so creators claim the number first
    (a transaction-scoped advisory lock, tried without waiting). SQLite has one writer at a time."""
    if connection.vendor != "postgresql":
        return True
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s, %s)", [LANE_LOCK_CLASS, number])
        return bool(cursor.fetchone()[0])


def _lock_lane() -> AuditLane:
    """Lock a chain head for this transaction: the writer's own lane when it is free, else a free lane
    (``SKIP LOCKED``, picked at random), else a lane not created yet, else wait for the writer's own. The writer then
    keeps the lane it got, so N concurrent writers settle on N different lanes instead of queueing
    behind the ones whose ids happen to collide. A lane this transaction already holds is never
    skipped (PostgreSQL skips only other transactions' locks), so one transaction stays on one lane."""
    count, mine = _lane_count(), _lane_for_writer()
    free = _lock_free_lane(count, mine)
    if free is None:
        existing = set(AuditLane.objects.filter(lane__lt=count).values_list("lane", flat=True))
        missing = [n for n in [mine, *range(count)] if n not in existing]
        created = next((n for n in dict.fromkeys(missing) if _claim_new_lane(n)), None)
        if created is not None:
            AuditLane.objects.get_or_create(lane=created)
            mine = created
        free = AuditLane.objects.select_for_update().get(lane=mine)
    assert free is not None
    _writer.lane = free.lane
    return free


def _lock_free_lane(count: int, mine: int) -> AuditLane | None:
    """The writer's own lane if no other transaction holds it, else a free one at random (less likely
    to be some other writer's own), locked; None when every existing lane is held."""
    if connection.vendor == "postgresql":
        # The statement of every audited write, written out: the ORM spent about a millisecond
        # building it (CASE, random order, FOR UPDATE) each time.
        with connection.cursor() as cursor:
            cursor.execute(_sql()["lock"], [count, mine])
            got = cursor.fetchone()
        if got is None:
            return None
        lane = AuditLane(lane=got[0], seq=got[1], head_hash=got[2])
        lane._state.adding, lane._state.db = False, connection.alias
        return lane
    return (
        AuditLane.objects.select_for_update(skip_locked=True)
        .filter(lane__lt=count)
        .annotate(_other=models.Case(models.When(lane=mine, then=0), default=1))
        .order_by("_other", "?")
        .first()
    )


_SQL: dict[str, str] = {}


def _sql() -> dict[str, str]:
    """PostgreSQL statements of the audit write, built once per process from the models' tables."""
    if not _SQL:
        q = connection.ops.quote_name
        lanes = q(AuditLane._meta.db_table)
        insert_row, _fields = inserts.statement(AuditLog, connection.alias)  # … RETURNING id
        _SQL["lock"] = (
            f"SELECT lane, seq, head_hash FROM {lanes} WHERE lane < %s "  # noqa: S608 (quoted table names)
            "ORDER BY lane <> %s, random() LIMIT 1 FOR UPDATE SKIP LOCKED"
        )
        # The row and the new chain head in one statement (one round trip instead of two).
        _SQL["append"] = (
            f"WITH appended AS ({insert_row}) "  # noqa: S608
            f"UPDATE {lanes} SET seq = %s, head_hash = %s WHERE lane = %s RETURNING (SELECT id FROM appended)"
        )
    return _SQL


def _append(row: AuditLog) -> None:
    """Insert ``row`` and move its lane's head to it (the lane is locked by this transaction)."""
    if connection.vendor == "postgresql":
        _sql_text, fields = inserts.statement(AuditLog, connection.alias)
        with connection.cursor() as cursor:
            cursor.execute(_sql()["append"], [*inserts.values(row, fields, connection), row.seq, row.hash, row.lane])
            row.id = cursor.fetchone()[0]
        row._state.adding, row._state.db = False, connection.alias
        return
    row.save(force_insert=True)
    AuditLane.objects.filter(lane=row.lane).update(seq=row.seq, head_hash=row.hash)


def _object_fields(obj: Any) -> tuple[str, str, str]:
    if obj is None:
        return "", "", ""
    if isinstance(obj, models.Model):
        return obj._meta.label_lower, str(obj.pk), str(obj)[:200]
    return type(obj).__name__, "", str(obj)[:200]


def record(
    event: str,
    *,
    obj: Any = None,
    actor: Any = None,
    changes: dict[str, Any] | None = None,
    success: bool = True,
    message: str = "",
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
) -> AuditLog:
    """Append one audit row in the current transaction (opening one if there is none)."""
    ctx = context.current()
    actor = actor if actor is not None else ctx.user
    otype, oid, orepr = _object_fields(obj)
    person = getattr(actor, "person", None) if actor is not None else None
    # No savepoint of its own inside the caller's transaction: a failed audit row fails the change.
    with transaction.atomic(savepoint=False):
        lane = _lock_lane()
        lane_no = lane.lane
        row = AuditLog(
            lane=lane_no,
            seq=lane.seq + 1,
            prev_hash=lane.head_hash or GENESIS,
            algorithm=HASH_ALGORITHM,
            occurred_at=timezone.now(),
            actor_id=getattr(actor, "pk", None),
            actor_username=getattr(actor, "username", "") or "",
            actor_name=(getattr(person, "name", "") or "") if person is not None else "",
            event=event,
            object_type=object_type or otype,
            object_id=object_id or oid,
            object_repr=object_repr or orepr,
            changes=_jsonable(changes or {}),
            ip=ctx.ip,
            request_id=ctx.request_id,
            origin=ctx.origin,
            success=success,
            message=message[:500],
        )
        row.hash = row_hash(row)
        _append(row)
    return row


def _jsonable(value: Any) -> Any:
    return json.loads(json.dumps(value, ensure_ascii=False, default=str))


def diff(before: dict[str, Any], after: dict[str, Any], sensitive: Iterable[str] = ()) -> dict[str, Any]:
    """Changed fields as {field: [old, new]}; sensitive values are masked, never logged."""
    sensitive = set(sensitive)
    out: dict[str, Any] = {}
    for key in sorted(set(before) | set(after)):
        old, new = before.get(key), after.get(key)
        if old != new:
            out[key] = [SENSITIVE_MARK, SENSITIVE_MARK] if key in sensitive else [old, new]
    return out


def snapshot(obj: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for name in fields:
        field = obj._meta.get_field(name)
        value = getattr(obj, getattr(field, "attname", name))
        data[name] = value.isoformat() if hasattr(value, "isoformat") else value
    return data


@dataclass
class Problem:
    lane: int
    seq: int
    row_id: int | None
    kind: str  # edited / missing / inserted / head
    detail: str

    def __str__(self) -> str:
        where = f"lane {self.lane} seq {self.seq}" + (f" (id {self.row_id})" if self.row_id else "")
        return f"{self.kind}: {where}: {self.detail}"


def verify() -> list[Problem]:
    """Walk every lane; report the first broken link of each (edited, inserted or deleted rows)."""
    problems: list[Problem] = []
    for lane in AuditLane.objects.order_by("lane"):
        expected_seq = lane.anchor_seq + 1
        prev = lane.anchor_hash or GENESIS
        broken = None
        last_seq = lane.anchor_seq
        rows = AuditLog.objects.filter(lane=lane.lane).order_by("seq").iterator(chunk_size=2000)
        for row in rows:
            if row.seq != expected_seq:
                kind = "missing" if row.seq > expected_seq else "inserted"
                broken = Problem(lane.lane, expected_seq, row.id, kind, f"expected seq {expected_seq}, found {row.seq}")
                break
            if row.prev_hash != prev:
                broken = Problem(lane.lane, row.seq, row.id, "missing", "previous-hash link does not match")
                break
            if row_hash(row) != row.hash:
                broken = Problem(lane.lane, row.seq, row.id, "edited", "content does not match its hash")
                break
            prev = row.hash
            expected_seq += 1
            last_seq = row.seq
        if broken is None and last_seq > lane.seq:
            broken = Problem(
                lane.lane, lane.seq + 1, None, "inserted", f"rows beyond the head (seq {lane.seq}) up to seq {last_seq}"
            )
        if broken is None and (last_seq != lane.seq or (lane.seq > lane.anchor_seq and prev != lane.head_hash)):
            broken = Problem(
                lane.lane, lane.seq, None, "missing", f"chain ends at seq {last_seq}, head says {lane.seq}"
            )
        if broken:
            problems.append(broken)
    known = set(AuditLane.objects.values_list("lane", flat=True))
    for lane_no in sorted(set(AuditLog.objects.order_by().values_list("lane", flat=True).distinct()) - known):
        problems.append(Problem(lane_no, 0, None, "inserted", "rows in a lane that has no chain head"))
    return problems


@dataclass
class ChainSummary:
    rows: int
    lanes: int
    algorithms: list[str]


def summary() -> ChainSummary:
    """Rows, lanes and hash algorithms in the log (for ``jingwu audit verify``)."""
    algorithms = sorted(set(AuditLog.objects.order_by().values_list("algorithm", flat=True).distinct()))
    return ChainSummary(
        rows=AuditLog.objects.count(),
        lanes=AuditLane.objects.filter(seq__gt=0).count(),
        algorithms=algorithms or [HASH_ALGORITHM],
    )


def purge_older_than(cutoff: datetime, *, actor: Any = None) -> int:
    """Delete audit rows older than ``cutoff`` (never younger than the retention period)."""
    from datetime import timedelta

    limit = timezone.now() - timedelta(days=settings.AUDIT_RETENTION_DAYS)
    if cutoff > limit:
        raise ValueError(f"审计日志至少保留 {settings.AUDIT_RETENTION_DAYS} 天 / audit rows must be kept that long")
    deleted = 0
    with transaction.atomic():
        from django.db import connection

        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL jingwu.audit_purge = 'on'")
        for lane in AuditLane.objects.select_for_update().order_by("lane"):
            # Purge only a prefix of each lane so the remaining rows still chain from the anchor.
            last = (
                AuditLog.objects.filter(lane=lane.lane, occurred_at__lt=cutoff)
                .order_by("-seq")
                .values("seq", "hash")
                .first()
            )
            if not last:
                continue
            count, _ = AuditLog.objects.filter(lane=lane.lane, seq__lte=last["seq"]).delete()
            deleted += count
            AuditLane.objects.filter(lane=lane.lane).update(anchor_seq=last["seq"], anchor_hash=last["hash"])
        record("audit.purge", actor=actor, changes={"cutoff": cutoff.isoformat(), "deleted": deleted})
    return deleted
