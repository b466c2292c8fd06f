"""案件统计: the six case figures from the metrics registry (each linked to its drill-down), the
monthly trend, the breakdown by 案由, and the brief-style sentence (``selectors.case_statistics``
computes them, from the monthly summary where it may; ``selectors.case_summary`` writes the sentence)."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from jingwu.core import metrics
from jingwu.core.metrics import Figure
from jingwu.core.metrics.definitions import DISPLAY_TZ
from jingwu.core.widgets import FastSelect
from jingwu.org.filters import indented_label
from jingwu.org.models import Unit
from jingwu.org.roles import Cap

from .. import selectors
from ..models import Case, CaseTag
from ._common import require_cap

CARDS = (  # base → (card label, icon)
    ("cases.filed", _("立案数"), "folder-plus"),
    ("cases.solved", _("破案数"), "check2-circle"),
    ("cases.coercive_people", _("强制措施人数"), "person-lock"),
    ("cases.prosecution_cases", _("移送起诉(起)"), "send"),
    ("cases.prosecution_people", _("移送起诉(人)"), "people"),
    ("cases.amount", _("涉案金额"), "cash-coin"),
)
TOP_CATEGORIES = 12


def stat_units(user: Any) -> Any:
    return (
        Unit.objects.visible_to(user, Cap.VIEW_CASE)
        .exclude(kind=Unit.Kind.PARTY_BRANCH)
        .filter(retired_on__isnull=True)
        .order_by("path")
    )


class StatisticsForm(forms.Form):
    unit = forms.ModelChoiceField(label=_("单位"), queryset=Unit.objects.none(), required=False)
    start = forms.DateField(label=_("起"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("止"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    kind = forms.ChoiceField(label=_("案件类型"), required=False, choices=[("", _("全部类型")), *Case.Kind.choices])
    tag = forms.ChoiceField(label=_("分类标签"), required=False, choices=())

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        units = stat_units(user)
        self.fields["unit"] = forms.ModelChoiceField(
            label=_("单位"), queryset=units, required=False, to_field_name="code", widget=FastSelect(), empty_label=None
        )
        self.fields["unit"].label_from_instance = indented_label(units)  # type: ignore[attr-defined]
        self.fields["tag"].choices = [("", _("全部标签")), *CaseTag.objects.values_list("code", "name")]  # type: ignore[attr-defined]
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs["class"] = f"{css} form-control-sm" if css == "form-control" else f"{css} form-select-sm"

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start and end and start > end:
            self.add_error("end", "结束日期不能早于开始日期 / the end is before the start")
        if start and end and (end - start).days > 366 * 20:
            self.add_error("start", "统计区间过长 / the period is too long")
        return data


def _default_period() -> tuple[dt.date, dt.date]:
    """This year so far."""
    today = dt.datetime.now(DISPLAY_TZ).date()
    return today.replace(month=1, day=1), today


def _drill(figure: Figure, start: dt.date, end: dt.date) -> str:
    query = urlencode({"unit": figure.unit_code, "from": start.isoformat(), "to": end.isoformat()})
    return f"{reverse('core:metric-detail', args=[figure.metric])}?{query}"


@require_cap(Cap.VIEW_CASE)
def case_statistics(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    # The period's inputs show the period the page counts: this year so far unless asked otherwise.
    params = request.GET.copy()
    default_start, default_end = _default_period()
    if not params.get("start"):
        params["start"] = default_start.isoformat()
    if not params.get("end"):
        params["end"] = default_end.isoformat()
    form = StatisticsForm(params, user=user)
    units = form.fields["unit"].queryset  # type: ignore[attr-defined]
    data = form.cleaned_data if form.is_valid() else {}
    unit = data.get("unit") or units.order_by("depth", "path").first()
    if unit is None:
        raise Http404("没有可统计的单位 / no unit in your scope")
    start, end = (data["start"], data["end"]) if data else (default_start, default_end)
    kind = data.get("kind") or None
    tag = data.get("tag") or None
    stats = selectors.case_statistics(unit, start, end, user=user, kind=kind, tag=tag)
    summary = selectors.case_summary(unit, start, end, user=user, tag=tag, kind=kind, figures=stats.figures)
    cards = []
    for base, label, icon in CARDS:
        figure = summary.figures[base]
        cards.append({"key": base, "label": label, "icon": icon, "figure": figure, "url": _drill(figure, start, end)})

    chart = {
        "months": [month.strftime("%Y-%m") for month in stats.months],
        "series": [
            {"name": str(_("立案数")), "data": stats.filed_by_month},
            {"name": str(_("破案数")), "data": stats.solved_by_month},
        ],
    }
    # The breakdown groups the very rows behind 立案数 (same definition, same scope and period).
    by_category = stats.by_category
    total = sum(row["n"] for row in by_category) or 1
    for row in by_category:
        row["share"] = round(100 * row["n"] / total, 1)
        row["amount_display"] = metrics.format_amount_yuan(row["amount"] or 0)
        row["url"] = f"{reverse('cases:case-list')}?" + urlencode(
            {
                "unit": unit.pk,
                "sub": "on",
                "kind": kind or "",
                "tag": tag or "",
                "start": start.isoformat(),
                "end": end.isoformat(),
                "category": row["category_id"],
            }
        )
    pie = {"data": [{"name": r["category__name"], "value": r["n"]} for r in by_category[:TOP_CATEGORIES]]}
    export_query = urlencode(
        {"unit": unit.pk, "sub": "on", "kind": kind or "", "tag": tag or "", "start": start, "end": end}
    )
    context = {
        "form": form,
        "unit": unit,
        "start": start,
        "end": end,
        "cards": cards,
        "summary": summary,
        "chart": chart,
        "pie": pie,
        "by_category": by_category,
        "export_query": export_query,
        "list_query": export_query,
    }
    return render(request, "cases/statistics.html", context)
