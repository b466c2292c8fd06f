"""Demo data of 接诉即办: a year of work orders of the demo brigade (达拉特旗大队) from 1 January 2026.

January–April reproduce the brief ("1至4月份,累计办结'接诉即办'工单256件,响应率、解决率、满意率三率均达
到100%,推诿、超期工单实现'零'发生"); the months after carry the imperfections of real work: a few late
sign-fors, 基本满意 answers, unsatisfied callbacks reopened and redone, returns (one rejected, so one
推诿件), two orders exempted on appeal (免考核), late completions urged by the daily job, an unreachable
citizen. About ten orders are still open, created through the real services, so the pending lists
and "my work" of ``leader``, ``lead`` and ``officer`` have items.

History is written in bulk with its historical timestamps (the services stamp "now"): each row —
order fields, dispatch legs, contacts, completions, callbacks, returns, appeals, urges, source
numbers, and one ``TransitionEvent`` per step with its from/to state, actor and the payload the
service passes to ``workflow.perform`` — is what the service would have written at that moment.
Historical steps get no per-step audit rows (the audit log records what happened in *this* system;
one ``workorders.demo.load`` row records the load) and no notifications.

Deterministic for a seed and a day; loading twice adds nothing. ``scale`` > 1 gives every further
demo brigade of ``org.demo`` its own year of orders (their steps are done by two password-less
accounts per brigade, ``wo_desk_<code>`` and ``wo_team_<code>``: those brigades have no demo logins).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, TextIO

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from jingwu.core import audit, crypto
from jingwu.core.calendar import TZ, next_workday
from jingwu.core.deadlines import add_working_days, compute_due
from jingwu.core.models import TransitionEvent
from jingwu.org.demo import BRIGADE_CODE, DEMO_PASSWORD, DETACHMENT_CODE, DemoLogin
from jingwu.org.models import Person, RoleAssignment, Unit, User

from .models import (
    Appeal,
    Assignment,
    Callback,
    Category,
    Completion,
    Contact,
    OrderSource,
    RequestStatus,
    ReturnRequest,
    RoutingRule,
    SupervisionNotice,
    WorkOrder,
)
from .services.common import normalise_address

FIRST_DAY = date(2026, 1, 1)
BRIEF_MONTHS = {1: 60, 2: 52, 3: 68, 4: 76}  # 256 orders, all completed in 1–4月
assert sum(BRIEF_MONTHS.values()) == 256
BRIEF_END = datetime(2026, 4, 30, 17, 30, tzinfo=TZ)
HISTORY_GAP_DAYS = 7  # history ends a week before today; the open orders are younger
S = WorkOrder.State
OTYPE = "workorders.workorder"

# (town, places, target unit suffixes) — 树林召镇 is the seat of 达拉特旗 (城区 squadrons).
AREAS: list[tuple[str, list[str], list[str]]] = [
    (
        "树林召镇",
        ["平原大街与迎宾路交叉口", "锡尼街", "达拉特南路", "王府大街", "巴音路", "滨河大道", "人民医院门口"],
        ["01", "02"],
    ),
    ("树林召镇", ["林原村", "新民堡村", "青春村"], ["04"]),
    ("王爱召镇", ["王爱召村", "沙壕村", "德胜泰村", "S317省道王爱召段"], ["05"]),
    ("昭君镇", ["昭君坟村", "沙圪堵村", "G210国道昭君段"], ["05"]),
    ("耳字壕镇", ["耳字壕村", "合同圪梁村", "S215省道耳字壕段"], ["03"]),
    ("白泥井镇", ["白泥井村", "G210国道白泥井段", "四村"], ["03"]),
    ("吉格斯太镇", ["吉格斯太村", "沿河公路吉格斯太段"], ["04"]),
    ("展旦召苏木", ["展旦召嘎查", "G6京藏高速展旦召出口"], ["07"]),
    ("恩格贝镇", ["恩格贝生态示范区", "沿黄公路恩格贝段"], ["04"]),
    ("中和西镇", ["中和西村", "沿黄公路中和西段"], ["05"]),
]
ROADS = ["十字路口", "学校门口", "农贸市场门口", "小区门口", "加油站附近", "桥头"]
CONTENT: dict[str, list[tuple[str, str | None]]] = {  # category code → templates ({place} = town + place)
    "consult": [
        ("咨询驾驶证到期换证需要携带哪些材料,能否在{town}就近办理", "15"),
        ("咨询车辆年检预约流程及所需材料", "15"),
        ("咨询电子驾驶证如何申领", "15"),
        ("咨询外地车辆在{town}的交通违法如何处理", None),
        ("咨询电动自行车上牌需要什么手续", "13"),
        ("咨询{place}路段大货车限行时间", None),
    ],
    "help": [
        ("车辆在{place}被他人车辆堵住无法驶出,联系不上车主,请求协助挪车", None),
        ("车辆在{place}抛锚,请求协助疏导交通", None),
        ("驾驶证遗失,临时出行需要,请求指导补办", "15"),
        ("交通事故已过数日,对方一直不配合处理,请求协调", "06"),
        ("在{place}与他人发生轻微剐蹭,双方对责任有争议,请求帮助", "06"),
    ],
    "urgent_help": [
        ("{place}路面结冰,多辆车打滑,请求到现场疏导", None),
        ("{place}有大货车侧翻在路边,占用车道,请求处置", None),
    ],
    "complaint": [
        ("{place}早晚高峰拥堵严重,信号灯配时不合理", "13"),
        ("{place}夜间有大货车超速行驶,噪音扰民", None),
        ("{place}渣土车沿路遗撒,影响通行安全", None),
        ("{place}接送学生车辆乱停乱放,堵塞通道", None),
        ("{place}有车辆长期占用人行道停放", None),
        ("对事故责任认定结果有异议,认为处理不公", "06"),
    ],
    "report": [
        ("举报有人在{place}驾驶无牌摩托车非法载客", None),
        ("举报{place}有货车长期超载运输", None),
        ("举报{place}附近有人酒后驾驶", None),
    ],
    "suggestion": [
        ("建议在{place}增设减速带和人行横道", "13"),
        ("建议在{place}增设信号灯", "13"),
        ("建议车管所周末延长服务时间", "15"),
        ("建议在{place}加强早晚高峰疏导", None),
    ],
}
CATEGORY_WEIGHTS = {"consult": 24, "help": 26, "urgent_help": 5, "complaint": 25, "report": 8, "suggestion": 12}
REPLIES = {
    "consult": ("已电话答复诉求人所需材料及办理流程", "explained"),
    "help": ("已派员到场协助处理完毕", "solved"),
    "urgent_help": ("已派员到场处置,道路恢复通行", "solved"),
    "complaint": ("已到现场核查并整改,加强巡逻管控", "solved"),
    "report": ("已核查并依法处理相关违法行为", "solved"),
    "suggestion": ("已采纳建议并报送相关部门,纳入整改计划", "solved"),
}
CITIZEN_SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董乌白苏"
UNIT_TARGETS = ["01", "02", "03", "04", "05", "06", "07", "13", "15"]


def _aware(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=TZ)


@dataclass
class _Plan:
    """One historical order: its field values and every row its steps would have written."""

    fields: dict[str, Any]
    state: str = S.RECEIVED
    events: list[dict[str, Any]] = field(default_factory=list)
    legs: list[dict[str, Any]] = field(default_factory=list)
    children: list[tuple[Any, dict[str, Any]]] = field(default_factory=list)

    def step(
        self, name: str, to: str | None, actor: User | None, at: datetime, reason: str = "", **payload: Any
    ) -> None:
        """A transition as ``workflow.perform`` records it (``payload["set"]`` is applied to the order)."""
        before = self.state
        after = to if to is not None else before
        self.fields.update(payload.get("set") or {})
        self.state = after
        self.events.append(
            {
                "transition": name,
                "from_state": before,
                "to_state": after,
                "actor": actor,
                "occurred_at": at,
                "reason": reason,
                "payload": audit._jsonable(payload),
            }
        )


@dataclass
class _Staff:
    desk: User | None  # intake, dispatch, callback, decisions (大队)
    heads: dict[str, User | None]  # unit suffix → the unit's head login
    handlers: dict[str, list[Person]]
    officer: User | None  # the demo ``officer`` (耳字壕中队)


class _Brigade:
    def __init__(self, rng: random.Random, brigade: Unit, index: int, staff: _Staff) -> None:
        self.rng, self.brigade, self.index, self.staff = rng, brigade, index, staff
        prefix = brigade.code[:10]
        self.units = {s: Unit.objects.get(code=f"{prefix}{s}") for s in UNIT_TARGETS}
        self.categories = {c.code: c for c in Category.objects.filter(code__in=CATEGORY_WEIGHTS)}
        self.seq = 0
        self.plans: list[_Plan] = []

    # --- one order -----------------------------------------------------------------------------

    def _phone(self) -> str:
        rng = self.rng
        return rng.choice(["13", "15", "18", "17", "19"]) + str(rng.randrange(10**8, 10**9))

    def _citizen(self) -> str:
        rng = self.rng
        return rng.choice(CITIZEN_SURNAMES) + rng.choice(["先生", "女士", "师傅", "先生", "女士"])

    def new_order(self, received: datetime, source: str | None = None) -> tuple[_Plan, Category, Unit]:
        rng = self.rng
        code = rng.choices(list(CATEGORY_WEIGHTS), weights=list(CATEGORY_WEIGHTS.values()))[0]
        if code == "urgent_help" and not 8 <= received.hour < 15:  # same-day limit: keep it doable
            code = "help"
        category = self.categories[code]
        text, fixed_unit = rng.choice(CONTENT[code])
        town, places, suffixes = rng.choice(AREAS)
        place = rng.choice(places)
        if "村" in place and rng.random() < 0.5:
            place += rng.choice(ROADS)
        suffix = fixed_unit or rng.choice(suffixes)
        self.seq += 1
        source = source or rng.choices(["hotline_import", "form", "api"], weights=[62, 30, 8])[0]
        source_number = ""
        if source == "hotline_import":
            source_number = f"12345-{received:%Y%m%d}-{self.index:03d}{self.seq:05d}"
        elif source == "api":
            source_number = f"ZWFW{received:%Y%m%d}{self.index:03d}{self.seq:05d}"
        phone = self._phone()
        address = f"达拉特旗{town}{place}"
        plan = _Plan(
            fields={
                "number": f"GD{received:%Y%m%d}{self.index:03d}{self.seq:05d}"[:32],
                "source": source,
                "source_number": source_number,
                "source_platform": "12345" if source == "hotline_import" else "",
                "citizen_name": self._citizen(),
                "citizen_phone": phone,
                "phone_index": crypto.blind_index(phone),
                "address": address,
                "address_key": normalise_address(address),
                "category_id": category.pk,
                "content": text.format(town=town, place=f"{town}{place}"),
                "received_at": received,
                "received_by_id": self.staff.desk.pk if self.staff.desk else None,
                "intake_unit_id": self.brigade.pk,
                "unit_id": self.brigade.pk,
            }
        )
        plan.step("intake", None, self.staff.desk, received, source=source, source_number=source_number, category=code)
        if source_number:
            platform = "12345" if source == "hotline_import" else ""
            plan.children.append((OrderSource, {"source": source, "platform": platform, "number": source_number}))
        return plan, category, self.units[suffix]

    def dispatch(self, plan: _Plan, category: Category, unit: Unit, at: datetime) -> None:
        changes: dict[str, Any] = {"unit_id": unit.pk, "handler_id": None}
        sign_due = compute_due(at, category.sign_for_limit, unit)
        if plan.fields.get("dispatched_at") is None:
            due = compute_due(at, category.complete_limit, unit)
            changes.update(
                dispatched_at=at, response_due_at=sign_due, clock_started_at=at, original_due_at=due, due_at=due
            )
        leg_due = changes.get("due_at", plan.fields.get("due_at"))
        plan.step(
            "dispatch",
            S.DISPATCHED,
            self.staff.desk,
            at,
            to_unit=unit.code,
            level=1,
            rule=None,
            leg_due_at=leg_due.isoformat() if leg_due else None,
            set=changes,
        )
        plan.legs.append(
            {
                "role": Assignment.Role.LEAD,
                "level": 1,
                "from_unit": self.brigade,
                "to_unit": unit,
                "dispatched_by": self.staff.desk,
                "dispatched_at": at,
                "sign_due_at": sign_due,
                "due_at": leg_due,
            }
        )

    def accept(self, plan: _Plan, unit: Unit, at: datetime) -> None:
        head = self.staff.heads.get(unit.code[-2:])
        changes = {} if plan.fields.get("accepted_at") else {"accepted_at": at}
        plan.step("accept", S.ACCEPTED, head, at, set=changes)
        plan.legs[-1].update(accepted_at=at, accepted_by=head)

    def handle(self, plan: _Plan, unit: Unit, at: datetime, contact_at: datetime) -> User | None:
        """指定承办人 then the first contact; returns the login that works the order."""
        suffix = unit.code[-2:]
        head = self.staff.heads.get(suffix)
        people = self.staff.handlers[suffix]
        officer = self.staff.officer
        worker: User | None = head
        person: Person | None = self.rng.choice(people)
        if officer is not None and suffix == "03" and self.rng.random() < 0.5:
            person, worker = officer.person, officer
        assert person is not None
        plan.step("assign_handler", None, head, at, person=person.name, set={"handler_id": person.pk})
        self.contact(plan, worker, contact_at)
        return worker

    def contact(self, plan: _Plan, worker: User | None, at: datetime, result: str = "") -> None:
        channel = self.rng.choices(["phone", "visit", "sms"], weights=[80, 15, 5])[0]
        changes = {} if plan.fields.get("first_contact_at") else {"first_contact_at": at}
        plan.step("contact", S.HANDLING, worker, at, channel=channel, set=changes)
        text = result or ("已电话联系诉求人,了解具体情况" if channel == "phone" else "已与诉求人当面沟通")
        plan.children.append(
            (
                Contact,
                {"contacted_at": at, "channel": channel, "result": text, "recorded_by": worker, "recorded_at": at},
            )
        )

    def complete(self, plan: _Plan, category: Category, unit: Unit, worker: User | None, at: datetime) -> None:
        reply, result = REPLIES[category.code]
        changes: dict[str, Any] = {
            "completed_at": at,
            "completed_by_id": worker.pk if worker else None,
            "callback_due_at": add_working_days(at, category.callback_days or 1, unit),
            "callback_attempts": 0,
        }
        plan.step("complete", S.COMPLETED, worker, at, result=result, set=changes)
        round_ = plan.fields.get("reopen_count", 0)
        plan.children.append(
            (
                Completion,
                {"round": round_, "reply": reply, "result": result, "completed_by": worker, "completed_at": at},
            )
        )

    def callback(
        self,
        plan: _Plan,
        at: datetime,
        *,
        reached: bool = True,
        resolved: bool | None = True,
        satisfaction: str = "satisfied",
    ) -> None:
        desk = self.staff.desk
        attempt = plan.fields.get("callback_attempts", 0) + 1
        comment = "" if reached else "电话无人接听"
        if reached:
            comment = {
                "satisfied": "对处理结果满意",
                "basic": "基本满意,希望持续关注",
                "unsatisfied": "问题仍未彻底解决",
            }[satisfaction]
        changes: dict[str, Any] = {"callback_attempts": attempt}
        if reached:
            changes.update(
                called_back_at=at, callback_reached=True, callback_resolved=resolved, callback_satisfaction=satisfaction
            )
        plan.step(
            "callback",
            None,
            desk,
            at,
            comment,
            reached=reached,
            resolved=resolved if reached else None,
            satisfaction=satisfaction if reached else "",
            attempt=attempt,
            set=changes,
        )
        plan.children.append(
            (
                Callback,
                {
                    "round": plan.fields.get("reopen_count", 0),
                    "attempt": attempt,
                    "called_at": at,
                    "called_by": desk,
                    "reached": reached,
                    "resolved": resolved if reached else None,
                    "satisfaction": satisfaction if reached else "",
                    "comment": comment,
                },
            )
        )
        if not reached:
            if attempt >= 3:
                plan.step(
                    "close",
                    S.CLOSED,
                    desk,
                    at,
                    "3次回访均未接通 / unreachable",
                    set={"closed_at": at, "callback_reached": False},
                )
        elif resolved and satisfaction != "unsatisfied":
            plan.step("close", S.CLOSED, desk, at, set={"closed_at": at})

    def reopen(
        self, plan: _Plan, category: Category, unit: Unit, at: datetime, resolved: bool, satisfaction: str
    ) -> None:
        due = compute_due(at, category.complete_limit, unit)
        reason = "回访" + ("未解决" if not resolved else "") + ("不满意" if satisfaction == "unsatisfied" else "")
        for model, values in reversed(plan.children):  # the ended round keeps its clock (as the service does)
            if model is Completion and values["round"] == plan.fields.get("reopen_count", 0):
                values["round_started_at"] = plan.fields.get("clock_started_at") or plan.fields.get("dispatched_at")
                values["round_due_at"] = plan.fields.get("due_at")
                break
        plan.step(
            "reopen",
            S.HANDLING,
            self.staff.desk,
            at,
            reason,
            set={
                "reopen_count": plan.fields.get("reopen_count", 0) + 1,
                "reopened_at": at,
                "clock_started_at": at,
                "original_due_at": due,
                "due_at": due,
                "completed_at": None,
                "completed_by_id": None,
                "callback_due_at": None,
                "callback_attempts": 0,
            },
        )

    def urge(self, plan: _Plan, unit: Unit) -> None:
        """The daily job's 催办 on the first working day after the deadline (no actor)."""
        due: datetime = plan.fields["due_at"].astimezone(TZ)
        at = _aware(next_workday(due.date()), 8, 0)
        key = f"auto:{due:%Y%m%d%H%M}"
        content = f"工单{plan.fields['number']}已超过办结时限({due:%Y-%m-%d %H:%M}),请抓紧办理。"
        plan.step("urge", None, None, at, content, key=key, set={"urge_count": plan.fields.get("urge_count", 0) + 1})
        plan.children.append(
            (
                SupervisionNotice,
                {"kind": "urge", "unit": unit, "content": content, "issued_by": None, "issued_at": at, "key": key},
            )
        )

    # --- whole histories ---------------------------------------------------------------------------

    def history(self, received: datetime, hard_end: datetime, flaw: str = "") -> _Plan:
        """One closed order received at ``received``; ``flaw`` picks an imperfection of real work:
        late_sign, overdue, basic, reopen, unresolved, return, reject_return, exempt, unreachable."""
        rng = self.rng
        plan, category, unit = self.new_order(received)
        dispatched = received + timedelta(minutes=rng.randrange(5, 40))
        if flaw == "return":  # dispatched to the wrong squadron first, the return approved at once
            wrong = self.units[rng.choice([s for s in ("01", "02", "04", "05") if self.units[s] != unit])]
            self.dispatch(plan, category, wrong, dispatched)
            returned = dispatched + timedelta(minutes=rng.randrange(5, 15))
            self._return(plan, wrong, returned, approve=True)
            # re-dispatched only after the return was approved (8 minutes after it was asked for)
            dispatched = returned + timedelta(minutes=8 + rng.randrange(5, 15))
        self.dispatch(plan, category, unit, dispatched)
        sign_due: datetime = plan.fields["response_due_at"]
        if flaw == "late_sign":
            accepted = sign_due + timedelta(minutes=rng.randrange(20, 200))
        else:
            accepted = dispatched + timedelta(minutes=rng.randrange(3, 30))
            accepted = max(min(accepted, sign_due - timedelta(minutes=15)), dispatched + timedelta(minutes=1))
        self.accept(plan, unit, accepted)
        assigned = accepted + timedelta(minutes=rng.randrange(1, 5))
        contacted = assigned + timedelta(minutes=rng.randrange(2, 15))
        if flaw != "late_sign":  # the first contact within the response limit too
            contacted = min(contacted, sign_due - timedelta(minutes=5))
        worker = self.handle(plan, unit, assigned, contacted)
        if flaw == "reject_return":
            self._return(plan, unit, contacted + timedelta(minutes=10), approve=False)
            contacted += timedelta(minutes=30)
        if flaw == "exempt":
            self._appeal(plan, unit, contacted + timedelta(minutes=20))
            contacted += timedelta(minutes=40)
        due: datetime = plan.fields["due_at"]
        if flaw == "overdue":
            done = due + timedelta(hours=rng.randrange(20, 70))
            self.urge(plan, unit)
            if plan.events[-1]["occurred_at"] >= done:  # completed before the job ran: no urge
                plan.events.pop()
                plan.children.pop()
                plan.fields["urge_count"] = 0
        else:
            span = max((min(due, hard_end) - contacted).total_seconds(), 3600)
            done = contacted + timedelta(seconds=max(1800, span * rng.uniform(0.15, 0.8)))
            done = min(done, due - timedelta(minutes=10), hard_end)
        done = max(done, contacted + timedelta(minutes=20))
        self.complete(plan, category, unit, worker, done)
        called = done + timedelta(hours=rng.uniform(1.5, 20))
        if flaw == "unreachable":
            for i in range(3):
                self.callback(plan, called + timedelta(hours=3 * i), reached=False)
            return self._done(plan)
        if flaw in ("reopen", "unresolved"):
            resolved = flaw == "reopen"
            satisfaction = "unsatisfied" if flaw == "reopen" else "basic"
            self.callback(plan, called, resolved=resolved, satisfaction=satisfaction)
            self.reopen(plan, category, unit, called, resolved, satisfaction)
            self.contact(plan, worker, called + timedelta(hours=rng.uniform(0.5, 3)), "再次联系诉求人,约定现场复查")
            redo = called + timedelta(hours=rng.uniform(6, 40))
            redo = min(redo, plan.fields["due_at"] - timedelta(minutes=10))
            self.complete(plan, category, unit, worker, redo)
            called = redo + timedelta(hours=rng.uniform(2, 20))
        if flaw == "basic":
            self.callback(plan, called, satisfaction="basic")
        else:
            if rng.random() < 0.08:  # first call not answered, the second one reaches the citizen
                self.callback(plan, called, reached=False)
                called += timedelta(hours=3)
            self.callback(plan, called)
        return self._done(plan)

    def _done(self, plan: _Plan) -> _Plan:
        self.plans.append(plan)
        return plan

    def _return(self, plan: _Plan, unit: Unit, at: datetime, *, approve: bool) -> None:
        head = self.staff.heads.get(unit.code[-2:])
        reason = "该路段不属于本中队辖区" if approve else "该诉求应由城管部门处理"
        code = "not_our_area" if approve else "not_our_duty"
        plan.step(
            "return_order",
            None,
            head,
            at,
            reason,
            reason_code=code,
            set={"return_count": plan.fields.get("return_count", 0) + 1},
        )
        decided = at + timedelta(minutes=8)
        decision = "同意退回,改派属地中队" if approve else "属于交通秩序管理范围,应予办理"
        requester = head.pk if head else None
        if approve:
            plan.step(
                "approve_return",
                S.RECEIVED,
                self.staff.desk,
                decided,
                decision,
                requested_by=requester,
                set={"unit_id": self.brigade.pk, "handler_id": None},
            )
            plan.legs[-1]["closed_at"] = decided
        else:
            plan.step(
                "reject_return",
                None,
                self.staff.desk,
                decided,
                decision,
                requested_by=requester,
                set={"rejected_return_count": plan.fields.get("rejected_return_count", 0) + 1},
            )
        plan.children.append(
            (
                ReturnRequest,
                {
                    "leg_index": len(plan.legs) - 1,
                    "unit": unit,
                    "reason_code": code,
                    "reason": reason,
                    "requested_by": head,
                    "requested_at": at,
                    "status": RequestStatus.APPROVED if approve else RequestStatus.REJECTED,
                    "decided_by": self.staff.desk,
                    "decided_at": decided,
                    "decision": decision,
                },
            )
        )

    def _appeal(self, plan: _Plan, unit: Unit, at: datetime) -> None:
        head = self.staff.heads.get(unit.code[-2:])
        reason = "诉求地点位于高速公路管理处养护路段,不属于本大队管辖"
        plan.step("appeal", None, head, at, reason, reason_code="out_of_jurisdiction")
        decided = at + timedelta(minutes=15)
        plan.step(
            "decide_appeal",
            None,
            self.staff.desk,
            decided,
            "情况属实,同意免考核",
            approved=True,
            requested_by=head.pk if head else None,
            set={"exempted": True},
        )
        plan.children.append(
            (
                Appeal,
                {
                    "reason_code": "out_of_jurisdiction",
                    "reason": reason,
                    "requested_by": head,
                    "requested_at": at,
                    "status": RequestStatus.APPROVED,
                    "decided_by": self.staff.desk,
                    "decided_at": decided,
                    "decision": "情况属实,同意免考核",
                },
            )
        )


# --- planning a year ------------------------------------------------------------------------------


def _month_days(year: int, month: int, last: date) -> list[date]:
    start = date(year, month, 1)
    end = date(year + (month == 12), month % 12 + 1, 1) - timedelta(days=1)
    return [start + timedelta(days=i) for i in range((min(end, last) - start).days + 1)]


def _received(rng: random.Random, days: list[date]) -> datetime:
    day = rng.choice(days)
    hour = rng.choices(
        [8, 9, 10, 11, 12, 14, 15, 16, 17, 18, 19, 20, 21], weights=[6, 10, 10, 9, 4, 8, 9, 9, 8, 5, 4, 3, 2]
    )[0]
    return _aware(day, hour, rng.randrange(60))


def _plan_year(builder: _Brigade, today: date) -> None:
    rng = builder.rng
    history_end = today - timedelta(days=HISTORY_GAP_DAYS)
    hard_end_late = _aware(today - timedelta(days=3), 18)
    month = 1
    flaws_used: set[str] = set()
    while month <= 12 and date(2026, month, 1) <= history_end:
        if month in BRIEF_MONTHS:
            days = _month_days(2026, month, min(history_end, date(2026, 4, 28)))
            count = BRIEF_MONTHS[month]
            flaws = ["return"] if month == 3 else []  # an approved return (not 推诿: returned once)
            hard_end = BRIEF_END
        else:
            days = _month_days(2026, month, history_end)
            full = len(_month_days(2026, month, date(2026, 12, 31)))
            count = round(rng.randrange(80, 121) * len(days) / full)
            flaws = ["late_sign"] * rng.randrange(1, 4) + ["overdue"] * rng.randrange(1, 3)
            flaws += ["basic"] * rng.randrange(3, 9) + ["reopen"] + ["return"] * rng.randrange(0, 2)
            flaws += ["unresolved"] if month % 2 else []
            for once in ("reject_return", "exempt", "unreachable"):
                if once not in flaws_used:
                    flaws.append(once)
                    flaws_used.add(once)
            if month == 6:
                flaws.append("exempt")
            hard_end = hard_end_late
        times = sorted(_received(rng, days) for _ in range(count))
        settled = [i for i, t in enumerate(times) if t.date() < history_end - timedelta(days=30)]
        flawed = dict(zip(rng.sample(settled, min(len(flaws), len(settled))), flaws, strict=False))
        for i, received in enumerate(times):
            builder.history(received, hard_end, flawed.get(i, ""))
        month += 1


# --- writing ---------------------------------------------------------------------------------------


def _write(plans: list[_Plan]) -> dict[str, int]:
    orders = [WorkOrder(state=plan.state, **plan.fields) for plan in plans]
    WorkOrder.objects.bulk_create(orders, batch_size=500)
    if any(o.pk is None for o in orders):  # a backend that does not return keys
        by_number = dict(WorkOrder.objects.filter(number__in=[o.number for o in orders]).values_list("number", "pk"))
        for order in orders:
            order.pk = order.id = by_number[order.number]
    WorkOrder.objects.filter(pk__in=[o.pk for o in orders]).update(created_at=F("received_at"))
    legs: list[Assignment] = []
    leg_of: list[list[Assignment]] = []
    for order, plan in zip(orders, plans, strict=True):
        mine = [Assignment(order=order, **leg) for leg in plan.legs]
        legs += mine
        leg_of.append(mine)
    Assignment.objects.bulk_create(legs, batch_size=500)
    if any(leg.pk is None for leg in legs):
        for order, mine in zip(orders, leg_of, strict=True):
            for leg, pk in zip(
                mine, Assignment.objects.filter(order=order).order_by("id").values_list("pk", flat=True), strict=True
            ):
                leg.pk = leg.id = pk
    children: dict[Any, list[Any]] = {}
    events = []
    for order, plan, mine in zip(orders, plans, leg_of, strict=True):
        for model, values in plan.children:
            values = dict(values)
            if model is ReturnRequest:
                values["leg"] = mine[values.pop("leg_index")]
            children.setdefault(model, []).append(model(order=order, **values))
        for event in plan.events:
            events.append(TransitionEvent(object_type=OTYPE, object_id=str(order.pk), **event))
    counts = {"orders": len(orders), "legs": len(legs), "events": len(events)}
    for model, rows in children.items():
        model.objects.bulk_create(rows, batch_size=500)
        counts[model._meta.model_name or model.__name__] = len(rows)
    TransitionEvent.objects.bulk_create(events, batch_size=1000)
    return counts


# --- logins and open orders ---------------------------------------------------------------------------


def _staff(brigade: Unit, demo: bool) -> tuple[_Staff, list[DemoLogin]]:
    prefix = brigade.code[:10]
    handlers: dict[str, list[Person]] = {}
    heads: dict[str, User | None] = {}
    logins: list[DemoLogin] = []
    lead = User.objects.filter(username="lead").select_related("person").first() if demo else None
    shared = ""
    team = None if demo else _bench_account(f"wo_team_{brigade.code}", "unit_lead", brigade)
    for suffix in UNIT_TARGETS:
        unit = Unit.objects.get(code=f"{prefix}{suffix}")
        people = list(Person.objects.filter(unit=unit, kind=Person.Kind.POLICE).order_by("police_number"))
        handlers[suffix] = people[1:] or people
        if not demo:
            heads[suffix] = team
            continue
        if suffix == "03" and lead is not None:
            heads[suffix] = lead
            continue
        username = f"lead{suffix}"
        user = User.objects.filter(username=username).first()
        if user is None:
            person = next((p for p in people if not User.objects.filter(person=p).exists()), None)
            user = User(username=username, person=person)
            shared = shared or make_password(DEMO_PASSWORD)  # one Argon2 hash for every login
            user.password = shared
            user.save()
            RoleAssignment.objects.create(user=user, role="unit_lead", unit=unit, scope="subtree")
        heads[suffix] = user
        logins.append(DemoLogin(username, "unit_lead", unit.name, "subtree", user.person.name if user.person else "—"))
    if demo:
        desk = User.objects.filter(username="leader").first()
    else:
        desk = _bench_account(f"wo_desk_{brigade.code}", "leadership", brigade)
    officer = User.objects.filter(username="officer").select_related("person").first() if demo else None
    return _Staff(desk=desk, heads=heads, handlers=handlers, officer=officer), logins


def _bench_account(username: str, role: str, brigade: Unit) -> User:
    """The accounts that act in a further brigade's history (no password: nobody logs in as them)."""
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User(username=username, is_system=True)
        user.set_unusable_password()
        user.save()
        RoleAssignment.objects.create(user=user, role=role, unit=brigade, scope="subtree")
    return user


def _open_orders(builder: _Brigade, now: datetime) -> int:
    """About ten orders still in progress, written through the real services."""
    from . import services

    staff = builder.staff
    leader, officer = staff.desk, staff.officer
    lead = staff.heads["03"]
    if leader is None or officer is None or lead is None:
        return 0
    u03, u01 = builder.units["03"], builder.units["01"]
    rng = builder.rng
    cats = builder.categories

    def intake(code: str, content: str, place: str, at: datetime) -> WorkOrder:
        return services.work_order_intake(
            actor=leader,
            category=cats[code],
            content=content,
            citizen_phone=builder._phone(),
            citizen_name=builder._citizen(),
            address=f"达拉特旗{place}",
            received_at=at,
            intake_unit=builder.brigade,
            source="hotline_import",
            platform="12345",
            source_number=f"12345-{at:%Y%m%d}-OPEN{rng.randrange(10**5, 10**6)}",
        ).order

    def ago(hours: float) -> datetime:
        return now - timedelta(hours=hours)

    made = 0
    # awaiting 派单 at the brigade (leader's work)
    intake("consult", "咨询耳字壕镇至树林召镇班车沿线临时交通管制时间", "耳字壕镇耳字壕村", ago(0.5))
    made += 1
    # awaiting 签收
    for code, content, place, unit in (
        ("help", "车辆被他人车辆堵在院内无法驶出,联系不上车主,请求协助挪车", "耳字壕镇合同圪梁村", u03),
        ("complaint", "白泥井镇G210国道白泥井段夜间大货车超速行驶,噪音扰民", "白泥井镇G210国道白泥井段", u03),
        ("suggestion", "建议在平原大街与迎宾路交叉口增设左转信号灯", "树林召镇平原大街与迎宾路交叉口", u01),
        ("complaint", "锡尼街早高峰车辆占用公交站台停车,影响公交进站", "树林召镇锡尼街", builder.units["02"]),
    ):
        order = intake(code, content, place, ago(1.5))
        services.work_order_dispatch(actor=leader, order=order, unit=unit, at=ago(1.4))
        if unit == u01:  # the 耳字壕中队 assists (协办): its task waits for 签收 in the lead's 我的工作
            services.work_order_assist(
                actor=leader, order=order, unit=u03, task="协助统计该路口早晚高峰车流量", at=ago(1.3)
            )
        made += 1
    # being handled by the 耳字壕中队 (one of them overdue: received ten days ago)
    for code, content, place, hours in (
        ("complaint", "耳字壕镇耳字壕村学校门口接送学生车辆乱停乱放,堵塞通道", "耳字壕镇耳字壕村学校门口", 26),
        ("report", "举报白泥井镇四村有人驾驶无牌摩托车非法载客", "白泥井镇四村", 50),
        ("help", "交通事故对方一直不配合处理,请求协调赔偿事宜", "耳字壕镇S215省道耳字壕段", 240),
    ):
        order = intake(code, content, place, ago(hours))
        services.work_order_dispatch(actor=leader, order=order, unit=u03, at=ago(hours - 0.2))
        services.work_order_accept(actor=lead, order=order, at=ago(hours - 0.4))
        if hours == 26:  # a task for another squadron (协办), answered already
            leg = services.work_order_assist(
                actor=leader, order=order, unit=u01, task="协助核查学校周边停车泊位设置情况", at=ago(hours - 0.5)
            )
            services.assist_reply(
                actor=builder.staff.heads["01"] or leader,
                leg=leg,
                reply="已核查:学校东侧可临时设置接送车位12个,已报交通管理部门",
                at=ago(hours - 3),
            )
        assert officer.person is not None
        services.work_order_assign_handler(actor=lead, order=order, person=officer.person)
        services.work_order_contact(
            actor=officer,
            order=order,
            channel="phone",
            result="已电话联系诉求人,约定现场查看",
            contacted_at=ago(hours - 0.6),
            recorded_at=ago(hours - 0.6),
        )
        made += 1
    # a return awaiting the leader's decision
    order = intake("help", "王爱召镇沙壕村路口车辆抛锚,请求协助", "王爱召镇沙壕村", ago(3))
    services.work_order_dispatch(actor=leader, order=order, unit=u03, at=ago(2.9))
    services.work_order_return(
        actor=lead, order=order, reason_code="not_our_area", reason="该地点属王爱召中队辖区", at=ago(2.8)
    )
    made += 1
    # completed, awaiting 回访
    order = intake("consult", "咨询电子驾驶证如何申领", "耳字壕镇耳字壕村", ago(30))
    services.work_order_dispatch(actor=leader, order=order, unit=u03, at=ago(29.8))
    services.work_order_accept(actor=lead, order=order, at=ago(29.6))
    assert officer.person is not None
    services.work_order_assign_handler(actor=lead, order=order, person=officer.person)
    services.work_order_contact(
        actor=officer,
        order=order,
        channel="phone",
        result="已电话答复",
        contacted_at=ago(29.4),
        recorded_at=ago(29.4),
    )
    services.work_order_complete(
        actor=officer, order=order, reply="已告知通过“交管12123”申领电子驾驶证的步骤", result="explained", at=ago(5)
    )
    made += 1
    made += _two_level_orders(builder, intake, ago)
    return made


def _two_level_orders(builder: _Brigade, intake: Any, ago: Any) -> int:
    """两级派单: orders the 支队 desk (``dispatcher``) takes in and dispatches to the brigade, which
    signs for them (``leader``) and dispatches them on to a squadron with a deadline of its own."""
    from . import services

    dispatcher = User.objects.filter(username="dispatcher").first()
    detachment = Unit.objects.filter(code=DETACHMENT_CODE).first()
    leader, lead, officer = builder.staff.desk, builder.staff.heads["03"], builder.staff.officer
    if dispatcher is None or detachment is None or leader is None or lead is None or officer is None:
        return 0

    def at_detachment(code: str, content: str, place: str, at: datetime) -> WorkOrder:
        return services.work_order_intake(
            actor=dispatcher,
            category=builder.categories[code],
            content=content,
            citizen_phone=builder._phone(),
            citizen_name=builder._citizen(),
            address=f"达拉特旗{place}",
            received_at=at,
            intake_unit=detachment,
            source="hotline_import",
            platform="12345",
            source_number=f"12345-{at:%Y%m%d}-ZD{builder.rng.randrange(10**5, 10**6)}",
        ).order

    def leg_due(order: WorkOrder, at: datetime) -> datetime | None:
        """The brigade's deadline for its squadron: a working day before the order's, if still ahead."""
        order.refresh_from_db()
        if order.due_at is None:
            return None
        due = order.due_at - timedelta(days=1)
        return due if due > at + timedelta(hours=2) else None

    made = 0
    # 1. dispatched by the 支队 to the brigade (by the routing rule 达拉特旗 → 达拉特旗大队): the
    #    leader's 待签收
    order = at_detachment("complaint", "沿黄公路中和西段夜间货车超速行驶,噪音扰民", "中和西镇沿黄公路中和西段", ago(2))
    services.work_order_dispatch(actor=dispatcher, order=order, at=ago(1.9), reason="按属地转达拉特旗大队")
    made += 1
    # 2. signed for by the brigade and dispatched on to the 耳字壕中队 (level 2, by the brigade's rule
    #    耳字壕镇 → 耳字壕中队) with its own deadline: the lead's 待签收
    order = at_detachment("help", "耳字壕镇S215省道耳字壕段货车侧滑占道,请求疏导", "耳字壕镇S215省道耳字壕段", ago(5))
    services.work_order_dispatch(actor=dispatcher, order=order, unit=builder.brigade, at=ago(4.9))
    services.work_order_accept(actor=leader, order=order, at=ago(4.5))
    services.work_order_dispatch(
        actor=leader, order=order, at=ago(4.4), due_at=leg_due(order, ago(4.4)), reason="属耳字壕中队辖区"
    )
    made += 1
    # 3. the same way to the 耳字壕中队, signed for there and being handled by ``officer``
    order = at_detachment("consult", "咨询白泥井镇四村路段大货车限行时间", "白泥井镇四村", ago(28))
    services.work_order_dispatch(actor=dispatcher, order=order, unit=builder.brigade, at=ago(27.8))
    services.work_order_accept(actor=leader, order=order, at=ago(27.5))
    services.work_order_dispatch(
        actor=leader, order=order, unit=builder.units["03"], at=ago(27.4), due_at=leg_due(order, ago(27.4))
    )
    services.work_order_accept(actor=lead, order=order, at=ago(27))
    assert officer.person is not None
    services.work_order_assign_handler(actor=lead, order=order, person=officer.person)
    services.work_order_contact(
        actor=officer, order=order, channel="phone", result="已电话联系诉求人,告知限行时段", contacted_at=ago(26.5)
    )
    made += 1
    return made


def _routing_rules(brigade: Unit) -> int:
    """派单规则 of the demo: each town of 达拉特旗 → its squadron (the villages of 树林召镇 before the
    town itself), 建议 → 秩序管理室, and the 支队's rule 达拉特旗 → 达拉特旗大队. Added once."""
    prefix = brigade.code[:10]
    if RoutingRule.objects.filter(unit__path__startswith=brigade.path).exists():
        return 0
    rules: list[tuple[str | None, str, Unit, int]] = [(None, "达拉特旗", brigade, 100)]
    for town, places, suffixes in AREAS:
        target = Unit.objects.get(code=f"{prefix}{suffixes[0]}")
        if town == "树林召镇" and suffixes != ["01", "02"]:
            rules += [(None, place, target, 50) for place in places]  # villages: before the town
        else:
            rules.append((None, town, target, 100))
    rules.append(("suggestion", "", Unit.objects.get(code=f"{prefix}13"), 10))
    categories = {c.code: c for c in Category.objects.filter(code__in=[c for c, *_ in rules if c])}
    made = RoutingRule.objects.bulk_create(
        RoutingRule(category=categories.get(code) if code else None, area_keyword=keyword, unit=unit, priority=p)
        for code, keyword, unit, p in rules
    )
    return len(made)


# --- entry point ---------------------------------------------------------------------------------------


def _brigades(scale: int) -> list[Unit]:
    detachment = Unit.objects.filter(code=DETACHMENT_CODE).first()
    if detachment is None:
        return []
    found = list(
        Unit.objects.filter(
            path__startswith=detachment.path, depth=detachment.depth + 1, kind=Unit.Kind.BRIGADE
        ).order_by("path")
    )
    demo = [u for u in found if u.code == BRIGADE_CODE]
    others = [u for u in found if u.code != BRIGADE_CODE]
    return (demo + others)[: max(1, scale)]


def load(*, seed: int = 2023, scale: int = 1, stdout: TextIO | None = None) -> dict[str, Any]:
    """Give the demo brigade (and, with ``scale`` > 1, the further brigades) a year of work orders."""
    now = timezone.now()
    today = now.astimezone(TZ).date()
    totals: dict[str, int] = {}
    logins: list[DemoLogin] = []
    for index, brigade in enumerate(_brigades(scale)):
        demo = brigade.code == BRIGADE_CODE
        with transaction.atomic():
            staff, made_logins = _staff(brigade, demo)
            logins += made_logins
            if demo:
                _routing_rules(brigade)
            if WorkOrder.objects.filter(intake_unit=brigade).exists():
                continue
            builder = _Brigade(random.Random(seed * 1009 + index), brigade, index, staff)
            _plan_year(builder, today)
            counts = _write(builder.plans)
            if demo:
                counts["open"] = _open_orders(builder, now)
            audit.record(
                "workorders.demo.load",
                object_type="org.unit",
                object_id=str(brigade.pk),
                object_repr=brigade.name,
                changes={**counts, "seed": seed, "scale": scale},
            )
        for key, value in counts.items():
            totals[key] = totals.get(key, 0) + value
        if stdout is not None and (demo or index % 10 == 9):
            stdout.write(f"  接诉即办 {brigade.name}: {counts}\n")
    return {"workorders_created": totals.get("orders", 0) + totals.get("open", 0), "counts": totals, "logins": logins}
