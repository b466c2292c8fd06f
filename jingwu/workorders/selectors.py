"""Reads of 接诉即办: repeat candidates, the timeline, pending items, the period summary sentence.

Every read goes through ``WorkOrder.objects.visible_to(user, capability)``.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import Q, QuerySet
from django.utils import timezone

from jingwu.core import metrics, workflow
from jingwu.core.crypto import blind_index
from jingwu.core.deadlines import deadline_state
from jingwu.org.roles import Cap

from .models import Assignment, ExtensionRequest, RequestStatus, ReturnRequest, SuspensionRequest, WorkOrder

_PUNCT = re.compile(r"[\s\W_]+", re.UNICODE)


# --- repeat and duplicate detection ------------------------------------------------------------


def bigrams(text: str) -> set[str]:
    """Character bigrams of ``text`` without spaces or punctuation (a single character is its own gram)."""
    clean = _PUNCT.sub("", (text or "").lower())
    if len(clean) < 2:
        return {clean} if clean else set()
    return {clean[i : i + 2] for i in range(len(clean) - 1)}


def similarity(a: str, b: str) -> float:
    """Jaccard similarity of the character bigrams of two texts, 0..1 (Chinese needs no word split)."""
    x, y = bigrams(a), bigrams(b)
    if not x or not y:
        return 0.0
    return len(x & y) / len(x | y)


@dataclass(frozen=True)
class RepeatCandidate:
    order: WorkOrder
    reason: str  # "phone" / "address"
    similarity: float

    @property
    def reason_label(self) -> str:
        return {"phone": "同一来电号码", "address": "同一地址且内容相似"}[self.reason]


REPEAT_MATCH_LIMIT = 500  # matching orders looked up by id; more than this are searched within the scope


def _matching_ids(
    *, since: dt.datetime, until: dt.datetime, phone_index: str, address_key: str, exclude_pk: int | None
) -> list[int]:
    """Ids of the orders (not merged) received in [since, until] from the phone or at the address,
    newest first, at most ``REPEAT_MATCH_LIMIT + 1``, read by the ``(phone_index, received_at)`` and
    ``(address_key, received_at)`` indexes. Runs after every intake: written out, since building it
    through the ORM cost about as much as running it."""
    received = WorkOrder._meta.get_field("received_at")
    q = connection.ops.quote_name
    keys, params = [], [received.get_db_prep_value(since, connection), received.get_db_prep_value(until, connection)]
    for column, value in (("phone_index", phone_index), ("address_key", address_key)):
        if value:
            keys.append(f"{q(column)} = %s")
            params.append(value)
    sql = (
        f"SELECT {q('id')} FROM {q(WorkOrder._meta.db_table)} WHERE {q('received_at')} >= %s "  # noqa: S608
        f"AND {q('received_at')} <= %s AND ({' OR '.join(keys)}) AND {q('state')} <> %s"
    )
    params.append(WorkOrder.State.MERGED.value)
    if exclude_pk is not None:
        sql += f" AND {q('id')} <> %s"
        params.append(exclude_pk)
    sql += f" ORDER BY {q('received_at')} DESC LIMIT {REPEAT_MATCH_LIMIT + 1}"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]


REPEAT_FIELDS = (
    "number",
    "state",
    "received_at",
    "content",
    "address",
    "phone_index",
    "category__name",
    "unit__name",
    "unit__short_name",
    "unit__path",
)


def repeat_candidates(
    *,
    user: Any,
    phone: str = "",
    address_key: str = "",
    content: str = "",
    received_at: dt.datetime | None = None,
    exclude_pk: int | None = None,
    threshold: float | None = None,
    window_days: int = 30,
) -> list[RepeatCandidate]:
    """Orders the user may see, received within ``window_days`` before or after ``received_at`` (an
    older demand imported late sees the newer order as well), from the same phone number, or at the
    same address with content similar at least ``threshold``."""
    from .services.common import similarity_threshold

    threshold = similarity_threshold() if threshold is None else threshold
    moment = received_at or timezone.now()
    phone_index = blind_index(phone) if phone else ""
    if not (phone_index or address_key):
        return []
    # The phone / address indexes find the matching orders first (ids only, whoever may see them);
    # the scope then applies to those few rows. One query, driven by the scope, read every order of
    # the user's units in the window instead. Usually nothing matches and that first query is all.
    ids = _matching_ids(
        since=moment - timedelta(days=window_days),
        until=moment + timedelta(days=window_days),
        phone_index=phone_index,
        address_key=address_key,
        exclude_pk=exclude_pk,
    )
    if not ids:
        return []
    qs = (
        WorkOrder.objects.visible_to(user, Cap.VIEW_WORKORDER)
        .exclude(state=WorkOrder.State.MERGED)
        .select_related("category", "unit")
        .only(*REPEAT_FIELDS)  # what the candidates show: the citizen's encrypted fields are not decrypted
        .order_by("-received_at")
    )
    if len(ids) <= REPEAT_MATCH_LIMIT:
        qs = qs.filter(pk__in=ids)
    else:  # a number or address seen very often: search within the scope directly
        match = Q(phone_index=phone_index) if phone_index else Q(address_key=address_key)
        if phone_index and address_key:
            match |= Q(address_key=address_key)
        span = timedelta(days=window_days)
        window = Q(received_at__gte=moment - span, received_at__lte=moment + span)
        qs = qs.filter(window).filter(match)
        if exclude_pk is not None:
            qs = qs.exclude(pk=exclude_pk)
    out = []
    for order in qs[:50]:
        score = similarity(content, order.content)
        if phone_index and order.phone_index == phone_index:
            out.append(RepeatCandidate(order, "phone", round(score, 4)))
        elif score >= threshold:
            out.append(RepeatCandidate(order, "address", round(score, 4)))
    return out


def are_repeats(a: WorkOrder, b: WorkOrder, *, window_days: int = 30, threshold: float | None = None) -> bool:
    """Whether two orders are possible repeats of each other by the rule of ``repeat_candidates``:
    received within ``window_days`` of each other, from the same phone number, or at the same
    address with similar content."""
    from .services.common import similarity_threshold

    if abs(a.received_at - b.received_at) > timedelta(days=window_days):
        return False
    if a.phone_index and a.phone_index == b.phone_index:
        return True
    threshold = similarity_threshold() if threshold is None else threshold
    return bool(a.address_key) and a.address_key == b.address_key and similarity(a.content, b.content) >= threshold


# --- one order ---------------------------------------------------------------------------------


def assist_leg_of(order: WorkOrder, leg_id: int) -> Assignment | None:
    """The order's 协办 leg ``leg_id``; None when the order has no such assisting task."""
    return order.legs.filter(pk=leg_id, role=Assignment.Role.ASSIST).first()


def order_timeline(order: WorkOrder) -> list[Any]:
    """The order's events (the caller loaded ``order`` through ``visible_to``), each with the
    ``detail`` its payload says (target unit, reason, new deadline …: ``workorders.timeline``)."""
    from .timeline import describe

    events = workflow.timeline(order)
    describe(events)
    return events


def order_deadline_state(order: WorkOrder, now: dt.datetime | None = None, *, schedule: Any = None) -> str:
    """on_time / due_soon / overdue / met / met_late of the completion deadline ("" before dispatch).

    ``schedule``: the unit's working schedule when the caller already has it (a list, once per unit)."""
    if order.due_at is None:
        return ""
    if order.state == WorkOrder.State.SUSPENDED:
        return "on_time"
    if order.completed_at is None and schedule is None:
        schedule = order.unit
    return deadline_state(now or timezone.now(), order.due_at, order.completed_at, unit=schedule).value


# --- pending items for the home page ----------------------------------------------------------


def pending_items(user: Any) -> list[dict[str, Any]]:
    """What the user must sign for, handle, call back or approve, soonest deadline first."""
    if not getattr(user, "is_authenticated", False) or not hasattr(user, "has_cap"):
        return []
    now = timezone.now()
    items: list[dict[str, Any]] = []

    def add(order: WorkOrder, verb: str, due: dt.datetime | None) -> None:
        state = ""
        if due is not None:
            state = deadline_state(now, due, unit=order.unit).value
        items.append({"title": f"{verb}:{order.number} {order.category.name}", "url": "", "due": due, "state": state})

    base = WorkOrder.objects.select_related("category", "unit")
    if user.has_cap(Cap.WORKORDER_HANDLE):
        handle = base.visible_to(user, Cap.WORKORDER_HANDLE)
        for order in handle.filter(state=WorkOrder.State.DISPATCHED)[:50]:
            add(order, "待签收", order.response_due_at)
        for order in handle.filter(state__in=[WorkOrder.State.ACCEPTED, WorkOrder.State.HANDLING])[:50]:
            add(order, "待办结", order.due_at)
    if user.has_cap(Cap.WORKORDER_CALLBACK):
        for order in base.visible_to(user, Cap.WORKORDER_CALLBACK).filter(state=WorkOrder.State.COMPLETED)[:50]:
            if order.completed_by_id != user.pk:
                add(order, "待回访", order.callback_due_at)
    if user.has_cap(Cap.WORKORDER_DISPATCH):
        dispatch = base.visible_to(user, Cap.WORKORDER_DISPATCH)
        for order in dispatch.filter(state=WorkOrder.State.RECEIVED)[:50]:
            add(order, "待派单", None)
        returns = ReturnRequest.objects.visible_to(user, Cap.WORKORDER_DISPATCH).filter(status=RequestStatus.PENDING)
        for req in returns.exclude(requested_by=user).select_related("order__category", "order__unit")[:50]:
            add(req.order, "退单待审批", None)
    if user.has_cap(Cap.WORKORDER_APPROVE):
        for model, verb in ((SuspensionRequest, "挂起待审批"), (ExtensionRequest, "延期待审批")):
            qs = model.objects.visible_to(user, Cap.WORKORDER_APPROVE).filter(status=RequestStatus.PENDING)
            for req in qs.exclude(requested_by=user).select_related("order__category", "order__unit")[:50]:
                add(req.order, verb, req.order.due_at)
    return items


# --- the period summary sentence ---------------------------------------------------------------


def _period_words(start: dt.date, end: dt.date) -> str:
    if start.year == end.year:
        if start.month == end.month:
            return f"{start.month}月份"
        return f"{start.month}至{end.month}月份"
    return f"{start.year}年{start.month}月至{end.year}年{end.month}月"


def _pct(figure: metrics.Figure) -> str:
    return figure.display


@dataclass(frozen=True)
class Summary:
    sentence: str
    figures: dict[str, metrics.Figure]


def period_summary(unit: Any, start: dt.date | str, end: dt.date | str, *, user: Any) -> Summary:
    """The brief-style sentence, every number computed from the metric definitions:

    "1至4月份,累计办结“接诉即办”工单256件,响应率、解决率、满意率三率均达到100%,推诿、超期工单实现“零”发生。"
    when everything is perfect, otherwise the three rates one by one and the real counts."""
    names = {
        "completed": "workorders.completed",
        "response": "workorders.response_rate",
        "resolution": "workorders.resolution_rate",
        "satisfaction": "workorders.satisfaction_rate",
        "shirked": "workorders.shirked",
        "overdue": "workorders.overdue",
    }
    computed = metrics.compute_many(names.values(), unit, start, end, user=user)  # the rows read once
    figs = {key: computed[name] for key, name in names.items()}
    period = figs["completed"].period
    when = _period_words(period.start, period.end)
    completed = int(figs["completed"].value or 0)
    rates = [figs["response"], figs["resolution"], figs["satisfaction"]]
    if all(f.value is not None and Decimal(f.value) == 1 for f in rates):
        rate_text = "响应率、解决率、满意率三率均达到100%"
    else:
        rate_text = "响应率、解决率、满意率分别为" + "、".join(_pct(f) for f in rates)
        if any(f.value is None for f in rates):
            rate_text += "(“—”表示无可计算的工单)"
    shirked, overdue = int(figs["shirked"].value or 0), int(figs["overdue"].value or 0)
    if shirked == 0 and overdue == 0:
        tail = "推诿、超期工单实现“零”发生"
    elif shirked == overdue:
        tail = f"推诿、超期工单各{shirked}件"
    else:
        tail = f"推诿工单{shirked}件、超期工单{overdue}件"
    sentence = f"{when},累计办结“接诉即办”工单{completed}件,{rate_text},{tail}。"
    return Summary(sentence=sentence, figures=figs)


def orders_for(user: Any, capability: str = Cap.VIEW_WORKORDER) -> QuerySet[WorkOrder]:
    return WorkOrder.objects.visible_to(user, capability)
