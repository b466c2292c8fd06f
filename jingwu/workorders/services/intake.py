"""Intake (受理) from every channel, repeat handling (合并/关联) and complaints about the police."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from jingwu.core import audit, workflow
from jingwu.core.attachments.services import atomic as atomic_with_files
from jingwu.core.attachments.services import attach
from jingwu.core.crypto import blind_index
from jingwu.core.inserts import insert
from jingwu.org.models import RoleAssignment, Unit
from jingwu.org.roles import Cap

from ..models import Category, OrderSource, RepeatLink, WorkOrder
from ..selectors import RepeatCandidate, are_repeats, repeat_candidates, similarity
from .common import check_scope, normalise_address, now_or, perform, require, validate_phone

MAX_CONTENT = 5000
CLOCK_SKEW = timedelta(minutes=5)  # a received time this far ahead of the server's clock is allowed
EARLIEST_YEAR = 2000


@dataclass
class IntakeResult:
    order: WorkOrder
    candidates: list[RepeatCandidate] = field(default_factory=list)


def _number(received_at: datetime) -> str:
    """GD + the day + 12 random hex digits. Eight digits were too few: a day with ~60,000 orders
    (a province, or a bulk import) has even odds of two equal numbers; with 48 bits that takes
    ~17 million in one day."""
    from jingwu.core.calendar import TZ

    return f"GD{received_at.astimezone(TZ):%Y%m%d}{uuid.uuid4().hex[:12].upper()}"


def _constraint_of(error: IntegrityError) -> str:
    """The name of the violated constraint (PostgreSQL tells it; SQLite names the columns)."""
    diag = getattr(error.__cause__, "diag", None)
    return getattr(diag, "constraint_name", None) or str(error)


def _coordinate(value: Any, field_name: str, low: int, high: int) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value))
    except ArithmeticError:
        raise ValidationError({field_name: "坐标应为数字 / a coordinate must be a number"}) from None
    if not number.is_finite():
        raise ValidationError({field_name: "坐标应为数字 / a coordinate must be a number"})
    if not (low <= number <= high):
        raise ValidationError({field_name: f"坐标应在 {low}~{high} 之间 / out of range"})
    return number.quantize(Decimal("0.000001"))


def _no_nul(**texts: Any) -> None:
    """PostgreSQL cannot store a NUL character: refused on the field, whatever the channel."""
    for name, value in texts.items():
        if isinstance(value, str) and "\x00" in value:
            raise ValidationError({name: "不能包含空字符(NUL) / must not contain NUL characters"})


def _received(received_at: datetime | None, now: datetime) -> datetime:
    """The received time: now when not given; never in the future (a few minutes of clock skew
    allowed) and never before 2000."""
    if received_at is None:
        return now
    received_at = now_or(received_at)
    require(
        received_at <= now + CLOCK_SKEW,
        "received_at",
        "受理时间不能晚于当前时间 / the received time cannot be in the future",
    )
    require(
        received_at.year >= EARLIEST_YEAR,
        "received_at",
        f"受理时间不能早于{EARLIEST_YEAR}年 / the received time cannot be before {EARLIEST_YEAR}",
    )
    return received_at


def discipline_unit_for(accused: Unit) -> Unit:
    """The nearest unit above the accused one that holds a 督察 (discipline) role: the complaint goes
    there and never to the accused unit or anything inside it."""
    paths = [accused.path[:i] for i in range(4, len(accused.path), 4)]
    assignment = (
        RoleAssignment.objects.filter(role="discipline", unit__path__in=paths)
        .select_related("unit")
        .order_by("-unit__depth")
        .first()
    )
    if assignment is None or assignment.unit is None:
        raise ValidationError(
            {"accused_unit": "上级单位未设置督察岗位,无法转交涉警投诉 / no 督察 unit above the accused unit"}
        )
    return assignment.unit


def work_order_intake(
    *,
    actor: Any,
    category: Category,
    content: str,
    citizen_phone: str = "",
    citizen_name: str = "",
    address: str = "",
    latitude: Any = None,
    longitude: Any = None,
    source: str = WorkOrder.Source.FORM,
    source_number: str = "",
    platform: str = "",
    received_at: datetime | None = None,
    intake_unit: Unit | None = None,
    accused_unit: Unit | None = None,
    attachments: Any = (),
) -> IntakeResult:
    """Register a demand from any channel; returns the order and its possible repeats.

    Every channel gets the same checks here: the phone (required except from Open311, where the
    specification makes it optional), category, content and lengths, no NUL character in any text,
    the received time (not in the future, not before 2000), the coordinates (both or neither, in
    range); a source number already known for the source and ``platform`` (also as a merged
    order's) is refused; ``attachments`` (uploaded files) are checked by content and kept
    with the order, or the whole intake is refused. A complaint about an officer or a unit
    (``accused_unit``) is routed at once to the 督察 unit above the accused one and hidden from the
    accused unit."""
    _no_nul(
        content=content,
        citizen_phone=citizen_phone,
        citizen_name=citizen_name,
        address=address,
        source_number=source_number,
        platform=platform,
    )
    received_at = _received(received_at, now_or(None))
    phone = validate_phone(citizen_phone, required=source != WorkOrder.Source.OPEN311)
    content = (content or "").strip()
    require(bool(content), "content", "诉求内容不能为空 / content is required")
    require(len(content) <= MAX_CONTENT, "content", f"诉求内容不能超过{MAX_CONTENT}字 / content too long")
    require(category is not None and category.active, "category", "请选择有效的诉求类别 / choose an active category")
    require(source in WorkOrder.Source.values, "source", "未知的来源 / unknown source")
    source_number = (source_number or "").strip()
    require(len(source_number) <= 64, "source_number", "来源编号过长 / source number too long")
    require(len((citizen_name or "").strip()) <= 50, "citizen_name", "姓名过长 / name too long")
    require(len((address or "").strip()) <= 200, "address", "地址过长 / address too long")
    platform = (platform or "").strip()
    require(len(platform) <= 20, "platform", "平台代码过长 / platform code too long")
    lat = _coordinate(latitude, "latitude", -90, 90)
    lng = _coordinate(longitude, "longitude", -180, 180)
    if (lat is None) != (lng is None):
        missing = "longitude" if lng is None else "latitude"
        raise ValidationError({missing: "经度与纬度须同时填写 / latitude and longitude must be given together"})
    unit = intake_unit or _actor_unit(actor)
    check_scope(actor, unit, Cap.WORKORDER_INTAKE)
    if accused_unit is not None:
        check_accused(category, accused_unit)
    if source_number and OrderSource.objects.filter(source=source, platform=platform, number=source_number).exists():
        raise ValidationError({"source_number": f"来源编号“{source_number}”已存在 / this source number already exists"})
    with atomic_with_files():  # transaction.atomic() that also removes stored files on rollback
        order = WorkOrder(
            number=_number(received_at),
            source=source,
            source_number=source_number,
            source_platform=platform,
            citizen_name=(citizen_name or "").strip(),
            citizen_phone=phone,
            phone_index=blind_index(phone) if phone else "",
            address=(address or "").strip(),
            address_key=normalise_address(address),
            latitude=lat,
            longitude=lng,
            category=category,
            content=content,
            received_at=received_at,
            received_by=actor,
            intake_unit=unit,
            unit=unit,
            complaint_about_officer=accused_unit is not None,
        )
        try:
            # a savepoint only where a duplicate is expected (source numbers, raced by two imports)
            with transaction.atomic(savepoint=bool(source_number)):
                insert(order)  # the kept INSERT statement of an order (jingwu.core.inserts)
                if source_number:
                    OrderSource.objects.create(order=order, source=source, platform=platform, number=source_number)
        except IntegrityError as error:
            violated = _constraint_of(error)
            if "source" in violated:  # workorder_source_number_unique / the order-source table
                raise ValidationError({"source_number": "来源编号已存在 / this source number already exists"}) from None
            # the random order number met an existing one (rare: see _number); nothing was saved
            raise ValidationError(
                {
                    "__all__": "工单号生成重复,未保存,请重新提交 / the order number collided; nothing was saved, submit again"
                }
            ) from None
        # The row was inserted just above in this transaction: nothing to re-read or lock, and the
        # unit's scope was checked (check_scope) before the insert.
        workflow.perform_created(
            order,
            "intake",
            actor=actor,
            in_scope=True,
            payload={
                "source": source,
                "source_number": source_number,
                "category": category.code,
                **({"platform": platform} if platform else {}),
            },
            # 受理 is dated when the demand came in (a 12345 import keeps the platform's time); later
            # steps are dated when they are recorded, so the timeline never shows them out of order.
            at=order.received_at,
        )
        if accused_unit is not None:
            _route_to_discipline(order, actor, accused_unit, received_at)
        attach(actor=actor, owner=order, files=attachments, stage="intake")  # checked by content; all or nothing
    candidates = repeat_candidates(
        user=actor,
        phone=phone,
        address_key=order.address_key,
        content=content,
        received_at=received_at,
        exclude_pk=order.pk,
    )
    return IntakeResult(order=order, candidates=candidates)


def _actor_unit(actor: Any) -> Unit:
    person = getattr(actor, "person", None)
    if person is not None and person.unit_id:
        return person.unit
    grants = [g for g in actor.scope_grants(Cap.WORKORDER_INTAKE) if g.unit_id]
    if grants:
        return Unit.objects.get(pk=grants[0].unit_id)
    raise ValidationError({"intake_unit": "请指定受理单位 / the receiving unit is required"})


def check_accused(category: Category, accused: Unit) -> None:
    """涉警投诉 needs a complaint category (投诉/举报 or below) and a current police unit (at intake and
    when marked later: ``services.conflict``)."""
    from .conflict import is_complaint_category

    require(
        is_complaint_category(category),
        "accused_unit",
        "涉警投诉须选择投诉或举报类诉求类别 / a complaint about the police needs a complaint category",
    )
    require(
        accused.kind != Unit.Kind.PARTY_BRANCH and accused.retired_on is None,
        "accused_unit",
        "被投诉单位须为现有的公安单位 / the accused unit must be a current police unit",
    )


def _route_to_discipline(order: WorkOrder, actor: Any, accused: Unit, at: datetime) -> None:
    from .flow import dispatch_leg

    target = discipline_unit_for(accused)
    # Recorded by the receiver, who may be of the accused unit: once routed it is out of their sight.
    dispatch_leg(
        order, actor=actor, to_unit=target, at=at, reason="涉警投诉转督察", extra={"accused_unit_id": accused.pk}
    )


# --- merge and link ------------------------------------------------------------------------------


def work_order_merge(*, actor: Any, order: WorkOrder, into: WorkOrder, reason: str = "") -> WorkOrder:
    """Merge ``order`` (a repeat) into ``into``: ``order`` ends as 已合并 and every source number it
    carried moves to ``into``, so re-importing any of them finds the surviving order. Two orders
    that are not possible repeats of each other (same phone, or same address and similar content,
    within 30 days) merge only with a written reason."""
    require(order.pk != into.pk, "into", "不能与自身合并 / cannot merge an order into itself")
    reason = (reason or "").strip()
    require(
        bool(reason) or are_repeats(order, into),
        "reason",
        "两件工单不属于可能重复的工单(同一号码,或同一地址且内容相似,30天内),合并须填写说明 / "
        "these orders are not possible repeats of each other: explain the merge",
    )
    require(into.state != WorkOrder.State.MERGED, "into", "目标工单已被合并 / the target was merged itself")
    visible = WorkOrder.objects.visible_to(actor, Cap.WORKORDER_INTAKE)
    if not visible.filter(pk=into.pk).exists():
        raise ValidationError({"into": "目标工单不存在 / no such order"})
    with transaction.atomic():
        moved = list(OrderSource.objects.filter(order=order).values_list("source", "number"))
        perform(
            order,
            "merge",
            actor=actor,
            reason=reason,
            into=into.number,
            sources=moved,
            set={"merged_into_id": into.pk},
        )
        OrderSource.objects.filter(order=order).update(order=into)
        score = Decimal(str(round(similarity(order.content, into.content), 4)))
        RepeatLink.objects.create(
            order=into, other=order, kind=RepeatLink.Kind.MERGE, similarity=score, created_by=actor
        )
        audit.record("workorders.merge", obj=into, actor=actor, changes={"merged": order.number, "sources": moved})
    return order


def work_order_repeat_action(
    *, actor: Any, order: WorkOrder, kind: str, other_number: str, reason: str = ""
) -> WorkOrder:
    """合并到 (``kind="merge"``) or 关联 (``"link"``) the order named by ``other_number`` within the
    actor's intake scope — the repeats page and the API's ``repeat`` step. Returns the order to show
    next: the one merged into, or ``order`` after a link."""
    other = WorkOrder.objects.visible_to(actor, Cap.WORKORDER_INTAKE).filter(number=other_number).first()
    if other is None:
        raise ValidationError({"other": "工单不存在 / no such order"})
    if kind == "merge":
        work_order_merge(actor=actor, order=order, into=other, reason=reason)
        return other
    work_order_link(actor=actor, order=order, other=other, reason=reason)
    return order


def work_order_link(*, actor: Any, order: WorkOrder, other: WorkOrder, reason: str = "") -> RepeatLink:
    """Link two orders as related repeats (both stay open); the event is on ``order``."""
    require(order.pk != other.pk, "other", "不能关联自身 / cannot link an order to itself")
    if not WorkOrder.objects.visible_to(actor, Cap.WORKORDER_INTAKE).filter(pk=other.pk).exists():
        raise ValidationError({"other": "关联工单不存在 / no such order"})
    if RepeatLink.objects.filter(order=order, other=other).exists():
        raise ValidationError({"other": "已关联 / already linked"})
    with transaction.atomic():
        perform(order, "link", actor=actor, reason=reason, other=other.number)
        score = Decimal(str(round(similarity(order.content, other.content), 4)))
        return RepeatLink.objects.create(
            order=order, other=other, kind=RepeatLink.Kind.LINK, similarity=score, created_by=actor
        )
