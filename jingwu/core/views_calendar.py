"""工作日历: the administrator's page of calendar overrides (thin: the writes are calendar services).

Only holders of ``core.manage_calendar`` (系统管理员) open it; the calendar is not unit-owned data,
so a missing capability answers 403 rather than 404.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import wraps
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from . import calendar
from .models import CalendarDay

MANAGE_CALENDAR = "core.manage_calendar"
MIN_YEAR, MAX_YEAR = 2000, 2100

View = Callable[..., HttpResponse]


def _require_manage_calendar(view: View) -> View:
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.has_cap(MANAGE_CALENDAR):  # type: ignore[union-attr]
            raise PermissionDenied("您没有维护工作日历的权限 / you may not manage the working calendar")
        return view(request, *args, **kwargs)

    return login_required(wrapped)


class CalendarDayForm(forms.Form):
    date = forms.DateField(label=_("日期"), widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}))
    kind = forms.ChoiceField(
        label=_("类型"),
        choices=[("", _("请选择"))] + list(CalendarDay.Kind.choices),
        widget=forms.Select(attrs={"class": "form-select"}),
        error_messages={"required": "请选择类型(工作日或休息日) / kind is required"},
    )
    name = forms.CharField(
        label=_("名称"),
        max_length=50,
        required=False,
        widget=forms.TextInput(attrs={"class": "form-control", "placeholder": _("如:春节、调休上班、地方节日")}),
    )


def _year(raw: str | None) -> int:
    if not raw:
        return timezone.localdate().year
    try:
        year = int(raw)
    except ValueError:
        raise Http404("年份无效 / invalid year") from None
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise Http404("年份超出范围 / year out of range")
    return year


def _list_url(year: int) -> str:
    return f"{reverse('core:calendar')}?year={year}"


def _page(request: HttpRequest, year: int, form: CalendarDayForm, status: int = 200) -> HttpResponse:
    coverage = calendar.year_coverage(year)
    overrides = list(CalendarDay.objects.filter(date__year=year).order_by("date"))
    published = []
    if coverage.published:
        published = [d for d in calendar.year_exceptions(year) if d.source == "published"]
    context = {
        "year": year,
        "years": [year - 1, year, year + 1],
        "coverage": coverage,
        "overrides": [(o, calendar.WEEKDAYS[o.date.weekday()]) for o in overrides],
        "published": published,
        "form": form,
    }
    return render(request, "core/calendar.html", context, status=status)


@require_GET
@_require_manage_calendar
def calendar_overrides(request: HttpRequest) -> HttpResponse:
    year = _year(request.GET.get("year"))
    return _page(request, year, CalendarDayForm(initial={"date": date(year, 1, 1)}))


@require_POST
@_require_manage_calendar
def calendar_override_add(request: HttpRequest) -> HttpResponse:
    form = CalendarDayForm(request.POST)
    year = _year(request.POST.get("year"))
    if form.is_valid():
        day: date = form.cleaned_data["date"]
        try:
            calendar.calendar_day_set(
                actor=request.user, date=day, kind=form.cleaned_data["kind"], name=form.cleaned_data["name"]
            )
        except calendar.CalendarError as exc:
            form.add_error("date", str(exc))
        else:
            messages.success(request, f"已添加 {day} 的日历调整 / override added")
            return HttpResponseRedirect(_list_url(day.year))
    return _page(request, year, form, status=400)


@require_POST
@_require_manage_calendar
def calendar_override_delete(request: HttpRequest, day: str) -> HttpResponse:
    try:
        when = date.fromisoformat(day)
    except ValueError:
        raise Http404("日期无效 / invalid date") from None
    try:
        calendar.calendar_day_delete(actor=request.user, date=when)
    except calendar.CalendarError as exc:
        raise Http404(str(exc)) from exc
    messages.success(request, f"已删除 {when} 的日历调整 / override removed")
    return HttpResponseRedirect(_list_url(when.year))


@require_POST
@_require_manage_calendar
def calendar_year_complete(request: HttpRequest, year: int) -> HttpResponse:
    year = _year(str(year))
    try:
        added = calendar.calendar_year_complete(actor=request.user, year=year)
    except calendar.CalendarError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"已补全 {year} 年其余 {added} 天,该年度日历已可用 / {year} completed")
    return HttpResponseRedirect(_list_url(year))
