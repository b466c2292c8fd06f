"""Computing figures: SQL aggregation over a unit subtree and a period, always inside the user's scope.

A figure and its drill-down read the same rows: both start from :func:`base_rows` (model rows
visible to the user, under the unit, in the period) and apply the same side of the definition.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import QuerySet
from django.db.models.functions import Substr, TruncMonth

from .combined import SideValues, leaves, side_values
from .definitions import DISPLAY_TZ, Figure, Metric, Number, Period, get


class _System:
    """Stands for the system itself (commands, scheduled reports): no data scope restriction.

    Pass it explicitly; ``user=None`` means "nobody" and sees nothing."""

    is_authenticated = True

    def __repr__(self) -> str:
        return "SYSTEM"


SYSTEM: Any = _System()
PARTY_BRANCH = "party_branch"


class MetricScopeError(PermissionDenied):
    """The unit lies outside what the user may see through the metric's capability."""


def _unit_model() -> type[models.Model]:
    return apps.get_model("org", "Unit")


def _check_unit(metric: Metric, unit: Any, user: Any) -> None:
    if user is SYSTEM:
        return
    visible = _unit_model()._default_manager.visible_to(user, metric.capability)  # type: ignore[attr-defined]
    if not visible.filter(pk=unit.pk).exists():
        raise MetricScopeError("该单位不在您的数据权限范围内 / the unit is outside your data scope")


def _field_of(model: type[models.Model], path: str) -> models.Field[Any, Any]:
    current: Any = model
    field: Any = None
    for part in path.split("__"):
        field = current._meta.get_field(part)
        current = field.related_model
    return field


def base_rows(metric: Metric, unit: Any, period: Period, user: Any) -> QuerySet[Any]:
    """Rows of the metric's model that ``user`` may see, under ``unit``, in ``period``."""
    model = metric.model_class
    manager = model._default_manager
    if user is SYSTEM:
        qs = manager.all()
    else:
        if not hasattr(manager, "visible_to"):
            raise TypeError(f"{model.__name__} has no scoped manager (visible_to)")
        qs = manager.visible_to(user, metric.capability)
    qs = qs.filter(**{f"{metric.unit_path_lookup()}__startswith": unit.path})
    if metric.period_field:
        bounds: dict[str, dt.date | dt.datetime]
        if isinstance(_field_of(model, metric.period_field), models.DateTimeField):
            bounds = {"gte": period.start_at, "lt": period.end_before}
        else:
            bounds = {"gte": period.start, "lte": period.end}
        qs = qs.filter(**{f"{metric.period_field}__{op}": value for op, value in bounds.items()})
    return qs


def _side_rows(metric: Metric, which: str, unit: Any, period: Period, user: Any) -> QuerySet[Any] | None:
    side = metric.side(which)
    if side is None:
        return None
    return side(base_rows(metric, unit, period, user), period)


def _aggregate(metric: Metric, which: str, unit: Any, period: Period, user: Any) -> Number | None:
    qs = _side_rows(metric, which, unit, period, user)
    if qs is None:
        return None
    value = qs.aggregate(v=metric.aggregate(which))["v"]
    return value if value is not None else 0


def _total(metric: Metric, which: str, unit: Any, period: Period, user: Any) -> dict[Any, Number] | None:
    value = _aggregate(metric, which, unit, period, user)
    return None if value is None else {None: value}


def _total_figure(metric: Metric, unit: Any, period: Period, values: SideValues) -> Figure:
    if metric.is_composite:
        parts = {n: _total_figure(get(n), unit, period, values) for n, _ in metric.components}
        return _combine(metric, unit, period, parts)
    sides = {}
    for which, by_bucket in values[metric.name].items():
        value = None if by_bucket is None else by_bucket[None]
        sides[which] = None if by_bucket is None else (0 if value is None else value)
    return make_figure(metric, unit, period, sides["numerator"], sides["denominator"])


def _displayed(metric: Metric, figure: Figure) -> Figure:
    """``figure`` with its display text (computed from the figure itself). Set on the new, not yet
    shared instance: ``dataclasses.replace`` built a second one, ~1/6 of ranking 1,000 units."""
    object.__setattr__(figure, "display", metric.display(figure))
    return figure


def make_figure(
    metric: Metric, unit: Any, period: Period, numerator: Number | None, denominator: Number | None
) -> Figure:
    """The figure of ``metric`` for ``unit`` and ``period`` from its two sides (value and display computed)."""
    figure = Figure(
        metric=metric.name,
        label=metric.label,
        version=metric.version,
        kind=metric.kind,
        unit_code=unit.code,
        unit_name=unit.name,
        period=period,
        value=metric.value_of(numerator, denominator),
        numerator=numerator,
        denominator=denominator,
    )
    return _displayed(metric, figure)


def _combine(metric: Metric, unit: Any, period: Period, parts: dict[str, Figure]) -> Figure:
    """A composite score: Σ weight × component value (rates in percent); "—" if any part is "—"."""
    total: Decimal | None = Decimal(0)
    for name, weight in metric.components:
        value = parts[name].value
        if value is None or total is None:
            total = None
            continue
        if parts[name].kind == "rate":
            value = Decimal(value) * 100
        total += Decimal(str(weight)) * Decimal(value)
    figure = Figure(
        metric=metric.name,
        label=metric.label,
        version=metric.version,
        kind=metric.kind,
        unit_code=unit.code,
        unit_name=unit.name,
        period=period,
        value=total,
        numerator=None,
        denominator=None,
        components=parts,
    )
    return _displayed(metric, figure)


def compute(name: str, unit: Any, start: dt.date | str, end: dt.date | str, *, user: Any) -> Figure:
    """The figure of metric ``name`` for ``unit`` and everything below it, ``start``..``end``.

    Raises :class:`MetricScopeError` (a ``PermissionDenied``) when the unit is outside the user's
    scope; counts only rows the user may see."""
    return compute_many([name], unit, start, end, user=user)[name]


def compute_many(
    names: Iterable[str], unit: Any, start: dt.date | str, end: dt.date | str, *, user: Any
) -> dict[str, Figure]:
    """The figures of several metrics for one unit subtree and period, keyed by name: each the
    figure :func:`compute` gives, with every side of every metric whose base rows are the same
    query read together (one aggregate query per kind of base rows, ``combined.side_values``).
    A page showing the three rates and the counts reads the period's rows once, not once per side.

    Raises :class:`MetricScopeError` when the unit is outside the user's scope for any of them."""
    wanted = [get(name) for name in dict.fromkeys(names)]
    period = Period.of(start, end)
    parts = list({leaf.name: leaf for metric in wanted for leaf in leaves(metric)}.values())
    checked: set[str | None] = set()
    for metric in [*wanted, *parts]:
        if metric.capability not in checked:
            _check_unit(metric, unit, user)
            checked.add(metric.capability)
    values = side_values(
        parts,
        lambda m: base_rows(m, unit, period, user),
        period,
        None,
        lambda m, which: _total(m, which, unit, period, user),
    )
    return {metric.name: _total_figure(metric, unit, period, values) for metric in wanted}


def rows(
    name: str,
    unit: Any,
    start: dt.date | str,
    end: dt.date | str,
    *,
    user: Any,
    which: str = "numerator",
) -> QuerySet[Any]:
    """The rows behind one side of a figure (drill-down), inside ``user``'s scope."""
    metric = get(name)
    period = Period.of(start, end)
    if metric.is_composite:
        raise ValueError(f"综合指标没有明细行 / composite metric {name!r} has no rows of its own")
    _check_unit(metric, unit, user)
    qs = _side_rows(metric, which, unit, period, user)
    if qs is None:
        raise ValueError(f"指标“{metric.label}”没有分母 / metric {name!r} has no denominator")
    if metric.select_related:
        qs = qs.select_related(*metric.select_related)
    if metric.ordering:
        qs = qs.order_by(*metric.ordering)
    elif not qs.ordered:
        qs = qs.order_by("pk")
    return qs


# --- ranking ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RankRow:
    position: int
    unit: Any
    figure: Figure


def _grouped(
    metric: Metric, which: str, parent: Any, period: Period, user: Any, prefix_len: int
) -> dict[str, Number] | None:
    """{child path prefix: aggregate} in one grouped query."""
    qs = _side_rows(metric, which, parent, period, user)
    if qs is None:
        return None
    grouped = (
        qs.order_by()
        .annotate(_bucket=Substr(metric.unit_path_lookup(), 1, prefix_len))
        .values("_bucket")
        .annotate(_v=metric.aggregate(which))
    )
    return {row["_bucket"]: row["_v"] for row in grouped}


def _child_figures(metric: Metric, parent: Any, children: list[Any], period: Period, user: Any) -> dict[int, Figure]:
    """Every child's figure: the sides of all the metric's components in as few grouped queries as
    their base rows allow (:mod:`.combined`), then composites weighted per child."""
    prefix_len = len(children[0].path) if children else 0

    def group(m: Metric, qs: QuerySet[Any]) -> tuple[QuerySet[Any], str]:
        return qs.annotate(_b=Substr(m.unit_path_lookup(), 1, prefix_len)).values("_b"), "_b"

    values = side_values(
        leaves(metric),
        lambda m: base_rows(m, parent, period, user),
        period,
        group,
        lambda m, which: _grouped(m, which, parent, period, user, prefix_len),
    )
    return _figures_from(metric, children, period, values)


def _figures_from(metric: Metric, units: list[Any], period: Period, values: SideValues) -> dict[int, Figure]:
    """Figures per unit from side values keyed by unit path (composites weighted from their parts)."""
    if metric.is_composite:
        parts = {n: _figures_from(get(n), units, period, values) for n, _ in metric.components}
        return {u.pk: _combine(metric, u, period, {n: parts[n][u.pk] for n in parts}) for u in units}
    numerators = values[metric.name]["numerator"] or {}
    denominators = values[metric.name]["denominator"]
    out = {}
    for unit in units:
        num = numerators.get(unit.path) or 0
        den = None if denominators is None else (denominators.get(unit.path) or 0)
        out[unit.pk] = make_figure(metric, unit, period, num, den)
    return out


def rank(
    name: str,
    parent_unit: Any,
    start: dt.date | str,
    end: dt.date | str,
    user: Any,
    *,
    kinds: Iterable[str] | None = None,
) -> list[RankRow]:
    """The parent's child units ordered by the figure, highest first ("—" last; ties share a place).

    One grouped query for all sides of the components that share base rows (see :mod:`.combined`),
    whatever the number of children. ``kinds`` picks the child unit
    kinds (default: every kind but 党支部, which is ranked only when asked for)."""
    metric = get(name)
    period = Period.of(start, end)
    _check_unit(metric, parent_unit, user)
    children_qs = _unit_model()._default_manager.filter(
        depth=parent_unit.depth + 1, path__startswith=parent_unit.path, retired_on__isnull=True
    )
    children_qs = children_qs.filter(kind__in=list(kinds)) if kinds else children_qs.exclude(kind=PARTY_BRANCH)
    if user is not SYSTEM:  # rank only the units the user may see (a subquery, not another query)
        visible = _unit_model()._default_manager.visible_to(user, metric.capability)  # type: ignore[attr-defined]
        children_qs = children_qs.filter(pk__in=visible.values("pk"))
    children: list[Any] = list(children_qs)
    figures = _child_figures(metric, parent_unit, children, period, user)
    ordered = sorted(
        children,
        key=lambda c: (figures[c.pk].value is None, -(figures[c.pk].value or 0), c.path),
    )
    out: list[RankRow] = []
    for i, child in enumerate(ordered, start=1):
        figure = figures[child.pk]
        position = out[-1].position if out and out[-1].figure.value == figure.value else i
        out.append(RankRow(position=position, unit=child, figure=figure))
    return out


# --- trend --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TrendPoint:
    month: dt.date  # first day of the month
    figure: Figure


def _months(period: Period) -> list[Period]:
    out = []
    year, month = period.start.year, period.start.month
    while (year, month) <= (period.end.year, period.end.month):
        first = dt.date(year, month, 1)
        last = dt.date(year, month, calendar.monthrange(year, month)[1])
        out.append(Period(max(first, period.start), min(last, period.end)))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def _by_month(metric: Metric, which: str, unit: Any, period: Period, user: Any) -> dict[dt.date, Number] | None:
    qs = _side_rows(metric, which, unit, period, user)
    if qs is None:
        return None
    assert metric.period_field
    is_datetime = isinstance(_field_of(metric.model_class, metric.period_field), models.DateTimeField)
    trunc = TruncMonth(metric.period_field, tzinfo=DISPLAY_TZ) if is_datetime else TruncMonth(metric.period_field)
    grouped = qs.order_by().annotate(_m=trunc).values("_m").annotate(_v=metric.aggregate(which))
    out: dict[dt.date, Number] = {}
    for row in grouped:
        month = row["_m"]
        if isinstance(month, dt.datetime):
            month = month.astimezone(DISPLAY_TZ).date() if month.tzinfo else month.date()
        out[month.replace(day=1)] = row["_v"]
    return out


def _trend_figures(metric: Metric, unit: Any, period: Period, user: Any) -> list[Figure]:
    months = _months(period)
    if metric.is_composite:
        parts = {n: _trend_figures(get(n), unit, period, user) for n, _ in metric.components}
        return [_combine(metric, unit, m, {n: parts[n][i] for n in parts}) for i, m in enumerate(months)]
    if not metric.period_field:
        # A stock (people, units) has no period field: each month is the stock at the month's end.
        return [
            make_figure(
                metric,
                unit,
                m,
                _aggregate(metric, "numerator", unit, m, user),
                _aggregate(metric, "denominator", unit, m, user),
            )
            for m in months
        ]
    numerators = _by_month(metric, "numerator", unit, period, user) or {}
    denominators = _by_month(metric, "denominator", unit, period, user)
    out = []
    for m in months:
        key = m.start.replace(day=1)
        den = None if denominators is None else (denominators.get(key) or 0)
        out.append(make_figure(metric, unit, m, numerators.get(key) or 0, den))
    return out


def trend(
    name: str,
    unit: Any,
    start: dt.date | str,
    end: dt.date | str,
    user: Any,
    bucket: str = "month",
) -> list[TrendPoint]:
    """The figure month by month (one grouped query per side, months in Asia/Shanghai)."""
    if bucket != "month":
        raise ValueError(f"暂只支持按月 / only bucket='month' is supported, not {bucket!r}")
    metric = get(name)
    period = Period.of(start, end)
    _check_unit(metric, unit, user)
    figures = _trend_figures(metric, unit, period, user)
    return [TrendPoint(month=f.period.start.replace(day=1), figure=f) for f in figures]
