"""The monthly summary behind 立案数, 破案数 and 涉案金额: after a rebuild and after a series of
transitions through the services it equals the figures computed from the cases, for whole and
partial months, for every kind and tag, and it answers only users who see the whole subtree."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from jingwu.cases import selectors, services
from jingwu.cases.models import Case, CaseCategory, CaseMonthlyFigure
from jingwu.cases.services import figures
from jingwu.core.calendar import TZ
from jingwu.core.metrics import MetricScopeError

from .conftest import approve, new_case
from .test_figures import data  # noqa: F401  (the data set with known counts)

pytestmark = pytest.mark.django_db

PERIODS = [
    (dt.date(2024, 1, 1), dt.date(2024, 12, 31)),  # whole months only
    (dt.date(2024, 2, 15), dt.date(2024, 6, 10)),  # partial months at both ends
    (dt.date(2024, 4, 2), dt.date(2024, 4, 20)),  # inside one month
    (dt.date(2023, 11, 5), dt.date(2024, 1, 15)),  # across a year, partial ends
    (dt.date(2024, 3, 31), dt.date(2024, 5, 1)),  # one day of each edge month
]
FILTERS = [(None, None), ("criminal", None), ("criminal", "env_food_drug"), (None, "traffic"), ("administrative", None)]


def same_statistics(unit, user, start, end, kind, tag):
    """Figures, trend and breakdown from the summary equal those computed from the cases."""
    fast = selectors.case_statistics(unit, start, end, user=user, kind=kind, tag=tag)
    assert fast.from_summary
    build = list(figures_builds())
    try:
        figures_builds().delete()
        slow = selectors.case_statistics(unit, start, end, user=user, kind=kind, tag=tag)
    finally:
        for b in build:
            b.save()
    assert not slow.from_summary
    for base, figure in slow.figures.items():
        got = fast.figures[base]
        assert (got.value, got.display, got.metric, got.numerator) == (
            figure.value,
            figure.display,
            figure.metric,
            figure.numerator,
        ), (base, start, end, kind, tag)
    assert (fast.months, fast.filed_by_month, fast.solved_by_month) == (
        slow.months,
        slow.filed_by_month,
        slow.solved_by_month,
    )
    assert [(r["category__code"], r["n"], Decimal(r["amount"] or 0)) for r in fast.by_category] == [
        (r["category__code"], r["n"], Decimal(r["amount"] or 0)) for r in slow.by_category
    ]
    return fast


def figures_builds():
    from jingwu.cases.models import CaseFigureBuild

    return CaseFigureBuild.objects.all()


def test_summary_is_used_only_after_a_rebuild_and_equals_the_known_counts(data):  # noqa: F811
    org = data.org
    start, end = dt.date(2024, 1, 1), dt.date(2024, 12, 31)
    before = selectors.case_statistics(org.brigade, start, end, user=data.leader, kind="criminal", tag="env_food_drug")
    assert not before.from_summary  # cases written around the services: the table is not trusted yet
    call_command("rebuild_case_figures")
    after = selectors.case_statistics(org.brigade, start, end, user=data.leader, kind="criminal", tag="env_food_drug")
    assert after.from_summary
    assert {base.split(".", 1)[1]: f.value for base, f in after.figures.items()} == {
        "filed": 4,
        "solved": 3,
        "coercive_people": 3,
        "prosecution_cases": 2,
        "prosecution_people": 3,
        "amount": Decimal("582000000.00") + Decimal("5000.00"),
    }
    for start, end in PERIODS:
        for kind, tag in FILTERS:
            same_statistics(org.brigade, data.leader, start, end, kind, tag)
            same_statistics(org.squadron_a, data.leader, start, end, kind, tag)


def test_summary_answers_only_users_who_see_the_whole_subtree(data):  # noqa: F811
    org = data.org
    figures.rebuild()
    start, end = dt.date(2024, 1, 1), dt.date(2024, 12, 31)
    # a squadron lead: their own squadron from the summary, the brigade not at all
    own = selectors.case_statistics(org.squadron_b, start, end, user=org.lead_b)
    assert own.from_summary and own.figures["cases.filed"].value == 2
    with pytest.raises(MetricScopeError):
        selectors.case_statistics(org.brigade, start, end, user=org.lead_b)
    # an officer who sees only the cases they lead gets no unit figures at all
    with pytest.raises(MetricScopeError):
        selectors.case_statistics(org.squadron_a, start, end, user=org.officer_a)


def test_summary_follows_the_services_through_a_series_of_transitions(world):
    w = world
    figures.rebuild()
    assert figures.stored() == figures.computed() == {}

    def check():
        assert figures.stored() == figures.computed()
        for start, end in [(dt.date(2024, 1, 1), dt.date(2024, 12, 31)), (dt.date(2024, 3, 10), dt.date(2024, 5, 20))]:
            for kind, tag in FILTERS:
                same_statistics(w.org.brigade, w.leader, start, end, kind, tag)

    at = lambda day: dt.datetime.fromisoformat(day).replace(hour=9, tzinfo=TZ)  # noqa: E731
    first = new_case(w, accepted_at=at("2024-03-01"), amount_involved="1250000.50")
    second = new_case(w, accepted_at=at("2024-03-20"), amount_involved="300")
    admin = new_case(w, kind=Case.Kind.ADMINISTRATIVE, accepted_at=at("2024-04-01"), amount_involved="800")
    check()  # 受案 moves nothing
    for case, filed in ((first, "2024-03-02"), (second, "2024-03-31"), (admin, "2024-04-02")):
        approve(w, case, "file")
        services.case_file(actor=w.org.lead_a, case=case, at=at(filed))
        check()
    for case in (first, second):
        services.case_investigate(actor=w.org.lead_a, case=case)
    services.case_solve(actor=w.org.lead_a, case=first, at=at("2024-05-01"))
    check()
    # the amount and the 案由 change after 立案: the filed month's figures follow
    services.case_update(actor=w.org.lead_a, case=first, amount_involved="2000000")
    services.case_update(actor=w.org.lead_a, case=second, category=CaseCategory.objects.get(code="030104"))
    check()
    services.case_solve(actor=w.org.lead_a, case=second, at=at("2024-12-31"))
    check()
    fast = selectors.case_statistics(w.org.brigade, dt.date(2024, 1, 1), dt.date(2024, 12, 31), user=w.leader)
    assert fast.from_summary
    assert fast.figures["cases.filed"].value == 3 and fast.figures["cases.solved"].value == 2
    assert fast.figures["cases.amount"].value == Decimal("2001100.00")
    assert fast.filed_by_month[2:4] == [2, 1] and fast.solved_by_month[4] == 1 and fast.solved_by_month[11] == 1
    # a refused change moves nothing
    with pytest.raises(Exception):  # noqa: B017, PT011
        services.case_update(actor=w.org.lead_a, case=second, amount_involved="-5")
    check()


def test_rebuild_command_checks_and_repairs_the_table(data):  # noqa: F811
    call_command("rebuild_case_figures")
    call_command("rebuild_case_figures", "--check")
    row = CaseMonthlyFigure.objects.filter(filed__gt=0).first()
    row.filed += 1
    row.save()
    with pytest.raises(CommandError):
        call_command("rebuild_case_figures", "--check")
    call_command("rebuild_case_figures")
    call_command("rebuild_case_figures", "--check")
