"""Bulk work-order history for large data sets: ``jingwu demo --scale S --orders N [--years Y]``.

The demo loader (``demo.py``) plans every order step by step through the deadline rules — right for
the demo brigade's year, far too slow for the issue's province (10 million orders over 5 years).
This module writes such a history in bulk: orders spread over every squadron and office of every
brigade of the loaded organisation, in time order over ``years`` years ending on the first day of the
current month, each with the rows its steps would have written — the lead dispatch leg (两级派单 is
not generated), the timeline (``TransitionEvent``: 受理 → 派单 → 签收 → 联系 → 办结 → 回访 → 办结归档,
plus 退单 / 退单审批, 申诉 / 免考核, 催办, 重办 where the order had them), contacts, completions,
callbacks, return requests, appeals and urge notices — in realistic proportions (~97 % signed for in
time, ~2 % completed late and urged, ~1 % reopened after an unsatisfied callback, ~3 % returned,
~0.3 % exempted). The last 25 days hold orders still open in every state.

Deadlines are the category's limits in natural hours (the figures read the stored columns; the demo
brigade's own orders use the working calendar). Generated orders are numbered ``B`` + 11 digits;
running again appends only what is missing (``orders`` is the total wanted). Like the demo's
history, generated steps have no per-step audit rows — one ``workorders.bulk.load`` audit row records
each load.

Meant for an empty system being filled (a benchmark or a trial data set): keys are handed out from
the tables' current maximum and the sequences set after. On PostgreSQL rows go in with ``COPY`` in
chunks of 50,000 orders (an append of a million or more drops the tables' secondary indexes and
rebuilds them at the end; their definitions wait in ``bulk_dropped_index``, so an interrupted run
gets them back on the next one); on SQLite with ``executemany`` (small sets).
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from jingwu.core import audit, crypto
from jingwu.core.calendar import TZ
from jingwu.core.models import TransitionEvent
from jingwu.org.models import Unit

from .demo import REPLIES
from .models import (
    Appeal,
    Assignment,
    Callback,
    Category,
    Completion,
    Contact,
    RequestStatus,
    ReturnRequest,
    SupervisionNotice,
    WorkOrder,
)
from .services.common import normalise_address

MARK = "B"  # generated order numbers: B + 11 digits
CHUNK = 50_000
BULK_ROWS = 1_000_000  # appending at least this many orders: drop secondary indexes, rebuild after
OTYPE = "workorders.workorder"
S = WorkOrder.State

TOWNS = ["树林召镇", "王爱召镇", "耳字壕镇", "白泥井镇", "吉格斯太镇", "昭君镇", "展旦召苏木", "恩格贝镇", "中和西镇"]
PLACES = ["平原大街", "锡尼街", "学校门口", "农贸市场", "G210国道", "S215省道", "小区门口", "十字路口"]
TEXTS = {
    "consult": "咨询驾驶证换证需要携带哪些材料",
    "help": "车辆被堵无法驶出,请求协助挪车",
    "urgent_help": "路面结冰多车打滑,请求现场疏导",
    "complaint": "早晚高峰拥堵严重,信号灯配时不合理",
    "report": "有人驾驶无牌摩托车非法载客",
    "suggestion": "建议增设减速带和人行横道",
}
WEIGHTS = {"consult": 24, "help": 26, "urgent_help": 5, "complaint": 25, "report": 8, "suggestion": 12}
LIMIT_HOURS = {  # (sign-for, completion) in natural hours
    "consult": (2, 72),
    "help": (2, 72),
    "urgent_help": (1, 8),
    "complaint": (2, 13 * 34),
    "report": (2, 13 * 34),
    "suggestion": (2, 72),
}
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董乌白苏"

ORDER_COLUMNS = [
    "id", "number", "source", "source_number", "citizen_name", "citizen_phone", "phone_index", "address",
    "address_key", "category_id", "content", "received_at", "received_by_id", "intake_unit_id", "state",
    "unit_id", "dispatched_at", "response_due_at", "clock_started_at", "original_due_at", "due_at",
    "accepted_at", "first_contact_at", "completed_at", "completed_by_id", "callback_due_at", "closed_at",
    "reopened_at", "return_count", "rejected_return_count", "reopen_count", "urge_count", "notice_count",
    "exempted", "called_back_at", "callback_reached", "callback_resolved", "callback_satisfaction",
    "callback_attempts", "complaint_about_officer", "created_at", "updated_at",
]  # fmt: skip
LEG_COLUMNS = [
    "id", "order_id", "role", "level", "from_unit_id", "to_unit_id", "dispatched_by_id", "dispatched_at",
    "sign_due_at", "accepted_at", "accepted_by_id", "task", "reply", "closed_at",
]  # fmt: skip
EVENT_COLUMNS = [
    "object_type", "object_id", "transition", "from_state", "to_state", "actor_id", "occurred_at", "reason",
    "payload",
]  # fmt: skip
CONTACT_COLUMNS = ["order_id", "contacted_at", "channel", "result", "recorded_by_id", "recorded_at", "late_entry"]
COMPLETION_COLUMNS = [
    "order_id", "round", "reply", "result", "completed_at", "completed_by_id", "round_started_at", "round_due_at",
]  # fmt: skip
CALLBACK_COLUMNS = [
    "order_id", "round", "attempt", "called_at", "reached", "resolved", "satisfaction", "comment", "called_by_id",
]  # fmt: skip
RETURN_COLUMNS = [
    "order_id", "leg_id", "unit_id", "reason_code", "reason", "requested_by_id", "requested_at", "status",
    "decided_by_id", "decided_at", "decision",
]  # fmt: skip
APPEAL_COLUMNS = [
    "order_id", "reason_code", "reason", "requested_by_id", "requested_at", "status", "decided_by_id",
    "decided_at", "decision",
]  # fmt: skip
NOTICE_COLUMNS = ["order_id", "kind", "unit_id", "content", "issued_by_id", "issued_at", "key"]

TABLES: list[tuple[Any, list[str]]] = [
    (WorkOrder, ORDER_COLUMNS),
    (Assignment, LEG_COLUMNS),
    (TransitionEvent, EVENT_COLUMNS),
    (Contact, CONTACT_COLUMNS),
    (Completion, COMPLETION_COLUMNS),
    (Callback, CALLBACK_COLUMNS),
    (ReturnRequest, RETURN_COLUMNS),
    (Appeal, APPEAL_COLUMNS),
    (SupervisionNotice, NOTICE_COLUMNS),
]


def _first_of_month() -> datetime:
    today = timezone.now().astimezone(TZ)
    return today.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


class _Chunk:
    """The rows of one chunk, per table, as tuples in the table's column order."""

    def __init__(self) -> None:
        self.rows: dict[Any, list[tuple[Any, ...]]] = {model: [] for model, _ in TABLES}

    def add(self, model: Any, *values: Any) -> None:
        self.rows[model].append(values)


class _Brigade:
    def __init__(self, brigade_id: int, units: list[tuple[int, str]], desk: int, team: int) -> None:
        self.id, self.units, self.desk, self.team = brigade_id, units, desk, team


class Generator:
    """Builds the rows of consecutive orders; ``orders(seq, …)`` fills one ``_Chunk``."""

    def __init__(self, *, seed: int, target: int, years: int, end: datetime) -> None:
        self.rng = random.Random(seed)
        self.target = target
        self.span = timedelta(days=365 * years).total_seconds()
        self.start = end - timedelta(seconds=self.span)
        self.recent = end - timedelta(days=25)
        self.brigades = _brigades()
        if not self.brigades:
            raise ValueError("没有可派单的中队/科室 / no squadrons or offices under a brigade: load the units first")
        self.targets = [(b, unit) for b in self.brigades for unit in b.units]
        self.categories = dict(Category.objects.filter(code__in=WEIGHTS).values_list("code", "pk"))
        missing = set(WEIGHTS) - set(self.categories)
        if missing:
            raise ValueError(f"缺少诉求类别 / missing categories: {sorted(missing)}")
        self.codes, self.weights = list(WEIGHTS), list(WEIGHTS.values())
        self.phones = []
        for _ in range(400):
            phone = self.rng.choice(["13", "15", "18", "17", "19"]) + str(self.rng.randrange(10**8, 10**9))
            self.phones.append((crypto.encrypt(phone), crypto.blind_index(phone)))
        self.names = [crypto.encrypt(s + t) for s in SURNAMES for t in ("先生", "女士")]
        self.addresses = [(f"达拉特旗{t}{p}", normalise_address(f"达拉特旗{t}{p}")) for t in TOWNS for p in PLACES]

    def order(self, seq: int, ids: dict[Any, int], out: _Chunk) -> None:  # noqa: C901, PLR0912, PLR0915 — one history
        rng = self.rng
        brigade, (unit, unit_code) = self.targets[rng.randrange(len(self.targets))]
        code = rng.choices(self.codes, self.weights)[0]
        sign_h, due_h = LIMIT_HOURS[code]
        # orders arrive in time order, as in real life (the heap then holds a month's rows together)
        dispatched = self.start + timedelta(
            seconds=self.span * min(seq + rng.random() * 50, self.target - 1) / self.target
        )
        received = dispatched - timedelta(minutes=rng.randrange(5, 40))
        oid = ids[WorkOrder] = ids[WorkOrder] + 1
        events: list[tuple[str, str, str, int | None, datetime, str, dict[str, Any]]] = []
        state: str = S.RECEIVED

        def step(name: str, to: str | None, actor: int | None, at: datetime, reason: str = "", **payload: Any) -> None:
            nonlocal state
            after = to or state
            events.append((name, state, after, actor, at, reason, payload))
            state = after

        step("intake", None, brigade.desk, received, source="form", category=code)
        returns = 0
        rejected = 0
        rt = rng.random()
        bounces = 2 if rt < 0.003 else (1 if rt < 0.03 else 0)
        at = dispatched
        for _ in range(bounces):  # dispatched to a neighbour first, who returns it; approved
            wrong, wrong_code = brigade.units[rng.randrange(len(brigade.units))]
            if wrong == unit:
                continue
            leg = ids[Assignment] = ids[Assignment] + 1
            step("dispatch", S.DISPATCHED, brigade.desk, at, to_unit=wrong_code, level=1, rule=None)
            asked = at + timedelta(minutes=rng.randrange(5, 15))
            decided = asked + timedelta(minutes=8)
            out.add(
                Assignment, leg, oid, "lead", 1, brigade.id, wrong, brigade.desk, at,
                at + timedelta(hours=sign_h), None, None, "", "", decided,
            )  # fmt: skip
            step("return_order", None, brigade.team, asked, "该路段不属于本中队辖区", reason_code="not_our_area")
            step("approve_return", S.RECEIVED, brigade.desk, decided, "同意退回,改派属地中队")
            out.add(
                ReturnRequest, oid, leg, wrong, "not_our_area", "该路段不属于本中队辖区", brigade.team, asked,
                RequestStatus.APPROVED, brigade.desk, decided, "同意退回,改派属地中队",
            )  # fmt: skip
            returns += 1
            at = decided + timedelta(minutes=rng.randrange(5, 15))
        if returns:
            dispatched = at
        response_due = dispatched + timedelta(hours=sign_h)
        due = dispatched + timedelta(hours=due_h)
        leg = ids[Assignment] = ids[Assignment] + 1
        step("dispatch", S.DISPATCHED, brigade.desk, dispatched, to_unit=unit_code, level=1, rule=None)
        late_sign = rng.random() < 0.02
        signed = (
            response_due + timedelta(minutes=rng.randrange(10, 300))
            if late_sign
            else dispatched + timedelta(minutes=rng.randrange(3, 55))
        )
        accepted: datetime | None = signed
        contact: datetime | None = signed + timedelta(minutes=rng.randrange(1, 4))
        final: str = S.CLOSED
        if dispatched > self.recent and rng.random() < 0.5:
            final = rng.choice([S.DISPATCHED, S.ACCEPTED, S.HANDLING, S.HANDLING, S.COMPLETED])
        if final == S.DISPATCHED:
            accepted = contact = None
        elif final == S.ACCEPTED:
            contact = None
        out.add(
            Assignment, leg, oid, "lead", 1, brigade.id, unit, brigade.desk, dispatched, response_due,
            accepted, brigade.team if accepted else None, "", "", None,
        )  # fmt: skip
        if accepted is not None:
            step("accept", S.ACCEPTED, brigade.team, accepted)
        if contact is not None:
            channel = rng.choices(["phone", "visit", "sms"], weights=[80, 15, 5])[0]
            step("contact", S.HANDLING, brigade.team, contact, channel=channel)
            out.add(Contact, oid, contact, channel, "已电话联系诉求人,了解具体情况", brigade.team, contact, False)
            if rng.random() < 0.002:  # an unjustified return, rejected: 推诿
                asked = contact + timedelta(minutes=10)
                decided = asked + timedelta(minutes=8)
                step("return_order", None, brigade.team, asked, "该诉求应由城管部门处理", reason_code="not_our_duty")
                step("reject_return", None, brigade.desk, decided, "属于交通秩序管理范围,应予办理")
                out.add(
                    ReturnRequest, oid, leg, unit, "not_our_duty", "该诉求应由城管部门处理", brigade.team, asked,
                    RequestStatus.REJECTED, brigade.desk, decided, "属于交通秩序管理范围,应予办理",
                )  # fmt: skip
                returns += 1
                rejected += 1
        exempted = False
        if contact is not None and rng.random() < 0.003:
            asked = contact + timedelta(minutes=20)
            decided = asked + timedelta(minutes=15)
            reason = "诉求地点位于高速公路管理处养护路段,不属于本大队管辖"
            step("appeal", None, brigade.team, asked, reason, reason_code="out_of_jurisdiction")
            step("decide_appeal", None, brigade.desk, decided, "情况属实,同意免考核", approved=True)
            out.add(
                Appeal, oid, "out_of_jurisdiction", reason, brigade.team, asked, RequestStatus.APPROVED,
                brigade.desk, decided, "情况属实,同意免考核",
            )  # fmt: skip
            exempted = True
        completed = callback_due = closed = called = reopened = None
        resolved: bool | None = None
        satisfaction = ""
        reopen = urges = attempts = 0
        original_due = due
        first_round: list[Any] | None = None
        if final in (S.COMPLETED, S.CLOSED) and contact is not None:
            late = rng.random() < 0.02
            if late:
                completed = due + timedelta(hours=rng.uniform(1, 72))
                urged = due + timedelta(hours=14)  # the daily job, the next morning
                if urged < completed:
                    text = f"工单{MARK}{seq:011d}已超过办结时限,请抓紧办理。"
                    step("urge", None, None, urged, text, key=f"auto:{due:%Y%m%d%H%M}")
                    out.add(SupervisionNotice, oid, "urge", unit, text, None, urged, f"auto:{due:%Y%m%d%H%M}")
                    urges = 1
            else:
                completed = contact + (due - contact) * rng.uniform(0.05, 0.9) if due > contact else contact
            completed = max(completed, contact + timedelta(minutes=20))
            reply, result = REPLIES[code]
            step("complete", S.COMPLETED, brigade.team, completed, result=result)
            first_round = [oid, 0, reply, result, completed, brigade.team, None, None]
            callback_due = completed + timedelta(days=1)
        if final == S.CLOSED and completed is not None:
            called = completed + timedelta(hours=rng.uniform(2, 20))
            s = rng.random()
            resolved = rng.random() < 0.985
            satisfaction = "satisfied" if s < 0.93 else ("basic" if s < 0.985 else "unsatisfied")
            if not resolved or satisfaction == "unsatisfied":  # 重办, then satisfied
                comment = "问题仍未彻底解决"
                step("callback", None, brigade.desk, called, comment, reached=True, resolved=resolved,
                     satisfaction=satisfaction, attempt=1)  # fmt: skip
                out.add(Callback, oid, 0, 1, called, True, resolved, satisfaction, comment, brigade.desk)
                reopened = called
                first_round[6:] = [dispatched, due]  # type: ignore[index]  # the round a reopen ends keeps its clock
                due = reopened + timedelta(hours=due_h)
                original_due = due
                step("reopen", S.HANDLING, brigade.desk, reopened, "回访不满意" if resolved else "回访未解决")
                again = reopened + timedelta(hours=rng.uniform(0.5, 3))
                step("contact", None, brigade.team, again, channel="phone")
                out.add(Contact, oid, again, "phone", "再次联系诉求人,约定现场复查", brigade.team, again, False)
                completed = again + (due - again) * rng.uniform(0.1, 0.8)
                reply, result = REPLIES[code]
                step("complete", S.COMPLETED, brigade.team, completed, result=result)
                out.add(Completion, oid, 1, reply, result, completed, brigade.team, None, None)
                callback_due = completed + timedelta(days=1)
                called = completed + timedelta(hours=rng.uniform(2, 20))
                reopen, resolved, satisfaction = 1, True, "satisfied"
            comment = {"satisfied": "对处理结果满意", "basic": "基本满意,希望持续关注"}[satisfaction]
            step("callback", None, brigade.desk, called, comment, reached=True, resolved=resolved,
                 satisfaction=satisfaction, attempt=1)  # fmt: skip
            out.add(Callback, oid, reopen, 1, called, True, resolved, satisfaction, comment, brigade.desk)
            step("close", S.CLOSED, brigade.desk, called)
            closed = called
            attempts = 1
        if first_round is not None:
            out.add(Completion, *first_round)
        cipher, index = self.phones[rng.randrange(len(self.phones))]
        address, key = self.addresses[rng.randrange(len(self.addresses))]
        out.add(
            WorkOrder, oid, f"{MARK}{seq:011d}", "form", "", self.names[rng.randrange(len(self.names))], cipher,
            index, address, key, self.categories[code], TEXTS[code], received, brigade.desk, brigade.id, state,
            unit, dispatched, response_due, dispatched, original_due, due, accepted, contact, completed,
            brigade.team if completed else None, callback_due, closed, reopened, returns, rejected, reopen, urges,
            0, exempted, called, True if called else None, resolved, satisfaction, attempts, False, received,
            closed or events[-1][4],
        )  # fmt: skip
        for name, before, after, actor, when, reason, payload in events:
            out.add(TransitionEvent, OTYPE, str(oid), name, before, after, actor, when, reason, payload)


def _brigades() -> list[_Brigade]:
    """Every brigade with squadrons/offices, and its two system accounts (as the scaled demo's)."""
    from .demo import _bench_account

    units: dict[str, list[tuple[int, str]]] = {}
    for pk, path, code in Unit.objects.filter(
        kind__in=[Unit.Kind.SQUADRON, Unit.Kind.OFFICE], retired_on__isnull=True
    ).values_list("pk", "path", "code"):
        units.setdefault(path[:-4], []).append((pk, code))
    found = []
    for brigade in Unit.objects.filter(kind=Unit.Kind.BRIGADE, retired_on__isnull=True).order_by("path"):
        mine = units.get(brigade.path)
        if not mine:
            continue
        desk = _bench_account(f"wo_desk_{brigade.code}", "leadership", brigade)
        team = _bench_account(f"wo_team_{brigade.code}", "unit_lead", brigade)
        found.append(_Brigade(brigade.pk, mine, desk.pk, team.pk))
    return found


# --- writing ---------------------------------------------------------------------------------------


def _pg_text(value: Any) -> str:
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        value = json.dumps(value, ensure_ascii=False, default=str)
    text = str(value)
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        text = text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return text


def _sqlite_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ")
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, default=str)
    return value


def _write(chunk: _Chunk, column_lists: dict[Any, list[str]]) -> int:
    written = 0
    with connection.cursor() as cursor:
        for model, columns in column_lists.items():
            rows = chunk.rows[model]
            if not rows:
                continue
            table = model._meta.db_table
            if connection.vendor == "postgresql":
                text = "".join("\t".join(map(_pg_text, row)) + "\n" for row in rows)
                with cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                    copy.write(text)
            else:
                marks = ", ".join(["%s"] * len(columns))
                cursor.executemany(
                    f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})",  # noqa: S608 — model tables
                    [tuple(map(_sqlite_value, row)) for row in rows],
                )
            written += len(rows)
    return written


def _max_ids() -> dict[Any, int]:
    with connection.cursor() as cursor:
        found = {}
        for model in (WorkOrder, Assignment):
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {model._meta.db_table}")  # noqa: S608
            found[model] = int(cursor.fetchone()[0])
        return found


def _reset_sequences() -> None:
    if connection.vendor != "postgresql":
        return  # SQLite's AUTOINCREMENT follows the largest key written
    with connection.cursor() as cursor:
        for model, _ in TABLES:
            table = model._meta.db_table
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE((SELECT MAX(id) FROM {table}), 1))"  # noqa: S608
            )


def _required_columns() -> dict[Any, list[tuple[str, Any]]]:
    """NOT NULL columns a later migration adds that this module does not know yet (Django keeps no
    database default): they get the field's default, or the type's zero."""
    extra: dict[Any, list[tuple[str, Any]]] = {}
    for model, columns in TABLES:
        for field in model._meta.concrete_fields:
            if field.column in columns or field.null or field.primary_key:
                continue
            if field.has_default():
                value = field.get_default()
            elif field.get_internal_type() in ("BooleanField",):
                value = False
            elif "Integer" in field.get_internal_type():
                value = 0
            elif field.get_internal_type() in ("CharField", "TextField"):
                value = ""
            else:
                raise ValueError(f"{model.__name__}.{field.name}: bulk.py must learn this column's value")
            extra.setdefault(model, []).append((field.column, value))
    return extra


def _secondary_indexes(cursor: Any) -> Iterable[tuple[str, str]]:
    tables = tuple(model._meta.db_table for model, _ in TABLES)
    cursor.execute(
        "SELECT i.relname, pg_get_indexdef(x.indexrelid) FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
        "JOIN pg_class t ON t.oid = x.indrelid WHERE t.relname = ANY(%s) AND NOT x.indisprimary "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)",
        [list(tables)],
    )
    return cursor.fetchall()


def drop_indexes(out: Any) -> None:
    """Before a big append: drop the tables' secondary indexes (not keys or unique constraints),
    noting their definitions first; building them once on the finished tables is several times
    faster than maintaining them row by row."""
    restore_indexes(out)
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE IF NOT EXISTS bulk_dropped_index (name text PRIMARY KEY, definition text NOT NULL)"
        )
        rows = list(_secondary_indexes(cursor))
        for name, definition in rows:
            cursor.execute("INSERT INTO bulk_dropped_index VALUES (%s, %s) ON CONFLICT DO NOTHING", [name, definition])
            cursor.execute(f'DROP INDEX "{name}"')
    _say(out, f"[bulk] {len(rows)} 个索引暂时删除 / secondary indexes dropped for the load")


def restore_indexes(out: Any) -> None:
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('bulk_dropped_index') IS NOT NULL")
        if not cursor.fetchone()[0]:
            return
        cursor.execute("SELECT name, definition FROM bulk_dropped_index ORDER BY name")
        rows = cursor.fetchall()
        cursor.execute("SET maintenance_work_mem = '512MB'")
        for name, definition in rows:
            started = time.perf_counter()
            cursor.execute(definition.replace("CREATE INDEX", "CREATE INDEX IF NOT EXISTS", 1))
            cursor.execute("DELETE FROM bulk_dropped_index WHERE name = %s", [name])
            _say(out, f"[bulk]   索引 / index {name} {time.perf_counter() - started:.0f} s")
        cursor.execute("DROP TABLE bulk_dropped_index")


def _say(out: Any, text: str) -> None:
    if out is not None:
        out.write(text + "\n")
        out.flush()


def generated_count() -> int:
    return WorkOrder.objects.filter(number__startswith=MARK, number__regex=r"^B[0-9]{11}$").count()


def generate(*, orders: int, years: int = 5, seed: int = 2023, stdout: Any = None) -> dict[str, Any]:
    """Append generated orders until the system holds ``orders`` of them (see the module text)."""
    if years < 1:
        raise ValueError("--years 至少为 1 / must be at least 1")
    have = generated_count()
    if have >= orders:
        _say(stdout, f"[bulk] 已有 {have:,} 件生成工单 / {have:,} generated orders already")
        restore_indexes(stdout)
        return {"orders": 0, "rows": 0}
    gen = Generator(seed=seed + have, target=orders, years=years, end=_first_of_month())
    extra = _required_columns()
    column_lists = {model: columns + [c for c, _ in extra.get(model, [])] for model, columns in TABLES}
    extra_values = {model: tuple(v for _, v in extra.get(model, [])) for model, _ in TABLES}
    _say(
        stdout,
        f"[bulk] {have:,} → {orders:,} 工单 / orders, {len(gen.targets):,} 个承办单位 / units, {years} 年 / years",
    )
    started = time.perf_counter()
    pg = connection.vendor == "postgresql"
    if pg:
        with connection.cursor() as cursor:
            try:  # generated keys all exist: skip the foreign-key triggers (a superuser setting)
                with transaction.atomic():
                    cursor.execute("SET session_replication_role = replica")
            except Exception:  # noqa: BLE001 — not a superuser: the keys are checked as usual
                _say(stdout, "[bulk] 外键照常检查 / foreign keys checked as usual (not a superuser)")
        if orders - have >= BULK_ROWS:
            drop_indexes(stdout)
        else:
            restore_indexes(stdout)
    ids = _max_ids()
    done = have
    rows = 0
    try:
        while done < orders:
            n = min(CHUNK, orders - done)
            chunk = _Chunk()
            for i in range(n):
                gen.order(done + i, ids, chunk)
            if any(extra_values.values()):
                for model, values in extra_values.items():
                    if values:
                        chunk.rows[model] = [row + values for row in chunk.rows[model]]
            with transaction.atomic():
                rows += _write(chunk, column_lists)
            done += n
            rate = (done - have) / (time.perf_counter() - started)
            _say(
                stdout,
                f"[bulk] {done:,}/{orders:,}  {rate:,.0f} 件/s orders/s  剩余 / eta {(orders - done) / rate:,.0f} s",
            )
    finally:
        if pg:
            with connection.cursor() as cursor:
                cursor.execute("SET session_replication_role = DEFAULT")
        _reset_sequences()
    restore_indexes(stdout)
    if pg and not connection.in_atomic_block:  # VACUUM cannot run inside a transaction
        _say(stdout, "[bulk] VACUUM ANALYZE …")
        with connection.cursor() as cursor:
            for model, _ in TABLES:
                cursor.execute(f"VACUUM ANALYZE {model._meta.db_table}")
    with transaction.atomic():
        audit.record(
            "workorders.bulk.load",
            object_type="workorders.workorder",
            object_id="",
            object_repr="批量生成工单 / generated orders",
            changes={"from": have, "to": orders, "years": years, "seed": seed, "rows": rows},
        )
    seconds = time.perf_counter() - started
    _say(stdout, f"[bulk] 完成 / done: {orders - have:,} 工单 / orders, {rows:,} 行 / rows in {seconds:.0f} s")
    return {"orders": orders - have, "rows": rows}
