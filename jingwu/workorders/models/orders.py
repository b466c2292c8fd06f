"""The work order (工单) and its lifecycle, plus its source numbers, dispatch legs and repeat links."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Q

from jingwu.core.fields import EncryptedTextField
from jingwu.core.scope import ScopedQuerySet
from jingwu.core.workflow import Transition, Workflow
from jingwu.org.roles import Cap

from .config import Category, RoutingRule  # noqa: F401  (RoutingRule: referenced by name)

PATH_STEP = 4  # treebeard's default steplen: every ancestor's path is a 4-character prefix


class WorkOrderQuerySet(ScopedQuerySet["WorkOrder"]):
    def visible_to(self, user: Any, capability: str | None = None) -> WorkOrderQuerySet:
        """The usual unit scope, minus complaints about a unit the user belongs to.

        A complaint about an officer or a unit (``accused_unit``) is routed to 督察 and must not be
        seen by anyone of the accused unit or of a unit below it, whatever their role: people of
        the unit are the ones complained about. "Belongs to" = the user's own unit or any unit
        anchoring one of their roles.
        """
        qs = super().visible_to(user, capability)
        paths = _membership_prefixes(user)
        if paths:
            qs = qs.exclude(accused_unit__path__in=paths)
        return qs

    def open(self) -> WorkOrderQuerySet:
        return self.filter(state__in=WorkOrder.OPEN_STATES)


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


def not_the_requester(order: WorkOrder, actor: Any, payload: dict[str, Any]) -> str | None:
    """No self-approval: the decider of a request is never the one who asked (payload names the request)."""
    requester = payload.get("requested_by")
    if requester is not None and actor is not None and requester == actor.pk:
        return "申请人本人不得审批 / the requester may not decide their own request"
    return None


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


def _t(*args: Any, **kwargs: Any) -> Transition:
    kwargs.setdefault("effect", set_fields)
    return Transition(*args, **kwargs)


class WorkOrder(models.Model):
    """One citizen demand (诉求) from intake to callback.

    Owned by ``unit``, the unit currently responsible (主办). Seen through ``visible_to``: users whose
    role covers that unit (中队长 their squadron, 大队领导 the brigade), the handler (an officer's own
    scope), minus complaints about the user's own unit (hidden from the accused unit). Changed only by
    the services in ``jingwu.workorders.services`` through ``workflow.perform`` (each step an event and
    an audit row); the first receiver stays responsible until a return is approved (首接负责).
    """

    class Source(models.TextChoices):
        FORM = "form", "来电/来访登记"
        HOTLINE = "hotline_import", "12345热线导入"
        API = "api", "接口"
        OPEN311 = "open311", "Open311"

    class State(models.TextChoices):
        RECEIVED = "received", "待派单"
        DISPATCHED = "dispatched", "待签收"
        ACCEPTED = "accepted", "已签收"
        HANDLING = "handling", "办理中"
        SUSPENDED = "suspended", "挂起中"
        COMPLETED = "completed", "已办结待回访"
        CLOSED = "closed", "已回访办结"
        MERGED = "merged", "已合并"

    class Satisfaction(models.TextChoices):
        SATISFIED = "satisfied", "满意"
        BASIC = "basic", "基本满意"
        UNSATISFIED = "unsatisfied", "不满意"

    OPEN_STATES = (State.RECEIVED, State.DISPATCHED, State.ACCEPTED, State.HANDLING, State.SUSPENDED)

    number = models.CharField("工单号", max_length=32, unique=True)
    source = models.CharField("来源", max_length=20, choices=Source.choices, default=Source.FORM)
    source_number = models.CharField("来源编号", max_length=64, blank=True)
    citizen_name = models.CharField("诉求人", max_length=50, blank=True)
    citizen_phone = EncryptedTextField("联系电话", blank=True)
    phone_index = models.CharField(max_length=128, blank=True, db_index=True)
    address = models.CharField("地址", max_length=200, blank=True)
    address_key = models.CharField(max_length=200, blank=True, db_index=True)
    latitude = models.DecimalField("纬度", max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField("经度", max_digits=9, decimal_places=6, null=True, blank=True)
    category = models.ForeignKey(Category, verbose_name="类别", on_delete=models.PROTECT, related_name="orders")
    content = models.TextField("诉求内容")
    received_at = models.DateTimeField("受理时间")
    received_by = models.ForeignKey(
        "org.User", verbose_name="受理人", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    intake_unit = models.ForeignKey("org.Unit", verbose_name="受理单位", on_delete=models.PROTECT, related_name="+")

    state = models.CharField("状态", max_length=20, choices=State.choices, default=State.RECEIVED)
    unit = models.ForeignKey("org.Unit", verbose_name="主办单位", on_delete=models.PROTECT, related_name="workorders")
    handler = models.ForeignKey(
        "org.Person", verbose_name="承办人", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    completed_by = models.ForeignKey(
        "org.User", verbose_name="办结人", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    complaint_about_officer = models.BooleanField("涉警投诉", default=False)
    accused_unit = models.ForeignKey(
        "org.Unit", verbose_name="被投诉单位", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
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
    exempted = models.BooleanField("免考核", default=False)

    called_back_at = models.DateTimeField("回访时间", null=True, blank=True)
    callback_reached = models.BooleanField("回访接通", null=True, blank=True)
    callback_resolved = models.BooleanField("已解决", null=True, blank=True)
    callback_satisfaction = models.CharField("满意度", max_length=20, choices=Satisfaction.choices, blank=True)
    callback_attempts = models.PositiveSmallIntegerField("本轮回访次数", default=0)

    merged_into = models.ForeignKey(
        "self", verbose_name="并入工单", null=True, blank=True, on_delete=models.PROTECT, related_name="merged_orders"
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
            _t("intake", "受理", source=S.RECEIVED, target=None, capability=Cap.WORKORDER_INTAKE),
            _t(
                "dispatch",
                "派单",
                source=[S.RECEIVED, S.ACCEPTED],
                target=S.DISPATCHED,
                capability=Cap.WORKORDER_DISPATCH,
                guards=(no_pending_return,),
            ),
            _t("assist", "协办派单", source=[S.DISPATCHED, *_WORKING], target=None, capability=Cap.WORKORDER_DISPATCH),
            _t("assign_handler", "指定承办人", source=_WORKING, target=None, capability=Cap.WORKORDER_DISPATCH),
            _t(
                "accept",
                "签收",
                source=S.DISPATCHED,
                target=S.ACCEPTED,
                capability=Cap.WORKORDER_HANDLE,
                guards=(no_pending_return,),
            ),
            _t(
                "return_order",
                "退单",
                source=[S.DISPATCHED, *_WORKING],
                target=None,
                capability=Cap.WORKORDER_HANDLE,
                reason_required=True,
                guards=(has_leg, no_pending_return),
                style="warning",
            ),
            _t(
                "approve_return",
                "同意退单",
                source=[S.DISPATCHED, *_WORKING],
                target=S.RECEIVED,
                capability=Cap.WORKORDER_DISPATCH,
                guards=(has_pending_return, not_the_requester),
            ),
            _t(
                "reject_return",
                "驳回退单",
                source=[S.DISPATCHED, *_WORKING],
                target=None,
                capability=Cap.WORKORDER_DISPATCH,
                reason_required=True,
                guards=(has_pending_return, not_the_requester),
                style="danger",
            ),
            _t("contact", "联系诉求人", source=_WORKING, target=S.HANDLING, capability=Cap.WORKORDER_HANDLE),
            _t(
                "request_suspension",
                "申请挂起",
                source=_WORKING,
                target=None,
                capability=Cap.WORKORDER_HANDLE,
                reason_required=True,
            ),
            _t(
                "approve_suspension",
                "批准挂起",
                source=_WORKING,
                target=S.SUSPENDED,
                capability=Cap.WORKORDER_APPROVE,
                guards=(not_the_requester,),
            ),
            _t(
                "reject_suspension",
                "驳回挂起",
                source=_WORKING,
                target=None,
                capability=Cap.WORKORDER_APPROVE,
                guards=(not_the_requester,),
            ),
            _t(
                "resume",
                "恢复办理",
                source=S.SUSPENDED,
                target=S.HANDLING,
                capability=Cap.WORKORDER_HANDLE,
                by_system=True,
            ),
            _t(
                "request_extension",
                "申请延期",
                source=[*_WORKING, S.SUSPENDED],
                target=None,
                capability=Cap.WORKORDER_HANDLE,
                reason_required=True,
            ),
            _t(
                "approve_extension",
                "批准延期",
                source=[*_WORKING, S.SUSPENDED],
                target=None,
                capability=Cap.WORKORDER_APPROVE,
                guards=(not_the_requester,),
            ),
            _t(
                "reject_extension",
                "驳回延期",
                source=[*_WORKING, S.SUSPENDED],
                target=None,
                capability=Cap.WORKORDER_APPROVE,
                guards=(not_the_requester,),
            ),
            _t(
                "complete",
                "办结",
                source=_WORKING,
                target=S.COMPLETED,
                capability=Cap.WORKORDER_HANDLE,
                guards=(contact_recorded, no_pending_return),
                style="success",
            ),
            _t(
                "callback",
                "回访",
                source=S.COMPLETED,
                target=None,
                capability=Cap.WORKORDER_CALLBACK,
                not_by=("completed_by", "handler"),
            ),
            _t(
                "close",
                "回访办结",
                source=S.COMPLETED,
                target=S.CLOSED,
                capability=Cap.WORKORDER_CALLBACK,
                not_by=("completed_by", "handler"),
                style="success",
            ),
            _t(
                "reopen",
                "重办",
                source=S.COMPLETED,
                target=S.HANDLING,
                capability=Cap.WORKORDER_CALLBACK,
                not_by=("completed_by", "handler"),
                reason_required=True,
                style="danger",
            ),
            _t("urge", "催办", source=_OPEN, target=None, capability=Cap.WORKORDER_SUPERVISE, by_system=True),
            _t(
                "notice",
                "通报",
                source=_OPEN,
                target=None,
                capability=Cap.WORKORDER_SUPERVISE,
                by_system=True,
                style="danger",
            ),
            _t(
                "appeal",
                "申诉免考核",
                source=[*_OPEN, S.COMPLETED, S.CLOSED],
                target=None,
                capability=Cap.WORKORDER_HANDLE,
                reason_required=True,
            ),
            _t(
                "decide_appeal",
                "审批申诉",
                source=[*_OPEN, S.COMPLETED, S.CLOSED],
                target=None,
                capability=Cap.WORKORDER_APPROVE,
                guards=(not_the_requester,),
            ),
            _t(
                "merge",
                "合并",
                source=[S.RECEIVED, S.DISPATCHED, *_WORKING],
                target=S.MERGED,
                capability=Cap.WORKORDER_INTAKE,
            ),
            _t("link", "关联", source=[*_OPEN, S.COMPLETED, S.CLOSED], target=None, capability=Cap.WORKORDER_INTAKE),
        ],
    )

    class Meta:
        verbose_name = "工单"
        verbose_name_plural = "工单"
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "source_number"],
                condition=~Q(source_number=""),
                name="workorder_source_number_unique",
            )
        ]
        indexes = [
            # The list's order and its received-period filter (bench/workorders_http.py: 780 → 224 ms).
            models.Index(fields=["received_at", "id"], name="wo_received_at_id"),
            models.Index(fields=["unit", "dispatched_at"], name="wo_unit_dispatched"),
            models.Index(fields=["state", "due_at"], name="wo_state_due"),
            models.Index(fields=["completed_at"], name="wo_completed"),
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


class OrderSource(models.Model):
    """Every source number an order carries (its own and those of orders merged into it), so that a
    re-imported platform order number always finds its order. Seen with the order; written only by
    the intake and merge services."""

    order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="sources")
    source = models.CharField("来源", max_length=20, choices=WorkOrder.Source.choices)
    number = models.CharField("来源编号", max_length=64)

    class Meta:
        verbose_name = "工单来源编号"
        constraints = [models.UniqueConstraint(fields=["source", "number"], name="order_source_unique")]

    def __str__(self) -> str:
        return f"{self.get_source_display()} {self.number}"


class ChildQuerySet(models.QuerySet[Any]):
    """Rows that belong to an order are seen by whoever sees the order."""

    def visible_to(self, user: Any, capability: str | None = None) -> ChildQuerySet:
        return self.filter(order__in=WorkOrder.objects.visible_to(user, capability).values("pk"))


ChildManager = models.Manager.from_queryset(ChildQuerySet)


class Assignment(models.Model):
    """One dispatch leg (派单): from a unit to a unit, lead (主办) or assist (协办), with its own sign-for
    deadline; two-level dispatch is two lead legs (大队 → 中队). Seen with the order; written by the
    dispatch, accept, return and assist services."""

    class Role(models.TextChoices):
        LEAD = "lead", "主办"
        ASSIST = "assist", "协办"

    order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="legs")
    role = models.CharField("角色", max_length=10, choices=Role.choices, default=Role.LEAD)
    level = models.PositiveSmallIntegerField("派单层级", default=1)
    from_unit = models.ForeignKey("org.Unit", verbose_name="派单单位", on_delete=models.PROTECT, related_name="+")
    to_unit = models.ForeignKey("org.Unit", verbose_name="承办单位", on_delete=models.PROTECT, related_name="+")
    dispatched_by = models.ForeignKey("org.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    dispatched_at = models.DateTimeField("派单时间")
    sign_due_at = models.DateTimeField("签收时限")
    accepted_at = models.DateTimeField("签收时间", null=True, blank=True)
    accepted_by = models.ForeignKey("org.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    task = models.TextField("协办任务", blank=True)
    reply = models.TextField("协办反馈", blank=True)
    done_at = models.DateTimeField("协办完成时间", null=True, blank=True)
    by_rule = models.ForeignKey("workorders.RoutingRule", null=True, blank=True, on_delete=models.SET_NULL)
    closed_at = models.DateTimeField("结束时间", null=True, blank=True)  # a returned leg ends here

    objects = ChildManager()

    class Meta:
        verbose_name = "派单记录"
        ordering = ["dispatched_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_role_display()} {self.from_unit} → {self.to_unit}"


class RepeatLink(models.Model):
    """A merge (合并) or link (关联) between two orders found as possible repeats. Seen with either
    order; written by ``work_order_merge`` / ``work_order_link``."""

    class Kind(models.TextChoices):
        MERGE = "merge", "合并"
        LINK = "link", "关联"

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
