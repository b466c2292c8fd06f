"""Query filters of the org API (django-filter). Results are always a subset of the scoped queryset."""

from __future__ import annotations

from typing import Any

import django_filters

from jingwu.core.filtersets import FilterSet

from ..models import Person, Unit


class UnitFilter(FilterSet):
    kind = django_filters.ChoiceFilter(choices=Unit.Kind.choices, help_text="单位类型 / unit kind")
    parent = django_filters.CharFilter(
        method="filter_parent",
        max_length=12,
        help_text="上级单位机构代码:只列其直接下级 / direct children of this unit",
    )
    active = django_filters.BooleanFilter(
        method="filter_active", help_text="true:未撤销;false:已撤销 / true: not retired; false: retired"
    )

    class Meta:
        model = Unit
        fields = ["kind", "parent", "active"]

    def filter_parent(self, queryset: Any, name: str, value: str) -> Any:
        parent = Unit.objects.filter(code=value).values_list("path", "depth").first()
        if parent is None:
            return queryset.none()
        path, depth = parent
        return queryset.filter(path__startswith=path, depth=depth + 1)

    def filter_active(self, queryset: Any, name: str, value: bool | None) -> Any:
        if value is None:
            return queryset
        return queryset.filter(retired_on__isnull=value)


class PersonFilter(FilterSet):
    unit = django_filters.CharFilter(
        method="filter_unit", max_length=12, help_text="单位机构代码 / unit code (see subtree)"
    )
    subtree = django_filters.BooleanFilter(
        method="filter_noop", help_text="与 unit 同用:含下级单位 / with unit: include units below it"
    )
    kind = django_filters.ChoiceFilter(choices=Person.Kind.choices)
    status = django_filters.ChoiceFilter(choices=Person.Status.choices)
    political_status = django_filters.ChoiceFilter(choices=Person.PoliticalStatus.choices)
    search = django_filters.CharFilter(
        method="filter_search",
        max_length=50,
        help_text="姓名、警号、拼音或拼音首字母、完整身份证号 / name, number, pinyin, initials or full ID number",
    )

    class Meta:
        model = Person
        fields = ["unit", "subtree", "kind", "status", "political_status", "search"]

    def filter_noop(self, queryset: Any, name: str, value: Any) -> Any:
        return queryset

    def filter_unit(self, queryset: Any, name: str, value: str) -> Any:
        unit = Unit.objects.filter(code=value).values_list("pk", "path").first()
        if unit is None:
            return queryset.none()
        pk, path = unit
        if self.form.cleaned_data.get("subtree"):
            return queryset.filter(unit__path__startswith=path)
        return queryset.filter(unit_id=pk)

    def filter_search(self, queryset: Any, name: str, value: str) -> Any:
        return queryset.search(value)
