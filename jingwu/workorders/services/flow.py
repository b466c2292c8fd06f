"""派单 → 签收 → 退单 → 联系 → 挂起/延期 → 办结 → 回访 → 重办: every step one transaction with its
transition event and audit row (``workflow.perform``) plus the step's own record."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from jingwu.core.attachments.services import atomic as atomic_with_files
from jingwu.core.attachments.services import attach
from jingwu.core.calendar import TZ, CalendarUnavailable
from jingwu.core.deadlines import Clock, add_working_days, compute_due
from jingwu.org.models import Person, Unit
from jingwu.org.roles import Cap

from ..models import (
    Assignment,
    Callback,
    Category,
    Completion,
    Contact,
    ExtensionRequest,
    RequestStatus,
    ReturnRequest,
    RoutingRule,
    SuspensionRequest,
    WorkOrder,
)
from .common import check_scope, completion_clock, current_due, now_or, perform, require, require_calendar

UNREACHABLE_AFTER = 3


def _fresh(order: WorkOrder) -> WorkOrder:
    return WorkOrder.objects.select_related("category", "unit", "accused_unit").get(pk=order.pk)


def _current_leg(order: WorkOrder) -> Assignment | None:
    return order.legs.filter(role=Assignment.Role.LEAD, closed_at__isnull=True).order_by("-level", "-id").first()


# --- dispatch ------------------------------------------------------------------------------------


def refuse_accused(order: WorkOrder, unit: Unit, field: str = "unit") -> None:
    """A complaint about an officer or a unit (涉警投诉) never goes to the accused unit nor to a unit
    below it: it would own (or assist) an order it may not see."""
    accused = order.accused_unit
    if accused is not None and unit.path.startswith(accused.path):
        raise ValidationError(
            {
                field: f"该工单为涉警投诉,不能派给被投诉单位“{accused.name}”及其下属单位 / "
                "a complaint about the police cannot go to the accused unit or a unit below it"
            }
        )


def resolve_route(
    category: Category,
    address: str,
    *,
    within: Unit | None = None,
    actor: Any = None,
    exclude: Unit | None = None,
) -> RoutingRule | None:
    """The first active rule for the category or one of its ancestors (or for every category) whose
    keyword appears in the address (or that has no keyword).

    ``within``: only rules for units below that unit (the order's current unit), nearest level first
    (支队 → 大队 before 大队 → 中队), then by priority. ``actor``: only rules of the actor's dispatch
    scope. ``exclude``: never a rule for that unit or a unit below it (the accused unit)."""
    lineage = [c.pk for c in category.lineage()]
    rules = RoutingRule.objects.filter(active=True).select_related("unit")
    if actor is not None:
        rules = rules.visible_to(actor, Cap.WORKORDER_DISPATCH)
    if within is not None:
        rules = rules.filter(unit__path__startswith=within.path).exclude(unit_id=within.pk)
        rules = rules.order_by("unit__depth", "priority", "id")
    else:
        rules = rules.order_by("priority", "id")
    if exclude is not None:
        rules = rules.exclude(unit__path__startswith=exclude.path)
    for rule in rules.filter(unit__retired_on__isnull=True):
        if rule.category_id is not None and rule.category_id not in lineage:
            continue
        if rule.area_keyword and rule.area_keyword not in (address or ""):
            continue
        return rule
    return None


def route_for(order: WorkOrder, actor: Any) -> RoutingRule | None:
    """The rule that 按派单规则派单 would follow for ``order`` dispatched by ``actor``."""
    return resolve_route(order.category, order.address, within=order.unit, actor=actor, exclude=order.accused_unit)


def _open_lead_legs(order: WorkOrder) -> Any:
    return order.legs.filter(role=Assignment.Role.LEAD, closed_at__isnull=True)


def first_dispatch_clocks(at: datetime, category: Any, unit: Any) -> dict[str, Any]:
    """The first dispatch starts the order's clocks: the sign-for and completion deadlines from the
    category's limits in the receiving unit's calendar (a bounce or a later leg never restarts them)."""
    due = compute_due(at, category.complete_limit, unit)
    return {
        "dispatched_at": at,
        "response_due_at": compute_due(at, category.sign_for_limit, unit),
        "clock_started_at": at,
        "original_due_at": due,
        "due_at": due,
    }


def dispatch_leg(
    order: WorkOrder,
    *,
    actor: Any,
    to_unit: Unit,
    at: datetime,
    reason: str = "",
    rule: RoutingRule | None = None,
    extra: dict[str, Any] | None = None,
    due_at: datetime | None = None,
) -> Assignment:
    """Perform ``dispatch`` and open the leg. The first dispatch starts the response and completion
    clocks; later legs (大队 → 中队, or after an approved return) keep them: the clock never resets.

    Every lead leg has its own sign-for deadline (the category's limit from its dispatch) and its own
    handling deadline ``due_at``: the order's, or an earlier one its dispatcher sets (``due_at``)."""
    from_unit = order.unit
    category = order.category
    changes: dict[str, Any] = {"unit_id": to_unit.pk, "handler_id": None, **(extra or {})}
    order_due = order.due_at
    if order.dispatched_at is None:
        changes.update(first_dispatch_clocks(at, category, to_unit))
        order_due = changes["due_at"]
    leg_due = order_due
    if due_at is not None:
        due_at = now_or(due_at)
        require(due_at > at, "due_at", "办理时限须晚于派单时间 / the leg's deadline must be after the dispatch")
        if order_due is not None:
            require(
                due_at <= order_due,
                "due_at",
                f"本级办理时限不能晚于工单办结时限({order_due.astimezone(TZ):%Y-%m-%d %H:%M})"
                " / a leg's deadline cannot be later than the order's",
            )
        leg_due = due_at
    level = _open_lead_legs(order).count() + 1
    perform(
        order,
        "dispatch",
        actor=actor,
        reason=reason,
        to_unit=to_unit.code,
        level=level,
        rule=rule.pk if rule else None,
        leg_due_at=_iso(leg_due),
        set=changes,
    )
    return Assignment.objects.create(
        order=order,
        role=Assignment.Role.LEAD,
        level=level,
        from_unit=from_unit,
        to_unit=to_unit,
        dispatched_by=actor,
        dispatched_at=at,
        sign_due_at=compute_due(at, category.sign_for_limit, to_unit),
        due_at=leg_due,
        by_rule=rule,
    )


def work_order_dispatch(
    *,
    actor: Any,
    order: WorkOrder,
    unit: Unit | None = None,
    at: datetime | None = None,
    reason: str = "",
    due_at: datetime | None = None,
) -> Assignment:
    """派单 to ``unit`` by hand, or by the routing rules when ``unit`` is None.

    Two-level dispatch (两级派单): an order the unit has signed for (its leg stays open) is dispatched
    on only to a unit below it, as the next level's leg (支队 → 大队 → 中队), with its own sign-for
    deadline and a handling deadline ``due_at`` no later than the order's (default: the order's). A
    complaint about the police never goes to the accused unit or below it."""
    at = now_or(at)
    order = _fresh(order)
    rule = None
    if unit is None:
        rule = route_for(order, actor)
        if rule is None:
            raise ValidationError({"unit": "没有匹配的派单规则,请手工选择承办单位 / no routing rule matches"})
        unit = rule.unit
    check_scope(actor, unit, Cap.WORKORDER_DISPATCH)
    require(unit.pk != order.unit_id, "unit", "不能派给当前承办单位自身 / already with this unit")
    require(unit.retired_on is None, "unit", "该单位已撤销 / the unit is retired")
    require(unit.kind != Unit.Kind.PARTY_BRANCH, "unit", "党支部不承办工单 / a party branch takes no orders")
    refuse_accused(order, unit)
    onward = order.state in (WorkOrder.State.RECEIVED, WorkOrder.State.ACCEPTED)  # else the workflow refuses
    if onward and _open_lead_legs(order).exists():  # signed for here: dispatched on, one level down
        require(
            unit.path.startswith(order.unit.path),
            "unit",
            f"已签收的工单只能转派给“{order.unit.name}”的下级单位 / an order signed for is dispatched on "
            "only to a unit below",
        )
    with transaction.atomic():
        return dispatch_leg(order, actor=actor, to_unit=unit, at=at, reason=reason, rule=rule, due_at=due_at)


def work_order_assist(*, actor: Any, order: WorkOrder, unit: Unit, task: str, at: datetime | None = None) -> Assignment:
    """协办: an assisting unit gets its own task and sign-for deadline; the lead unit stays responsible."""
    at = now_or(at)
    order = _fresh(order)
    task = (task or "").strip()
    require(bool(task), "task", "请填写协办任务 / the assisting task is required")
    require(unit.pk != order.unit_id, "unit", "协办单位不能是主办单位 / the lead unit cannot also assist")
    refuse_accused(order, unit)
    check_scope(actor, unit, Cap.WORKORDER_DISPATCH)
    # Dispatched from where the lead leg came from (the dispatcher's unit, who also hears of a late
    # 签收), or from the lead unit when the order has no open lead leg.
    lead_leg = order.legs.filter(role=Assignment.Role.LEAD, closed_at__isnull=True).order_by("-level", "-id").first()
    with transaction.atomic():
        perform(order, "assist", actor=actor, unit=unit.code, task=task)
        return Assignment.objects.create(
            order=order,
            role=Assignment.Role.ASSIST,
            level=0,
            from_unit_id=lead_leg.from_unit_id if lead_leg else order.unit_id,
            to_unit=unit,
            dispatched_by=actor,
            dispatched_at=at,
            sign_due_at=compute_due(at, order.category.sign_for_limit, unit),
            task=task,
        )


def assist_accept(*, actor: Any, leg: Assignment, at: datetime | None = None) -> Assignment:
    """协办签收: the assisting unit signs for its own task (a ``assist_accept`` event on the order).
    The order stays the lead unit's; nothing else changes."""
    at = now_or(at)
    leg = Assignment.objects.select_related("to_unit", "order").get(pk=leg.pk)
    require(leg.role == Assignment.Role.ASSIST, "leg", "不是协办任务 / not an assisting task")
    require(leg.accepted_at is None, "leg", "协办任务已签收 / already signed for")
    require(leg.closed_at is None, "leg", "协办任务已结束 / the task has ended")
    check_scope(actor, leg.to_unit, Cap.WORKORDER_HANDLE)
    with transaction.atomic():
        perform(_fresh(leg.order), "assist_accept", actor=actor, leg=leg.pk, unit=leg.to_unit.code)
        Assignment.objects.filter(pk=leg.pk).update(accepted_at=at, accepted_by=actor)
    leg.refresh_from_db()
    return leg


def assist_reply(*, actor: Any, leg: Assignment, reply: str, at: datetime | None = None) -> Assignment:
    """The assisting unit reports its part done (signing for it too when it had not yet)."""
    at = now_or(at)
    leg = Assignment.objects.select_related("to_unit", "order").get(pk=leg.pk)
    reply = (reply or "").strip()
    require(leg.role == Assignment.Role.ASSIST, "leg", "不是协办任务 / not an assisting task")
    require(leg.done_at is None, "leg", "协办任务已完成 / already done")
    require(bool(reply), "reply", "请填写协办反馈 / the reply is required")
    check_scope(actor, leg.to_unit, Cap.WORKORDER_HANDLE)
    with transaction.atomic():
        perform(_fresh(leg.order), "assist_reply", actor=actor, reason=reply, leg=leg.pk, unit=leg.to_unit.code)
        signed = {} if leg.accepted_at else {"accepted_at": at, "accepted_by": actor}
        Assignment.objects.filter(pk=leg.pk).update(reply=reply, done_at=at, **signed)
    leg.refresh_from_db()
    return leg


def work_order_assign_handler(*, actor: Any, order: WorkOrder, person: Person) -> WorkOrder:
    """中队长 names the officer who handles the order (who then sees it through their own scope)."""
    order = _fresh(order)
    require(person.unit.path.startswith(order.unit.path), "person", "承办人须属于承办单位 / not of the unit")
    perform(order, "assign_handler", actor=actor, person=person.name, set={"handler_id": person.pk})
    return order


# --- sign for and return -------------------------------------------------------------------------


def work_order_accept(*, actor: Any, order: WorkOrder, at: datetime | None = None) -> WorkOrder:
    """签收 the current leg. The first sign-for of the order is what the response rate measures."""
    at = now_or(at)
    order = _fresh(order)
    leg = _current_leg(order)
    changes: dict[str, Any] = {}
    if order.accepted_at is None:
        changes["accepted_at"] = at
    with transaction.atomic():
        perform(order, "accept", actor=actor, set=changes)
        if leg is not None:
            Assignment.objects.filter(pk=leg.pk).update(accepted_at=at, accepted_by=actor)
    return order


def work_order_return(
    *, actor: Any, order: WorkOrder, reason_code: str, reason: str, at: datetime | None = None
) -> ReturnRequest:
    """退单 with a reason code and text; the unit stays responsible (首接负责) until the dispatcher
    approves. Every bounce is counted on the order."""
    at = now_or(at)
    order = _fresh(order)
    require(reason_code in ReturnRequest.Reason.values, "reason_code", "请选择退单原因 / choose a reason code")
    reason = (reason or "").strip()
    require(bool(reason), "reason", "请填写退单说明 / explain the return")
    leg = _current_leg(order)
    with transaction.atomic():
        perform(
            order,
            "return_order",
            actor=actor,
            reason=reason,
            reason_code=reason_code,
            set={"return_count": order.return_count + 1},
        )
        assert leg is not None  # the has_leg guard refused otherwise
        return ReturnRequest.objects.create(
            order=order,
            leg=leg,
            unit=leg.to_unit,
            reason_code=reason_code,
            reason=reason,
            requested_by=actor,
            requested_at=at,
        )


def return_decide(
    *, actor: Any, request: ReturnRequest, approve: bool, decision: str = "", at: datetime | None = None
) -> ReturnRequest:
    """The dispatcher of the leg approves (the order goes back to the dispatching unit, to be
    dispatched again) or rejects (counted as 推诿) a return. Never the requester."""
    at = now_or(at)
    request = ReturnRequest.objects.select_related("leg__from_unit", "order").get(pk=request.pk)
    require(request.status == RequestStatus.PENDING, "request", "该申请已审批 / already decided")
    order = _fresh(request.order)
    if not WorkOrder.objects.visible_to(actor, Cap.WORKORDER_DISPATCH).filter(pk=order.pk).exists():
        raise PermissionDenied("工单不在您的数据权限范围内 / the order is outside your data scope")
    check_scope(actor, request.leg.from_unit, Cap.WORKORDER_DISPATCH)
    with transaction.atomic():
        if approve:
            perform(
                order,
                "approve_return",
                actor=actor,
                reason=decision,
                requested_by=request.requested_by_id,
                set={"unit_id": request.leg.from_unit_id, "handler_id": None},
            )
            Assignment.objects.filter(pk=request.leg_id).update(closed_at=at)
        else:
            perform(
                order,
                "reject_return",
                actor=actor,
                reason=decision,
                requested_by=request.requested_by_id,
                set={"rejected_return_count": order.rejected_return_count + 1},
            )
        request.status = RequestStatus.APPROVED if approve else RequestStatus.REJECTED
        request.decided_by, request.decided_at, request.decision = actor, at, (decision or "").strip()
        request.save(update_fields=["status", "decided_by", "decided_at", "decision"])
    return request


# --- handling ----------------------------------------------------------------------------------


def work_order_contact(
    *,
    actor: Any,
    order: WorkOrder,
    channel: str,
    result: str,
    contacted_at: datetime | None = None,
    recorded_at: datetime | None = None,
) -> Contact:
    """Record a contact with the citizen; the first one starts 办理中.

    ``contacted_at`` is the time the handler claims (default: now), ``recorded_at`` when the record is
    entered (now; given only by imports and tests replaying a past timeline). The order's
    ``first_contact_at`` is what the response rate measures: the earliest contact, each at its
    claimed time — unless it was entered after the response limit had expired while claiming a time
    within it (补录): then it counts at its recording time, so a back-dated entry never turns a late
    response into an on-time one. An earlier contact entered later (while allowed) moves it earlier."""
    recorded = now_or(recorded_at)
    at = now_or(contacted_at) if contacted_at is not None else recorded
    order = _fresh(order)
    require(channel in Contact.Channel.values, "channel", "请选择联系方式 / choose a channel")
    result = (result or "").strip()
    require(bool(result), "result", "请填写联系结果 / the result is required")
    require(at <= recorded, "contacted_at", "联系时间不能晚于当前时间 / a contact cannot be in the future")
    if order.dispatched_at is not None:
        require(at >= order.dispatched_at, "contacted_at", "联系时间不能早于派单时间 / before dispatch")
    limit = order.response_due_at
    late_entry = limit is not None and recorded > limit and at <= limit
    measured = recorded if late_entry else at
    changes: dict[str, Any] = {}
    if order.first_contact_at is None or measured < order.first_contact_at:
        changes["first_contact_at"] = measured
    with transaction.atomic():
        perform(order, "contact", actor=actor, channel=channel, late_entry=late_entry, set=changes)
        return Contact.objects.create(
            order=order,
            contacted_at=at,
            channel=channel,
            result=result,
            recorded_by=actor,
            recorded_at=recorded,
            late_entry=late_entry,
        )


def due_after_pause(order: WorkOrder, paused_at: datetime, resume_by: datetime) -> datetime | None:
    """The completion deadline once the order is paused from ``paused_at`` until ``resume_by``: the
    deadline moves later by the paused working time (None before the clock started). A deadline the
    working calendar cannot count to is refused on ``resume_by``."""
    clock = completion_clock(order)
    if clock is None:
        return None
    try:
        paused = Clock(
            clock.start, clock.spec, [*clock.pause_list, (paused_at, resume_by)], clock.extensions, clock.unit
        )
        due = paused.due(resume_by)
    except CalendarUnavailable as exc:
        raise ValidationError({"resume_by": exc.message}) from None
    except ValueError as exc:  # a pause before the clock's start or an earlier pause
        raise ValidationError({"resume_by": str(exc)}) from None
    require_calendar(due, "resume_by", since=paused_at)
    return due


def _iso(moment: datetime | None) -> str | None:
    """A deadline as the timeline's payload keeps it: ISO 8601 in Beijing time."""
    return moment.astimezone(TZ).isoformat() if moment is not None else None


def _suspension_payload(resume_by: datetime | None, new_due: datetime | None) -> dict[str, Any]:
    """What the timeline shows of a suspension: until when (``resume_by``) and the deadline after it
    (``new_due_at``)."""
    return {"resume_by": _iso(resume_by), "new_due_at": _iso(new_due)}


def suspension_request(
    *, actor: Any, order: WorkOrder, reason: str, resume_by: datetime | None = None, at: datetime | None = None
) -> SuspensionRequest:
    """挂起申请 with a reason and the time until which the order is suspended (``resume_by``): once
    approved the clock stops until then (the order resumes by itself at ``resume_by``, or earlier by
    hand) and the completion deadline moves later by the paused working time."""
    at = now_or(at)
    order = _fresh(order)
    require(bool((reason or "").strip()), "reason", "请填写挂起原因 / the reason is required")
    require(resume_by is not None, "resume_by", "请填写挂起至(恢复办理)时间 / the date to suspend until is required")
    assert resume_by is not None
    resume_by = now_or(resume_by)
    require(resume_by > at, "resume_by", "挂起至时间须晚于当前时间 / the suspension must end in the future")
    require_calendar(resume_by, "resume_by", since=at)
    require(
        not order.suspensions.filter(status=RequestStatus.PENDING).exists(),
        "order",
        "已有待审批的挂起申请 / a suspension request is pending",
    )
    new_due = due_after_pause(order, at, resume_by)  # as if approved now: shown to the approver
    with transaction.atomic():
        perform(order, "request_suspension", actor=actor, reason=reason, **_suspension_payload(resume_by, new_due))
        return SuspensionRequest.objects.create(
            order=order, reason=reason.strip(), resume_by=resume_by, requested_by=actor, requested_at=at
        )


def suspension_decide(
    *, actor: Any, request: SuspensionRequest, approve: bool, decision: str = "", at: datetime | None = None
) -> SuspensionRequest:
    """Approve (the clock stops: 挂起 until ``resume_by``, and the deadline becomes the one after the
    pause) or reject a suspension; never by the requester."""
    at = now_or(at)
    request = SuspensionRequest.objects.get(pk=request.pk)
    require(request.status == RequestStatus.PENDING, "request", "该申请已审批 / already decided")
    order = _fresh(request.order)
    new_due = None
    changes: dict[str, Any] = {}
    if approve:
        changes["suspended_at"] = at
        if request.resume_by is not None:  # requests made before it was required carry none
            require(
                request.resume_by > at,
                "resume_by",
                "申请的挂起至时间已过,请驳回后重新申请 / the requested suspension has already ended; reject it",
            )
            new_due = due_after_pause(order, at, request.resume_by)
            if new_due is not None:
                changes["due_at"] = new_due
    with transaction.atomic():
        name = "approve_suspension" if approve else "reject_suspension"
        perform(
            order,
            name,
            actor=actor,
            reason=decision,
            requested_by=request.requested_by_id,
            **_suspension_payload(request.resume_by, new_due),
            set=changes,
        )
        request.status = RequestStatus.APPROVED if approve else RequestStatus.REJECTED
        request.decided_by, request.decided_at, request.decision = actor, at, (decision or "").strip()
        request.paused_at = at if approve else None
        request.save(update_fields=["status", "decided_by", "decided_at", "decision", "paused_at"])
    return request


def work_order_resume(*, actor: Any, order: WorkOrder, at: datetime | None = None) -> WorkOrder:
    """End the pause: the due time moves later by the paused working time."""
    at = now_or(at)
    order = _fresh(order)
    with transaction.atomic():
        SuspensionRequest.objects.filter(
            order=order, status=RequestStatus.APPROVED, paused_at__isnull=False, resumed_at__isnull=True
        ).update(resumed_at=at)
        due = current_due(order, at)
        perform(order, "resume", actor=actor, new_due_at=_iso(due), set={"suspended_at": None, "due_at": due})
    return order


def resume_due_suspensions(now: datetime | None = None) -> dict[str, int]:
    """The job: every suspended order whose approved suspension has reached its ``resume_by`` resumes
    by itself, the pause ending exactly at ``resume_by`` (so the deadline is the approved one)."""
    now = now_or(now)
    due = (
        SuspensionRequest.objects.filter(
            status=RequestStatus.APPROVED,
            paused_at__isnull=False,
            resumed_at__isnull=True,
            resume_by__lte=now,
            order__state=WorkOrder.State.SUSPENDED,
        )
        .select_related("order")
        .order_by("resume_by", "pk")
    )
    resumed = 0
    for request in due[:500]:
        assert request.resume_by is not None  # ``resume_by__lte`` leaves out NULL
        work_order_resume(actor=None, order=request.order, at=max(request.resume_by, request.paused_at or now))
        resumed += 1
    return {"resumed": resumed}


def extension_request(
    *, actor: Any, order: WorkOrder, reason: str, new_due_at: datetime, at: datetime | None = None
) -> ExtensionRequest:
    at = now_or(at)
    require(new_due_at is not None, "new_due_at", "请填写申请延至的期限 / the new deadline is required")
    new_due_at = now_or(new_due_at)
    order = _fresh(order)
    require(bool((reason or "").strip()), "reason", "请填写延期原因 / the reason is required")
    require(new_due_at > at, "new_due_at", "延期后的期限须晚于当前时间 / the new deadline must be in the future")
    require(
        order.due_at is None or new_due_at > order.due_at,
        "new_due_at",
        "延期后的期限须晚于当前期限 / the new deadline must be later than the current one",
    )
    require_calendar(new_due_at, "new_due_at", since=at)
    require(
        not order.extensions.filter(status=RequestStatus.PENDING).exists(),
        "order",
        "已有待审批的延期申请 / an extension request is pending",
    )
    with transaction.atomic():
        perform(order, "request_extension", actor=actor, reason=reason, new_due_at=_iso(new_due_at))
        return ExtensionRequest.objects.create(
            order=order,
            reason=reason.strip(),
            new_due_at=new_due_at,
            requested_by=actor,
            requested_at=at,
            clock_round=order.reopen_count,
        )


def extension_decide(
    *, actor: Any, request: ExtensionRequest, approve: bool, decision: str = "", at: datetime | None = None
) -> ExtensionRequest:
    """Approve (the due time moves to the requested one; time used stays used) or reject; the
    requester may never approve their own extension."""
    at = now_or(at)
    request = ExtensionRequest.objects.get(pk=request.pk)
    require(request.status == RequestStatus.PENDING, "request", "该申请已审批 / already decided")
    order = _fresh(request.order)
    if approve:  # a request made before the calendar check (e.g. to 2099) is refused, not approved
        require_calendar(request.new_due_at, "new_due_at", since=at)
    with transaction.atomic():
        request.status = RequestStatus.APPROVED if approve else RequestStatus.REJECTED
        request.decided_by, request.decided_at, request.decision = actor, at, (decision or "").strip()
        request.save(update_fields=["status", "decided_by", "decided_at", "decision"])
        changes: dict[str, Any] = {}
        if approve:
            try:
                changes["due_at"] = current_due(order, at)
            except ValueError as exc:
                raise ValidationError({"new_due_at": str(exc)}) from None
        name = "approve_extension" if approve else "reject_extension"
        perform(
            order,
            name,
            actor=actor,
            reason=decision,
            requested_by=request.requested_by_id,
            new_due_at=_iso(request.new_due_at),
            set=changes,
        )
    return request


def work_order_complete(
    *, actor: Any, order: WorkOrder, reply: str, result: str, at: datetime | None = None, attachments: Any = ()
) -> Completion:
    """办结 with the reply to the citizen and a result category; the callback is due within the
    category's callback limit (working days). ``attachments`` (files) are kept with the order at
    stage 办结, checked by content; a refused file refuses the completion."""
    at = now_or(at)
    order = _fresh(order)
    reply = (reply or "").strip()
    require(bool(reply), "reply", "请填写答复内容 / the reply is required")
    require(result in Completion.Result.values, "result", "请选择办理结果 / choose a result")
    changes: dict[str, Any] = {
        "completed_at": at,
        "completed_by_id": actor.pk,
        "callback_due_at": add_working_days(at, order.category.callback_days or 1, order.unit),
        "callback_attempts": 0,
    }
    if order.handler_id is None and getattr(actor, "person_id", None):
        changes["handler_id"] = actor.person_id
    with atomic_with_files():  # transaction.atomic() that also removes stored files on rollback
        perform(order, "complete", actor=actor, result=result, set=changes)
        completion = Completion.objects.create(
            order=order, round=order.reopen_count, reply=reply, result=result, completed_by=actor, completed_at=at
        )
        attach(actor=actor, owner=order, files=attachments, stage="completion")
        return completion


def _keep_round_clock(order: WorkOrder) -> None:
    """The round that a reopen ends keeps its clock on its completion record (start, deadline), so a
    late completion stays 超期 for its period, and so does an order open past that deadline at the
    end of a period before it was completed (``metrics.overdue``)."""
    Completion.objects.filter(order=order, round=order.reopen_count).update(
        round_started_at=order.clock_started_at or order.dispatched_at, round_due_at=order.due_at
    )


def work_order_callback(
    *,
    actor: Any,
    order: WorkOrder,
    reached: bool,
    resolved: bool | None = None,
    satisfaction: str = "",
    comment: str = "",
    at: datetime | None = None,
    new_due_at: datetime | None = None,
) -> Callback:
    """回访 by someone other than the handler. Not reached three times → closed as unreachable.
    已解决 and 满意/基本满意 → closed; 未解决 or 不满意 → reopened (重办) with a new deadline (the
    category's limit from now, or ``new_due_at``)."""
    at = now_or(at)
    order = _fresh(order)
    comment = (comment or "").strip()
    if reached:
        require(resolved is not None, "resolved", "请选择是否已解决 / say whether it was resolved")
        require(satisfaction in WorkOrder.Satisfaction.values, "satisfaction", "请选择满意度 / choose the satisfaction")
    attempt = order.callback_attempts + 1
    with transaction.atomic():
        changes: dict[str, Any] = {"callback_attempts": attempt}
        if reached:
            changes.update(
                called_back_at=at, callback_reached=True, callback_resolved=resolved, callback_satisfaction=satisfaction
            )
        perform(
            order,
            "callback",
            actor=actor,
            reason=comment,
            reached=reached,
            resolved=resolved,
            satisfaction=satisfaction,
            attempt=attempt,
            set=changes,
        )
        record = Callback.objects.create(
            order=order,
            round=order.reopen_count,
            attempt=attempt,
            called_at=at,
            called_by=actor,
            reached=reached,
            resolved=resolved if reached else None,
            satisfaction=satisfaction if reached else "",
            comment=comment,
        )
        if not reached:
            if attempt >= UNREACHABLE_AFTER:
                perform(
                    order,
                    "close",
                    actor=actor,
                    reason=f"{UNREACHABLE_AFTER}次回访均未接通 / unreachable",
                    set={"closed_at": at, "callback_reached": False},
                )
        elif resolved and satisfaction != WorkOrder.Satisfaction.UNSATISFIED:
            perform(order, "close", actor=actor, set={"closed_at": at})
        else:
            due = now_or(new_due_at) if new_due_at else compute_due(at, order.category.complete_limit, order.unit)
            require(due > at, "new_due_at", "重办期限须晚于当前时间 / the new deadline must be in the future")
            require_calendar(due, "new_due_at", since=at)
            _keep_round_clock(order)  # before the reopen starts a new round: 超期件 of past periods
            perform(
                order,
                "reopen",
                actor=actor,
                reason="回访"
                + ("未解决" if not resolved else "")
                + ("不满意" if satisfaction == "unsatisfied" else ""),
                new_due_at=_iso(due),
                set={
                    "reopen_count": order.reopen_count + 1,
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
    return record
