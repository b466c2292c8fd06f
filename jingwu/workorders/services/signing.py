"""签收提醒与超时上报: the sign-for watch over every dispatch leg (主办 and 协办).

A leg not signed for gets one reminder to the receiving unit once a share of its sign-for limit has
passed (``WORKORDERS_SIGN_REMIND_SHARE``, default 0.5: half the limit), counted the way the limit
is counted (working time on the unit's working calendar for working-hour/day limits, clock time
for natural hours), and one escalation to the dispatcher once ``sign_due_at`` has passed: an event
on the order's timeline (``sign_overdue``, audited by the workflow), a count on the order
(``sign_overdue_count``, "签收超时") and a notification. ``reminded_at`` / ``escalated_at`` on
the leg make both happen at most once, whatever the number of runs (job ``workorders.sign_watch``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse

from jingwu.core.calendar import TZ, CalendarError
from jingwu.core.deadlines import NATURAL_HOURS, working_time_between
from jingwu.core.notifications import notify
from jingwu.core.scope import Scope
from jingwu.org.models import RoleAssignment, Unit, User
from jingwu.org.roles import ROLES, Cap

from ..models import Assignment, RequestStatus, ReturnRequest, WorkOrder
from ..models.orders import PATH_STEP
from .common import now_or, perform, setting

logger = logging.getLogger("jingwu.workorders")

ROLE_LABEL = dict(Assignment.Role.choices)
# A lead leg waits for 签收 while its order is 待签收; an assist leg while the order is being worked on.
LEAD_WAITING = (WorkOrder.State.DISPATCHED,)
ASSIST_WAITING = (WorkOrder.State.DISPATCHED, WorkOrder.State.ACCEPTED, WorkOrder.State.HANDLING)


def sign_remind_share() -> float:
    """The share of the sign-for limit after which the receiving unit is reminded (0 < share < 1)."""
    share = float(setting("SIGN_REMIND_SHARE", 0.5))
    if not 0 < share < 1:
        raise ValueError(f"WORKORDERS_SIGN_REMIND_SHARE 须在 0 与 1 之间 / must lie in (0, 1), got {share}")
    return share


def elapsed_share(leg: Assignment, now: datetime) -> float:
    """How much of the leg's sign-for limit has passed at ``now`` (1.0 and more: due)."""
    if leg.order.category.sign_for_limit.unit == NATURAL_HOURS:
        total, used = leg.sign_due_at - leg.dispatched_at, now - leg.dispatched_at
    else:
        total = working_time_between(leg.dispatched_at, leg.sign_due_at, leg.to_unit)
        used = working_time_between(leg.dispatched_at, min(now, leg.sign_due_at), leg.to_unit)
    if total <= timedelta(0):
        return 1.0
    return used / total


def waiting_legs(now: datetime) -> Any:
    """Legs dispatched by ``now``, not signed for, not returned, not escalated yet, whose order still
    waits for them (a lead leg with a pending return waits for the dispatcher, not for a 签收)."""
    pending_return = ReturnRequest.objects.filter(leg_id=OuterRef("pk"), status=RequestStatus.PENDING)
    return (
        Assignment.objects.filter(
            accepted_at__isnull=True,
            escalated_at__isnull=True,
            closed_at__isnull=True,
            done_at__isnull=True,
            dispatched_at__lte=now,
        )
        .filter(
            Q(role=Assignment.Role.LEAD, order__state__in=LEAD_WAITING)
            | Q(role=Assignment.Role.ASSIST, order__state__in=ASSIST_WAITING)
        )
        .filter(Q(reminded_at__isnull=True) | Q(sign_due_at__lte=now))
        .exclude(Exists(pending_return))
        .select_related("order__category", "to_unit", "from_unit")
        .order_by("sign_due_at", "pk")
    )


def _nearest_holders(unit: Unit, capability: str, order: WorkOrder, see: str) -> list[User]:
    """The active users holding ``capability`` over ``unit`` through the role assignment anchored
    nearest to it (the unit itself first, then its parent …), who also see ``order`` through
    ``see``: a notification never names an order to someone who may not see it."""
    roles = [code for code, role in ROLES.items() if capability in role.capabilities]
    prefixes = [unit.path[:i] for i in range(PATH_STEP, len(unit.path) + 1, PATH_STEP)]
    rows = (
        RoleAssignment.objects.filter(
            role__in=roles, unit__path__in=prefixes, user__is_active=True, user__is_system=False
        )
        .filter(Q(scope=Scope.SUBTREE) | Q(scope=Scope.ALL) | Q(scope=Scope.UNIT, unit_id=unit.pk))
        .values_list("user_id", "unit__path")
    )
    by_level: dict[str, set[int]] = {}
    for user_id, path in rows:
        by_level.setdefault(path, set()).add(user_id)
    for path in sorted(by_level, key=len, reverse=True):
        users = [
            u
            for u in User.objects.filter(pk__in=by_level[path]).order_by("pk")
            if WorkOrder.objects.visible_to(u, see).filter(pk=order.pk).exists()
        ]
        if users:
            return users
    return []


def unit_signers(leg: Assignment) -> list[User]:
    """Who may sign for the leg: ``workorders.handle`` over its unit, seeing the order as lead or 协办."""
    see = Cap.WORKORDER_HANDLE if leg.role == Assignment.Role.LEAD else Cap.VIEW_WORKORDER
    return _nearest_holders(leg.to_unit, Cap.WORKORDER_HANDLE, leg.order, see)


def leg_dispatchers(leg: Assignment) -> list[User]:
    """The dispatcher of the leg: ``workorders.dispatch`` over the unit it was dispatched from."""
    return _nearest_holders(leg.from_unit, Cap.WORKORDER_DISPATCH, leg.order, Cap.VIEW_WORKORDER)


def _describe(leg: Assignment) -> str:
    return f"{ROLE_LABEL[leg.role]}工单{leg.order.number}({leg.order.category.name})"


def _url(order: WorkOrder) -> str:
    return reverse("workorders:detail", args=[order.pk])


def _leg_step(
    leg: Assignment,
    now: datetime,
    *,
    stamp: str,
    transition: str,
    text: str,
    recipients: Callable[[], list[User]],
    level: str,
    title: str,
    counter: str | None = None,
) -> bool:
    """Stamp ``stamp`` on an unsigned leg that has none yet, record ``transition`` on the order's
    timeline and notify ``recipients()`` (looked up only by the run that won) — all in one transaction;
    False when another run was first."""
    with transaction.atomic():
        unsigned = Assignment.objects.filter(pk=leg.pk, accepted_at__isnull=True, **{f"{stamp}__isnull": True})
        if not unsigned.update(**{stamp: now}):
            return False
        order = WorkOrder.objects.get(pk=leg.order_id)
        changes = {"set": {counter: getattr(order, counter) + 1}} if counter else {}
        perform(order, transition, actor=None, reason=text, leg=leg.pk, unit=leg.to_unit.code, role=leg.role, **changes)
        notify(
            recipients=recipients(),
            kind=f"workorders.{transition}",
            level=level,
            title=f"{title}:工单{order.number}",
            body=text,
            url=_url(order),
            dedupe_key=f"workorders.{transition}:{leg.pk}",
        )
    return True


def leg_remind(leg: Assignment, now: datetime) -> bool:
    """One reminder to the receiving unit (签收提醒); False when another run reminded it first."""
    due = leg.sign_due_at.astimezone(TZ)
    text = f"{_describe(leg)}已派至{leg.to_unit.name},请于{due:%Y-%m-%d %H:%M}前签收。"
    return _leg_step(
        leg,
        now,
        stamp="reminded_at",
        transition="sign_remind",
        text=text,
        recipients=lambda: unit_signers(leg),
        level="warning",
        title="签收提醒",
    )


def leg_escalate(leg: Assignment, now: datetime) -> bool:
    """Escalate an unsigned leg past its sign-for deadline to its dispatcher (签收超时上报): the event,
    the count on the order, the notification; False when another run escalated it first."""
    due = leg.sign_due_at.astimezone(TZ)
    text = f"{leg.to_unit.name}未在签收时限({due:%Y-%m-%d %H:%M})内签收{_describe(leg)},请督促签收或改派。"
    return _leg_step(
        leg,
        now,
        stamp="escalated_at",
        transition="sign_overdue",
        text=text,
        recipients=lambda: leg_dispatchers(leg),
        level="danger",
        title="签收超时",
        counter="sign_overdue_count",
    )


def sign_watch(now: datetime | None = None) -> dict[str, int]:
    """The periodic sweep (idempotent): escalate legs past their sign-for deadline, remind those past
    the configured share of it. A leg whose calendar year is missing is logged and skipped."""
    now = now_or(now)
    share = sign_remind_share()
    reminded = escalated = 0
    for leg in waiting_legs(now).iterator(chunk_size=500):
        try:
            if leg.sign_due_at <= now:
                escalated += leg_escalate(leg, now)
            elif leg.reminded_at is None and elapsed_share(leg, now) >= share:
                reminded += leg_remind(leg, now)
        except CalendarError:
            logger.exception("sign-for watch: no working calendar for leg %s", leg.pk)
    return {"reminded": reminded, "escalated": escalated}
