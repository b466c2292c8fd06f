"""The people figures behind 强制措施人数 and 移送起诉 (cases, people): after a rebuild and after a
series of service calls — a person with measures in two squadrons, repeated measures, a transfer
naming two people, a second batch, a changed 案由 — they give exactly the figures counted over the
rows, for every unit level, kind, tag and period (whole months, partial months, a boundary inside a
month); they step aside when the tags or the unit tree changed since the rebuild."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from jingwu.cases import selectors, services
from jingwu.cases.models import Case, CaseCategory, CaseTag, PeopleFigureDay
from jingwu.cases.services import figures, people_figures
from jingwu.core.calendar import TZ
from jingwu.core.metrics import SYSTEM
from jingwu.org.services import unit_move
from jingwu.testing.factories import make_id_number

from .conftest import World, new_case
from .test_figures_summary import FILTERS, same_statistics

pytestmark = pytest.mark.django_db

PERIODS = [
    (dt.date(2024, 1, 1), dt.date(2024, 12, 31)),  # whole months
    (dt.date(2024, 3, 1), dt.date(2024, 3, 31)),  # one month
    (dt.date(2024, 3, 3), dt.date(2024, 4, 30)),  # first day inside March (after Q's 3-02 measure)
    (dt.date(2024, 3, 21), dt.date(2024, 6, 10)),  # both ends inside months
    (dt.date(2024, 2, 28), dt.date(2024, 3, 2)),  # across a month boundary, no whole month
    (dt.date(2024, 4, 11), dt.date(2024, 4, 30)),  # after P's April measure: P's March ones are older
    (dt.date(2024, 5, 16), dt.date(2024, 6, 30)),  # the second batch only
]
TAG_FILTERS = [*FILTERS, ("criminal", "traffic")]


def at(day: str, hour: int = 9) -> dt.datetime:
    return dt.datetime.fromisoformat(day).replace(hour=hour, tzinfo=TZ)


def handler(w: World, case: Case) -> Any:
    return w.org.lead_a if case.unit_id == w.org.squadron_a.pk else w.org.lead_b


def review(w: World, case: Case, decision: str) -> None:
    submitted = services.review_submit(actor=handler(w, case), case=case, decision=decision, summary="呈请")
    services.review_legal_opinion(actor=w.legal, review=submitted, opinion="同意")
    services.review_approve(actor=w.leader, review=submitted)


def criminal_case(w: World, unit: Any, accepted: str, **extra: Any) -> Case:
    case = new_case(w, unit=unit, accepted_at=at(accepted), **extra)
    review(w, case, "file")
    services.case_file(actor=handler(w, case), case=case, at=at(accepted, 10))
    return case


def add_suspect(w: World, case: Case, name: str, id_number: str) -> Any:
    return services.party_add(actor=handler(w, case), case=case, role="suspect", name=name, id_number=id_number)


def start_measure(w: World, case: Case, party: Any, kind: str, day: str, **extra: Any) -> Any:
    actor = handler(w, case)
    measure = services.measure_request(actor=actor, case=case, party=party, kind=kind, reason="依法", **extra)
    submitted = measure.reviews.get()
    services.review_legal_opinion(actor=w.legal, review=submitted, opinion="同意")
    services.review_approve(actor=w.leader, review=submitted)
    measure.refresh_from_db()
    return services.measure_start(actor=actor, measure=measure, at=at(day))


def solve(w: World, case: Case, day: str) -> None:
    services.case_investigate(actor=handler(w, case), case=case)
    services.case_solve(actor=handler(w, case), case=case, at=at(day))
    review(w, case, "prosecution")


def check(w: World, *, current: bool = True) -> None:
    """Every unit level, filter and period equals the row counts (and, while the tables are
    ``current``, they equal a rebuild)."""
    computed = tuple(Counter({k: n for k, n in c.items() if n}) for c in people_figures.computed())
    assert (people_figures.stored() == computed) is current
    for unit in (w.org.detachment, w.org.brigade, w.org.squadron_a, w.org.squadron_b):
        unit.refresh_from_db()
        for start, end in PERIODS:
            for kind, tag in TAG_FILTERS:
                same_statistics(unit, SYSTEM, start, end, kind, tag)


def people(w: World, unit: Any, start: dt.date, end: dt.date, **filters: Any) -> tuple[int, int, int]:
    figures_ = selectors.case_statistics(unit, start, end, user=w.leader, details=False, **filters).figures
    return (
        figures_["cases.coercive_people"].value,
        figures_["cases.prosecution_cases"].value,
        figures_["cases.prosecution_people"].value,
    )


@pytest.fixture
def series(world: World) -> dict[str, Any]:
    """Measures and transfers written through the services after a rebuild."""
    w = world
    figures.rebuild()
    p_id, q_id = make_id_number(), make_id_number()
    a1 = criminal_case(w, w.org.squadron_a, "2024-02-01")
    b1 = criminal_case(
        w,
        w.org.squadron_b,
        "2024-02-05",
        actor=w.org.lead_b,
        lead_officer=w.org.person_b,
        handling_officers=[w.org.person_b, w.officer_b.person],
    )
    p_a1, q_a1 = add_suspect(w, a1, "王甲", p_id), add_suspect(w, a1, "李乙", q_id)
    r_a1 = add_suspect(w, a1, "赵丙", make_id_number())
    p_b1, q_b1 = add_suspect(w, b1, "王甲", p_id), add_suspect(w, b1, "李乙", q_id)
    start_measure(w, a1, q_a1, "summon", "2024-02-28")
    start_measure(w, b1, q_b1, "detention", "2024-03-02")
    start_measure(w, a1, p_a1, "summon", "2024-03-05")
    start_measure(w, b1, p_b1, "detention", "2024-03-20")  # P again, in the other squadron
    start_measure(w, a1, p_a1, "detention", "2024-04-10")  # P repeated in the same case
    admin = new_case(w, kind=Case.Kind.ADMINISTRATIVE, accepted_at=at("2024-03-25"))
    review(w, admin, "file")
    services.case_file(actor=w.org.lead_a, case=admin, at=at("2024-03-25", 10))
    p_admin = add_suspect(w, admin, "王甲", p_id)
    start_measure(w, admin, p_admin, "admin_detention", "2024-04-01", decision_days=10)
    solve(w, a1, "2024-05-01")
    solve(w, b1, "2024-05-02")
    services.transfer_for_prosecution(
        actor=w.org.lead_a, case=a1, parties=[p_a1, q_a1], procuratorate="达拉特旗人民检察院", at=at("2024-05-15")
    )
    services.transfer_for_prosecution(
        actor=w.org.lead_b, case=b1, parties=[p_b1], procuratorate="达拉特旗人民检察院", at=at("2024-06-01")
    )
    services.transfer_for_prosecution(  # the second batch of the same case
        actor=w.org.lead_a, case=a1, parties=[r_a1], procuratorate="达拉特旗人民检察院", at=at("2024-06-20")
    )
    return {"a1": a1, "b1": b1}


def test_people_figures_follow_the_services_and_count_each_person_once_per_scope(world, series):
    w = world
    spring = (dt.date(2024, 3, 1), dt.date(2024, 3, 31))
    # P has measures in both squadrons in March: one person for the brigade, one in each squadron
    assert people(w, w.org.brigade, *spring) == (2, 0, 0)
    assert people(w, w.org.squadron_a, *spring) == (1, 0, 0)  # P (Q's measure there was in February)
    assert people(w, w.org.squadron_b, *spring) == (2, 0, 0)
    # a boundary inside March: Q's 3-02 measure is before it, P's measures after it
    assert people(w, w.org.brigade, dt.date(2024, 3, 3), dt.date(2024, 4, 30)) == (1, 0, 0)
    assert people(w, w.org.brigade, dt.date(2024, 3, 3), dt.date(2024, 4, 30), kind="administrative") == (1, 0, 0)
    # a transfer naming two people, a second batch of the same case, another case naming P again
    year = (dt.date(2024, 1, 1), dt.date(2024, 12, 31))
    assert people(w, w.org.brigade, *year) == (2, 2, 3)
    assert people(w, w.org.squadron_a, *year) == (2, 1, 3)
    assert people(w, w.org.brigade, dt.date(2024, 5, 16), dt.date(2024, 6, 30)) == (0, 2, 2)
    assert selectors.case_statistics(w.org.brigade, *year, user=w.leader).from_summary
    assert people_figures.serves(figures.CaseFigureBuild.objects.first().tag_signature)  # answered by the tables
    check(w)


def test_a_changed_case_category_moves_its_people_between_tags(world, series):
    w = world
    year = (dt.date(2024, 1, 1), dt.date(2024, 12, 31))
    assert people(w, w.org.brigade, *year, tag="traffic") == (0, 0, 0)
    traffic = CaseCategory.objects.filter(tags__code="traffic", kind="criminal").first()
    services.case_update(actor=w.org.lead_b, case=series["b1"], category=traffic)
    assert people(w, w.org.brigade, *year, tag="traffic") == (2, 1, 1)
    check(w)


def test_changed_tags_or_a_moved_unit_send_the_figures_back_to_the_rows(world, series):
    w = world
    assert people_figures.serves(figures.CaseFigureBuild.objects.first().tag_signature)
    # a tag added to a 案由 after the rebuild: the summary no longer matches, the rows answer
    CaseTag.objects.get(code="traffic").categories.add(w.category)
    assert not people_figures.serves(figures.CaseFigureBuild.objects.first().tag_signature)
    assert people(w, w.org.brigade, dt.date(2024, 1, 1), dt.date(2024, 12, 31), tag="traffic") == (2, 2, 3)
    check(w, current=False)
    figures.rebuild()
    assert people_figures.serves(figures.CaseFigureBuild.objects.first().tag_signature)
    check(w)
    # squadron B moved under the detachment: the brigade's stored people would be wrong
    unit_move(actor=None, unit=w.org.squadron_b, new_parent=w.org.detachment)
    assert not people_figures.serves(figures.CaseFigureBuild.objects.first().tag_signature)
    w.org.brigade.refresh_from_db()
    w.org.squadron_b.refresh_from_db()
    assert people(w, w.org.brigade, dt.date(2024, 3, 1), dt.date(2024, 3, 31)) == (1, 0, 0)
    check(w, current=False)
    figures.rebuild()
    assert people_figures.serves(figures.CaseFigureBuild.objects.first().tag_signature)
    check(w)


def test_rebuild_check_finds_a_wrong_people_row(world, series):
    call_command("rebuild_case_figures", "--check")
    row = PeopleFigureDay.objects.filter(n__gt=0).first()
    row.n += 1
    row.save()
    with pytest.raises(CommandError):
        call_command("rebuild_case_figures", "--check")
    call_command("rebuild_case_figures")
    call_command("rebuild_case_figures", "--check")
