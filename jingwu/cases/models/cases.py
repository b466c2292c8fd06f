"""案件: administrative and criminal cases, their parties and approved extensions of their limit."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jingwu.core import crypto
from jingwu.core.deadlines import Clock, ClockStatus, Extension, LimitSpec
from jingwu.core.fields import EncryptedTextField
from jingwu.core.scope import ScopedQuerySet
from jingwu.core.workflow import Transition, Workflow
from jingwu.org.roles import Cap

from .guards import approved_review, not_handler_of, of_kind

# 治安管理处罚法 第99条: an administrative case is handled within 30 days of 受理; a major or complex
# one may be extended by 30 days with the approval of the superior public-security organ.
ADMIN_LIMIT_DAYS = 30
ADMIN_MAX_EXTENSION_DAYS = 30


def _stamp(field: str) -> Any:
    def effect(obj: Any, actor: Any, payload: dict[str, Any]) -> list[str]:
        at = payload.get("at") or timezone.now()
        if isinstance(at, str):
            at = datetime.fromisoformat(at)
        setattr(obj, field, at)
        return [field]

    return effect


def _stamp_closed(obj: Any, actor: Any, payload: dict[str, Any]) -> list[str]:
    obj.closed_at = timezone.now()
    return ["closed_at"]


def _within_admin_limit(case: Case, actor: Any, payload: dict[str, Any]) -> str | None:
    status = case.handling_status()
    if status is not None and status.state == "overdue":
        return (
            f"已超过办案期限({status.due.astimezone(timezone.get_current_timezone()):%Y-%m-%d %H:%M}),"
            "须先经批准延长期限 / the handling limit has passed; an approved extension is required"
        )
    return None


def _record_extension(case: Case, actor: Any, payload: dict[str, Any]) -> list[str]:
    days = int(payload["days"])
    CaseExtension.objects.create(
        case=case, days=days, reason=payload.get("why", ""), approved_by=actor, approved_at=timezone.now()
    )
    return []


def _may_extend(case: Case, actor: Any, payload: dict[str, Any]) -> str | None:
    days = payload.get("days")
    if not isinstance(days, int) or days < 1:
        return "延长天数须为正整数 / the extension must be a positive number of days"
    used = sum(case.extensions.values_list("days", flat=True))
    if used + days > ADMIN_MAX_EXTENSION_DAYS:
        return (
            f"办案期限最多延长{ADMIN_MAX_EXTENSION_DAYS}日,已延长{used}日 / "
            f"at most {ADMIN_MAX_EXTENSION_DAYS} days of extension in total"
        )
    return None


_not_handler = not_handler_of(lambda case: case)


class CaseQuerySet(ScopedQuerySet["Case"]):
    def tagged(self, tag: str) -> CaseQuerySet:
        from .catalog import CaseCategory

        # The ids themselves (a tag has a few dozen 案由), not a subquery: PostgreSQL then estimates
        # the rows per 案由 and reads them off the (案由, 立案时间) index instead of a whole period.
        ids = list(CaseCategory.objects.filter(tags__code=tag).values_list("pk", flat=True))
        return self.filter(category_id__in=ids)


CaseManager = models.Manager.from_queryset(CaseQuerySet)


class Case(models.Model):
    """An administrative (行政) or criminal (刑事) case.

    Seen through ``cases.view`` by users whose scope covers its unit, and by an officer who is its
    lead officer (主办); recorded and moved through its lifecycle by holders of ``cases.handle``;
    the gated decisions (立案, 移送起诉, 行政处罚) need an approved review first (法制 reviews,
    a leader who is not a handling officer approves). Withdrawal and extensions of the limit are a
    leader's (``cases.approve``), never a handling officer's.
    """

    class Kind(models.TextChoices):
        CRIMINAL = "criminal", _("刑事")
        ADMINISTRATIVE = "administrative", _("行政")

    class State(models.TextChoices):
        ACCEPTED = "accepted", _("受案")
        NOT_FILED = "not_filed", _("不予立案")
        FILED = "filed", _("立案")
        INVESTIGATING = "investigating", _("侦查/调查")
        SOLVED = "solved", _("破案")
        TRANSFERRED = "transferred", _("移送审查起诉")
        PENALISED = "penalised", _("行政处罚决定")
        CLOSED = "closed", _("结案")
        WITHDRAWN = "withdrawn", _("撤案")

    unit = models.ForeignKey("org.Unit", verbose_name="办案单位", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField("案件类型", max_length=20, choices=Kind.choices)
    number = models.CharField("案件编号", max_length=30)
    year = models.PositiveSmallIntegerField("年度")
    title = models.CharField("案件名称", max_length=200)
    category = models.ForeignKey(
        "cases.CaseCategory", verbose_name="案由", on_delete=models.PROTECT, related_name="cases"
    )
    summary = models.TextField("简要案情", blank=True)
    amount_involved = models.DecimalField("涉案金额(元)", max_digits=16, decimal_places=2, default=0)
    lead_officer = models.ForeignKey(
        "org.Person", verbose_name="主办民警", on_delete=models.PROTECT, related_name="led_cases"
    )
    handling_officers = models.ManyToManyField("org.Person", verbose_name="办案民警", related_name="handled_cases")
    incidents = models.ManyToManyField("cases.Incident", verbose_name="关联警情", blank=True, related_name="cases")
    state = models.CharField("状态", max_length=20, choices=State.choices, default=State.ACCEPTED)
    accepted_at = models.DateTimeField("受案时间", db_index=True)
    filed_at = models.DateTimeField("立案时间", null=True, blank=True, db_index=True)
    solved_at = models.DateTimeField("破案时间", null=True, blank=True, db_index=True)
    transferred_at = models.DateTimeField("移送起诉时间", null=True, blank=True)
    penalty_decided_at = models.DateTimeField("处罚决定时间", null=True, blank=True)
    closed_at = models.DateTimeField("结案时间", null=True, blank=True)
    created_by = models.ForeignKey(
        "org.User", verbose_name="登记人", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    scope_unit_field = "unit"
    scope_owner_field = "lead_officer"

    objects = CaseManager()

    workflow = Workflow(
        state_field="state",
        transitions=[
            Transition(
                "file",
                _("立案"),
                source=State.ACCEPTED,
                target=State.FILED,
                capability=Cap.HANDLE_CASE,
                guards=(approved_review("file"),),
                effect=_stamp("filed_at"),
            ),
            Transition(
                "refuse_filing",
                _("不予立案"),
                source=State.ACCEPTED,
                target=State.NOT_FILED,
                capability=Cap.HANDLE_CASE,
                reason_required=True,
                effect=_stamp_closed,
                style="secondary",
            ),
            Transition(
                "investigate",
                _("开始侦查/调查"),
                source=State.FILED,
                target=State.INVESTIGATING,
                capability=Cap.HANDLE_CASE,
            ),
            Transition(
                "solve",
                _("破案"),
                source=State.INVESTIGATING,
                target=State.SOLVED,
                capability=Cap.HANDLE_CASE,
                guards=(of_kind("criminal", "刑事"),),
                effect=_stamp("solved_at"),
            ),
            Transition(
                "transfer_for_prosecution",
                _("移送审查起诉"),
                source=State.SOLVED,
                target=State.TRANSFERRED,
                capability=Cap.HANDLE_CASE,
                guards=(of_kind("criminal", "刑事"), approved_review("prosecution")),
                effect=_stamp("transferred_at"),
            ),
            Transition(
                "decide_penalty",
                _("行政处罚决定"),
                source=State.INVESTIGATING,
                target=State.PENALISED,
                capability=Cap.HANDLE_CASE,
                guards=(of_kind("administrative", "行政"), _within_admin_limit, approved_review("penalty")),
                effect=_stamp("penalty_decided_at"),
            ),
            Transition(
                "close",
                _("结案"),
                source=[State.TRANSFERRED, State.PENALISED],
                target=State.CLOSED,
                capability=Cap.HANDLE_CASE,
                effect=_stamp_closed,
                style="success",
            ),
            Transition(
                "withdraw",
                _("撤案"),
                source=[State.FILED, State.INVESTIGATING, State.SOLVED],
                target=State.WITHDRAWN,
                capability=Cap.APPROVE_CASE,
                reason_required=True,
                guards=(_not_handler,),
                effect=_stamp_closed,
                style="danger",
            ),
            Transition(
                "extend_limit",
                _("延长办案期限"),
                source=[State.ACCEPTED, State.FILED, State.INVESTIGATING],
                target=None,
                capability=Cap.APPROVE_CASE,
                reason_required=True,
                guards=(of_kind("administrative", "行政"), _not_handler, _may_extend),
                effect=_record_extension,
                style="warning",
            ),
        ],
    )

    class Meta:
        verbose_name = "案件"
        verbose_name_plural = "案件"
        ordering = ["-accepted_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["unit", "year", "number"], name="case_number_unique")]
        indexes = [
            models.Index(fields=["unit", "kind", "state"]),
            # a 案由 or tag over a 立案 period: counted and ordered from the index alone
            models.Index(
                fields=["category", "filed_at"],
                include=["kind", "unit", "accepted_at", "id"],
                name="case_category_filed",
            ),
            # the figures join measures and transfers to their case for its unit, kind and 案由 only
            models.Index(fields=["id"], include=["unit", "kind", "category"], name="case_cell_cover"),
        ]

    def __str__(self) -> str:
        return f"{self.title}({self.number})"

    # --- the administrative handling limit (deadline service) --------------------------------------

    def handling_clock(self) -> Clock | None:
        """The 30-day limit of an administrative case with its approved extensions (None for criminal)."""
        if self.kind != self.Kind.ADMINISTRATIVE:
            return None
        extensions = [
            Extension(approved_at=e.approved_at, amount=e.days * 24, unit="natural_hours")
            for e in self.extensions.all()
        ]
        return Clock(self.accepted_at, LimitSpec(ADMIN_LIMIT_DAYS * 24, "natural_hours"), extensions=extensions)

    def handling_status(self, now: datetime | None = None) -> ClockStatus | None:
        clock = self.handling_clock()
        if clock is None:
            return None
        return clock.status(now, self.penalty_decided_at or self.closed_at)


class CaseExtension(models.Model):
    """An approved extension of an administrative case's limit. Written only through the case's
    ``extend_limit`` transition by a leader who does not handle the case; never changed."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="extensions")
    days = models.PositiveSmallIntegerField("延长天数")
    reason = models.TextField("理由")
    approved_by = models.ForeignKey("org.User", verbose_name="批准人", on_delete=models.PROTECT, related_name="+")
    approved_at = models.DateTimeField("批准时间")

    scope_unit_field = "case__unit"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "办案期限延长"
        ordering = ["approved_at"]

    def __str__(self) -> str:
        return f"延长{self.days}日"


class Party(models.Model):
    """A party to a case: a suspect (犯罪嫌疑人/违法行为人), a victim, or a company.

    Seen with its case (scope of the case's unit, ``cases.view``); added and changed by holders of
    ``cases.handle``. ID numbers (GB 11643, validated) and phones are encrypted and shown masked;
    the blind index finds the same person across cases, so "people under a measure" counts a
    person once. Companies carry a validated 统一社会信用代码 instead.
    """

    class Role(models.TextChoices):
        SUSPECT = "suspect", _("犯罪嫌疑人/违法行为人")
        VICTIM = "victim", _("被害人")
        WITNESS = "witness", _("证人")

    class Kind(models.TextChoices):
        PERSON = "person", _("自然人")
        COMPANY = "company", _("单位")

    case = models.ForeignKey(Case, verbose_name="案件", on_delete=models.CASCADE, related_name="parties")
    role = models.CharField("诉讼地位", max_length=20, choices=Role.choices)
    kind = models.CharField("类型", max_length=20, choices=Kind.choices, default=Kind.PERSON)
    name = models.CharField("姓名/名称", max_length=100)
    id_number = EncryptedTextField("身份证号", blank=True)
    id_number_index = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    uscc = models.CharField("统一社会信用代码", max_length=18, blank=True, db_index=True)
    gender = models.CharField("性别", max_length=1, blank=True)
    birth_date = models.DateField("出生日期", null=True, blank=True)
    phone = EncryptedTextField("联系电话", blank=True)
    address = models.CharField("住址", max_length=200, blank=True)
    # Who the party is across cases: the ID number's blind index, the company code, or the row.
    person_key = models.CharField(max_length=80, db_index=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    scope_unit_field = "case__unit"
    scope_owner_field = "case__lead_officer"
    objects = ScopedQuerySet.as_manager()

    SENSITIVE_FIELDS = ("id_number", "phone")

    class Meta:
        verbose_name = "当事人"
        verbose_name_plural = "当事人"
        ordering = ["case", "role", "id"]
        # people counted once across cases (强制措施人数, 移送起诉人数): the key read with the row id
        indexes = [models.Index(fields=["id"], include=["person_key"], name="party_person_cover")]

    def __str__(self) -> str:
        return self.name

    @property
    def id_number_masked(self) -> str:
        return crypto.mask(self.id_number)

    @property
    def phone_masked(self) -> str:
        return crypto.mask_phone(self.phone)
