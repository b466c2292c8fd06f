"""Metric pages: the list of definitions and the drill-down from a figure to the rows behind it.

Every figure and every row goes through the user's data scope; a unit outside it answers 404.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from django.apps import apps
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from . import metrics
from .metrics.definitions import DISPLAY_TZ, SIDES

PAGE_SIZE = 50


@login_required
@require_GET
def metric_list(request: HttpRequest) -> HttpResponse:
    return render(request, "core/metric_list.html", {"definitions": metrics.all_metrics()})


def _dates(request: HttpRequest) -> tuple[dt.date, dt.date, str]:
    today = dt.datetime.now(DISPLAY_TZ).date()
    default = (today.replace(month=1, day=1), today)
    try:
        period = metrics.Period.of(request.GET.get("from") or default[0], request.GET.get("to") or default[1])
    except ValueError as exc:
        return default[0], default[1], str(exc)
    return period.start, period.end, ""


def _chart_value(metric: Any, value: Any) -> Any:
    """Rates are fractions in the registry; the chart shows percent like the figures do."""
    if value is None or metric.kind != "rate":
        return value
    return metrics.percent_points(value)  # below 1 never plotted as 100


def _indented(units: Any) -> list[Any]:
    out = list(units)
    top = min((u.depth for u in out), default=1)
    for u in out:
        u.indent = "\u3000" * (u.depth - top)
    return out


@login_required
@require_GET
def metric_detail(request: HttpRequest, name: str) -> HttpResponse:
    try:
        metric = metrics.get(name)
    except metrics.UnknownMetric:
        raise Http404("未定义的指标 / unknown metric") from None
    user = request.user
    Unit = apps.get_model("org", "Unit")
    units = Unit._default_manager.visible_to(user, metric.capability)  # type: ignore[attr-defined]
    code = request.GET.get("unit", "").strip()
    unit = units.filter(code=code).first() if code else units.order_by("depth", "path").first()
    if unit is None:
        raise Http404("未找到单位 / unit not found")
    start, end, date_error = _dates(request)
    which = request.GET.get("which", "numerator")
    if which not in SIDES or (which == "denominator" and metric.denominator is None):
        which = "numerator"
    try:
        figure = metrics.compute(name, unit, start, end, user=user)
    except metrics.MetricScopeError:
        raise Http404("未找到单位 / unit not found") from None

    page = None
    table: list[list[Any]] = []
    columns = list(metric.row_columns) or [metrics.Column("记录", str)]
    if not metric.is_composite:
        qs = metrics.rows(name, unit, start, end, user=user, which=which)
        page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
        table = [[column.value(obj) for column in columns] for obj in page.object_list]

    trend = [
        {
            "month": point.month.strftime("%Y-%m"),
            "value": point.figure.as_dict()["value"],
            "display": point.figure.display,
            "query": urlencode(
                {
                    "unit": unit.code,
                    "from": point.figure.period.start.isoformat(),
                    "to": point.figure.period.end.isoformat(),
                    "which": which,
                }
            ),
        }
        for point in metrics.trend(name, unit, start, end, user)
    ]
    base_query = {"unit": unit.code, "from": start.isoformat(), "to": end.isoformat()}
    children = [
        {"row": row, "query": urlencode({**base_query, "unit": row.unit.code, "which": which})}
        for row in metrics.rank(name, unit, start, end, user)
    ]
    return render(
        request,
        "core/metric_detail.html",
        {
            "metric": metric,
            "figure": figure,
            "unit": unit,
            "units": _indented(units.filter(retired_on__isnull=True).order_by("path")),
            "start": start,
            "end": end,
            "date_error": date_error,
            "which": which,
            "which_label": metric.side_label(which),
            "sides": [(s, metric.side_label(s)) for s in SIDES if metric.side(s) is not None],
            "columns": columns,
            "table": table,
            "page": page,
            "children": children,
            "trend": trend,
            "trend_chart": {
                "label": str(metric.label),
                "kind": metric.kind,
                "months": [p["month"] for p in trend],
                "values": [_chart_value(metric, p["value"]) for p in trend],
            },
            "query": urlencode({**base_query, "which": which}),
            "base_query": urlencode(base_query),
        },
    )
