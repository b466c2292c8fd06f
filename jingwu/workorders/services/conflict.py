"""涉警投诉 (conflict of interest) after intake: the hint "疑似涉警投诉" and the marking that reroutes
an order to 督察 and hides it from the accused unit.

An order taken in by form or API can name the accused unit at once (``work_order_intake``); orders
that come by 12345 import or Open311 cannot, so a dispatcher or 督察 marks them afterwards
(``work_order_mark_complaint``). The hint is one keyword rule, here, configurable in settings
(``WORKORDERS_POLICE_COMPLAINT_KEYWORDS``, ``WORKORDERS_POLICE_CONDUCT_KEYWORDS``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction

from jingwu.core.deadlines import compute_due
from jingwu.org.models import Person, Unit
from jingwu.org.roles import Cap

from ..models import Assignment, Category, WorkOrder
from .common import check_scope, now_or, perform, require, setting

# Words that name police officers or units in a complaint (投诉/举报) — a hint, never a decision.
DEFAULT_POLICE_KEYWORDS = (
    "民警",
    "辅警",
    "警察",
    "交警",
    "警官",
    "警员",
    "协警",
    "执勤人员",
    "执法人员",
    "中队",
    "大队",
    "支队",
    "派出所",
    "车管所",
)


# Words about conduct: a police word alone ("请交警处理") asks the police for help; with one of these
# the demand is about how an officer or unit behaved.
DEFAULT_CONDUCT_KEYWORDS = (
    "态度",
    "不作为",
    "乱作为",
    "推诿",
    "刁难",
    "粗暴",
    "辱骂",
    "打人",
    "索要",
    "收受",
    "吃拿卡要",
    "徇私",
    "包庇",
    "违规",
    "违纪",
    "不文明",
    "执法不公",
    "乱罚款",
    "乱扣分",
    "滥用",
    "不出警",
    "出警慢",
    "不处理",
    "不管",
)


def police_keywords() -> tuple[str, ...]:
    return tuple(k for k in setting("POLICE_COMPLAINT_KEYWORDS", DEFAULT_POLICE_KEYWORDS) if k)


def conduct_keywords() -> tuple[str, ...]:
    return tuple(k for k in setting("POLICE_CONDUCT_KEYWORDS", DEFAULT_CONDUCT_KEYWORDS) if k)


def is_complaint_category(category: Category | None) -> bool:
    return category is not None and any(c.is_complaint for c in category.lineage())


def police_complaint_hint(category: Category | None, content: str) -> list[str]:
    """The police words found in ``content`` when ``category`` is a complaint (投诉/举报 or below) and
    the text also speaks of conduct (态度, 不作为, 乱罚款 …): non-empty means "疑似涉警投诉" — shown at
    intake so the operator names the accused unit. A hint, never a decision."""
    if not content or not is_complaint_category(category):
        return []
    if not any(k in content for k in conduct_keywords()):
        return []
    return [k for k in police_keywords() if k in content]


def may_be_marked(order: WorkOrder) -> bool:
    """An open complaint (投诉/举报) not yet marked as one about the police."""
    return (
        order.accused_unit_id is None and order.state in WorkOrder.OPEN_STATES and is_complaint_category(order.category)
    )


def order_hint(order: WorkOrder) -> list[str]:
    """The hint for an order that may still be marked as a complaint about the police."""
    return police_complaint_hint(order.category, order.content) if may_be_marked(order) else []


def work_order_mark_complaint(
    *,
    actor: Any,
    order: WorkOrder,
    reason: str,
    accused_unit: Unit | None = None,
    accused_person: Person | None = None,
    at: datetime | None = None,
) -> Assignment:
    """认定涉警投诉: the order is a complaint about an officer (``accused_person``, whose unit is then
    the accused unit unless one is named) or a unit (``accused_unit``). Its open lead legs end, it is
    dispatched to the 督察 unit above the accused one (a new leg to sign for, the order's clock kept)
    and from then on hidden from the accused unit and every unit below it. Dispatcher or 督察
    (``workorders.conflict``); the accused unit must lie in the actor's scope."""
    from .flow import _fresh, first_dispatch_clocks
    from .intake import check_accused, discipline_unit_for

    at = now_or(at)
    order = _fresh(order)
    reason = (reason or "").strip()
    require(bool(reason), "reason", "请填写认定说明 / explain why this is a complaint about the police")
    require(order.accused_unit_id is None, "accused_unit", "该工单已认定为涉警投诉 / already marked")
    require(
        is_complaint_category(order.category),
        "accused_unit",
        "涉警投诉须为投诉或举报类诉求 / a complaint about the police needs a complaint category",
    )
    if accused_person is not None:
        person_unit = accused_person.unit
        if accused_unit is None:
            accused_unit = person_unit
        require(
            person_unit.path.startswith(accused_unit.path),
            "accused_person",
            "被投诉民警不属于所选被投诉单位 / the officer is not of the accused unit",
        )
    require(accused_unit is not None, "accused_unit", "请选择被投诉单位或被投诉民警 / choose the accused unit")
    assert accused_unit is not None
    check_accused(order.category, accused_unit)
    check_scope(actor, accused_unit, Cap.WORKORDER_CONFLICT)
    target = discipline_unit_for(accused_unit)
    category = order.category
    changes: dict[str, Any] = {
        "unit_id": target.pk,
        "handler_id": None,
        "accused_unit_id": accused_unit.pk,
        "complaint_about_officer": True,
    }
    if order.dispatched_at is None:  # the first dispatch starts the clocks (as ``dispatch_leg``)
        changes.update(first_dispatch_clocks(at, category, target))
    from_unit_id = order.unit_id  # where it was: the new leg comes from there
    with transaction.atomic():
        perform(
            order,
            "mark_complaint",
            actor=actor,
            reason=reason,
            accused_unit=accused_unit.code,
            accused_person=accused_person.name if accused_person else "",
            to_unit=target.code,
            set=changes,
        )
        # Every open leg ends: the lead legs (the order leaves their units) and the accused
        # subtree's assist tasks (it may no longer see the order).
        order.legs.filter(closed_at__isnull=True).filter(role=Assignment.Role.LEAD).update(closed_at=at)
        order.legs.filter(
            closed_at__isnull=True, role=Assignment.Role.ASSIST, to_unit__path__startswith=accused_unit.path
        ).update(closed_at=at)
        return Assignment.objects.create(
            order=order,
            role=Assignment.Role.LEAD,
            level=1,
            from_unit_id=from_unit_id,
            to_unit=target,
            dispatched_by=actor,
            dispatched_at=at,
            sign_due_at=compute_due(at, category.sign_for_limit, target),
            due_at=changes.get("due_at", order.due_at),
        )
