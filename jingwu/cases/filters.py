"""Filter forms of the incident and case lists (django-filter). Unit choices come from the user's scope."""

from __future__ import annotations

import datetime as dt
from typing import Any

import django_filters
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jingwu.core.calendar import TZ
from jingwu.core.filtersets import FilterSet
from jingwu.core.widgets import FastCheckboxInput, FastDateInput, FastNumberInput, FastSelect, FastTextInput

from . import filter_choices
from .filter_choices import category_prefix
from .models import Case, Incident, IncidentCategory

DATE = FastDateInput(attrs={"type": "date", "class": "form-control"})


def _day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=TZ)


class _ScopedUnitFilterSet(FilterSet):
    """The unit picker of the user's scope; its choices (and those of the subclasses' 案由 and tag
    pickers) come from the per-process cache of :mod:`~jingwu.cases.filter_choices`."""

    unit = django_filters.ChoiceFilter(
        label=_("单位"), method="filter_unit", widget=FastSelect(attrs={"class": "form-select"})
    )
    sub = django_filters.BooleanFilter(
        label=_("含下级单位"), method="filter_noop", widget=FastCheckboxInput(attrs={"class": "form-check-input"})
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.choices_version = filter_choices.version()
        self.units = filter_choices.units(user, self.choices_version)
        self.form.fields["unit"].choices = [("", _("全部单位")), *self.units.choices]

    def filter_unit(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        path = self.units.paths.get(int(value)) if value and value.isdigit() else None
        if path is None:
            return queryset
        if self.form.cleaned_data.get("sub"):
            return queryset.filter(unit__path__startswith=path)
        return queryset.filter(unit_id=int(value))

    def filter_noop(self, queryset: QuerySet[Any], name: str, value: Any) -> QuerySet[Any]:
        return queryset  # read by filter_unit

    def _period(self, queryset: QuerySet[Any], field: str) -> QuerySet[Any]:
        start = self.form.cleaned_data.get("start")
        end = self.form.cleaned_data.get("end")
        if start:
            queryset = queryset.filter(**{f"{field}__gte": _day_start(start)})
        if end:
            queryset = queryset.filter(**{f"{field}__lt": _day_start(end + dt.timedelta(days=1))})
        return queryset


class IncidentFilter(_ScopedUnitFilterSet):
    q = django_filters.CharFilter(
        label=_("搜索"),
        method="filter_search",
        widget=FastTextInput(
            attrs={"placeholder": _("警情编号/地点"), "type": "search", "class": "form-control", "autocomplete": "off"}
        ),
    )
    category = django_filters.ModelChoiceFilter(
        label=_("警情类别"),
        queryset=IncidentCategory.objects.none(),
        method="filter_category",
        empty_label=_("全部类别"),
        widget=FastSelect(attrs={"class": "form-select"}),
    )
    start = django_filters.DateFilter(label=_("接警起"), method="filter_period", widget=DATE)
    end = django_filters.DateFilter(label=_("接警止"), method="filter_period", widget=DATE)
    disposed = django_filters.ChoiceFilter(
        label=_("处置"),
        choices=[("yes", _("已处置")), ("no", _("未处置"))],
        method="filter_disposed",
        empty_label=_("全部"),
        widget=FastSelect(attrs={"class": "form-select"}),
    )
    overdue = django_filters.BooleanFilter(
        label=_("超期"), method="filter_overdue", widget=FastCheckboxInput(attrs={"class": "form-check-input"})
    )

    class Meta:
        model = Incident
        fields = ["q", "unit", "sub", "category", "start", "end", "disposed", "overdue"]

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        categories = IncidentCategory.objects.filter(active=True).select_related("parent").order_by("code")
        self.filters["category"].queryset = categories
        self.form.fields["category"].label_from_instance = lambda c: ("\u3000" if c.parent_id else "") + c.name

    def filter_search(self, queryset: QuerySet[Incident], name: str, value: str) -> QuerySet[Incident]:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(number__icontains=value) | Q(location__icontains=value))

    def filter_category(self, queryset: QuerySet[Incident], name: str, value: Any) -> QuerySet[Incident]:
        if value is None:
            return queryset
        return queryset.filter(Q(category=value) | Q(category__parent=value) | Q(category__parent__parent=value))

    def filter_period(self, queryset: QuerySet[Incident], name: str, value: Any) -> QuerySet[Incident]:
        if name == "start":  # both bounds applied once, from the start filter's turn (or the end's alone)
            return self._period(queryset, "received_at")
        if not self.form.cleaned_data.get("start"):
            return self._period(queryset, "received_at")
        return queryset

    def filter_disposed(self, queryset: QuerySet[Incident], name: str, value: str) -> QuerySet[Incident]:
        if value == "yes":
            return queryset.filter(state=Incident.State.DISPOSED)
        if value == "no":
            return queryset.exclude(state=Incident.State.DISPOSED)
        return queryset

    def filter_overdue(self, queryset: QuerySet[Incident], name: str, value: bool | None) -> QuerySet[Incident]:
        if not value:
            return queryset
        now = timezone.now()
        late = Q(disposed_at__isnull=False, disposed_at__gt=F("disposal_due_at"))
        return queryset.filter(Q(disposed_at__isnull=True, disposal_due_at__lt=now) | late)


class CaseFilter(_ScopedUnitFilterSet):
    q = django_filters.CharFilter(
        label=_("搜索"),
        method="filter_search",
        widget=FastTextInput(
            attrs={
                "placeholder": _("案件编号/案件名称"),
                "type": "search",
                "class": "form-control",
                "autocomplete": "off",
            }
        ),
    )
    kind = django_filters.ChoiceFilter(
        label=_("案件类型"),
        choices=Case.Kind.choices,
        empty_label=_("全部类型"),
        widget=FastSelect(attrs={"class": "form-select"}),
    )
    category = django_filters.ChoiceFilter(
        label=_("案由"), method="filter_category", widget=FastSelect(attrs={"class": "form-select"})
    )
    tag = django_filters.ChoiceFilter(
        label=_("分类标签"), method="filter_tag", widget=FastSelect(attrs={"class": "form-select"})
    )
    state = django_filters.ChoiceFilter(
        label=_("状态"),
        choices=Case.State.choices,
        empty_label=_("全部状态"),
        widget=FastSelect(attrs={"class": "form-select"}),
    )
    start = django_filters.DateFilter(label=_("立案起"), method="filter_period", widget=DATE)
    end = django_filters.DateFilter(label=_("立案止"), method="filter_period", widget=DATE)
    amount_min = django_filters.NumberFilter(
        label=_("涉案金额下限(元)"),
        field_name="amount_involved",
        lookup_expr="gte",
        widget=FastNumberInput(attrs={"class": "form-control", "min": 0, "step": "0.01"}),
    )
    amount_max = django_filters.NumberFilter(
        label=_("涉案金额上限(元)"),
        field_name="amount_involved",
        lookup_expr="lte",
        widget=FastNumberInput(attrs={"class": "form-control", "min": 0, "step": "0.01"}),
    )

    class Meta:
        model = Case
        fields = ["q", "kind", "category", "tag", "state", "unit", "sub", "start", "end", "amount_min", "amount_max"]

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        self.categories = filter_choices.categories(self.choices_version)
        self.tags = filter_choices.tags(self.choices_version)
        self.form.fields["category"].choices = [("", _("全部案由")), *self.categories.choices]
        self.form.fields["tag"].choices = [("", _("全部标签")), *self.tags.choices]

    def filter_search(self, queryset: QuerySet[Case], name: str, value: str) -> QuerySet[Case]:
        value = "".join(value.split())
        if not value:
            return queryset
        return queryset.filter(Q(number__icontains=value) | Q(title__icontains=value))

    def filter_category(self, queryset: QuerySet[Case], name: str, value: str) -> QuerySet[Case]:
        code = self.categories.codes.get(int(value)) if value and value.isdigit() else None
        if code is None:
            return queryset
        return queryset.filter(category__code__startswith=category_prefix(code))

    def filter_tag(self, queryset: QuerySet[Case], name: str, value: str) -> QuerySet[Case]:
        if not value:
            return queryset
        # the tag's 案由 ids themselves, as ``CaseQuerySet.tagged`` passes them, from the cache
        return queryset.filter(category_id__in=self.tags.categories.get(value, []))

    def filter_period(self, queryset: QuerySet[Case], name: str, value: Any) -> QuerySet[Case]:
        if name == "start" or not self.form.cleaned_data.get("start"):
            return self._period(queryset, "filed_at")
        return queryset
