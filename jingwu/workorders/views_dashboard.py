"""接诉即办驾驶舱 (dashboard) and the monthly 通报 download.

Thin: every figure comes from the metric definitions through ``reports`` and the period sentence
selector; the unit picker lists only units the user may see, and any other unit answers 404.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from jingwu.core import metrics
from jingwu.core.calendar import TZ
from jingwu.core.documents import DOCX_CONTENT_TYPE, file_response
from jingwu.org.models import Unit
from jingwu.org.roles import Cap

from . import reports
from .selectors import period_summary

PERIOD_MODES = (("ytd", _("本年累计")), ("month", _("按月")), ("quarter", _("按季度")), ("custom", _("自定义")))

KPI_CARDS: tuple[tuple[str, str | Promise, str], ...] = (
    ("response_rate", _("响应率"), "telephone-inbound"),
    ("resolution_rate", _("解决率"), "check2-circle"),
    ("satisfaction_rate", _("满意率"), "emoji-smile"),
    ("composite", _("综合得分"), "trophy"),
    ("completed", _("办结数"), "clipboard-check"),
    ("overdue", _("超期件"), "alarm"),
    ("shirked", _("推诿件"), "arrow-left-right"),
    ("returns", _("退单次数"), "arrow-return-left"),
    ("urges", _("催办"), "bell"),
    ("notices", _("通报"), "megaphone"),
    ("reopen_rate", _("重办率"), "arrow-repeat"),
)


CHART_LABELS = {
    "response_rate": _("响应率"),
    "resolution_rate": _("解决率"),
    "satisfaction_rate": _("满意率"),
    "completed": _("办结数"),
    "dispatched": _("派单数"),
    "overdue": _("超期件"),
    "unit_count": _("件"),
}


def _today() -> dt.date:
    return timezone.localdate(timezone.now(), TZ)


def drill_url(key: str, unit: Any, start: dt.date, end: dt.date, **extra: str) -> str:
    """The drill-down page of a figure: /core/metrics/<name>/?unit=&from=&to=."""
    query = {"unit": unit.code, "from": start.isoformat(), "to": end.isoformat(), **extra}
    return reverse("core:metric-detail", args=[reports.metric_name(key)]) + "?" + urlencode(query)


def detail_url(pk: int) -> str:
    """The order's page, when the pages module provides it (plain numbers otherwise)."""
    try:
        return reverse("workorders:detail", args=[pk])
    except NoReverseMatch:
        return ""


# --- request parsing -------------------------------------------------------------------------------


@dataclass(frozen=True)
class PeriodChoice:
    mode: str
    start: dt.date
    end: dt.date
    error: str = ""

    @property
    def month(self) -> str:
        return f"{self.end:%Y-%m}"

    @property
    def quarter(self) -> str:
        return f"{self.end.year}-Q{(self.end.month - 1) // 3 + 1}"


MAX_CUSTOM_DAYS = 3660


def parse_period(params: Any, today: dt.date | None = None) -> PeriodChoice:
    """The period of the selectors: this year to date by default; a bad value falls back to the
    default with a message (like the metric pages)."""
    today = today or _today()
    default = PeriodChoice("ytd", today.replace(month=1, day=1), today)
    mode = params.get("period") or "ytd"
    try:
        if mode == "month":
            start, end = reports.month_bounds(params.get("month") or f"{today:%Y-%m}")
        elif mode == "quarter":
            start, end = reports.quarter_bounds(params.get("quarter") or default.quarter)
        elif mode == "custom":
            period = metrics.Period.of(params.get("from") or default.start, params.get("to") or default.end)
            start, end = period.start, period.end
            if (end - start).days > MAX_CUSTOM_DAYS:  # the monthly trend draws one point a month
                raise ValueError("自定义周期最长10年 / a custom period spans at most 10 years")
        elif mode == "ytd":
            return default
        else:
            raise ValueError(f"未知的统计周期 / unknown period {mode!r}")
        metrics.Period(start, end)  # refuses years its instants cannot reach (e.g. 9999-12)
    except ValueError as exc:
        return PeriodChoice(default.mode, default.start, default.end, str(exc))
    return PeriodChoice(mode, start, end)


def dashboard_units(user: Any) -> Any:
    """Units the user may pick: those of their 接诉即办 scope (not party branches, not retired)."""
    return (
        Unit.objects.visible_to(user, Cap.VIEW_WORKORDER)
        .filter(retired_on__isnull=True)
        .exclude(kind=Unit.Kind.PARTY_BRANCH)
        .order_by("path")
    )


def chosen_unit(user: Any, code: str) -> Unit | None:
    """The unit named by ``code`` (404 when outside the user's scope), or the top unit of the scope."""
    units = dashboard_units(user)
    code = (code or "").strip()
    if code:
        unit = units.filter(code=code[:12]).first()
        if unit is None:
            raise Http404("未找到单位 / unit not found")
        return unit
    return units.order_by("depth", "path").first()


def _require_view(user: Any) -> None:
    if not user.has_cap(Cap.VIEW_WORKORDER):
        raise PermissionDenied("您没有查看接诉即办的权限 / you may not view work orders")


# --- dashboard -----------------------------------------------------------------------------------


def satisfaction_breakdown(unit: Any, period: PeriodChoice, user: Any) -> str:
    """How the 满意率 numerator is made: "满意 7×1 + 基本满意 1×0.8 = 7.8", from the denominator's rows
    (the drill-down lists them with each row's points)."""
    from .metrics import BASIC_WEIGHT, SATISFACTION_WEIGHTS
    from .models import WorkOrder

    qs = metrics.rows("workorders.satisfaction_rate", unit, period.start, period.end, user=user, which="denominator")
    counts = dict(qs.order_by().values_list("callback_satisfaction").annotate(n=Count("pk")))
    satisfied = counts.get(WorkOrder.Satisfaction.SATISFIED, 0)
    basic = counts.get(WorkOrder.Satisfaction.BASIC, 0)
    total = sum(counts.get(answer, 0) * w for answer, w in SATISFACTION_WEIGHTS.items())
    weight = metrics.format_number(BASIC_WEIGHT)
    return f"满意{satisfied}×1 + 基本满意{basic}×{weight} = {metrics.format_number(total)}"


def _kpis(
    figures: dict[str, metrics.Figure], unit: Any, period: PeriodChoice, user: Any = None
) -> list[dict[str, Any]]:
    out = []
    for key, label, icon in KPI_CARDS:
        figure = figures[key]
        detail = ""
        if figure.kind == "rate":
            detail = f"{metrics.format_number(figure.numerator)} / {metrics.format_number(figure.denominator)}"
        explain = ""
        if key == "satisfaction_rate" and user is not None and figure.denominator:
            explain = satisfaction_breakdown(unit, period, user)
        out.append(
            {
                "key": key,
                "label": label,
                "icon": icon,
                "display": figure.display,
                "detail": detail,
                "explain": explain,
                "url": drill_url(key, unit, period.start, period.end),
                "alert": (key in ("overdue", "shirked", "urges", "notices") and bool(figure.value))
                or (figure.kind == "rate" and key != "reopen_rate" and figure.value is not None and figure.value < 1),
            }
        )
    return out


def _percent(figure: metrics.Figure) -> float | None:
    return metrics.percent_points(figure.value)  # a rate below 100% is never plotted as 100


def _trend(unit: Any, period: PeriodChoice, user: Any) -> dict[str, Any]:
    series: dict[str, Any] = {}
    urls: dict[str, list[str]] = {}
    months: list[str] = []
    for key in ("response_rate", "resolution_rate", "satisfaction_rate", "completed"):
        points = metrics.trend(reports.metric_name(key), unit, period.start, period.end, user)
        months = [f"{p.month:%Y-%m}" for p in points]
        if key == "completed":
            series[key] = [float(p.figure.value or 0) for p in points]
        else:
            series[key] = [_percent(p.figure) for p in points]
        urls[key] = [drill_url(key, unit, p.figure.period.start, p.figure.period.end) for p in points]
    return {"months": months, "series": series, "urls": urls}


CATEGORY_SIDES = {
    "dispatched": ("response_rate", "denominator"),
    "completed": ("completed", "numerator"),
    "overdue": ("overdue", "numerator"),
}


def category_url(column: str, code: str, unit: Any, period: PeriodChoice) -> str:
    """The rows of one cell of the 按类别 table: that figure's drill-down rows of that category."""
    key, which = CATEGORY_SIDES[column]
    query = {
        "metric": key,
        "which": which,
        "category": code,
        "unit": unit.code,
        "from": period.start.isoformat(),
        "to": period.end.isoformat(),
    }
    return reverse("workorders:dashboard-rows") + "?" + urlencode(query)


def _by_category(unit: Any, period: PeriodChoice, user: Any) -> list[dict[str, Any]]:
    """Rows behind three figures (派单数, 办结数, 超期件) split by category: each column adds up to the
    figure on the cards, because it groups that figure's own drill-down rows; each cell links to
    exactly the rows it counts (``category_rows``)."""
    sides = CATEGORY_SIDES
    table: dict[str, dict[str, Any]] = {}
    for column, (key, which) in sides.items():
        qs = metrics.rows(reports.metric_name(key), unit, period.start, period.end, user=user, which=which)
        for row in qs.order_by().values("category__code", "category__name").annotate(n=Count("pk")):
            entry = table.setdefault(
                row["category__code"],
                {
                    "code": row["category__code"],
                    "name": row["category__name"],
                    "dispatched": 0,
                    "completed": 0,
                    "overdue": 0,
                    "urls": {c: category_url(c, row["category__code"], unit, period) for c in sides},
                },
            )
            entry[column] = row["n"]
    return sorted(table.values(), key=lambda e: (-e["dispatched"], -e["completed"], e["code"]))


def _ranking_rows(ranking: reports.Ranking, period: PeriodChoice) -> list[dict[str, Any]]:
    """The ranking table; a unit outside the user's scope (a sibling) shows figures without links."""
    out = []
    for r in ranking.rows:
        linked = r.unit.pk in ranking.linked
        out.append(
            {
                "position": r.position,
                "unit": r.unit,
                "own": r.unit.pk == ranking.own,
                "linked": linked,
                "cells": [
                    {
                        "display": r.figures[key].display,
                        "url": drill_url(key, r.unit, period.start, period.end) if linked else "",
                    }
                    for key, _ in reports.RANK_COLUMNS
                ],
            }
        )
    return out


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    _require_view(user)
    unit = chosen_unit(user, request.GET.get("unit", ""))
    period = parse_period(request.GET)
    units = list(dashboard_units(user))
    top = min((u.depth for u in units), default=1)
    picker = [(u.code, "\u3000" * (u.depth - top) + u.name) for u in units]
    context: dict[str, Any] = {
        "unit": unit,
        "units": picker,
        "period": period,
        "modes": PERIOD_MODES,
        "quarters": _quarter_choices(period),
        "metric_labels": dict((key, label) for key, label in reports.RANK_COLUMNS),
        "rank_labels": [label for _, label in reports.RANK_COLUMNS],
    }
    if unit is None:
        return render(request, "workorders/dashboard.html", context)
    try:
        summary = period_summary(unit, period.start, period.end, user=user)
        figures = reports.unit_figures(unit, period.start, period.end, user=user)
        ranking = reports.ranking_for(unit, period.start, period.end, user=user)
    except metrics.MetricScopeError:
        raise Http404("未找到单位 / unit not found") from None
    categories = _by_category(unit, period, user)
    exempted = []
    for order in reports.exempted_orders(unit, period.start, period.end, user=user):
        reason, decided = reports.appeal_text(order)
        exempted.append({"order": order, "url": detail_url(order.pk), "reason": reason, "decided": decided})
    trend = _trend(unit, period, user)
    context.update(
        {
            "summary": summary,
            "kpis": _kpis(figures, unit, period, user),
            "ranking": _ranking_rows(ranking, period),
            "ranking_siblings": ranking.siblings,
            "ranking_parent": ranking.parent,
            "categories": categories,
            "exempted": exempted,
            "report_month": period.month,
            "data": {
                "labels": {key: str(label) for key, label in CHART_LABELS.items()},
                "trend": trend,
                "categories": {
                    "names": [c["name"] for c in categories],
                    "dispatched": [c["dispatched"] for c in categories],
                    "completed": [c["completed"] for c in categories],
                    "overdue": [c["overdue"] for c in categories],
                    "urls": {col: [c["urls"][col] for c in categories] for col in CATEGORY_SIDES},
                },
            },
        }
    )
    return render(request, "workorders/dashboard.html", context)


def _quarter_choices(period: PeriodChoice) -> list[str]:
    year = _today().year
    years = sorted({year, year - 1, period.end.year}, reverse=True)
    return [f"{y}-Q{q}" for y in years for q in (4, 3, 2, 1)]


@login_required
@require_GET
def report_docx(request: HttpRequest) -> HttpResponse:
    """The monthly 通报 as Word: ?unit=<code>&month=YYYY-MM (default: the user's top unit, this month)."""
    user: Any = request.user
    _require_view(user)
    unit = chosen_unit(user, request.GET.get("unit", ""))
    if unit is None:
        raise Http404("未找到单位 / unit not found")
    month = (request.GET.get("month") or f"{_today():%Y-%m}").strip()
    try:
        data, filename = reports.monthly_report(unit, month, user=user)
    except metrics.MetricScopeError:
        raise Http404("未找到单位 / unit not found") from None
    except ValueError as exc:
        return HttpResponseBadRequest(str(exc), content_type="text/plain; charset=utf-8")
    return file_response(data, filename, DOCX_CONTENT_TYPE)


@login_required
@require_GET
def category_rows(request: HttpRequest) -> HttpResponse:
    """One cell of the 按类别 table: the rows of one side of a figure (派单数, 办结数, 超期件) in one
    category — the figure's own drill-down rows filtered by category, so their number is the cell's.
    ?metric=&which=&category=&unit=&from=&to=; a unit outside the user's scope answers 404."""
    user: Any = request.user
    _require_view(user)
    allowed = {side: column for column, side in CATEGORY_SIDES.items()}
    key = request.GET.get("metric", "")
    which = request.GET.get("which", "numerator")
    if (key, which) not in allowed:
        return HttpResponseBadRequest("未知的指标 / unknown figure", content_type="text/plain; charset=utf-8")
    unit = chosen_unit(user, request.GET.get("unit", ""))
    if unit is None:
        raise Http404("未找到单位 / unit not found")
    try:
        period = metrics.Period.of(request.GET.get("from") or "", request.GET.get("to") or "")
    except ValueError as exc:
        return HttpResponseBadRequest(str(exc), content_type="text/plain; charset=utf-8")
    from .models import Category

    category = Category.objects.filter(code=(request.GET.get("category") or "")[:50]).first()
    if category is None:
        raise Http404("未找到类别 / category not found")
    name = reports.metric_name(key)
    metric = metrics.get(name)
    try:
        qs = metrics.rows(name, unit, period.start, period.end, user=user, which=which).filter(category=category)
    except metrics.MetricScopeError:
        raise Http404("未找到单位 / unit not found") from None
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    columns = list(metric.row_columns)
    rows = [{"url": detail_url(obj.pk), "cells": [column.value(obj) for column in columns]} for obj in page.object_list]
    column_label = CHART_LABELS[allowed[(key, which)]]
    query = {k: request.GET.get(k, "") for k in ("metric", "which", "category", "unit", "from", "to")}
    return render(
        request,
        "workorders/dashboard_rows.html",
        {
            "unit": unit,
            "period": period,
            "category": category,
            "column_label": column_label,
            "side_label": metric.side_label(which),
            "metric": metric,
            "columns": columns,
            "rows": rows,
            "page": page,
            "total": page.paginator.count,
            "query": urlencode(query),
            "figure_url": drill_url(key, unit, period.start, period.end, which=which),
            "dashboard_url": reverse("workorders:dashboard")
            + "?"
            + urlencode({"unit": unit.code, "period": "custom", "from": period.start, "to": period.end}),
        },
    )
