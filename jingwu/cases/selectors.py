"""Reads of the cases module: always through ``visible_to(user, capability)``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from jingwu.core import metrics
from jingwu.core.metrics import Figure, format_amount_yuan
from jingwu.org.models import Unit
from jingwu.org.roles import Cap

from .metrics import case_metric
from .models import Case, CentreVisit, CoerciveMeasure, Incident, Review


def case_list(
    user: Any,
    *,
    unit: Unit | None = None,
    kind: str | None = None,
    state: str | None = None,
    tag: str | None = None,
    q: str = "",
) -> QuerySet[Case]:
    qs = Case.objects.visible_to(user, Cap.VIEW_CASE).select_related("unit", "category", "lead_officer")
    if unit is not None:
        qs = qs.filter(unit__path__startswith=unit.path)
    if kind:
        qs = qs.filter(kind=kind)
    if state:
        qs = qs.filter(state=state)
    if tag:
        qs = qs.tagged(tag)
    q = (q or "").strip()
    if q:
        qs = qs.filter(Q(number__icontains=q) | Q(title__icontains=q))
    return qs


def case_get(user: Any, pk: int) -> Case:
    """One case the user may see; ``Case.DoesNotExist`` (→ 404) otherwise."""
    return case_list(user).get(pk=pk)


def incident_list(user: Any, *, unit: Unit | None = None) -> QuerySet[Incident]:
    qs = Incident.objects.visible_to(user, Cap.VIEW_CASE).select_related("unit", "category")
    if unit is not None:
        qs = qs.filter(unit__path__startswith=unit.path)
    return qs


def reviews_pending(user: Any) -> QuerySet[Review]:
    """Reviews waiting for this user: legal opinion for 法制, approval for leaders."""
    states = []
    if user.has_cap(Cap.REVIEW_CASE):
        states.append(Review.State.SUBMITTED)
    if user.has_cap(Cap.APPROVE_CASE):
        states.append(Review.State.LEGAL_REVIEWED)
    qs = Review.objects.visible_to(user, Cap.VIEW_CASE).filter(state__in=states)
    if user.person_id:
        mine = Case.handling_officers.through.objects.filter(case_id=OuterRef("case_id"), person_id=user.person_id)
        qs = qs.exclude(Exists(mine)).exclude(submitted_by=user)
    return qs.select_related("case", "submitted_by")


def cases_missing_centre_record(user: Any, *, unit: Unit | None = None) -> QuerySet[Case]:
    """Criminal cases (filed) and cases with an administrative detention that have no entry in the
    执法办案管理中心 register: "刑事案件和行政拘留案件一律进入执法办案管理中心办理"."""
    detention = CoerciveMeasure.objects.filter(
        case_id=OuterRef("pk"),
        kind=CoerciveMeasure.Kind.ADMIN_DETENTION,
        state__in=[
            CoerciveMeasure.State.APPROVED,
            CoerciveMeasure.State.ACTIVE,
            CoerciveMeasure.State.EXTENDED,
            CoerciveMeasure.State.ENDED,
        ],
    )
    visited = CentreVisit.objects.filter(case_id=OuterRef("pk"))
    qs = case_list(user, unit=unit).filter(Q(kind=Case.Kind.CRIMINAL, filed_at__isnull=False) | Q(Exists(detention)))
    return qs.exclude(Exists(visited)).exclude(state=Case.State.WITHDRAWN)


def overdue_measures(user: Any, *, now: dt.datetime | None = None) -> list[CoerciveMeasure]:
    """Measures still in force past their legal limit (with approved extensions): the alert list."""
    now = now or timezone.now()
    running = (
        CoerciveMeasure.objects.visible_to(user, Cap.VIEW_CASE)
        .filter(state__in=[CoerciveMeasure.State.ACTIVE, CoerciveMeasure.State.EXTENDED])
        .select_related("case", "party")
        .prefetch_related("extensions")
    )
    return [m for m in running if m.is_overdue(now)]


# --- figures and the prose sentence ---------------------------------------------------------------

FIGURE_BASES = (
    "cases.filed",
    "cases.solved",
    "cases.coercive_people",
    "cases.prosecution_cases",
    "cases.prosecution_people",
    "cases.amount",
)


def case_figures(
    unit: Unit,
    start: dt.date | str,
    end: dt.date | str,
    *,
    user: Any,
    kind: str | None = None,
    tag: str | None = None,
) -> dict[str, Figure]:
    """The six case figures for the unit subtree and period, keyed by base name."""
    return {
        base: metrics.compute(case_metric(base, kind=kind, tag=tag), unit, start, end, user=user)
        for base in FIGURE_BASES
    }


@dataclass(frozen=True)
class CaseSummary:
    text: str
    figures: dict[str, Figure]


def _since(start: dt.date, end: dt.date, today: dt.date) -> str:
    if end >= today:
        if start.month == 1 and start.day == 1:
            return f"{start.year}年以来"
        return f"{start.year}年{start.month}月{start.day}日以来"
    if start.year == end.year:
        return f"{start.year}年{start.month}月{start.day}日至{end.month}月{end.day}日"
    return f"{start.year}年{start.month}月{start.day}日至{end.year}年{end.month}月{end.day}日"


def _subject(unit: Unit) -> str:
    if unit.kind == Unit.Kind.BUREAU and unit.name.endswith("市公安局"):
        return "全市公安机关"
    if unit.kind == Unit.Kind.BUREAU:
        return f"{unit.name}及所属单位"
    return unit.name


def case_summary(
    unit: Unit,
    start: dt.date | str,
    end: dt.date | str,
    *,
    user: Any,
    tag: str | None = "env_food_drug",
    kind: str | None = "criminal",
    subject: str | None = None,
    today: dt.date | None = None,
) -> CaseSummary:
    """The brief's sentence, every number computed from the metric definitions:
    "2022年以来,全市公安机关共立涉环食药领域刑事案件158起,破案137起,采取强制措施143人,
    移送起诉61起73人,涉案金额5.82亿元"."""
    figures = case_figures(unit, start, end, user=user, kind=kind, tag=tag)
    period = figures["cases.filed"].period
    today = today or timezone.localdate()
    from .metrics import _tag_label

    field = f"{_tag_label(tag)}领域" if tag else ""
    kind_label = {"criminal": "刑事", "administrative": "行政"}.get(kind or "", "")
    n = {base: int(figures[base].value or 0) for base in FIGURE_BASES if base != "cases.amount"}
    text = (
        f"{_since(period.start, period.end, today)},{subject or _subject(unit)}共立{field}{kind_label}案件"
        f"{n['cases.filed']}起,破案{n['cases.solved']}起,采取强制措施{n['cases.coercive_people']}人,"
        f"移送起诉{n['cases.prosecution_cases']}起{n['cases.prosecution_people']}人,"
        f"涉案金额{format_amount_yuan(figures['cases.amount'].value or 0)}"
    )
    return CaseSummary(text=text, figures=figures)
