"""What each timeline entry of an order says beyond its step name, from the event's payload: the
target unit of a 派单 (with its role and level), the reason of a 退单 or 申诉, the new deadline of a
延期 / 挂起 / 重办, the answer of a 回访 … (``event.detail``, shown by ``core/timeline.html``).

The payload keys are those the services write (``services/flow.py``, ``supervision.py``,
``signing.py``); a key that is missing (older events) leaves its part out."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from django.utils.translation import gettext

from jingwu.core.calendar import TZ
from jingwu.org.models import Unit

from .models import Appeal, Assignment, Completion, Contact, ReturnRequest, WorkOrder

UNIT_KEYS = ("to_unit", "unit")


def _when(value: Any) -> str:
    """An ISO 8601 text (or datetime) as 2023-05-10 18:00 in Beijing time; "" when absent or unreadable."""
    if not value:
        return ""
    try:
        moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    except ValueError:
        return ""
    if moment.tzinfo is None:
        return ""
    return moment.astimezone(TZ).strftime("%Y-%m-%d %H:%M")


def _label(choices: Any, value: Any) -> str:
    return str(dict(choices).get(value, value or ""))


def _join(*parts: str) -> str:
    return ";".join(p for p in parts if p)


def _deadline(text: str, value: Any) -> str:
    when = _when(value)
    return text % {"at": when} if when else ""


def _dispatch(p: dict[str, Any], unit: str) -> str:
    level = p.get("level")
    role = _label(Assignment.Role.choices, p.get("role") or Assignment.Role.LEAD)
    where = gettext("派至%(unit)s") % {"unit": unit} if unit else ""
    how = gettext("%(role)s,第%(level)s级") % {"role": role, "level": level} if level else role
    return _join(
        f"{where}({how})" if where else how,
        gettext("按派单规则") if p.get("rule") else "",
        _deadline(gettext("本级时限 %(at)s"), p.get("leg_due_at")),
    )


def _suspension(p: dict[str, Any], unit: str) -> str:
    return _join(
        _deadline(gettext("挂起至 %(at)s"), p.get("resume_by")),
        _deadline(gettext("办结时限延至 %(at)s"), p.get("new_due_at")),
    )


def _callback(p: dict[str, Any], unit: str) -> str:
    attempt = p.get("attempt")
    which = gettext("第%(n)s次回访") % {"n": attempt} if attempt else ""
    if p.get("reached") is False:
        answer = gettext("未接通")
    else:
        resolved = p.get("resolved")
        satisfaction = _label(WorkOrder.Satisfaction.choices, p.get("satisfaction")) if p.get("satisfaction") else ""
        solved = "" if resolved is None else (gettext("已解决") if resolved else gettext("未解决"))
        answer = " · ".join(x for x in (solved, satisfaction) if x)
    return f"{which}:{answer}" if which and answer else which or answer


DESCRIBE: dict[str, Callable[[dict[str, Any], str], str]] = {
    "dispatch": _dispatch,
    "assist": lambda p, unit: _join(
        gettext("协办单位:%(unit)s") % {"unit": unit} if unit else "",
        gettext("任务:%(task)s") % {"task": p["task"]} if p.get("task") else "",
    ),
    "assist_accept": lambda p, unit: gettext("协办单位:%(unit)s") % {"unit": unit} if unit else "",
    "assist_reply": lambda p, unit: gettext("协办单位:%(unit)s") % {"unit": unit} if unit else "",
    "sign_remind": lambda p, unit: gettext("待签收单位:%(unit)s") % {"unit": unit} if unit else "",
    "sign_overdue": lambda p, unit: gettext("待签收单位:%(unit)s") % {"unit": unit} if unit else "",
    "assign_handler": lambda p, unit: gettext("承办人:%(name)s") % {"name": p["person"]} if p.get("person") else "",
    "return_order": lambda p, unit: (
        gettext("退单原因:%(reason)s") % {"reason": _label(ReturnRequest.Reason.choices, p["reason_code"])}
        if p.get("reason_code")
        else ""
    ),
    "contact": lambda p, unit: (
        gettext("联系方式:%(channel)s") % {"channel": _label(Contact.Channel.choices, p["channel"])}
        if p.get("channel")
        else ""
    ),
    "request_suspension": _suspension,
    "approve_suspension": _suspension,
    "reject_suspension": _suspension,
    "request_extension": lambda p, unit: _deadline(gettext("申请延至 %(at)s"), p.get("new_due_at")),
    "approve_extension": lambda p, unit: _deadline(gettext("办结时限延至 %(at)s"), p.get("new_due_at")),
    "reject_extension": lambda p, unit: _deadline(gettext("申请延至 %(at)s"), p.get("new_due_at")),
    "complete": lambda p, unit: (
        gettext("办理结果:%(result)s") % {"result": _label(Completion.Result.choices, p["result"])}
        if p.get("result")
        else ""
    ),
    "callback": _callback,
    "reopen": lambda p, unit: _deadline(gettext("重办时限 %(at)s"), p.get("new_due_at")),
    "resume": lambda p, unit: _deadline(gettext("办结时限 %(at)s"), p.get("new_due_at")),
    "appeal": lambda p, unit: (
        gettext("申诉理由:%(reason)s") % {"reason": _label(Appeal.Reason.choices, p["reason_code"])}
        if p.get("reason_code")
        else ""
    ),
    "decide_appeal": lambda p, unit: (
        "" if "approved" not in p else (gettext("批准,免考核") if p["approved"] else gettext("驳回"))
    ),
}


def describe(events: Iterable[Any]) -> None:
    """Set ``event.detail`` on each event (the unit names read in one query)."""
    events = list(events)
    codes = {
        str(e.payload[key])
        for e in events
        if isinstance(e.payload, dict)
        for key in UNIT_KEYS
        if e.payload.get(key) and e.transition in DESCRIBE
    }
    names = dict(Unit.objects.filter(code__in=codes).values_list("code", "name")) if codes else {}
    calls = 0
    for event in events:
        payload = event.payload if isinstance(event.payload, dict) else {}
        if event.transition == "callback":  # 第N次回访 counted over every round, as the order page does
            calls += 1
            payload = {**payload, "attempt": calls}
        describe_one = DESCRIBE.get(event.transition)
        code = next((str(payload[k]) for k in UNIT_KEYS if payload.get(k)), "")
        try:
            event.detail = describe_one(payload, names.get(code, code)) if describe_one else ""
        except (KeyError, TypeError, ValueError):  # a payload of an unexpected shape: show nothing
            event.detail = ""
