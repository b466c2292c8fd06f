"""Query filters of the 接诉即办 API (django-filter); results stay a subset of the scoped queryset."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import F, Q
from django.utils import timezone

from jingwu.core.metrics import Period
from jingwu.org.models import Unit

from ..models import Category, WorkOrder


class WorkOrderFilter(django_filters.FilterSet):
    state = django_filters.MultipleChoiceFilter(choices=WorkOrder.State.choices, help_text="状态,可多选 / state(s)")
    category = django_filters.CharFilter(
        method="filter_category", max_length=32, help_text="类别编码,含下级类别 / category code, with sub-categories"
    )
    unit = django_filters.CharFilter(
        method="filter_unit", max_length=12, help_text="主办单位机构代码 / lead unit code (see subtree)"
    )
    subtree = django_filters.BooleanFilter(
        method="filter_noop", help_text="与 unit 同用:含下级单位 / with unit: include units below it"
    )
    received_from = django_filters.DateFilter(
        method="filter_received_from", help_text="受理日期起(含)/ received on or after (Beijing date)"
    )
    received_to = django_filters.DateFilter(
        method="filter_received_to", help_text="受理日期止(含)/ received on or before (Beijing date)"
    )
    overdue = django_filters.BooleanFilter(
        method="filter_overdue",
        help_text="true:已超期(未办结且已过时限,或超时办结);false:未超期 / past the deadline or completed late",
    )

    class Meta:
        model = WorkOrder
        fields = ["state", "category", "unit", "subtree", "received_from", "received_to", "overdue"]

    def filter_noop(self, queryset: Any, name: str, value: Any) -> Any:
        return queryset

    def filter_category(self, queryset: Any, name: str, value: str) -> Any:
        root = Category.objects.filter(code=value).first()
        if root is None:
            return queryset.none()
        codes, frontier = {root.pk}, [root.pk]
        while frontier:  # the category tree is small (tens of rows)
            frontier = list(
                Category.objects.filter(parent_id__in=frontier).exclude(pk__in=codes).values_list("pk", flat=True)
            )
            codes.update(frontier)
        return queryset.filter(category_id__in=codes)

    def filter_unit(self, queryset: Any, name: str, value: str) -> Any:
        unit = Unit.objects.filter(code=value).values_list("pk", "path").first()
        if unit is None:
            return queryset.none()
        pk, path = unit
        if self.form.cleaned_data.get("subtree"):
            return queryset.filter(unit__path__startswith=path)
        return queryset.filter(unit_id=pk)

    def filter_received_from(self, queryset: Any, name: str, value: Any) -> Any:
        return queryset.filter(received_at__gte=Period(value, value).start_at)

    def filter_received_to(self, queryset: Any, name: str, value: Any) -> Any:
        try:
            return queryset.filter(received_at__lt=Period(value, value).end_before)
        except OverflowError:  # 9999-12-31: no upper bound
            return queryset

    def filter_overdue(self, queryset: Any, name: str, value: bool | None) -> Any:
        if value is None:
            return queryset
        late = Q(completed_at__isnull=False, completed_at__gt=F("due_at")) | Q(
            completed_at__isnull=True, due_at__lt=timezone.now(), state__in=WorkOrder.OPEN_STATES
        ) & ~Q(state=WorkOrder.State.SUSPENDED)
        late &= Q(due_at__isnull=False)
        return queryset.filter(late) if value else queryset.exclude(late)
