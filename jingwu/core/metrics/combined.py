"""Several sides of several metrics in one aggregate query (``FILTER (WHERE …)`` per side).

A ranking of 综合得分 needs six aggregates (numerator and denominator of three rates) over the same
rows: the orders of the parent's subtree in the period, inside the user's scope. Run one by one they
read those rows six times. Metrics whose base rows are the same query (same model, unit path, period
field and capability: :func:`base_key`) are computed together: each side becomes its aggregate with the
side's own conditions as its ``FILTER`` clause, so the rows are read once and every value is the
one the side's own query would give.

A side can be folded in only when it adds nothing but conditions to the base rows (``filter`` /
``exclude`` on columns the base query already reaches). A side that joins another table, slices,
annotates or groups is computed by its own query as before (:func:`side_condition` answers ``None``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db.models import QuerySet
from django.db.models.sql.where import AND, WhereNode

from .definitions import Metric, Number, Period, get

# {metric name: {"numerator": values, "denominator": values or None}}; values: {bucket: aggregate}
SideValues = dict[str, dict[str, dict[Any, Number] | None]]


def base_key(metric: Metric) -> tuple[Any, ...]:
    """Metrics with equal keys have the same base rows for a given unit, period and user."""
    return (metric.model_class, metric.unit_path_lookup(), metric.period_field, metric.capability)


def leaves(metric: Metric) -> list[Metric]:
    """The plain (non-composite) metrics a figure is made of, each once, in definition order."""
    if not metric.is_composite:
        return [metric]
    out: dict[str, Metric] = {}
    for name, _weight in metric.components:
        for leaf in leaves(get(name)):
            out.setdefault(leaf.name, leaf)
    return list(out.values())


def _joins(qs: QuerySet[Any]) -> dict[str, Any]:
    return {
        alias: (getattr(join, "table_name", None), getattr(join, "join_type", None))
        for alias, join in qs.query.alias_map.items()
    }


def side_condition(base: QuerySet[Any], side_rows: QuerySet[Any]) -> WhereNode | None | bool:
    """The conditions ``side_rows`` adds to ``base``: a WHERE node, ``True`` when it adds none, or
    ``None`` when the side changed the query in any other way (then it needs its own query)."""
    b, s = base.query, side_rows.query
    if (
        _joins(base) != _joins(side_rows)
        or s.where.connector != AND
        or s.where.negated
        or b.where.connector != AND
        or b.where.negated
        or s.distinct != b.distinct
        or s.combinator
        or s.low_mark != b.low_mark
        or s.high_mark != b.high_mark
        or set(s.annotations) != set(b.annotations)
        or s.group_by != b.group_by
    ):
        return None
    n = len(b.where.children)
    if len(s.where.children) < n or s.where.children[:n] != b.where.children:
        return None
    extra = s.where.children[n:]
    if not extra:
        return True
    return WhereNode(extra, AND)


def side_values(
    metrics: Iterable[Metric],
    base_of: Callable[[Metric], QuerySet[Any]],
    period: Period,
    group: Callable[[Metric, QuerySet[Any]], tuple[QuerySet[Any], str]] | None,
    separate: Callable[[Metric, str], dict[Any, Number] | None],
) -> SideValues:
    """Every side of ``metrics``: those sharing base rows in one query, the rest by ``separate``.

    ``base_of(metric)`` gives the metric's base rows; ``group(metric, qs)`` annotates the bucket and
    returns ``(qs.values(bucket), bucket)`` for a grouped query (``None``: one total, under the key ``None``).
    ``separate(metric, which)`` computes one side alone (``None`` when the metric has no such side).
    """
    out: SideValues = {}
    by_key: dict[tuple[Any, ...], list[Metric]] = {}
    for metric in metrics:
        by_key.setdefault(base_key(metric), []).append(metric)
    for members in by_key.values():
        base = base_of(members[0])
        aggregates: dict[str, Any] = {}
        slots: list[tuple[str, Metric, str]] = []  # (alias, metric, side)
        for metric in members:
            out[metric.name] = {}
            for which in ("numerator", "denominator"):
                side = metric.side(which)
                if side is None:
                    out[metric.name][which] = None
                    continue
                condition = side_condition(base, side(base, period))
                aggregate = metric.aggregate(which)
                if condition is None or getattr(aggregate, "filter", None) is not None:
                    out[metric.name][which] = separate(metric, which)
                    continue
                aggregate = aggregate.copy()
                if condition is not True:
                    aggregate.filter = condition
                alias = f"_v{len(slots)}"
                aggregates[alias] = aggregate
                slots.append((alias, metric, which))
        if not slots:
            continue
        try:
            if group is None:
                rows = [{"_bucket": None, **base.order_by().aggregate(**aggregates)}]
            else:
                grouped, bucket = group(members[0], base.order_by())
                rows = [{"_bucket": r[bucket], **r} for r in grouped.annotate(**aggregates)]
        except EmptyResultSet:  # a side whose condition can match nothing: compute it alone
            for _alias, metric, which in slots:
                out[metric.name][which] = separate(metric, which)
            continue
        for alias, metric, which in slots:
            out[metric.name][which] = {r["_bucket"]: r[alias] for r in rows}
    return out
