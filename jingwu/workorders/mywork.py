"""Reads of "我的工作" (my work) and of the home page's 待办: what the user must sign for, handle,
call back, dispatch or approve, soonest deadline first, each item linking to the order's page.

Every read goes through ``visible_to(user, capability)`` of the step's capability.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce, Least
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from jingwu.core.deadlines import deadline_state
from jingwu.core.scope import unit_in_scope
from jingwu.org.roles import Cap

from .models import Appeal, Assignment, ExtensionRequest, RequestStatus, ReturnRequest, SuspensionRequest, WorkOrder
from .models.orders import anchored_units

LIMIT = 100


@dataclass
class WorkItem:
    order: WorkOrder
    verb: str
    due: dt.datetime | None
    state: str = ""

    @property
    def url(self) -> str:
        return reverse("workorders:detail", args=[self.order.pk])

    @property
    def state_label(self) -> str | Promise:
        return {"on_time": _("正常"), "due_soon": _("临期"), "overdue": _("超期"), "unknown": _("日历未公布")}.get(
            self.state, ""
        )


@dataclass
class Section:
    key: str
    title: str
    icon: str
    items: list[WorkItem] = field(default_factory=list)


def _sorted(items: list[WorkItem]) -> list[WorkItem]:
    far = dt.datetime.max.replace(tzinfo=dt.UTC)
    return sorted(items, key=lambda i: (i.due is None, i.due or far, i.order.pk))


def _item(order: WorkOrder, verb: str, due: dt.datetime | None, now: dt.datetime) -> WorkItem:
    state = deadline_state(now, due, unit=order.unit).value if due is not None else ""
    return WorkItem(order=order, verb=verb, due=due, state=state)


def my_work(user: Any, now: dt.datetime | None = None) -> list[Section]:
    """The sections of my work, each sorted by deadline (items without a deadline last)."""
    if not getattr(user, "is_authenticated", False) or not hasattr(user, "has_cap"):
        return []
    now = now or timezone.now()
    base = WorkOrder.objects.select_related("category", "unit")
    sections: list[Section] = []

    relaying: list[WorkItem] = []  # signed for by a 支队/大队 desk, to dispatch on (两级派单)
    if user.has_cap(Cap.WORKORDER_HANDLE):
        mine = _own_units_q(user, Cap.WORKORDER_HANDLE)
        handle = _with_leg_deadlines(base.visible_to(user, Cap.WORKORDER_HANDLE).filter(mine))
        # 待签收: the legs addressed to my unit, by the current leg's sign-for deadline (a 中队's leg
        # of a two-level dispatch has its own, later than the order's first response deadline).
        sign = [
            _item(o, "待签收", o.leg_sign_due, now)
            for o in handle.filter(state=WorkOrder.State.DISPATCHED).order_by("leg_sign_due", "pk")[:LIMIT]
        ]
        relays = user.has_cap(Cap.WORKORDER_DISPATCH)
        work = []
        for o in handle.filter(
            state__in=[WorkOrder.State.ACCEPTED, WorkOrder.State.HANDLING, WorkOrder.State.SUSPENDED]
        ).order_by("leg_due", "pk")[:LIMIT]:
            if relays and o.state == WorkOrder.State.ACCEPTED and o.unit.kind in RELAY_KINDS:
                relaying.append(_item(o, "待转派", o.leg_due, now))
                continue
            work.append(_item(o, "待办结" if o.state != WorkOrder.State.SUSPENDED else "挂起中", o.leg_due, now))
        sections.append(Section("sign", "待签收", "pen", _sorted(sign)))
        sections.append(Section("handle", "待办理", "tools", _sorted(work)))
        sections.append(Section("assist", "协办任务", "people", assist_tasks(user, now)))
    if user.has_cap(Cap.WORKORDER_CALLBACK):
        calls = (
            base.visible_to(user, Cap.WORKORDER_CALLBACK)
            .filter(state=WorkOrder.State.COMPLETED)
            .exclude(completed_by=user)
            .order_by("callback_due_at", "pk")
        )
        if user.person_id:
            calls = calls.exclude(handler_id=user.person_id)  # no callback on one's own order
        items = [_item(o, "待回访", o.callback_due_at, now) for o in calls[:LIMIT]]
        sections.append(Section("callback", "待回访", "telephone", _sorted(items)))
    approvals: list[WorkItem] = []
    if user.has_cap(Cap.WORKORDER_DISPATCH):
        received = (
            base.visible_to(user, Cap.WORKORDER_DISPATCH)
            .filter(_own_units_q(user, Cap.WORKORDER_DISPATCH))
            .filter(state=WorkOrder.State.RECEIVED)
        )
        items = [_item(o, "待派单", None, now) for o in received.order_by("received_at", "pk")[:LIMIT]]
        sections.append(Section("dispatch", "待派单", "send", _sorted(relaying) + items))
        returns = (
            ReturnRequest.objects.visible_to(user, Cap.WORKORDER_DISPATCH)
            .filter(status=RequestStatus.PENDING)
            .exclude(requested_by=user)
            .select_related("order__category", "order__unit", "leg__from_unit")
        )
        # Only the dispatcher of the returned leg decides (the unit it was dispatched from).
        approvals += [
            _item(r.order, "退单待审批", r.order.due_at, now)
            for r in returns[:LIMIT]
            if unit_in_scope(user, r.leg.from_unit, Cap.WORKORDER_DISPATCH)
        ]
    if user.has_cap(Cap.WORKORDER_APPROVE):
        for model, verb in (
            (SuspensionRequest, "挂起待审批"),
            (ExtensionRequest, "延期待审批"),
            (Appeal, "申诉待审批"),
        ):
            qs = (
                model.objects.visible_to(user, Cap.WORKORDER_APPROVE)  # type: ignore[attr-defined]
                .filter(status=RequestStatus.PENDING)
                .exclude(requested_by=user)
                .select_related("order__category", "order__unit")
            )
            approvals += [_item(r.order, verb, r.order.due_at, now) for r in qs[:LIMIT]]
    if user.has_cap(Cap.WORKORDER_DISPATCH) or user.has_cap(Cap.WORKORDER_APPROVE):
        sections.append(Section("approve", "待审批", "check2-square", _sorted(approvals)))
    return sections


# Units that pass orders on to the units below them (两级派单: 支队 → 大队 → 中队).
RELAY_KINDS = ("bureau", "detachment", "brigade", "sub_bureau")


def _own_units_q(user: Any, capability: str) -> Q:
    """The orders at a unit where the user holds ``capability`` (``anchored_units``), or that the user
    handles in person: what is *mine* to sign for, handle or dispatch — not every order the user sees
    below (a 大队领导 sees all its squadrons' orders, but signs for and dispatches only those sent to
    the brigade). A grant over everything: no restriction."""
    units = anchored_units(user, capability)
    if units is None:
        return Q()
    q = Q(unit_id__in=units)
    person_id = getattr(user, "person_id", None)
    if person_id:
        q |= Q(handler_id=person_id)
    return q


def _with_leg_deadlines(qs: Any) -> Any:
    """Each order with its current lead leg's deadlines: ``leg_sign_due`` (签收, else the order's
    response deadline) and ``leg_due`` (办理: the leg's own when set and earlier, else the order's)."""
    leg = Assignment.objects.filter(order_id=OuterRef("pk"), role=Assignment.Role.LEAD, closed_at__isnull=True)
    leg = leg.order_by("-level", "-id")
    return qs.annotate(
        leg_sign_due=Coalesce(Subquery(leg.values("sign_due_at")[:1]), F("response_due_at")),
        leg_due=Coalesce(Least(Subquery(leg.values("due_at")[:1]), F("due_at")), F("due_at")),
    )


def assist_tasks(user: Any, now: dt.datetime) -> list[WorkItem]:
    """The open assist legs (协办) sent to the user's own unit: 协办待签收 by the leg's sign-for
    deadline, then 协办待反馈 by the order's completion deadline (the lead unit needs the part
    before it completes). Orders hidden from the user (complaints about their unit) are left out."""
    # the legs sent to the user's own unit (as 待签收): a 支队 or 大队 desk sees its squadrons' 协办
    # tasks on the orders, not in its own work
    own = anchored_units(user, Cap.WORKORDER_HANDLE)
    if own is not None and not own:
        return []
    legs_q = Q() if own is None else Q(to_unit_id__in=own)
    legs = (
        Assignment.objects.filter(legs_q)
        .filter(
            role=Assignment.Role.ASSIST,
            done_at__isnull=True,
            closed_at__isnull=True,
            order__state__in=WorkOrder.OPEN_STATES,
            order__in=WorkOrder.objects.visible_to(user, Cap.VIEW_WORKORDER).values("pk"),
        )
        .select_related("order__category", "order__unit")
        .order_by("sign_due_at", "pk")[:LIMIT]
    )
    items = []
    for leg in legs:
        if leg.accepted_at is None:
            items.append(_item(leg.order, "协办待签收", leg.sign_due_at, now))
        else:
            items.append(_item(leg.order, "协办待反馈", leg.order.due_at, now))
    return _sorted(items)


def pending_items(user: Any) -> list[dict[str, Any]]:
    """The home page's 待办 (``jingwu.core.home`` provider): my work, each item linking to its order."""
    out = []
    for section in my_work(user):
        for item in section.items:
            out.append(
                {
                    "title": f"{item.verb}:{item.order.number} {item.order.category.name}",
                    "url": item.url,
                    "due": item.due,
                    "state": item.state,
                }
            )
    return out
