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
        elif mode == "ytd":
            return default
        else:
            raise ValueError(f"未知的统计周期 / unknown period {mode!r}")
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


def _kpis(figures: dict[str, metrics.Figure], unit: Any, period: PeriodChoice) -> list[dict[str, Any]]:
    out = []
    for key, label, icon in KPI_CARDS:
        figure = figures[key]
        detail = ""
        if figure.kind == "rate":
            detail = f"{metrics.format_number(figure.numerator)} / {metrics.format_number(figure.denominator)}"
        out.append(
            {
                "key": key,
                "label": label,
                "icon": icon,
                "display": figure.display,
                "detail": detail,
                "url": drill_url(key, unit, period.start, period.end),
                "alert": (key in ("overdue", "shirked") and bool(figure.value))
                or (figure.kind == "rate" and key != "reopen_rate" and figure.value is not None and figure.value < 1),
            }
        )
    return out


def _percent(figure: metrics.Figure) -> float | None:
    return None if figure.value is None else round(float(figure.value) * 100, 1)


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


def _by_category(unit: Any, period: PeriodChoice, user: Any) -> list[dict[str, Any]]:
    """Rows behind three figures (派单数, 办结数, 超期件) split by category: each column adds up to the
    figure on the cards, because it groups that figure's own drill-down rows."""
    sides = {
        "dispatched": ("response_rate", "denominator"),
        "completed": ("completed", "numerator"),
        "overdue": ("overdue", "numerator"),
    }
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
                },
            )
            entry[column] = row["n"]
    return sorted(table.values(), key=lambda e: (-e["dispatched"], -e["completed"], e["code"]))


def _ranking_rows(ranking: list[reports.RankedUnit], period: PeriodChoice) -> list[dict[str, Any]]:
    return [
        {
            "position": r.position,
            "unit": r.unit,
            "cells": [
                {"display": r.figures[key].display, "url": drill_url(key, r.unit, period.start, period.end)}
                for key, _ in reports.RANK_COLUMNS
            ],
        }
        for r in ranking
    ]


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
        ranking = reports.unit_ranking(unit, period.start, period.end, user=user)
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
            "kpis": _kpis(figures, unit, period),
            "ranking": _ranking_rows(ranking, period),
            "categories": categories,
            "category_urls": {
                "dispatched": drill_url("response_rate", unit, period.start, period.end, which="denominator"),
                "completed": drill_url("completed", unit, period.start, period.end),
                "overdue": drill_url("overdue", unit, period.start, period.end),
            },
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
