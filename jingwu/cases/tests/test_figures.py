"""The case figures and the brief's sentence on a data set whose counts are known by construction.

Period 2024. Criminal cases (案由 tag 涉环食药 unless noted):
  甲中队 a1 污染环境  filed 02-01 solved 05-01  1亿     measures: X (拘留 02-02), P2 (拘留 02-03); transfer 05-10: X, P2
         a2 食品      filed 03-01 solved 06-01  2亿     measures: X again (取保 03-02); transfers 06-10: X, 06-20: P6
         a3 假药      filed 04-01 not solved    2.82亿  measure requested only (not started)
         a4 危险驾驶  filed 04-02 solved 04-03  0       (tag 交通)  measure: P5 (拘留 04-02)
         a5 非法采矿  filed 2023  solved 2024-01-15 700万 measure: P3 (逮捕 2023); transfer 2023-12: P3
  乙中队 b1 野生动物  filed 07-01 not solved    5000元  measure: P4 (取保 07-02)
         b2 行政 逃避监管排污 filed 08-01        1万元
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from itertools import count

import pytest
from django.utils import timezone

from jingwu.cases import selectors
from jingwu.cases.metrics import case_metric
from jingwu.cases.models import Case, CaseCategory, CoerciveMeasure, Incident, IncidentCategory, Party
from jingwu.cases.models import ProsecutionTransfer as Transfer
from jingwu.core import metrics
from jingwu.core.calendar import TZ
from jingwu.core.metrics import MetricScopeError

pytestmark = pytest.mark.django_db
START, END = dt.date(2024, 1, 1), dt.date(2024, 12, 31)
_seq = count(1)


def at(day: str) -> dt.datetime:
    return dt.datetime.fromisoformat(day).replace(hour=10, tzinfo=TZ)


def mk_case(unit, lead, code, filed, solved=None, amount=0, kind="criminal"):
    n = next(_seq)
    filed_at = at(filed)
    return Case.objects.create(
        unit=unit,
        kind=kind,
        number=f"{'A' if kind == 'criminal' else 'X'}{unit.code}{filed_at.year}{n:06d}",
        year=filed_at.year,
        title=f"案件{n}",
        category=CaseCategory.objects.get(code=code),
        amount_involved=Decimal(amount),
        lead_officer=lead,
        accepted_at=filed_at,
        filed_at=filed_at,
        solved_at=at(solved) if solved else None,
        state="solved" if solved else "investigating",
    )


def mk_party(case, key):
    return Party.objects.create(case=case, role="suspect", name=key, person_key=f"id:{key}")


def mk_measure(case, party, kind, started):
    return CoerciveMeasure.objects.create(
        case=case,
        party=party,
        kind=kind,
        requested_at=at(started) if started else timezone.now(),
        started_at=at(started) if started else None,
        state="active" if started else "requested",
    )


def mk_transfer(case, parties, day):
    transfer = Transfer.objects.create(case=case, transferred_at=at(day), procuratorate="某检察院")
    transfer.parties.set(parties)
    return transfer


@pytest.fixture
def data(world):
    org = world.org
    a, b, pa, pb = org.squadron_a, org.squadron_b, org.person_a, org.person_b
    a1 = mk_case(a, pa, "060601", "2024-02-01", "2024-05-01", 100_000_000)
    a2 = mk_case(a, pa, "030104", "2024-03-01", "2024-06-01", 200_000_000)
    a3 = mk_case(a, pa, "030102", "2024-04-01", None, 282_000_000)
    a4 = mk_case(a, pa, "020102", "2024-04-02", "2024-04-03", 0)
    a5 = mk_case(a, pa, "060606", "2023-11-01", "2024-01-15", 7_000_000)
    b1 = mk_case(b, pb, "060603", "2024-07-01", None, 5_000)
    mk_case(b, pb, "530101", "2024-08-01", None, 10_000, kind="administrative")
    x1, p2 = mk_party(a1, "X"), mk_party(a1, "P2")
    x2, p6 = mk_party(a2, "X"), mk_party(a2, "P6")
    mk_measure(a1, x1, "detention", "2024-02-02")
    mk_measure(a2, x2, "bail", "2024-03-02")
    mk_measure(a1, p2, "detention", "2024-02-03")
    p3 = mk_party(a5, "P3")
    mk_measure(a5, p3, "arrest", "2023-11-05")
    mk_measure(b1, mk_party(b1, "P4"), "bail", "2024-07-02")
    mk_measure(a4, mk_party(a4, "P5"), "detention", "2024-04-02")
    mk_measure(a3, mk_party(a3, "P8"), "detention", None)
    mk_transfer(a1, [x1, p2], "2024-05-10")
    mk_transfer(a2, [x2], "2024-06-10")
    mk_transfer(a2, [p6], "2024-06-20")
    mk_transfer(a5, [p3], "2023-12-20")
    return world


def values(unit, user, **filters):
    figures = selectors.case_figures(unit, START, END, user=user, **filters)
    return {base.split(".", 1)[1]: figures[base].value for base in figures}


def test_tagged_criminal_figures_for_brigade_and_squadron(data):
    org = data.org
    brigade = values(org.brigade, data.leader, kind="criminal", tag="env_food_drug")
    assert brigade == {
        "filed": 4,
        "solved": 3,
        "coercive_people": 3,
        "prosecution_cases": 2,
        "prosecution_people": 3,
        "amount": Decimal("582005000.00"),
    }
    squadron = values(org.squadron_a, data.leader, kind="criminal", tag="env_food_drug")
    assert squadron == {
        "filed": 3,
        "solved": 3,
        "coercive_people": 2,
        "prosecution_cases": 2,
        "prosecution_people": 3,
        "amount": Decimal("582000000.00"),
    }
    # without the tag the traffic case counts; without the kind the administrative one does
    assert values(org.brigade, data.leader, kind="criminal")["filed"] == 5
    assert values(org.brigade, data.leader, kind="criminal")["coercive_people"] == 4
    assert values(org.brigade, data.leader, tag="env_food_drug")["filed"] == 5
    assert values(org.brigade, data.leader)["amount"] == Decimal("582015000.00")
    # the drill-down lists exactly the rows counted
    name = case_metric("cases.filed", kind="criminal", tag="env_food_drug")
    assert metrics.rows(name, org.brigade, START, END, user=data.leader).count() == 4
    fig = metrics.compute(
        case_metric("cases.amount", tag="env_food_drug"), org.squadron_b, START, END, user=data.leader
    )
    assert fig.display == "1.5万元"
    # a squadron lead sees nothing of the brigade's figure
    with pytest.raises(MetricScopeError):
        selectors.case_figures(org.brigade, START, END, user=org.lead_b, kind="criminal")
    assert values(org.squadron_b, org.lead_b, kind="criminal", tag="env_food_drug")["filed"] == 1


def test_sentence(data):
    org = data.org
    text = selectors.case_summary(org.brigade, START, END, user=data.leader).text
    assert text == (
        "2024年1月1日至12月31日,测试大队共立涉环食药领域刑事案件4起,破案3起,采取强制措施3人,"
        "移送起诉2起3人,涉案金额5.82亿元"
    )
    since = selectors.case_summary(
        org.brigade, START, END, user=data.leader, subject="全市公安机关", today=dt.date(2024, 12, 31)
    ).text
    assert since.startswith("2024年以来,全市公安机关共立涉环食药领域刑事案件4起")
    small = selectors.case_summary(org.squadron_b, START, END, user=data.leader, kind=None).text
    assert small.endswith("共立涉环食药领域案件2起,破案0起,采取强制措施1人,移送起诉0起0人,涉案金额1.5万元")


def test_unknown_tag_is_registered_on_first_use(data):
    name = case_metric("cases.filed", kind="criminal", tag="drug")
    assert metrics.compute(name, data.org.brigade, START, END, user=data.leader).value == 1
    other = case_metric("cases.solved", kind="administrative", tag="food")
    assert metrics.get(other).label == "破案数(行政·涉食品)"


def test_incident_disposal_rate(world):
    org = world.org
    category = IncidentCategory.objects.get(code="0301")  # 交通事故: 12 hours
    for n, disposed_after in enumerate([2, 20, None]):
        received = at("2024-03-05")
        Incident.objects.create(
            unit=org.squadron_a,
            number=f"J2024030500{n}",
            received_at=received,
            category=category,
            disposal_due_at=received + dt.timedelta(hours=12),
            disposed_at=received + dt.timedelta(hours=disposed_after) if disposed_after else None,
        )
    fig = metrics.compute("incidents.disposal_rate", org.brigade, START, END, user=world.leader)
    assert (fig.numerator, fig.denominator, fig.display) == (1, 3, "33.3%")
    empty = metrics.compute("incidents.disposal_rate", org.squadron_b, START, END, user=world.leader)
    assert empty.display == "—"
