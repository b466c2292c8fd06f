"""综合得分 computed in one query (every side of every component as a FILTER aggregate) gives exactly
what computing each side alone gives, on the data set whose figures are known by construction."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from jingwu.core import metrics
from jingwu.core.metrics import combined

from .test_metrics import MAY, dataset  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db

COMPOSITE = "workorders.composite"


def one_by_one(monkeypatch):
    """Every side by its own query, as before sides were combined."""
    monkeypatch.setattr(combined, "side_condition", lambda base, side_rows: None)


def ranking(org):
    with CaptureQueriesContext(connection) as queries:
        rows = metrics.rank(COMPOSITE, org.brigade, *MAY, org.leader)
    return [(r.position, r.unit.pk, repr(r.figure)) for r in rows], len(queries)


def test_ranking_in_one_query_equals_side_by_side(dataset, monkeypatch):  # noqa: F811
    org = dataset
    ranking(org)  # the leader's roles and scope are cached on first use; count the figures' queries only
    combined_rows, combined_queries = ranking(org)
    # The figures known by construction (test_metrics): 乙中队 100, 甲中队 62.
    assert [(pos, pk) for pos, pk, _ in combined_rows[:2]] == [(1, org.squadron_b.pk), (2, org.squadron_a.pk)]
    assert "value=Decimal('62" in combined_rows[1][2] or "value=Decimal('61.99" in combined_rows[1][2]

    one_by_one(monkeypatch)
    separate_rows, separate_queries = ranking(org)
    assert combined_rows == separate_rows
    assert combined_queries == separate_queries - 5  # six grouped queries became one


@pytest.mark.parametrize("unit", ["squadron_a", "squadron_b", "brigade"])
def test_composite_figure_in_one_query_equals_side_by_side(dataset, monkeypatch, unit):  # noqa: F811
    org = dataset
    together = metrics.compute(COMPOSITE, getattr(org, unit), *MAY, user=org.leader)
    one_by_one(monkeypatch)
    alone = metrics.compute(COMPOSITE, getattr(org, unit), *MAY, user=org.leader)
    assert repr(together) == repr(alone)
    assert {n: (f.numerator, f.denominator) for n, f in together.components.items()} == {
        n: (f.numerator, f.denominator) for n, f in alone.components.items()
    }
    if unit == "squadron_a":
        assert together.value == Decimal("62")


def test_a_side_that_joins_another_table_is_computed_alone(dataset):  # noqa: F811
    """A component whose side reaches another table keeps its own query; the figure stays right."""
    org = dataset
    metrics.register(
        metrics.Metric(
            name="test.urgent_share",
            label="紧急件占比",
            kind="rate",
            model="workorders.WorkOrder",
            numerator=lambda qs, period: qs.filter(category__urgency="urgent"),
            denominator=lambda qs, period: qs,
            period_field="dispatched_at",
            capability=metrics.get("workorders.response_rate").capability,
        )
    )
    metrics.register(
        metrics.Metric(
            name="test.mixed_score",
            label="混合得分",
            kind="score",
            components=(("workorders.response_rate", 0.5), ("test.urgent_share", 0.5)),
        )
    )
    try:
        base = metrics.base_rows(metrics.get("test.urgent_share"), org.brigade, metrics.Period.of(*MAY), org.leader)
        assert combined.side_condition(base, base.filter(category__urgency="urgent")) is None
        assert combined.side_condition(base, base) is True
        figure = metrics.compute("test.mixed_score", org.squadron_a, *MAY, user=org.leader)
        assert figure.components["test.urgent_share"].display == "0%"  # none of the orders is urgent
        assert figure.components["workorders.response_rate"].display == "50%"
        assert figure.value == Decimal("25")
    finally:
        metrics.unregister("test.mixed_score")
        metrics.unregister("test.urgent_share")


def test_figures_asked_together_equal_each_alone_and_read_the_rows_once(dataset, monkeypatch):  # noqa: F811
    """The dashboard and the summary sentence ask for the rates and counts together
    (``metrics.compute_many``): the same figures as one by one, in one aggregate query."""
    org = dataset
    names = [
        "workorders.response_rate",
        "workorders.resolution_rate",
        "workorders.satisfaction_rate",
        "workorders.completed",
        COMPOSITE,
    ]
    metrics.compute(names[0], org.brigade, *MAY, user=org.leader)  # roles and scope cached on the user
    with CaptureQueriesContext(connection) as queries:
        together = metrics.compute_many(names, org.brigade, *MAY, user=org.leader)
    aggregates = [q for q in queries.captured_queries if "workorders_workorder" in q["sql"]]
    one_by_one(monkeypatch)
    alone = {name: metrics.compute(name, org.brigade, *MAY, user=org.leader) for name in names}
    assert {n: repr(f) for n, f in together.items()} == {n: repr(f) for n, f in alone.items()}
    assert together["workorders.response_rate"].display not in ("", metrics.DASH)
    assert len(aggregates) <= 2, [q["sql"][:120] for q in aggregates]  # not one query per figure or side
