"""Filter form of the work-order list (django-filter). Unit choices come from the user's own scope;
the deadline state is derived from timestamps in SQL (the same rule as ``deadline_state``)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import django_filters
from django import forms
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from jingwu.core.calendar import TZ, schedule_for
from jingwu.core.choice_cache import ChoiceCache, grants_key
from jingwu.core.deadlines import add_working_hours
from jingwu.core.filtersets import FilterSet
from jingwu.core.widgets import FastCheckboxInput, FastDateInput, FastHiddenInput, FastSelect, FastTextInput
from jingwu.org.filters import INDENT
from jingwu.org.models import Unit
from jingwu.org.roles import Cap

from .models import Category, RepeatLink, WorkOrder
from .models.orders import PATH_STEP

SORT_FIELDS = {
    "received": ("received_at", "pk"),
    "due": ("due_at", "pk"),
    "number": ("number",),
    "state": ("state", "-received_at", "pk"),
    "unit": ("unit__path", "-received_at", "pk"),
}
SORT_LABELS = {
    "number": _("工单编号"),
    "received": _("受理时间"),
    "unit": _("承办单位"),
    "state": _("状态"),
    "due": _("办结时限"),
}
DEADLINE_CHOICES = [
    ("on_time", _("正常")),
    ("due_soon", _("临期")),
    ("overdue", _("超期")),
    ("met", _("按期办结")),
    ("met_late", _("超期办结")),
]
REPEAT_CHOICES = [
    ("repeat", _("有重复件关联")),
    ("merged", _("已合并/有并入")),
    ("none", _("无重复")),
]
YES_NO = [("yes", _("是")), ("no", _("否"))]
SUPERVISION_CHOICES = [
    ("urged", _("有催办")),
    ("noticed", _("有通报")),
    ("none", _("无催办通报")),
]


CHOICES_CACHE_SECONDS = 60.0
# The category tree and the unit picker per scope: configuration, kept per process for
# CHOICES_CACHE_SECONDS (a changed category or unit shows in every process within that time).
_choices = ChoiceCache(CHOICES_CACHE_SECONDS)


def forget_category_choices() -> None:
    """Drop this process's cached pickers (after a category was changed)."""
    _choices.clear()


def category_choices() -> list[tuple[int, str]]:
    """Active categories as an indented tree (parents first), kept per process (``_choices``)."""
    return _choices.get("categories", _category_tree)


def category_tree(categories: list[Category]) -> list[tuple[Category, int]]:
    """``categories`` with their depth, each parent before its children (in the given order); a
    category whose parent is not among them is left out, with its subtree."""
    children: dict[int | None, list[Category]] = {}
    for c in categories:
        children.setdefault(c.parent_id, []).append(c)
    out: list[tuple[Category, int]] = []
    seen: set[int] = set()

    def walk(parent: int | None, depth: int) -> None:
        for c in children.get(parent, []):
            if c.pk in seen:  # a cycle in a broken tree
                continue
            seen.add(c.pk)
            out.append((c, depth))
            walk(c.pk, depth + 1)

    walk(None, 0)
    return out


def _category_tree() -> list[tuple[int, str]]:
    active = list(Category.objects.filter(active=True).order_by("order", "code"))
    return [(c.pk, "\u3000" * depth + c.name) for c, depth in category_tree(active)]


def category_subtree(category_id: int) -> list[int]:
    pairs = list(Category.objects.values_list("pk", "parent_id"))
    found, frontier = {category_id}, [category_id]
    while frontier:
        frontier = [pk for pk, parent in pairs if parent in frontier and pk not in found]
        found.update(frontier)
    return list(found)


UNIT_PICKER_LIMIT = 300
ALL_UNITS = _("全部单位")


def unit_picker_choices(units: QuerySet[Unit], chosen: Any = None) -> list[tuple[int, str]]:
    """The unit picker's options, indented as a tree. A scope of up to ``UNIT_PICKER_LIMIT`` units lists
    them all; a bigger one (a province: ~12,000 squadrons) lists its top two levels plus the chosen
    unit, its ancestors and its children, so a user drills down (choose a 大队, filter, then its 中队)
    instead of the page rendering thousands of options. Any unit in scope stays valid in the URL."""
    columns = ("pk", "name", "depth", "path", "retired_on")
    rows = list(units.values_list(*columns)[: UNIT_PICKER_LIMIT + 1])
    if len(rows) > UNIT_PICKER_LIMIT:
        top = min(r[2] for r in rows)
        wanted = Q(depth__lte=top + 1)
        picked = units.filter(pk=chosen).values_list("path", "depth").first() if str(chosen or "").isdigit() else None
        if picked is not None:
            path, depth = picked
            lineage = [path[:i] for i in range(PATH_STEP, len(path) + 1, PATH_STEP)]
            wanted |= Q(path__in=lineage) | Q(path__startswith=path, depth=depth + 1)
        rows = list(units.filter(wanted).values_list(*columns)[: UNIT_PICKER_LIMIT * 4])
    if not rows:
        return []
    top = min(r[2] for r in rows)
    retired = _("(已撤销)")
    return [
        (pk, f"{INDENT * max(0, depth - top)}{name}{retired if gone else ''}") for pk, name, depth, _p, gone in rows
    ]


class WorkOrderFilter(FilterSet):
    q = django_filters.CharFilter(
        label=_("搜索"),
        method="filter_search",
        widget=FastTextInput(
            attrs={
                "placeholder": _("诉求内容/地址/工单编号"),
                "aria-label": _("搜索诉求内容、地址或工单编号"),
                "type": "search",
                "class": "form-control",
            }
        ),
    )
    state = django_filters.ChoiceFilter(
        label=_("状态"), choices=WorkOrder.State.choices, empty_label=_("全部状态"), widget=FastSelect
    )
    category = django_filters.ChoiceFilter(
        label=_("类别"), choices=[], method="filter_category", empty_label=_("全部类别"), widget=FastSelect
    )
    unit = django_filters.ModelChoiceFilter(
        label=_("承办单位"),
        queryset=Unit.objects.none(),
        method="filter_unit",
        empty_label=_("全部单位"),
        widget=FastSelect,
    )
    sub = django_filters.BooleanFilter(label=_("含下级单位"), method="filter_noop", widget=FastCheckboxInput)
    deadline = django_filters.ChoiceFilter(
        label=_("时限状态"),
        choices=DEADLINE_CHOICES,
        method="filter_deadline",
        empty_label=_("全部时限状态"),
        widget=FastSelect,
    )
    source = django_filters.ChoiceFilter(
        label=_("来源"), choices=WorkOrder.Source.choices, empty_label=_("全部来源"), widget=FastSelect
    )
    received_from = django_filters.DateFilter(
        label=_("受理日期自"),
        field_name="received_at",
        method="filter_from",
        widget=FastDateInput(attrs={"type": "date"}),
    )
    received_to = django_filters.DateFilter(
        label=_("受理日期至"),
        field_name="received_at",
        method="filter_to",
        widget=FastDateInput(attrs={"type": "date"}),
    )
    repeat = django_filters.ChoiceFilter(
        label=_("重复件"),
        choices=REPEAT_CHOICES,
        method="filter_repeat",
        empty_label=_("重复件:全部"),
        widget=FastSelect,
    )
    exempted = django_filters.ChoiceFilter(
        label=_("免考核"), choices=YES_NO, method="filter_exempted", empty_label=_("免考核:全部"), widget=FastSelect
    )
    supervised = django_filters.ChoiceFilter(
        label=_("催办/通报"),
        choices=SUPERVISION_CHOICES,
        method="filter_supervised",
        empty_label=_("催办/通报:全部"),
        widget=FastSelect,
    )
    o = django_filters.ChoiceFilter(
        label=_("排序"),
        choices=[(k, v) for k, v in SORT_LABELS.items()] + [(f"-{k}", v) for k, v in SORT_LABELS.items()],
        method="filter_order",
        widget=FastHiddenInput,
    )

    class Meta:
        model = WorkOrder
        fields = [
            "q",
            "state",
            "category",
            "unit",
            "sub",
            "deadline",
            "source",
            "received_from",
            "received_to",
            "repeat",
            "exempted",
            "supervised",
            "o",
        ]

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        units = Unit.objects.visible_to(user, Cap.VIEW_WORKORDER).exclude(kind=Unit.Kind.PARTY_BRANCH).order_by("path")
        self.filters["unit"].queryset = units  # validates the chosen unit: any unit in scope
        chosen_unit = self.data.get("unit")
        # kept per set of grants (who sees which units depends on nothing else), chosen unit and language
        key = ("units", grants_key(user, Cap.VIEW_WORKORDER), str(chosen_unit or ""), get_language())
        unit_choices = _choices.get(key, lambda: unit_picker_choices(units, chosen_unit))
        categories = category_choices()
        chosen = str(self.data.get("category") or "")
        if chosen and chosen not in {str(pk) for pk, _label in categories}:  # a category newer than the cache
            forget_category_choices()
            categories = category_choices()
        self.filters["category"].extra["choices"] = categories
        # The pickers' option lists, as the choice cache keeps them: what the form shows besides the data.
        self.choice_sources = (unit_choices, categories)
        form = self.form
        form.fields["unit"].widget.choices = [("", ALL_UNITS), *unit_choices]
        for field in form.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                widget.attrs.setdefault("class", "form-check-input")
            elif isinstance(widget, forms.Select):
                widget.attrs.setdefault("class", "form-select")
            elif not isinstance(widget, forms.HiddenInput):
                widget.attrs.setdefault("class", "form-control")

    # --- methods -------------------------------------------------------------------------------

    def filter_search(self, queryset: QuerySet[WorkOrder], name: str, value: str) -> QuerySet[WorkOrder]:
        value = (value or "").strip()
        if not value:
            return queryset
        return queryset.filter(Q(content__icontains=value) | Q(address__icontains=value) | Q(number__iexact=value))

    def filter_category(self, queryset: QuerySet[WorkOrder], name: str, value: str) -> QuerySet[WorkOrder]:
        if not value:
            return queryset
        return queryset.filter(category_id__in=category_subtree(int(value)))

    def filter_unit(self, queryset: QuerySet[WorkOrder], name: str, value: Unit | None) -> QuerySet[WorkOrder]:
        if value is None:
            return queryset
        if self.form.cleaned_data.get("sub"):
            return queryset.filter(unit__path__startswith=value.path)
        return queryset.filter(unit=value)

    def filter_noop(self, queryset: QuerySet[WorkOrder], name: str, value: Any) -> QuerySet[WorkOrder]:
        return queryset  # read by filter_unit

    def filter_deadline(self, queryset: QuerySet[WorkOrder], name: str, value: str) -> QuerySet[WorkOrder]:
        """Same words as ``deadline_state``: due soon = at most the schedule's due-soon working hours
        left (the cut-off instant is computed once, so the comparison stays in SQL)."""
        now = timezone.now()
        open_ = Q(completed_at__isnull=True, due_at__isnull=False) & ~Q(
            state__in=[WorkOrder.State.MERGED, WorkOrder.State.CLOSED, WorkOrder.State.SUSPENDED]
        )
        soon = add_working_hours(now, schedule_for(None).due_soon_hours)
        conditions = {
            "overdue": open_ & Q(due_at__lt=now),
            "due_soon": open_ & Q(due_at__gte=now, due_at__lte=soon),
            "on_time": (open_ & Q(due_at__gt=soon)) | Q(state=WorkOrder.State.SUSPENDED, completed_at__isnull=True),
            "met": Q(completed_at__isnull=False, due_at__isnull=False, completed_at__lte=F("due_at")),
            "met_late": Q(completed_at__isnull=False, due_at__isnull=False, completed_at__gt=F("due_at")),
        }
        return queryset.filter(conditions[value]) if value in conditions else queryset

    def filter_from(self, queryset: QuerySet[WorkOrder], name: str, value: Any) -> QuerySet[WorkOrder]:
        return queryset.filter(received_at__gte=_day_start(value))

    def filter_to(self, queryset: QuerySet[WorkOrder], name: str, value: Any) -> QuerySet[WorkOrder]:
        return queryset.filter(received_at__lt=_day_start(value) + timedelta(days=1))

    def filter_repeat(self, queryset: QuerySet[WorkOrder], name: str, value: str) -> QuerySet[WorkOrder]:
        linked = Exists(RepeatLink.objects.filter(Q(order=OuterRef("pk")) | Q(other=OuterRef("pk"))))
        merged = Q(state=WorkOrder.State.MERGED) | Exists(WorkOrder.objects.filter(merged_into=OuterRef("pk")))
        if value == "repeat":
            return queryset.filter(linked)
        if value == "merged":
            return queryset.filter(merged)
        if value == "none":
            return queryset.exclude(linked).exclude(merged)
        return queryset

    def filter_exempted(self, queryset: QuerySet[WorkOrder], name: str, value: str) -> QuerySet[WorkOrder]:
        if value in ("yes", "no"):
            return queryset.filter(exempted=value == "yes")
        return queryset

    def filter_supervised(self, queryset: QuerySet[WorkOrder], name: str, value: str) -> QuerySet[WorkOrder]:
        """Orders urged (催办) or noticed (通报) at least once: the counters kept on the order by the
        supervision service, in the same transaction as the notice."""
        conditions = {
            "urged": Q(urge_count__gt=0),
            "noticed": Q(notice_count__gt=0),
            "none": Q(urge_count=0, notice_count=0),
        }
        return queryset.filter(conditions[value]) if value in conditions else queryset

    def filter_order(self, queryset: QuerySet[WorkOrder], name: str, value: str) -> QuerySet[WorkOrder]:
        key = value.lstrip("-")
        if key not in SORT_FIELDS:
            return queryset
        columns = SORT_FIELDS[key]
        if value.startswith("-"):
            columns = tuple(c[1:] if c.startswith("-") else f"-{c}" for c in columns)
        return queryset.order_by(*columns)


def _day_start(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), tzinfo=TZ)
