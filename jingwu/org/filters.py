"""Filter form of the people list (django-filter). Unit choices come from the user's own scope."""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.db.models import Min, QuerySet
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from jingwu.core.filtersets import FilterSet
from jingwu.core.widgets import FastSelect

from .models import Person, Unit
from .selectors import visible_units

# Sort keys shown in the URL (``?o=``) → the columns they order by; "name" sorts by pinyin. Each ends
# in the unique 警号 so that pages never repeat or skip a row.
SORT_FIELDS = {
    "police_number": ("police_number",),
    "name": ("name_pinyin", "name", "police_number"),
    "unit": ("unit__path", "police_number"),
    "joined_on": ("joined_on", "police_number"),
}
SORT_LABELS = {
    "police_number": _("警号"),
    "name": _("姓名"),
    "unit": pgettext_lazy("field", "单位"),
    "joined_on": _("入职日期"),
}


class PersonFilter(FilterSet):
    q = django_filters.CharFilter(
        label=_("搜索"),
        method="filter_search",
        widget=forms.TextInput(
            attrs={
                "placeholder": _("姓名/警号/拼音首字母/身份证号"),
                "aria-label": _("搜索人员:姓名、警号、拼音或拼音首字母(如 zsf)、完整身份证号"),
                "type": "search",
                "autocomplete": "off",
                "class": "form-control",
            }
        ),
    )
    unit = django_filters.ModelChoiceFilter(
        label=pgettext_lazy("field", "单位"),
        queryset=Unit.objects.none(),
        method="filter_unit",
        empty_label=_("全部单位"),
        widget=FastSelect(attrs={"class": "form-select"}),
    )
    sub = django_filters.BooleanFilter(
        label=_("含下级单位"),
        method="filter_noop",
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )
    branch = django_filters.ModelChoiceFilter(
        label=_("党支部"),
        field_name="party_branch",
        queryset=Unit.objects.none(),
        empty_label=_("全部党支部"),
        widget=FastSelect(attrs={"class": "form-select"}),
    )
    kind = django_filters.ChoiceFilter(
        label=_("身份"),
        choices=Person.Kind.choices,
        empty_label=_("全部身份"),
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    status = django_filters.ChoiceFilter(
        label=_("状态"),
        choices=Person.Status.choices,
        empty_label=_("全部状态"),
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    political_status = django_filters.ChoiceFilter(
        label=_("政治面貌"),
        choices=Person.PoliticalStatus.choices,
        empty_label=_("全部政治面貌"),
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    position = django_filters.CharFilter(
        label=_("职务"),
        lookup_expr="icontains",
        widget=forms.TextInput(attrs={"class": "form-control", "list": "jw-positions", "placeholder": _("职务")}),
    )
    o = django_filters.ChoiceFilter(
        label=_("排序"),
        choices=[(k, v) for k, v in SORT_LABELS.items()]
        + [(f"-{k}", format_lazy(_("{}(倒序)"), v)) for k, v in SORT_LABELS.items()],
        method="filter_order",
        widget=forms.HiddenInput,
    )

    class Meta:
        model = Person
        fields = ["q", "unit", "sub", "branch", "kind", "status", "political_status", "position", "o"]

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        # Only what the option labels need: a city bureau has ~2,000 units, and building full model
        # instances (with their timestamps) for the picker cost more than the rest of the page.
        label_fields = ("id", "name", "depth", "path", "kind", "retired_on")
        units = visible_units(user).exclude(kind=Unit.Kind.PARTY_BRANCH).order_by("path").only(*label_fields)
        self.filters["unit"].queryset = units
        self.filters["branch"].queryset = (
            visible_units(user).filter(kind=Unit.Kind.PARTY_BRANCH).order_by("path").only(*label_fields)
        )
        # The form is built on first access, so after every queryset above is in place.
        self.form.fields["unit"].label_from_instance = indented_label(units)

    def filter_search(self, queryset: QuerySet[Person], name: str, value: str) -> QuerySet[Person]:
        return queryset.search(value)  # type: ignore[attr-defined]

    def filter_unit(self, queryset: QuerySet[Person], name: str, value: Unit | None) -> QuerySet[Person]:
        if value is None:
            return queryset
        if self.form.cleaned_data.get("sub"):
            return queryset.filter(unit__path__startswith=value.path)
        return queryset.filter(unit=value)

    def filter_noop(self, queryset: QuerySet[Person], name: str, value: Any) -> QuerySet[Person]:
        return queryset  # read by filter_unit

    def filter_order(self, queryset: QuerySet[Person], name: str, value: str) -> QuerySet[Person]:
        key = value.lstrip("-")
        if key not in SORT_FIELDS:
            return queryset
        columns = SORT_FIELDS[key]
        if value.startswith("-"):
            columns = tuple(f"-{c}" for c in columns)
        return queryset.order_by(*columns)


INDENT = "\u3000"  # full-width space


def indented_label(units: QuerySet[Unit]) -> Any:
    """Label units indented by depth below the shallowest one, so a flat <select> reads as a tree."""
    top = units.aggregate(top=Min("depth"))["top"] or 1

    def label(unit: Unit) -> str:
        return f"{INDENT * max(0, unit.depth - top)}{unit.name}{_('(已撤销)') if unit.retired_on else ''}"

    return label
