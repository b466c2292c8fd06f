"""The work order (工单) and its lifecycle, plus its source numbers, dispatch legs and repeat links."""

from __future__ import annotations

from functools import partial
from typing import Any

from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from jingwu.core import compiled
from jingwu.core.fields import EncryptedTextField
from jingwu.core.scope import Scope, ScopedQuerySet, grants_q
from jingwu.core.workflow import Transition, Workflow
from jingwu.org.roles import Cap

from .config import Category, RoutingRule  # noqa: F401  (RoutingRule: referenced by name)

PATH_STEP = 4  # treebeard's default steplen: every ancestor's path is a 4-character prefix


class WorkOrderQuerySet(ScopedQuerySet["WorkOrder"]):
    def visible_to(self, user: Any, capability: str | None = None) -> WorkOrderQuerySet:
        """The usual unit scope, plus the orders the user's units assist (协办, read only), minus
        complaints about a unit the user belongs to.

        Assisting (协办): people whose role covers the unit of an assist leg see that order when
        they only read it (``capability`` None or ``workorders.view``); every step asks for its own
        capability (handle, dispatch, approve …), so the lead unit's actions are never theirs, and
        their own task (sign for, reply) is checked on the leg (``assist_leg_of_actor``). System
        accounts (Open311 keys, the public reader) see by their unit alone. One EXISTS on the legs,
        added only for users whose units assist any order (see ``_assisting``).

        A complaint about an officer or a unit (``accused_unit``) is routed to 督察 and must not be
        seen by anyone of the accused unit or of a unit below it, whatever their role: people of
        the unit are the ones complained about. "Belongs to" = the user's own unit or any unit
        anchoring one of their roles. This holds for assisted orders too.
        """
        if user is None or not getattr(user, "is_authenticated", False):
            return self.none()
        grants = user.scope_grants(capability)
        if not grants:
            return self.none()
        q = grants_q(grants, "unit", WorkOrder.scope_owner_field)
        assisting = _assisting(user, grants) if capability in ASSIST_READ_CAPABILITIES else None
        if assisting is not None:
            legs = Assignment.objects.filter(order_id=OuterRef("pk"), role=Assignment.Role.ASSIST).filter(assisting)
            q |= Q(Exists(legs))
        qs = self.filter(q)
        paths = _membership_prefixes(user)
        if paths:
            qs = qs.exclude(accused_unit__path__in=paths)
        return qs

    def open(self) -> WorkOrderQuerySet:
        return self.filter(state__in=WorkOrder.OPEN_STATES)


# Capabilities under which an assisting unit sees the orders it assists (reading only).
ASSIST_READ_CAPABILITIES = (None, Cap.VIEW_WORKORDER)


def assist_leg_q(user: Any, grants: list[Any]) -> Q | None:
    """The assist legs whose unit the grants cover (None: nothing to add, or the user sees all)."""
    if getattr(user, "is_system", True):  # API keys and the public reader: never through 协办
        return None
    q: Q | None = None
    for grant in grants:
        if grant.scope == Scope.ALL:
            return None
        if grant.scope == Scope.UNIT and grant.unit_id:
            part = Q(to_unit_id=grant.unit_id)
        elif grant.scope == Scope.SUBTREE and grant.unit_path:
            part = Q(to_unit__path__startswith=grant.unit_path)
        else:
            continue
        q = part if q is None else q | part
    return q


def _assisting(user: Any, grants: list[Any]) -> Q | None:
    """``assist_leg_q`` when the user's units assist an order they do not already see through its
    lead unit, else None.

    Checked once per user object (one indexed query, ``wo_leg_assist_unit``): otherwise the scope
    stays the plain unit filter, which PostgreSQL answers from the unit index; with the OR … EXISTS
    it must read every order to count a list (measured on 600k orders: 1 ms → 820 ms).
    """
    q = assist_leg_q(user, grants)
    if q is None:
        return None
    cache = getattr(user, "_wo_assisting", None)
    if cache is None:
        cache = {}
        user._wo_assisting = cache
    key = tuple(grants)
    if key not in cache:
        cache[key] = bool(compiled.rows(("workorders.assisting", key), partial(_assisting_legs, grants, q)))
    return q if cache[key] else None


def _assisting_legs(grants: list[Any], q: Q) -> Any:
    """One assist leg to the grants' units on an order they do not already see as lead (the SQL is
    kept per set of grants: ``jingwu.core.compiled``)."""
    seen_as_lead = grants_q(grants, "order__unit", "order__handler")
    legs = Assignment.objects.filter(role=Assignment.Role.ASSIST).filter(q).exclude(seen_as_lead)
    return legs.order_by().values_list("pk")[:1]


def _membership_prefixes(user: Any) -> list[str]:
    """Every path prefix (ancestor-or-self) of the units the user belongs to."""
    if user is None or not getattr(user, "is_authenticated", False) or not hasattr(user, "scope_grants"):
        return []
    cache = getattr(user, "_wo_member_paths", None)
    if cache is not None:
        return cache
    paths: set[str] = set()
    for grant in user.scope_grants():
        if grant.unit_path:
            paths.add(grant.unit_path)
    person = getattr(user, "person", None)
    if person is not None and getattr(person, "unit_id", None):
        paths.add(person.unit.path)
    prefixes = sorted({p[:i] for p in paths for i in range(PATH_STEP, len(p) + 1, PATH_STEP)})
    user._wo_member_paths = prefixes
    return prefixes


WorkOrderManager = models.Manager.from_queryset(WorkOrderQuerySet)


# --- guards and effects (the request rows live in steps.py; they are reached through the order) --------


def _pending_return(order: WorkOrder) -> Any:
    return order.return_requests.filter(status="pending").order_by("-id").first()


def no_pending_return(order: WorkOrder, actor: Any, payload: dict[str, Any]) -> str | None:
    if order.return_requests.filter(status="pending").exists():
        return "该工单有待审批的退单申请 / a return request is awaiting a decision"
    return None


def has_pending_return(order: WorkOrder, actor: Any, payload: dict[str, Any]) -> str | None:
    if not order.return_requests.filter(status="pending").exists():
        return "没有待审批的退单申请 / no pending return request"
    return None


def has_leg(order: WorkOrder, actor: Any, payload: dict[str, Any]) -> str | None:
    if not order.legs.filter(role="lead", closed_at__isnull=True).exists():
        return "工单尚未派单,无从退单 / the order has not been dispatched"
    return None


def dispatched(order: WorkOrder, actor: Any, payload: dict[str, Any]) -> str | None:
    """催办, 通报 and 申诉 concern a unit's handling: not an order still waiting to be dispatched."""
    if order.dispatched_at is None:
        return "工单尚未派单 / the order has not been dispatched yet"
    return None


def not_the_requester(order: WorkOrder, actor: Any, payload: dict[str, Any]) -> str | None:
    """No self-approval: the decider of a request is never the one who asked (payload names the request)."""
    requester = payload.get("requested_by")
    if requester is not None and actor is not None and requester == actor.pk:
        return "申请人本人不得审批 / the requester may not decide their own request"
    return None


def anchored_units(user: Any, capability: str) -> set[int] | None:
    """The units where ``user`` holds ``capability`` through a role anchored there (a unit or subtree
    grant): what is theirs to sign for, handle or dispatch, not every unit they see below. ``None``
    for a grant over everything."""
    grants = user.scope_grants(capability)
    if any(g.scope == Scope.ALL for g in grants):
        return None
    return {g.unit_id for g in grants if g.scope in (Scope.UNIT, Scope.SUBTREE) and g.unit_id}


def with_the_unit(order: WorkOrder, actor: Any, payload: dict[str, Any]) -> str | None:
    """签收 and the handling steps are the receiving unit's: the actor holds ``workorders.handle``
    through a role anchored at the order's unit (or over everything), or handles the order in person.
    Seeing the order from above is not enough: a 大队领导 signs for what is sent to the brigade, not
    what the brigade sent on to a squadron (两级派单)."""
    if actor is None:  # the system (resume by the job)
        return None
    person_id = getattr(actor, "person_id", None)
    if person_id is not None and person_id == order.handler_id:
        return None
    units = anchored_units(actor, Cap.WORKORDER_HANDLE)
    if units is None or order.unit_id in units:
        return None
    return "该工单由承办单位签收和办理 / only the unit the order is with signs for and handles it"


def contact_recorded(order: WorkOrder, actor: Any, payload: dict[str, Any]) -> str | None:
    if order.first_contact_at is None:
        return "办结前须记录与诉求人的联系 / record a contact with the citizen before completing"
    return None


def set_fields(order: WorkOrder, actor: Any, payload: dict[str, Any]) -> list[str]:
    """The effect of every transition: the services pass the fields a step sets in ``payload["set"]``
    (so the event row records them too); they are saved with the state in the same locked update."""
    changes = payload.get("set") or {}
    for name, value in changes.items():
        setattr(order, name, value)
    return list(changes)


def assist_leg_of_actor(order: WorkOrder, actor: Any, payload: dict[str, Any]) -> str | None:
    """The assisting unit's own steps (协办签收, 协办反馈): the leg named in the payload is an assist
    leg of this order and its unit lies in the actor's ``workorders.handle`` scope."""
    from jingwu.core.scope import unit_in_scope

    leg_id = payload.get("leg")
    if not isinstance(leg_id, int):
        return "不是本工单的协办任务 / no such assisting task on this order"
    leg = order.legs.filter(pk=leg_id, role=Assignment.Role.ASSIST).select_related("to_unit").first()
    if leg is None:
        return "不是本工单的协办任务 / no such assisting task on this order"
    if not unit_in_scope(actor, leg.to_unit, Cap.WORKORDER_HANDLE):
        return "该协办任务不属于您的单位 / this assisting task is not your unit's"
    return None


def _t(*args: Any, **kwargs: Any) -> Transition:
    kwargs.setdefault("effect", set_fields)
    return Transition(*args, **kwargs)


class WorkOrder(models.Model):
    """One citizen demand (诉求) from intake to callback.

    Owned by ``unit``, the unit currently responsible (主办). Seen through ``visible_to``: users whose
    role covers that unit (中队长 their squadron, 大队领导 the brigade), the handler (an officer's own
    scope), the units of its assist legs (协办: read only, plus their own leg's 签收 and 反馈), minus
    complaints about the user's own unit (hidden from the accused unit). Changed only by
    the services in ``jingwu.workorders.services`` through ``workflow.perform`` (each step an event and
    an audit row); the first receiver stays responsible until a return is approved (首接负责).
    """

    class Source(models.TextChoices):
        FORM = "form", _("来电/来访登记")
        HOTLINE = "hotline_import", _("12345热线导入")
        API = "api", _("接口")
        OPEN311 = "open311", _("Open311")

    class State(models.TextChoices):
        RECEIVED = "received", _("待派单")
        DISPATCHED = "dispatched", _("待签收")
        ACCEPTED = "accepted", _("已签收")
        HANDLING = "handling", _("办理中")
        SUSPENDED = "suspended", _("挂起中")
        COMPLETED = "completed", _("已办结待回访")
        CLOSED = "closed", _("已回访办结")
        MERGED = "merged", _("已合并")

    class Satisfaction(models.TextChoices):
        SATISFIED = "satisfied", _("满意")
        BASIC = "basic", _("基本满意")
        UNSATISFIED = "unsatisfied", _("不满意")

    OPEN_STATES = (State.RECEIVED, State.DISPATCHED, State.ACCEPTED, State.HANDLING, State.SUSPENDED)

    number = models.CharField("工单号", max_length=32)  # unique: wo_number_unique (no LIKE index)
    source = models.CharField("来源", max_length=20, choices=Source.choices, default=Source.FORM)
    source_number = models.CharField("来源编号", max_length=64, blank=True)
    # Which hotline platform numbered it (the 12345 import's mapping code); "" for other channels.
    source_platform = models.CharField("来源平台", max_length=20, blank=True, default="")
    citizen_name = EncryptedTextField("诉求人", blank=True)  # ≤ 50 characters (the services check)
    citizen_phone = EncryptedTextField("联系电话", blank=True)
    phone_index = models.CharField(max_length=128, blank=True)  # indexed with received_at (wo_phone_received)
    address = models.CharField("地址", max_length=200, blank=True)
    address_key = models.CharField(max_length=200, blank=True)  # indexed with received_at (wo_address_received)
    latitude = models.DecimalField("纬度", max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField("经度", max_digits=9, decimal_places=6, null=True, blank=True)
    category = models.ForeignKey(Category, verbose_name="类别", on_delete=models.PROTECT, related_name="orders")
    content = models.TextField("诉求内容")
    received_at = models.DateTimeField("受理时间")
    # Not indexed (never searched; every index costs each intake): deleting a user or a unit — both
    # are retired, not deleted — scans for these references.
    received_by = models.ForeignKey(
        "org.User",
        verbose_name="受理人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    intake_unit = models.ForeignKey(
        "org.Unit", verbose_name="受理单位", on_delete=models.PROTECT, related_name="+", db_index=False
    )

    state = models.CharField("状态", max_length=20, choices=State.choices, default=State.RECEIVED)
    # unit: the indexes led by unit (wo_unit_received, wo_unit_dispatched_cov) serve its lookups.
    unit = models.ForeignKey(
        "org.Unit", verbose_name="主办单位", on_delete=models.PROTECT, related_name="workorders", db_index=False
    )
    # Empty when an order comes in: indexed where set (partial indexes in Meta), so intake pays nothing.
    handler = models.ForeignKey(
        "org.Person",
        verbose_name="承办人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    completed_by = models.ForeignKey(
        "org.User",
        verbose_name="办结人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    complaint_about_officer = models.BooleanField("涉警投诉", default=False)
    accused_unit = models.ForeignKey(
        "org.Unit",
        verbose_name="被投诉单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )

    dispatched_at = models.DateTimeField("派单时间", null=True, blank=True)
    response_due_at = models.DateTimeField("签收时限", null=True, blank=True)
    clock_started_at = models.DateTimeField("办结计时起点", null=True, blank=True)
    original_due_at = models.DateTimeField("原办结时限", null=True, blank=True)
    due_at = models.DateTimeField("办结时限", null=True, blank=True)
    accepted_at = models.DateTimeField("签收时间", null=True, blank=True)
    first_contact_at = models.DateTimeField("首次联系时间", null=True, blank=True)
    suspended_at = models.DateTimeField("挂起时间", null=True, blank=True)
    completed_at = models.DateTimeField("办结时间", null=True, blank=True)
    callback_due_at = models.DateTimeField("回访时限", null=True, blank=True)
    closed_at = models.DateTimeField("回访办结时间", null=True, blank=True)
    reopened_at = models.DateTimeField("重办时间", null=True, blank=True)

    return_count = models.PositiveIntegerField("退单次数", default=0)
    rejected_return_count = models.PositiveIntegerField("退单被驳回次数", default=0)
    reopen_count = models.PositiveIntegerField("重办次数", default=0)
    urge_count = models.PositiveIntegerField("催办次数", default=0)
    notice_count = models.PositiveIntegerField("通报次数", default=0)
    sign_overdue_count = models.PositiveIntegerField("签收超时次数", default=0)
    exempted = models.BooleanField("免考核", default=False)

    called_back_at = models.DateTimeField("回访时间", null=True, blank=True)
    callback_reached = models.BooleanField("回访接通", null=True, blank=True)
    callback_resolved = models.BooleanField("已解决", null=True, blank=True)
    callback_satisfaction = models.CharField("满意度", max_length=20, choices=Satisfaction.choices, blank=True)
    callback_attempts = models.PositiveSmallIntegerField("本轮回访次数", default=0)

    merged_into = models.ForeignKey(
        "self",
        verbose_name="并入工单",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged_orders",
        db_index=False,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    scope_unit_field = "unit"
    scope_owner_field = "handler"
    objects = WorkOrderManager()

    S = State
    _OPEN = [S.RECEIVED, S.DISPATCHED, S.ACCEPTED, S.HANDLING, S.SUSPENDED]
    _WORKING = [S.ACCEPTED, S.HANDLING]
    workflow = Workflow(
        state_field="state",
        transitions=[
            _t("intake", _("受理"), source=S.RECEIVED, target=None, capability=Cap.WORKORDER_INTAKE),
            _t(
                "dispatch",
                _("派单"),
                source=[S.RECEIVED, S.ACCEPTED],
                target=S.DISPATCHED,
                capability=Cap.WORKORDER_DISPATCH,
                guards=(no_pending_return,),
            ),
            _t(
                "assist",
                _("协办派单"),
                source=[S.DISPATCHED, *_WORKING],
                target=None,
                capability=Cap.WORKORDER_DISPATCH,
            ),
            _t("assign_handler", _("指定承办人"), source=_WORKING, target=None, capability=Cap.WORKORDER_DISPATCH),
            # The assisting unit's own task: read scope (it sees the order as 协办) + the leg's unit.
            _t(
                "assist_accept",
                _("协办签收"),
                source=_OPEN,
                target=None,
                capability=Cap.VIEW_WORKORDER,
                guards=(assist_leg_of_actor,),
            ),
            _t(
                "assist_reply",
                _("协办反馈"),
                source=[*_OPEN, S.COMPLETED],
                target=None,
                capability=Cap.VIEW_WORKORDER,
                guards=(assist_leg_of_actor,),
            ),
            _t(
                "accept",
                _("签收"),
                source=S.DISPATCHED,
                target=S.ACCEPTED,
                capability=Cap.WORKORDER_HANDLE,
                guards=(with_the_unit, no_pending_return),
            ),
            _t(
                "return_order",
                _("退单"),
                source=[S.DISPATCHED, *_WORKING],
                target=None,
                capability=Cap.WORKORDER_HANDLE,
                reason_required=True,
                guards=(with_the_unit, has_leg, no_pending_return),
                style="warning",
            ),
            _t(
                "approve_return",
                _("同意退单"),
                source=[S.DISPATCHED, *_WORKING],
                target=S.RECEIVED,
                capability=Cap.WORKORDER_DISPATCH,
                guards=(has_pending_return, not_the_requester),
            ),
            _t(
                "reject_return",
                _("驳回退单"),
                source=[S.DISPATCHED, *_WORKING],
                target=None,
                capability=Cap.WORKORDER_DISPATCH,
                reason_required=True,
                guards=(has_pending_return, not_the_requester),
                style="danger",
            ),
            _t(
                "contact",
                _("联系诉求人"),
                source=_WORKING,
                target=S.HANDLING,
                capability=Cap.WORKORDER_HANDLE,
                guards=(with_the_unit,),
            ),
            _t(
                "request_suspension",
                _("申请挂起"),
                source=_WORKING,
                target=None,
                capability=Cap.WORKORDER_HANDLE,
                reason_required=True,
                guards=(with_the_unit,),
            ),
            _t(
                "approve_suspension",
                _("批准挂起"),
                source=_WORKING,
                target=S.SUSPENDED,
                capability=Cap.WORKORDER_APPROVE,
                guards=(not_the_requester,),
            ),
            _t(
                "reject_suspension",
                _("驳回挂起"),
                source=_WORKING,
                target=None,
                capability=Cap.WORKORDER_APPROVE,
                guards=(not_the_requester,),
            ),
            _t(
                "resume",
                _("恢复办理"),
                source=S.SUSPENDED,
                target=S.HANDLING,
                capability=Cap.WORKORDER_HANDLE,
                by_system=True,
            ),
            _t(
                "request_extension",
                _("申请延期"),
                source=[*_WORKING, S.SUSPENDED],
                target=None,
                capability=Cap.WORKORDER_HANDLE,
                reason_required=True,
                guards=(with_the_unit,),
            ),
            _t(
                "approve_extension",
                _("批准延期"),
                source=[*_WORKING, S.SUSPENDED],
                target=None,
                capability=Cap.WORKORDER_APPROVE,
                guards=(not_the_requester,),
            ),
            _t(
                "reject_extension",
                _("驳回延期"),
                source=[*_WORKING, S.SUSPENDED],
                target=None,
                capability=Cap.WORKORDER_APPROVE,
                guards=(not_the_requester,),
            ),
            _t(
                "complete",
                _("办结"),
                source=_WORKING,
                target=S.COMPLETED,
                capability=Cap.WORKORDER_HANDLE,
                guards=(with_the_unit, contact_recorded, no_pending_return),
                style="success",
            ),
            _t(
                "callback",
                _("回访"),
                source=S.COMPLETED,
                target=None,
                capability=Cap.WORKORDER_CALLBACK,
                not_by=("completed_by", "handler"),
            ),
            _t(
                "close",
                _("回访办结"),
                source=S.COMPLETED,
                target=S.CLOSED,
                capability=Cap.WORKORDER_CALLBACK,
                not_by=("completed_by", "handler"),
                style="success",
            ),
            _t(
                "reopen",
                _("重办"),
                source=S.COMPLETED,
                target=S.HANDLING,
                capability=Cap.WORKORDER_CALLBACK,
                not_by=("completed_by", "handler"),
                reason_required=True,
                style="danger",
            ),
            # 涉警投诉 found after intake (12345 import, Open311 …): rerouted to 督察, hidden from the accused.
            _t(
                "mark_complaint",
                _("认定涉警投诉"),
                source=_OPEN,
                target=S.DISPATCHED,
                capability=Cap.WORKORDER_CONFLICT,
                reason_required=True,
                guards=(no_pending_return,),
                style="danger",
            ),
            _t(
                "urge",
                _("催办"),
                source=_OPEN,
                target=None,
                capability=Cap.WORKORDER_SUPERVISE,
                by_system=True,
                guards=(dispatched,),
            ),
            # Sign-for watch (jobs: workorders.sign_reminders): only the system performs these.
            _t(
                "sign_remind",
                _("签收提醒"),
                source=_OPEN,
                target=None,
                capability=Cap.WORKORDER_SUPERVISE,
                by_system=True,
            ),
            _t(
                "sign_overdue",
                _("签收超时上报"),
                source=_OPEN,
                target=None,
                capability=Cap.WORKORDER_SUPERVISE,
                by_system=True,
                style="danger",
            ),
            _t(
                "notice",
                _("通报"),
                source=_OPEN,
                target=None,
                capability=Cap.WORKORDER_SUPERVISE,
                by_system=True,
                style="danger",
                guards=(dispatched,),
            ),
            _t(
                "appeal",
                _("申诉免考核"),
                source=[*_OPEN, S.COMPLETED, S.CLOSED],
                target=None,
                capability=Cap.WORKORDER_HANDLE,
                reason_required=True,
                guards=(dispatched, with_the_unit),
            ),
            _t(
                "decide_appeal",
                _("审批申诉"),
                source=[*_OPEN, S.COMPLETED, S.CLOSED],
                target=None,
                capability=Cap.WORKORDER_APPROVE,
                guards=(not_the_requester,),
            ),
            _t(
                "merge",
                _("合并"),
                source=[S.RECEIVED, S.DISPATCHED, *_WORKING],
                target=S.MERGED,
                capability=Cap.WORKORDER_INTAKE,
            ),
            _t("link", _("关联"), source=[*_OPEN, S.COMPLETED, S.CLOSED], target=None, capability=Cap.WORKORDER_INTAKE),
        ],
    )

    class Meta:
        verbose_name = "工单"
        verbose_name_plural = "工单"
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["number"], name="wo_number_unique"),
            models.UniqueConstraint(
                fields=["source", "source_platform", "source_number"],
                condition=~Q(source_number=""),
                name="workorder_source_number_unique",
            ),
        ]
        indexes = [
            # The list's order and its received-period filter (bench/workorders_http.py: 780 → 224 ms).
            models.Index(fields=["received_at", "id"], name="wo_received_at_id"),
            # 三率 of a unit subtree for a period (bench/workorders_figures.py): the columns the rates
            # read ride along, so PostgreSQL answers from the index alone (INCLUDE: PostgreSQL only).
            models.Index(
                fields=["unit", "dispatched_at"],
                include=[
                    "id",  # COUNT(id) of the metric queries
                    "state",
                    "exempted",
                    "response_due_at",
                    "accepted_at",
                    "first_contact_at",
                    "callback_resolved",
                    "callback_satisfaction",
                    "accused_unit",
                ],
                # the rates count dispatched orders only; a new order adds no entry to this wide index
                condition=Q(dispatched_at__isnull=False),
                name="wo_unit_dispatched_cov",
            ),
            # the list in the user's units (scope by unit path, unit filter), received period, newest
            # first; state and accused unit ride along so the pager's count reads the index alone
            models.Index(fields=["unit", "received_at"], include=["state", "accused_unit"], name="wo_unit_received"),
            # Columns empty at intake are indexed where set: a new order adds no entry to these.
            models.Index(fields=["state", "due_at"], condition=Q(due_at__isnull=False), name="wo_state_due"),
            models.Index(fields=["completed_at"], condition=Q(completed_at__isnull=False), name="wo_completed"),
            models.Index(fields=["handler"], condition=Q(handler__isnull=False), name="wo_handler"),
            models.Index(fields=["completed_by"], condition=Q(completed_by__isnull=False), name="wo_completed_by"),
            models.Index(fields=["accused_unit"], condition=Q(accused_unit__isnull=False), name="wo_accused_unit"),
            models.Index(fields=["merged_into"], condition=Q(merged_into__isnull=False), name="wo_merged_into"),
            models.Index(fields=["phone_index", "received_at"], name="wo_phone_received"),
            models.Index(fields=["address_key", "received_at"], name="wo_address_received"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.category.name if self.category_id else ''}".strip()

    @property
    def is_open(self) -> bool:
        return self.state in self.OPEN_STATES

    @property
    def masked_phone(self) -> str:
        from jingwu.core.crypto import mask_phone

        return mask_phone(self.citizen_phone)

    @property
    def masked_name(self) -> str:
        """王女士 → 王**: the family name only."""
        from jingwu.core.crypto import mask

        return mask(self.citizen_name, 1, 0) if self.citizen_name else ""


class OrderSource(models.Model):
    """Every source number an order carries (its own and those of orders merged into it), so that a
    re-imported platform order number always finds its order. Seen with the order; written only by
    the intake and merge services."""

    order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="sources")
    source = models.CharField("来源", max_length=20, choices=WorkOrder.Source.choices)
    platform = models.CharField("来源平台", max_length=20, blank=True, default="")  # a hotline platform's code
    number = models.CharField("来源编号", max_length=64)

    class Meta:
        verbose_name = "工单来源编号"
        # One platform's number is one order; two platforms may use the same numbers.
        constraints = [models.UniqueConstraint(fields=["source", "platform", "number"], name="order_source_unique")]

    def __str__(self) -> str:
        return f"{self.get_source_display()} {self.number}"


class ChildQuerySet(models.QuerySet[Any]):
    """Rows that belong to an order are seen by whoever sees the order."""

    def visible_to(self, user: Any, capability: str | None = None) -> ChildQuerySet:
        return self.filter(order__in=WorkOrder.objects.visible_to(user, capability).values("pk"))


ChildManager = models.Manager.from_queryset(ChildQuerySet)


class Assignment(models.Model):
    """One dispatch leg (派单): from a unit to a unit, lead (主办) or assist (协办), with its own sign-for
    deadline and (lead legs) its own handling deadline; two-level dispatch is two open lead legs
    (支队 → 大队 at level 1, 大队 → 中队 at level 2). Seen with the order; written by the dispatch,
    accept, return and assist services."""

    class Role(models.TextChoices):
        LEAD = "lead", _("主办")
        ASSIST = "assist", _("协办")

    order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="legs")
    role = models.CharField("角色", max_length=10, choices=Role.choices, default=Role.LEAD)
    level = models.PositiveSmallIntegerField("派单层级", default=1)
    from_unit = models.ForeignKey("org.Unit", verbose_name="派单单位", on_delete=models.PROTECT, related_name="+")
    to_unit = models.ForeignKey("org.Unit", verbose_name="承办单位", on_delete=models.PROTECT, related_name="+")
    dispatched_by = models.ForeignKey("org.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    dispatched_at = models.DateTimeField("派单时间")
    sign_due_at = models.DateTimeField("签收时限")
    # The leg's own handling deadline (办理时限): a first leg carries the order's; an onward leg
    # (大队 → 中队) the one its dispatcher set, never later than the order's. Empty for 协办 legs.
    due_at = models.DateTimeField("办理时限", null=True, blank=True)
    accepted_at = models.DateTimeField("签收时间", null=True, blank=True)
    accepted_by = models.ForeignKey("org.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    task = models.TextField("协办任务", blank=True)
    reply = models.TextField("协办反馈", blank=True)
    done_at = models.DateTimeField("协办完成时间", null=True, blank=True)
    by_rule = models.ForeignKey("workorders.RoutingRule", null=True, blank=True, on_delete=models.SET_NULL)
    closed_at = models.DateTimeField("结束时间", null=True, blank=True)  # a returned leg ends here
    # Sign-for watch: set once each by the job, so a leg is reminded and escalated at most once.
    reminded_at = models.DateTimeField("签收提醒时间", null=True, blank=True)
    escalated_at = models.DateTimeField("签收超时上报时间", null=True, blank=True)

    objects = ChildManager()

    class Meta:
        verbose_name = "派单记录"
        ordering = ["dispatched_at", "id"]
        indexes = [
            # WorkOrder.visible_to: the orders a unit assists (the EXISTS on legs).
            models.Index(fields=["to_unit", "order"], condition=Q(role="assist"), name="wo_leg_assist_unit"),
            # The sign-for watch job: legs not yet signed for nor escalated, by deadline.
            models.Index(
                fields=["sign_due_at"],
                condition=Q(accepted_at__isnull=True, escalated_at__isnull=True, closed_at__isnull=True),
                name="wo_leg_unsigned",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()} {self.from_unit} → {self.to_unit}"

    @property
    def is_signed(self) -> bool:
        return self.accepted_at is not None or self.done_at is not None


class RepeatLink(models.Model):
    """A merge (合并) or link (关联) between two orders found as possible repeats. Seen with either
    order; written by ``work_order_merge`` / ``work_order_link``."""

    class Kind(models.TextChoices):
        MERGE = "merge", _("合并")
        LINK = "link", _("关联")

    order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="repeat_links")
    other = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField("类型", max_length=10, choices=Kind.choices)
    similarity = models.DecimalField("相似度", max_digits=5, decimal_places=4, null=True, blank=True)
    created_by = models.ForeignKey("org.User", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ChildManager()

    class Meta:
        verbose_name = "重复件关联"
        constraints = [models.UniqueConstraint(fields=["order", "other"], name="repeat_link_unique")]

    def __str__(self) -> str:
        return f"{self.order} {self.get_kind_display()} {self.other}"
