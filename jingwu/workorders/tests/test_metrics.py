"""The 三率 and counts on a data set whose figures are known by construction."""

from __future__ import annotations

from decimal import Decimal

import pytest

from jingwu.core import metrics
from jingwu.workorders.models import WorkOrder
from jingwu.workorders.selectors import period_summary

from .helpers import add_returns, make_order, t

pytestmark = pytest.mark.django_db

S = WorkOrder.State
MAY = ("2023-05-01", "2023-05-31")


def good(unit, satisfaction="satisfied", **extra):
    fields = {
        "state": S.CLOSED,
        "accepted_at": t("2023-05-04 09:30"),
        "first_contact_at": t("2023-05-04 10:00"),
        "completed_at": t("2023-05-05 16:00"),
        "called_back_at": t("2023-05-06 10:00"),
        "callback_reached": True,
        "callback_resolved": True,
        "callback_satisfaction": satisfaction,
    }
    fields.update(extra)
    return make_order(unit, **fields)


@pytest.fixture
def dataset(org):
    a = org.squadron_a
    good(a)  # A1: in time, resolved, 满意
    good(a, "basic")  # A2: in time, resolved, 基本满意
    good(  # A3: signed for late, 未解决/不满意, reopened, completed after its deadline
        a,
        "unsatisfied",
        accepted_at=t("2023-05-04 12:00"),
        callback_resolved=False,
        reopen_count=1,
        completed_at=t("2023-05-20 10:00"),
    )
    make_order(
        a,
        exempted=True,
        callback_resolved=False,
        callback_satisfaction="unsatisfied",
        called_back_at=t("2023-05-06 10:00"),
    )  # A4
    add_returns(make_order(a), a, org.lead_a, count=2)  # A5: never signed for, open past its deadline, bounced twice
    make_order(a, state=S.MERGED, merged_into=WorkOrder.objects.first())  # merged away: counts nowhere
    good(org.squadron_b)  # B1: perfect
    good(org.squadron_b, dispatched_at=t("2023-04-20 09:00"), completed_at=t("2023-04-21 09:00"))  # April
    return org


def fig(name, unit, org, period=MAY):
    return metrics.compute(f"workorders.{name}", unit, *period, user=org.leader)


def test_squadron_figures(dataset):
    org, a = dataset, dataset.squadron_a
    response = fig("response_rate", a, org)
    assert (response.numerator, response.denominator, response.display) == (2, 4, "50%")
    resolution = fig("resolution_rate", a, org)
    assert (resolution.numerator, resolution.denominator, resolution.display) == (2, 3, "66.7%")
    satisfaction = fig("satisfaction_rate", a, org)
    assert Decimal(satisfaction.numerator) == Decimal("1.8") and satisfaction.denominator == 3
    assert satisfaction.display == "60%"
    assert fig("composite", a, org).value == Decimal("62")  # 50×10% + 66.67×45% + 60×45%
    assert fig("completed", a, org).value == 3
    assert fig("overdue", a, org).value == 2  # A3 completed late, A5 open past its deadline
    assert fig("shirked", a, org).value == 1
    reopen = fig("reopen_rate", a, org)
    assert (reopen.numerator, reopen.denominator) == (1, 3)


def test_parent_brigade_adds_its_squadrons(dataset):
    org, brigade = dataset, dataset.brigade
    assert fig("response_rate", brigade, org).display == "60%"  # 3 / 5
    assert fig("resolution_rate", brigade, org).display == "75%"  # 3 / 4
    assert fig("satisfaction_rate", brigade, org).display == "70%"  # 2.8 / 4
    assert fig("completed", brigade, org).value == 4
    rows = metrics.rows("workorders.response_rate", brigade, *MAY, user=org.leader, which="denominator")
    assert rows.count() == fig("response_rate", brigade, org).denominator
    ranking = metrics.rank("workorders.composite", brigade, *MAY, org.leader)
    assert [r.unit for r in ranking] == [org.squadron_b, org.squadron_a]
    assert ranking[0].figure.display == "100"


def test_summary_sentences_are_truthful(dataset):
    org = dataset
    perfect = period_summary(org.squadron_b, *MAY, user=org.leader).sentence
    assert (
        perfect == "5月份,累计办结“接诉即办”工单1件,响应率、解决率、满意率三率均达到100%,推诿、超期工单实现“零”发生。"
    )
    brigade = period_summary(org.brigade, "2023-04-01", "2023-05-31", user=org.leader).sentence
    assert brigade == (
        "4至5月份,累计办结“接诉即办”工单5件,响应率、解决率、满意率分别为66.7%、80%、76%,推诿工单1件、超期工单2件。"
    )
    empty = period_summary(org.squadron_b, "2023-01-01", "2023-03-31", user=org.leader).sentence
    assert "分别为—、—、—" in empty and "工单0件" in empty
    assert "100%" not in empty


def test_figures_respect_scope(dataset):
    org = dataset
    with pytest.raises(metrics.MetricScopeError):
        metrics.compute("workorders.response_rate", org.squadron_a, *MAY, user=org.lead_b)
    assert metrics.compute("workorders.completed", org.squadron_a, *MAY, user=org.lead_a).value == 3
