"""Validation with field messages, no self-approval, data scope, the centre check and measure limits."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone

from jingwu.cases import selectors, services
from jingwu.cases.models import Case, CoerciveMeasure, Review
from jingwu.core.models import AuditLog, TransitionEvent
from jingwu.core.workflow import TransitionNotAllowed
from jingwu.testing.factories import make_id_number

from .conftest import approve, new_case, suspect

pytestmark = pytest.mark.django_db


def test_bad_identifiers_are_refused_with_field_messages(world):
    w = world
    case = new_case(w)
    good = make_id_number()
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    with pytest.raises(ValidationError) as exc:
        services.party_add(actor=w.org.officer_a, case=case, role="suspect", name="甲", id_number=bad)
    assert "校验码" in exc.value.message_dict["id_number"][0]
    with pytest.raises(ValidationError) as exc:
        services.party_add(
            actor=w.org.officer_a, case=case, role="suspect", kind="company", name="某公司", uscc="91110000600037341X"
        )
    assert "uscc" in exc.value.message_dict
    assert not case.parties.exists()
    company = services.party_add(
        actor=w.org.officer_a, case=case, role="suspect", kind="company", name="某公司", uscc="91110000600037341L"
    )
    person = services.party_add(actor=w.org.officer_a, case=case, role="suspect", name="乙", id_number=good)
    assert company.person_key == "uscc:91110000600037341L"
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number FROM cases_party WHERE id = %s", [person.pk])
        stored = cursor.fetchone()[0]
    assert good not in stored  # encrypted at rest
    assert person.id_number_masked.startswith(good[:6]) and "*" in person.id_number_masked


def test_case_number_and_officer_rules(world):
    w = world
    with pytest.raises(ValidationError) as exc:
        new_case(w, number="A1506210002002026000001")  # 乙中队's code on a 甲中队 case
    assert "单位代码" in exc.value.message_dict["number"][0]
    with pytest.raises(ValidationError) as exc:
        new_case(w, number="B15062100010020260001")
    assert "23位" in exc.value.message_dict["number"][0]
    with pytest.raises(ValidationError) as exc:
        new_case(w, handling_officers=[w.org.person_a])
    assert "不得少于2人" in exc.value.message_dict["handling_officers"][0]
    with pytest.raises(ValidationError) as exc:
        new_case(w, amount_involved="-5")
    assert "amount_involved" in exc.value.message_dict
    assert not Case.objects.exists()
    year = timezone.localdate().year
    first = new_case(w, number=f"A150621000100{year}000007")
    with pytest.raises(ValidationError) as exc:
        new_case(w, number=f"A150621000100{year}000007")
    assert "number" in exc.value.message_dict
    assert services.next_case_number(w.org.squadron_a, "criminal", year).endswith("000008")
    assert first.year == year


def test_no_self_approval(world):
    w = world
    # the leader is a handling officer of this case
    case = new_case(w, handling_officers=[w.org.person_a, w.leader_handler.person])
    review = services.review_submit(actor=w.org.officer_a, case=case, decision="file", summary="呈请立案")
    services.review_legal_opinion(actor=w.legal, review=review, opinion="同意")
    with pytest.raises(TransitionNotAllowed) as exc:
        services.review_approve(actor=w.leader_handler, review=review)
    assert exc.value.code == "guard" and "本人承办" in exc.value.message
    # the submitter may not approve either (a leader who submitted it)
    other = new_case(w)
    own = services.review_submit(actor=w.leader_handler, case=other, decision="file", summary="呈请")
    services.review_legal_opinion(actor=w.legal, review=own, opinion="同意")
    with pytest.raises(TransitionNotAllowed) as exc:
        services.review_approve(actor=w.leader_handler, review=own)
    assert exc.value.code == "self_approval"
    # an officer has no approval capability at all
    with pytest.raises(TransitionNotAllowed):
        services.review_approve(actor=w.org.officer_a, review=review)
    review.refresh_from_db()
    assert review.state == Review.State.LEGAL_REVIEWED
    assert not TransitionEvent.objects.filter(transition="approve").exists()
    # a handling officer-leader cannot withdraw their own case
    services.review_approve(actor=w.leader, review=review)
    services.case_file(actor=w.org.officer_a, case=case)
    with pytest.raises(TransitionNotAllowed):
        services.case_withdraw(actor=w.leader_handler, case=case, reason="撤案")
    services.case_withdraw(actor=w.leader, case=case, reason="没有犯罪事实")
    assert case.state == Case.State.WITHDRAWN


def test_squadron_scope(world):
    w = world
    case = new_case(w)  # 甲中队
    assert not Case.objects.visible_to(w.org.lead_b).filter(pk=case.pk).exists()
    assert not Case.objects.visible_to(w.officer_b).filter(pk=case.pk).exists()
    assert Case.objects.visible_to(w.org.officer_a).filter(pk=case.pk).exists()  # its lead officer
    assert Case.objects.visible_to(w.legal).filter(pk=case.pk).exists()
    with pytest.raises(Case.DoesNotExist):
        selectors.case_get(w.org.lead_b, case.pk)
    before = AuditLog.objects.filter(event__startswith="cases.").count()
    with pytest.raises(PermissionDenied):
        services.party_add(actor=w.org.lead_b, case=case, role="victim", name="某甲")
    with pytest.raises(PermissionDenied):
        services.case_update(actor=w.org.lead_b, case=case, title="改名")
    with pytest.raises(PermissionDenied):
        services.review_submit(actor=w.org.lead_b, case=case, decision="file", summary="x")
    with pytest.raises(TransitionNotAllowed) as exc:
        services.case_file(actor=w.org.lead_b, case=case)
    assert exc.value.code == "scope"  # views answer 404
    case.refresh_from_db()
    assert case.title == "某化工厂污染环境案" and not case.parties.exists() and not case.reviews.exists()
    assert AuditLog.objects.filter(event__startswith="cases.").count() == before
    # a case in 乙中队's unit cannot be created by 甲中队's lead
    with pytest.raises(PermissionDenied):
        new_case(w, unit=w.org.squadron_b, actor=w.org.lead_a)


def test_centre_record_check(world):
    w = world
    criminal = new_case(w)
    approve(w, criminal, "file")
    services.case_file(actor=w.org.officer_a, case=criminal)
    admin = new_case(w, kind=Case.Kind.ADMINISTRATIVE, title="逃避监管排污案")
    approve(w, admin, "file")
    services.case_file(actor=w.org.officer_a, case=admin)
    plain_admin = new_case(w, kind=Case.Kind.ADMINISTRATIVE, title="无拘留的行政案")
    offender = suspect(w, admin, "排污人")
    measure = services.measure_request(
        actor=w.org.officer_a,
        case=admin,
        party=offender,
        kind="admin_detention",
        reason="逃避监管排污",
        decision_days=10,
    )
    approve_review = measure.reviews.get()
    services.review_legal_opinion(actor=w.legal, review=approve_review, opinion="同意")
    services.review_approve(actor=w.leader, review=approve_review)
    missing = set(selectors.cases_missing_centre_record(w.leader))
    assert missing == {criminal, admin}
    assert plain_admin not in missing
    person = suspect(w, criminal, "入区人")
    with pytest.raises(ValidationError) as exc:
        services.centre_entry(
            actor=w.org.officer_a, case=criminal, party=person, reason="讯问", safety_check_done=False
        )
    assert "safety_check_done" in exc.value.message_dict
    visit = services.centre_entry(
        actor=w.org.officer_a,
        case=criminal,
        party=person,
        reason="讯问",
        safety_check_done=True,
        belongings="手机一部",
        rooms="讯问室2",
        entered_at=timezone.now() - timedelta(hours=2),
    )
    assert set(selectors.cases_missing_centre_record(w.leader)) == {admin}
    services.centre_exit(actor=w.org.officer_a, visit=visit, destination="送看守所", belongings_returned=True)
    visit.refresh_from_db()
    assert not visit.inside and visit.stay() >= 2
    # another squadron's user sees none of it
    assert not selectors.cases_missing_centre_record(w.org.lead_b).exists()


def test_measure_limit_overdue_and_extension(world):
    w = world
    case = new_case(w)
    approve(w, case, "file")
    services.case_file(actor=w.org.officer_a, case=case)
    person = suspect(w, case)
    measure = services.measure_request(actor=w.org.officer_a, case=case, party=person, kind="detention", reason="现行")
    with pytest.raises(TransitionNotAllowed):  # no approved review yet
        services.measure_approve(actor=w.leader, measure=measure)
    review = measure.reviews.get()
    services.review_legal_opinion(actor=w.legal, review=review, opinion="同意")
    services.review_approve(actor=w.leader, review=review)
    measure.refresh_from_db()
    started = timezone.now() - timedelta(hours=80)
    services.measure_start(actor=w.org.officer_a, measure=measure, at=started)
    measure.refresh_from_db()
    assert measure.limit_status().due == started + timedelta(hours=72)
    assert measure.is_overdue()
    assert selectors.overdue_measures(w.leader) == [measure]
    assert selectors.overdue_measures(w.org.lead_b) == []
    with pytest.raises(TransitionNotAllowed):  # the requester's side cannot extend
        services.measure_extend(actor=w.org.officer_a, measure=measure, hours=96, reason="流窜作案")
    services.measure_extend(actor=w.leader, measure=measure, hours=96, reason="流窜作案,经批准延长")
    measure.refresh_from_db()
    assert measure.state == CoerciveMeasure.State.EXTENDED and not measure.is_overdue()
    assert selectors.overdue_measures(w.leader) == []
    services.measure_end(actor=w.org.officer_a, measure=measure, reason="变更为逮捕")
    assert measure.state == CoerciveMeasure.State.ENDED and measure.end_reason == "变更为逮捕"


def test_measure_kind_must_suit_the_case(world):
    w = world
    case = new_case(w)
    person = suspect(w, case)
    with pytest.raises(ValidationError) as exc:
        services.measure_request(
            actor=w.org.officer_a, case=case, party=person, kind="admin_detention", reason="x", decision_days=5
        )
    assert "kind" in exc.value.message_dict
    victim = services.party_add(actor=w.org.officer_a, case=case, role="victim", name="被害人")
    with pytest.raises(ValidationError) as exc:
        services.measure_request(actor=w.org.officer_a, case=case, party=victim, kind="bail", reason="x")
    assert "party" in exc.value.message_dict
    assert not CoerciveMeasure.objects.exists()
