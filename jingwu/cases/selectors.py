"""Reads of the cases module: always through ``visible_to(user, capability)``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from jingwu.core import metrics
from jingwu.core.metrics import SYSTEM, Figure, Period, format_amount_yuan
from jingwu.core.metrics.compute import _months
from jingwu.core.metrics.definitions import DISPLAY_TZ
from jingwu.core.scope import Scope
from jingwu.org.models import Unit
from jingwu.org.roles import Cap

from .metrics import case_metric
from .models import (
    Case,
    CaseCategory,
    CaseFigureBuild,
    CaseMonthlyFigure,
    CaseTag,
    CentreVisit,
    CoerciveMeasure,
    Incident,
    PeopleFigureDay,
    PeopleFigureMonth,
    Review,
)
from .services import figures as figures_service
from .services import people_figures


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


# What the case table shows (``cases/_case_table.html``): the list loads these columns only, so no
# lead officer's encrypted ID number or phone is decrypted for a row that never shows them.
CASE_TABLE_FIELDS = (
    "id",
    "title",
    "number",
    "kind",
    "state",
    "filed_at",
    "accepted_at",
    "amount_involved",
    "unit__name",
    "unit__short_name",
    "category__name",
    "lead_officer__name",
)


def case_table_rows(qs: QuerySet[Case]) -> QuerySet[Case]:
    """``qs`` narrowed to the columns of the case table (with the unit, 案由 and lead officer joined)."""
    return qs.select_related("unit", "category", "lead_officer").only(*CASE_TABLE_FIELDS)


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
MONTHLY_BASES = ("cases.filed", "cases.solved", "cases.amount")  # the sums CaseMonthlyFigure keeps


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
    return case_statistics(unit, start, end, user=user, kind=kind, tag=tag, details=False).figures


@dataclass(frozen=True)
class CaseStatistics:
    """What the statistics page shows: the six figures, the monthly 立案/破案 trend and the 案由
    breakdown of 立案数 (rows with ``category_id``, ``category__code``, ``category__name``, ``n``,
    ``amount``), and whether the monthly summary table served them."""

    figures: dict[str, Figure]
    months: list[dt.date] = field(default_factory=list)
    filed_by_month: list[int] = field(default_factory=list)
    solved_by_month: list[int] = field(default_factory=list)
    by_category: list[dict[str, Any]] = field(default_factory=list)
    from_summary: bool = False


def case_statistics(
    unit: Unit,
    start: dt.date | str,
    end: dt.date | str,
    *,
    user: Any,
    kind: str | None = None,
    tag: str | None = None,
    details: bool = True,
) -> CaseStatistics:
    """The figures of the metric definitions for the unit subtree and period, with (``details``)
        the trend and the breakdown by 案由.

        立案数, 破案数 and 涉案金额 (and the trend and breakdown) come from the monthly summary
        (:class:`~jingwu.cases.models.CaseMonthlyFigure`) for the whole months of the period plus the
        cases of its partial months, when the summary has been built and the user sees the whole
        subtree; otherwise from the metric definitions over the cases. Both give the same numbers
        (tested). The distinct counts (强制措施人数, 移送起诉 cases and people) come from the people
    figures (:mod:`~jingwu.cases.services.people_figures`) under the same conditions, while their tags
    and units are those of the rebuild, and otherwise from the rows.
    """
    period = Period.of(start, end)
    names = {base: case_metric(base, kind=kind, tag=tag) for base in FIGURE_BASES}
    if not _summary_serves(unit, user):
        figures = {
            base: metrics.compute(names[base], unit, period.start, period.end, user=user) for base in FIGURE_BASES
        }
        if not details:
            return CaseStatistics(figures=figures)
        filed = metrics.trend(names["cases.filed"], unit, period.start, period.end, user)
        solved = metrics.trend(names["cases.solved"], unit, period.start, period.end, user)
        by_category = list(
            metrics.rows(names["cases.filed"], unit, period.start, period.end, user=user)
            .order_by()
            .values("category_id", "category__code", "category__name")
            .annotate(n=Count("id"), amount=Sum("amount_involved"))
            .order_by("-n", "category__code")
        )
        return CaseStatistics(
            figures=figures,
            months=[p.month for p in filed],
            filed_by_month=[int(p.figure.value or 0) for p in filed],
            solved_by_month=[int(p.figure.value or 0) for p in solved],
            by_category=by_category,
        )
    monthly = _monthly_sums(unit, period, user, names)
    figures = {
        "cases.filed": _figure(names["cases.filed"], unit, period, sum(m[0] for m in monthly.values())),
        "cases.solved": _figure(names["cases.solved"], unit, period, sum(m[1] for m in monthly.values())),
        "cases.amount": _figure(
            names["cases.amount"], unit, period, Decimal(sum(m[2] for m in monthly.values())) / 100
        ),
        **_distinct_figures(unit, period, user, names, kind=kind, tag=tag),
    }
    if not details:
        return CaseStatistics(figures=figures, from_summary=True)
    months = [m.start.replace(day=1) for m in _months(period)]
    by_month: dict[dt.date, list[int]] = {}
    for (month, _category), sums in monthly.items():
        row = by_month.setdefault(month, [0, 0])
        row[0] += sums[0]
        row[1] += sums[1]
    by_category = _breakdown(monthly)
    return CaseStatistics(
        figures=figures,
        months=months,
        filed_by_month=[by_month.get(m, [0, 0])[0] for m in months],
        solved_by_month=[by_month.get(m, [0, 0])[1] for m in months],
        by_category=by_category,
        from_summary=True,
    )


def _summary_serves(unit: Unit, user: Any) -> bool:
    """The summary counts every case of the subtree: it answers only users who see all of them."""
    if user is SYSTEM:
        covered = True
    elif not getattr(user, "is_authenticated", False):
        return False
    else:
        covered = any(
            grant.scope == Scope.ALL
            or (grant.scope == Scope.SUBTREE and grant.unit_path and unit.path.startswith(grant.unit_path))
            for grant in user.scope_grants(Cap.VIEW_CASE)
        )
    return covered and CaseFigureBuild.objects.exists()


def _full_months(period: Period) -> tuple[dt.date, dt.date] | None:
    """First days of the first and last calendar months lying wholly inside the period."""
    first = (
        period.start if period.start.day == 1 else (period.start.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    )
    after = period.end + dt.timedelta(days=1)
    last = (after.replace(day=1) - dt.timedelta(days=1)).replace(day=1) if after.day != 1 else period.end.replace(day=1)
    return (first, last) if first <= last else None


def _edges(period: Period) -> list[Period]:
    """The parts of the period outside its whole months (none, one or two)."""
    full = _full_months(period)
    if full is None:
        return [period]
    edges = []
    if period.start < full[0]:
        edges.append(Period(period.start, full[0] - dt.timedelta(days=1)))
    after_last = (full[1].replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    if period.end >= after_last:
        edges.append(Period(after_last, period.end))
    return edges


def _in(field_name: str, edges: list[Period]) -> Q:
    q = Q(pk__in=[])
    for edge in edges:
        q |= Q(**{f"{field_name}__gte": edge.start_at, f"{field_name}__lt": edge.end_before})
    return q


def _local_month(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        value = value.astimezone(DISPLAY_TZ).date() if value.tzinfo else value.date()
    return value.replace(day=1)  # type: ignore[no-any-return]


def _monthly_sums(unit: Unit, period: Period, user: Any, names: dict[str, str]) -> dict[tuple[dt.date, int], list[int]]:
    """{(month, 案由 id): [立案, 破案, 金额(分)]} over the period: whole months from the summary,
    partial ones from the cases (each side filtered exactly as its metric definition filters)."""
    out: dict[tuple[dt.date, int], list[int]] = {}
    side = metrics.get(names["cases.filed"]).numerator
    assert side is not None
    full = _full_months(period)
    if full is not None:
        summary = side(
            CaseMonthlyFigure.objects.filter(unit__path__startswith=unit.path, month__gte=full[0], month__lte=full[1]),
            period,
        )
        rows = (
            summary.order_by()
            .values("month", "category_id")
            .annotate(f=Sum("filed"), s=Sum("solved"), a=Sum("amount_filed_cents"))
        )
        for row in rows:
            sums = out.setdefault((row["month"], row["category_id"]), [0, 0, 0])
            sums[0] += row["f"] or 0
            sums[1] += row["s"] or 0
            sums[2] += row["a"] or 0
    edges = _edges(period)
    if edges:
        cases = side(Case.objects.visible_to(user, Cap.VIEW_CASE) if user is not SYSTEM else Case.objects.all(), period)
        cases = cases.filter(unit__path__startswith=unit.path).order_by()
        filed = (
            cases.filter(_in("filed_at", edges))
            .annotate(m=TruncMonth("filed_at", tzinfo=DISPLAY_TZ))
            .values("m", "category_id")
            .annotate(n=Count("pk"), amount=Sum("amount_involved"))
        )
        for row in filed:
            sums = out.setdefault((_local_month(row["m"]), row["category_id"]), [0, 0, 0])
            sums[0] += row["n"]
            sums[2] += figures_service.cents(row["amount"])
        solved = (
            cases.filter(_in("solved_at", edges))
            .annotate(m=TruncMonth("solved_at", tzinfo=DISPLAY_TZ))
            .values("m", "category_id")
            .annotate(n=Count("pk"))
        )
        for row in solved:
            out.setdefault((_local_month(row["m"]), row["category_id"]), [0, 0, 0])[1] += row["n"]
    return out


def _breakdown(monthly: dict[tuple[dt.date, int], list[int]]) -> list[dict[str, Any]]:
    totals: dict[int, list[int]] = {}
    for (_month, category_id), sums in monthly.items():
        if sums[0]:
            row = totals.setdefault(category_id, [0, 0])
            row[0] += sums[0]
            row[1] += sums[2]
    categories = {c.pk: c for c in CaseCategory.objects.filter(pk__in=list(totals)).only("code", "name")}
    out: list[dict[str, Any]] = [
        {
            "category_id": pk,
            "category__code": categories[pk].code,
            "category__name": categories[pk].name,
            "n": n,
            "amount": Decimal(amount) / 100,
        }
        for pk, (n, amount) in totals.items()
    ]
    out.sort(key=lambda r: (-r["n"], r["category__code"]))
    return out


def _distinct_figures(
    unit: Unit, period: Period, user: Any, names: dict[str, str], *, kind: str | None, tag: str | None
) -> dict[str, Figure]:
    """强制措施人数 and 移送起诉 cases and people: from the people figures when they answer (two
    queries), otherwise over the rows (one query, and one with both 移送起诉 counts)."""
    build = CaseFigureBuild.objects.only("people_rows", "tag_signature").first()
    if build is not None and build.people_rows is not None and people_figures.serves(build.tag_signature):
        counts = _people_counts(unit, period, kind=kind, tag=tag)
        return {
            base: _figure(names[base], unit, period, counts[figure])
            for base, figure in people_figures.FIGURE_OF_BASE.items()
        }
    coercive = metrics.compute(names["cases.coercive_people"], unit, period.start, period.end, user=user)
    metric = metrics.get(names["cases.prosecution_cases"])
    people = metrics.get(names["cases.prosecution_people"])
    assert metric.numerator is not None
    rows = metric.numerator(metrics.base_rows(metric, unit, period, user), period)
    counts = rows.aggregate(cases=metric.aggregate("numerator"), people=people.aggregate("numerator"))
    return {
        "cases.coercive_people": coercive,
        "cases.prosecution_cases": _figure(names["cases.prosecution_cases"], unit, period, counts["cases"] or 0),
        "cases.prosecution_people": _figure(names["cases.prosecution_people"], unit, period, counts["people"] or 0),
    }


def _people_counts(unit: Unit, period: Period, *, kind: str | None, tag: str | None) -> dict[str, int]:
    """Distinct people (and cases) of each people figure for the subtree, period and filter: the
    occurrences in the period whose previous one under the same filter is before its first day
    (``people_figures``). Whole months are read by month, keeping those whose previous occurrence
    lies before the first day's month; the partial months by day; and by day too, those whose
    previous occurrence lies in the first day's month before that day."""
    out = dict.fromkeys(people_figures.FIGURES, 0)
    tag_id: int | None = 0
    if tag:
        tag_id = CaseTag.objects.filter(code=tag).values_list("pk", flat=True).first()
        if tag_id is None:
            return out
    key = Q(unit_id=unit.pk, kind=kind or "", tag=tag_id)
    first_month = period.start.replace(day=1)
    full = _full_months(period)
    if full is not None:
        months = (
            PeopleFigureMonth.objects.filter(key, month__gte=full[0], month__lte=full[1], prev_month__lt=first_month)
            .order_by()
            .values_list("figure")
            .annotate(total=Sum("n"))
        )
        for figure, total in months:
            out[figure] += total or 0
    by_day = Q(pk__in=[])
    for edge in _edges(period):
        by_day |= Q(day__gte=edge.start, day__lte=edge.end, prev_day__lt=first_month)
    if period.start > first_month:
        by_day |= Q(prev_day__gte=first_month, prev_day__lt=period.start, day__gte=period.start, day__lte=period.end)
    days = PeopleFigureDay.objects.filter(key).filter(by_day).order_by().values_list("figure").annotate(total=Sum("n"))
    for figure, total in days:
        out[figure] += total or 0
    return out


def _figure(name: str, unit: Unit, period: Period, value: Any) -> Figure:
    """A figure as ``metrics.compute`` makes it (a count or sum has no denominator)."""
    return metrics.make_figure(metrics.get(name), unit, period, value, None)


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
    figures: dict[str, Figure] | None = None,
) -> CaseSummary:
    """The brief's sentence, every number computed from the metric definitions:
    "2022年以来,全市公安机关共立涉环食药领域刑事案件158起,破案137起,采取强制措施143人,
    移送起诉61起73人,涉案金额5.82亿元". ``figures``: those of :func:`case_figures` for the same
    unit, period, kind and tag when the caller has them already."""
    if figures is None:
        figures = case_figures(unit, start, end, user=user, kind=kind, tag=tag)
    period = figures["cases.filed"].period
    today = today or timezone.localdate()
    from .metrics import _tag_label

    domain = f"{_tag_label(tag)}领域" if tag else ""
    kind_label = {"criminal": "刑事", "administrative": "行政"}.get(kind or "", "")
    n = {base: int(figures[base].value or 0) for base in FIGURE_BASES if base != "cases.amount"}
    text = (
        f"{_since(period.start, period.end, today)},{subject or _subject(unit)}共立{domain}{kind_label}案件"
        f"{n['cases.filed']}起,破案{n['cases.solved']}起,采取强制措施{n['cases.coercive_people']}人,"
        f"移送起诉{n['cases.prosecution_cases']}起{n['cases.prosecution_people']}人,"
        f"涉案金额{format_amount_yuan(figures['cases.amount'].value or 0)}"
    )
    return CaseSummary(text=text, figures=figures)
