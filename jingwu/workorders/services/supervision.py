"""督办/催办 and 通报 on late orders (by hand and by the daily job), and 申诉 (免考核)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction

from jingwu.core.calendar import TZ, is_workday, next_workday
from jingwu.core.notifications import notify
from jingwu.org.models import RoleAssignment, Unit, User

from ..models import Appeal, RequestStatus, SupervisionNotice, WorkOrder
from .common import now_or, perform, require, setting

KIND_LABEL = dict(SupervisionNotice.Kind.choices)


def notice_after_working_days() -> int:
    """Working days after the automatic urge before a 通报 (configurable)."""
    return int(setting("NOTICE_AFTER_WORKING_DAYS", 2))


def _recipients(order: WorkOrder) -> Any:
    """The leads of the responsible unit — never anyone of the accused unit of a complaint about the
    police (nor of a unit below it: a role anchored there, or a person serving there), who may not
    know of the order."""
    users = User.objects.filter(
        is_active=True, role_assignments__unit_id=order.unit_id, role_assignments__role__in=["unit_lead", "leadership"]
    )
    if order.accused_unit_id is not None:
        accused = Unit.objects.only("path").get(pk=order.accused_unit_id).path
        users = users.exclude(
            pk__in=RoleAssignment.objects.filter(unit__path__startswith=accused).values("user_id")
        ).exclude(person__unit__path__startswith=accused)
    return users.distinct()


def _issue(
    order: WorkOrder, kind: str, *, actor: Any, content: str, at: datetime, key: str = ""
) -> SupervisionNotice | None:
    """One urge or notice: the transition event, the notice row, the count and a notification to
    the unit's leads. With ``key`` a second issue for the same key does nothing (returns None)."""
    if key and SupervisionNotice.objects.filter(order=order, kind=kind, key=key).exists():
        return None
    counter = "urge_count" if kind == SupervisionNotice.Kind.URGE else "notice_count"
    try:
        with transaction.atomic():
            perform(order, kind, actor=actor, reason=content, key=key, set={counter: getattr(order, counter) + 1})
            notice = SupervisionNotice.objects.create(
                order=order, kind=kind, unit=order.unit, content=content, issued_by=actor, issued_at=at, key=key
            )
    except IntegrityError:  # a concurrent run issued the same key first
        return None
    notify(
        recipients=_recipients(order),
        kind=f"workorders.{kind}",
        level="danger" if kind == SupervisionNotice.Kind.NOTICE else "warning",
        title=f"工单{KIND_LABEL[kind]}:{order.number}",
        body=content,
        dedupe_key=f"workorders.{kind}:{notice.pk}",
    )
    return notice


def work_order_urge(*, actor: Any, order: WorkOrder, content: str, at: datetime | None = None) -> SupervisionNotice:
    """催办/督办 by the supervision role (``workorders.supervise``)."""
    content = (content or "").strip()
    require(bool(content), "content", "请填写督办内容 / the content is required")
    notice = _issue(order, SupervisionNotice.Kind.URGE, actor=actor, content=content, at=now_or(at))
    assert notice is not None
    return notice


def work_order_notice(*, actor: Any, order: WorkOrder, content: str, at: datetime | None = None) -> SupervisionNotice:
    """通报 a late order by hand."""
    content = (content or "").strip()
    require(bool(content), "content", "请填写通报内容 / the content is required")
    notice = _issue(order, SupervisionNotice.Kind.NOTICE, actor=actor, content=content, at=now_or(at))
    assert notice is not None
    return notice


def _working_days_between(start: datetime, end: datetime) -> int:
    """Working days after ``start``'s date up to and including ``end``'s date."""
    day, last, count = start.astimezone(TZ).date(), end.astimezone(TZ).date(), 0
    while True:
        day = next_workday(day)
        if day > last:
            return count
        count += 1


def urge_overdue(now: datetime | None = None) -> dict[str, int]:
    """The daily sweep (idempotent): on a working day, urge every open order whose deadline passed
    before today (i.e. overdue since the previous working day), once per deadline; and 通报 those
    still open N working days after that urge."""
    now = now_or(now)
    today = now.astimezone(TZ).date()
    if not is_workday(today):
        return {"urged": 0, "noticed": 0}
    start_of_today = datetime.combine(today, datetime.min.time(), tzinfo=TZ)
    late = (
        WorkOrder.objects.filter(state__in=WorkOrder.OPEN_STATES, due_at__lt=start_of_today)
        .exclude(state=WorkOrder.State.SUSPENDED)
        .select_related("category", "unit")
        .order_by("due_at", "pk")
    )
    urged = noticed = 0
    after = notice_after_working_days()
    for order in late.iterator(chunk_size=500):
        if order.due_at is None:  # never: ``due_at__lt`` leaves out NULL
            continue
        due = order.due_at.astimezone(TZ)
        key = f"auto:{due:%Y%m%d%H%M}"
        content = f"工单{order.number}已超过办结时限({due:%Y-%m-%d %H:%M}),请抓紧办理。"
        if _issue(order, SupervisionNotice.Kind.URGE, actor=None, content=content, at=now, key=key):
            urged += 1
            order.refresh_from_db()
            continue
        urge = SupervisionNotice.objects.filter(order=order, kind=SupervisionNotice.Kind.URGE, key=key).first()
        if urge is None or _working_days_between(urge.issued_at, now) < after:
            continue
        text = f"工单{order.number}催办后{after}个工作日仍未办结,予以通报。"
        if _issue(order, SupervisionNotice.Kind.NOTICE, actor=None, content=text, at=now, key=key):
            noticed += 1
    return {"urged": urged, "noticed": noticed}


# --- appeal (免考核) ------------------------------------------------------------------------------


def appeal_request(
    *, actor: Any, order: WorkOrder, reason_code: str, reason: str, at: datetime | None = None
) -> Appeal:
    """The responsible unit asks that the order leave the scoring (申诉)."""
    at = now_or(at)
    require(reason_code in Appeal.Reason.values, "reason_code", "请选择申诉理由 / choose a reason")
    reason = (reason or "").strip()
    require(bool(reason), "reason", "请填写申诉说明 / explain the appeal")
    require(not order.exempted, "order", "该工单已免考核 / already exempted")
    require(
        not order.appeals.filter(status=RequestStatus.PENDING).exists(),
        "order",
        "已有待审批的申诉 / an appeal is pending",
    )
    with transaction.atomic():
        perform(order, "appeal", actor=actor, reason=reason, reason_code=reason_code)
        return Appeal.objects.create(
            order=order, reason_code=reason_code, reason=reason, requested_by=actor, requested_at=at
        )


def appeal_decide(
    *, actor: Any, appeal: Appeal, approve: bool, decision: str = "", at: datetime | None = None
) -> Appeal:
    """An approver (not the requester) decides; approved → the order is exempted (免考核) and leaves
    every denominator of the 三率."""
    at = now_or(at)
    appeal = Appeal.objects.select_related("order").get(pk=appeal.pk)
    require(appeal.status == RequestStatus.PENDING, "appeal", "该申诉已审批 / already decided")
    order = appeal.order
    with transaction.atomic():
        perform(
            order,
            "decide_appeal",
            actor=actor,
            reason=decision,
            approved=approve,
            requested_by=appeal.requested_by_id,
            set={"exempted": True} if approve else {},
        )
        appeal.status = RequestStatus.APPROVED if approve else RequestStatus.REJECTED
        appeal.decided_by, appeal.decided_at, appeal.decision = actor, at, (decision or "").strip()
        appeal.save(update_fields=["status", "decided_by", "decided_at", "decision"])
    return appeal
