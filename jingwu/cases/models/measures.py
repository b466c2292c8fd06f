"""强制措施: coercive measures on a party of a case, with their legal limits and extensions."""

from __future__ import annotations

import calendar
from datetime import datetime, timedelta
from typing import Any

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jingwu.core.calendar import TZ
from jingwu.core.deadlines import Clock, ClockStatus, Extension, LimitSpec
from jingwu.core.scope import ScopedQuerySet
from jingwu.core.workflow import Transition, Workflow
from jingwu.org.roles import Cap

from .guards import not_handler_of


def add_months(moment: datetime, months: int) -> datetime:
    """The same wall-clock time ``months`` calendar months later (31 Jan + 1 → 28/29 Feb)."""
    local = moment.astimezone(TZ)
    index = local.month - 1 + months
    year, month = local.year + index // 12, index % 12 + 1
    day = min(local.day, calendar.monthrange(year, month)[1])
    return local.replace(year=year, month=month, day=day)


def _has_measure_review(measure: CoerciveMeasure, actor: Any, payload: dict[str, Any]) -> str | None:
    if measure.reviews.filter(state="approved").exists():
        return None
    return "强制措施须经法制审核和领导审批通过 / the measure needs an approved legal review first"


def _start(measure: CoerciveMeasure, actor: Any, payload: dict[str, Any]) -> list[str]:
    at = payload.get("at")
    measure.started_at = datetime.fromisoformat(at) if isinstance(at, str) else (at or timezone.now())
    return ["started_at"]


def _end(measure: CoerciveMeasure, actor: Any, payload: dict[str, Any]) -> list[str]:
    at = payload.get("at")
    measure.ended_at = datetime.fromisoformat(at) if isinstance(at, str) else (at or timezone.now())
    measure.end_reason = payload.get("why", "")
    return ["ended_at", "end_reason"]


def _approve(measure: CoerciveMeasure, actor: Any, payload: dict[str, Any]) -> list[str]:
    measure.approved_by = actor
    measure.approved_at = timezone.now()
    measure.approving_authority = payload.get("authority") or measure.approving_authority
    return ["approved_by", "approved_at", "approving_authority"]


def _may_extend(measure: CoerciveMeasure, actor: Any, payload: dict[str, Any]) -> str | None:
    hours = payload.get("hours")
    if not isinstance(hours, int | float) or hours <= 0:
        return "延长时长须大于0 / the extension must be longer than zero"
    if not measure.extendable:
        return f"{measure.get_kind_display()}不能延长 / this measure cannot be extended"
    return None


def _record_extension(measure: CoerciveMeasure, actor: Any, payload: dict[str, Any]) -> list[str]:
    MeasureExtension.objects.create(
        measure=measure,
        hours=payload["hours"],
        reason=payload.get("why", ""),
        approved_by=actor,
        approved_at=timezone.now(),
    )
    return []


_not_handler = not_handler_of(lambda measure: measure.case)


class CoerciveMeasure(models.Model):
    """A coercive measure (强制措施) on one party of a case.

    Seen with its case (``cases.view`` over the case's unit); requested, started and ended by
    holders of ``cases.handle``; approved (after an approved review, 审核把关) and extended by a
    leader (``cases.approve``) who neither requested it nor handles the case. An arrest (逮捕) is
    approved by the procuratorate: the approving authority is recorded. The legal limit runs from
    the start; an active measure past its limit is overdue (derived, no job needed).
    """

    class Kind(models.TextChoices):
        SUMMON = "summon", _("拘传")
        BAIL = "bail", _("取保候审")
        RESIDENTIAL = "residential", _("监视居住")
        DETENTION = "detention", _("刑事拘留")
        ARREST = "arrest", _("逮捕")
        ADMIN_DETENTION = "admin_detention", _("行政拘留")

    class State(models.TextChoices):
        REQUESTED = "requested", _("已提请")
        APPROVED = "approved", _("已批准")
        REJECTED = "rejected", _("不予批准")
        ACTIVE = "active", _("执行中")
        EXTENDED = "extended", _("已延长")
        ENDED = "ended", _("已解除/变更")

    CRIMINAL_KINDS = (Kind.SUMMON, Kind.BAIL, Kind.RESIDENTIAL, Kind.DETENTION, Kind.ARREST)
    # Legal limits from the start: 拘传 12 hours (刑事诉讼法 第119条), 刑事拘留 3 days before the
    # request to arrest (第91条, extendable), 取保候审 12 months and 监视居住 6 months (第79条),
    # 逮捕 2 months of investigative custody (第156条); 行政拘留 the days of the decision (≤ 20).
    LIMIT_HOURS = {Kind.SUMMON: 12, Kind.DETENTION: 72}
    LIMIT_MONTHS = {Kind.BAIL: 12, Kind.RESIDENTIAL: 6, Kind.ARREST: 2}
    EXTENDABLE = (Kind.SUMMON, Kind.DETENTION, Kind.ARREST)
    MAX_ADMIN_DETENTION_DAYS = 20

    case = models.ForeignKey("cases.Case", verbose_name="案件", on_delete=models.CASCADE, related_name="measures")
    party = models.ForeignKey("cases.Party", verbose_name="对象", on_delete=models.PROTECT, related_name="measures")
    kind = models.CharField("措施", max_length=20, choices=Kind.choices)
    state = models.CharField("状态", max_length=20, choices=State.choices, default=State.REQUESTED)
    reason = models.TextField("理由", blank=True)
    decision_days = models.PositiveSmallIntegerField("决定天数", null=True, blank=True)
    requested_by = models.ForeignKey(
        "org.User", verbose_name="提请人", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField("提请时间")
    approved_by = models.ForeignKey(
        "org.User", verbose_name="批准人", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_at = models.DateTimeField("批准时间", null=True, blank=True)
    approving_authority = models.CharField("批准机关", max_length=100, blank=True)
    place = models.CharField("执行场所", max_length=100, blank=True)
    started_at = models.DateTimeField("开始执行", null=True, blank=True, db_index=True)
    ended_at = models.DateTimeField("解除/变更时间", null=True, blank=True)
    end_reason = models.TextField("解除/变更原因", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    scope_unit_field = "case__unit"
    scope_owner_field = "case__lead_officer"
    objects = ScopedQuerySet.as_manager()

    workflow = Workflow(
        state_field="state",
        transitions=[
            Transition(
                "approve",
                _("批准"),
                source=State.REQUESTED,
                target=State.APPROVED,
                capability=Cap.APPROVE_CASE,
                not_by=("requested_by",),
                guards=(_not_handler, _has_measure_review),
                effect=_approve,
                style="success",
            ),
            Transition(
                "reject",
                _("不予批准"),
                source=State.REQUESTED,
                target=State.REJECTED,
                capability=Cap.APPROVE_CASE,
                not_by=("requested_by",),
                reason_required=True,
                guards=(_not_handler,),
                style="danger",
            ),
            Transition(
                "start",
                _("执行"),
                source=State.APPROVED,
                target=State.ACTIVE,
                capability=Cap.HANDLE_CASE,
                effect=_start,
            ),
            Transition(
                "extend",
                _("延长期限"),
                source=[State.ACTIVE, State.EXTENDED],
                target=State.EXTENDED,
                capability=Cap.APPROVE_CASE,
                reason_required=True,
                guards=(_not_handler, _may_extend),
                effect=_record_extension,
                style="warning",
            ),
            Transition(
                "end",
                _("解除/变更"),
                source=[State.ACTIVE, State.EXTENDED],
                target=State.ENDED,
                capability=Cap.HANDLE_CASE,
                reason_required=True,
                effect=_end,
                style="secondary",
            ),
        ],
    )

    class Meta:
        verbose_name = "强制措施"
        verbose_name_plural = "强制措施"
        ordering = ["-requested_at", "-id"]
        indexes = [
            models.Index(fields=["kind", "started_at"]),
            # 强制措施人数 over a period reads the measures, their case and party from indexes alone
            models.Index(fields=["started_at"], include=["case", "party"], name="measure_started_cover"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}·{self.party}"

    @property
    def extendable(self) -> bool:
        return self.kind in self.EXTENDABLE

    def limit_spec(self) -> LimitSpec:
        """The legal limit as natural hours from the start (calendar months counted exactly)."""
        if self.kind == self.Kind.ADMIN_DETENTION:
            return LimitSpec((self.decision_days or 0) * 24, "natural_hours")
        if self.kind in self.LIMIT_HOURS:
            return LimitSpec(self.LIMIT_HOURS[self.Kind(self.kind)], "natural_hours")
        assert self.started_at is not None
        months = self.LIMIT_MONTHS[self.Kind(self.kind)]
        span: timedelta = add_months(self.started_at, months) - self.started_at.astimezone(TZ)
        return LimitSpec(span.total_seconds() / 3600, "natural_hours")

    def clock(self) -> Clock | None:
        if self.started_at is None:
            return None
        extensions = [
            Extension(approved_at=e.approved_at, amount=float(e.hours), unit="natural_hours")
            for e in self.extensions.all()
        ]
        return Clock(self.started_at, self.limit_spec(), extensions=extensions)

    def limit_status(self, now: datetime | None = None) -> ClockStatus | None:
        """正常 / 临期 / 超期 while it runs; 按期 / 超期 once ended (None before it starts)."""
        clock = self.clock()
        if clock is None:
            return None
        return clock.status(now, self.ended_at, due_soon_hours=12)

    def is_overdue(self, now: datetime | None = None) -> bool:
        status = self.limit_status(now)
        return status is not None and status.state in ("overdue", "met_late")


class MeasureExtension(models.Model):
    """An approved extension of a measure's limit; written only by the measure's ``extend``."""

    measure = models.ForeignKey(CoerciveMeasure, on_delete=models.CASCADE, related_name="extensions")
    hours = models.PositiveIntegerField("延长小时数")
    reason = models.TextField("理由")
    approved_by = models.ForeignKey("org.User", verbose_name="批准人", on_delete=models.PROTECT, related_name="+")
    approved_at = models.DateTimeField("批准时间")

    scope_unit_field = "measure__case__unit"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "强制措施延长"
        ordering = ["approved_at"]

    def __str__(self) -> str:
        return f"延长{self.hours}小时"
