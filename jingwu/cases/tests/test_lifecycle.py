"""A criminal case from the 110 incident to the transfer for prosecution, with the legal review
returned once and then approved; every step leaves its event and audit rows."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from jingwu.cases import services
from jingwu.cases.models import Case, CoerciveMeasure, Incident, ProsecutionTransfer, Review
from jingwu.core import workflow
from jingwu.core.models import AuditLog, TransitionEvent
from jingwu.core.workflow import TransitionNotAllowed

from .conftest import approve, new_case, suspect

pytestmark = pytest.mark.django_db


def test_incident_to_prosecution(world):
    w, org = world, world.org
    received = timezone.now() - timedelta(hours=3)
    incident = services.incident_create(
        actor=org.lead_a,
        unit=org.squadron_a,
        number="J150621202403050001",
        received_at=received,
        category=w.incident_category,
        location="某河段排污口",
        caller_name="张群众",
        caller_phone="13912345678",
    )
    assert incident.disposal_due_at == received + timedelta(hours=24)  # 刑事: 24 natural hours
    assert incident.caller_phone_masked == "139****5678"
    audit_row = AuditLog.objects.get(event="cases.incident.create", object_id=str(incident.pk))
    assert "13912345678" not in str(audit_row.changes) and "张群众" not in str(audit_row.changes)
    services.incident_dispatch(actor=org.lead_a, incident=incident, officers=[org.person_a, w.partner_a])

    case = services.incident_convert_to_case(
        actor=org.lead_a,
        incident=incident,
        kind=Case.Kind.CRIMINAL,
        category=w.category,
        title="某化工厂污染环境案",
        lead_officer=org.person_a,
        handling_officers=[org.person_a, w.partner_a],
        amount_involved="1250000.00",
    )
    incident.refresh_from_db()
    assert incident.state == Incident.State.DISPOSED and case.number in incident.disposal_result
    assert list(case.incidents.all()) == [incident]
    assert case.state == Case.State.ACCEPTED
    assert case.number.startswith("A150621000100") and len(case.number) == 23

    # 立案 without an approved review is refused with the reason, and changes nothing
    with pytest.raises(TransitionNotAllowed) as refused:
        services.case_file(actor=org.officer_a, case=case)
    assert "法制审核" in refused.value.message
    case.refresh_from_db()
    assert case.state == Case.State.ACCEPTED and case.filed_at is None

    # the review is returned once with a reason, then resubmitted and approved
    review = services.review_submit(actor=org.officer_a, case=case, decision="file", summary="呈请立案")
    services.review_reject(actor=w.legal, review=review, reason="缺少现场勘验笔录")
    review.refresh_from_db()
    assert review.state == Review.State.RETURNED and review.return_reason == "缺少现场勘验笔录"
    with pytest.raises(TransitionNotAllowed):
        services.case_file(actor=org.officer_a, case=case)
    services.review_resubmit(actor=org.officer_a, review=review, summary="已补充勘验笔录,呈请立案")
    services.review_legal_opinion(actor=w.legal, review=review, opinion="符合立案条件")
    services.review_approve(actor=w.leader, review=review, opinion="同意立案")
    review.refresh_from_db()
    assert review.state == Review.State.APPROVED and review.approver == w.leader and review.return_count == 1
    labels = [e.transition for e in workflow.timeline(review)]
    assert labels == ["return_review", "resubmit", "legal_opinion", "approve"]

    services.case_file(actor=org.officer_a, case=case)
    services.case_investigate(actor=org.officer_a, case=case)
    assert case.state == Case.State.INVESTIGATING and case.filed_at is not None

    # a coercive measure: requested with its review, approved by the leader, executed
    person = suspect(w, case, "王老板")
    measure = services.measure_request(
        actor=org.officer_a, case=case, party=person, kind="detention", reason="有毁灭证据可能"
    )
    measure_review = measure.reviews.get()
    services.review_legal_opinion(actor=w.legal, review=measure_review, opinion="同意")
    services.review_approve(actor=w.leader, review=measure_review)
    measure.refresh_from_db()
    assert measure.state == CoerciveMeasure.State.APPROVED and measure.approved_by == w.leader
    services.measure_start(actor=org.officer_a, measure=measure)
    assert measure.state == CoerciveMeasure.State.ACTIVE

    services.case_solve(actor=org.officer_a, case=case)
    approve(w, case, "prosecution")
    transfer = services.transfer_for_prosecution(
        actor=org.officer_a,
        case=case,
        parties=[person],
        procuratorate="达拉特旗人民检察院",
        document_number="达公(环)诉字〔2024〕1号",
    )
    case.refresh_from_db()
    assert case.state == Case.State.TRANSFERRED and case.transferred_at is not None
    assert list(transfer.parties.all()) == [person]
    # the same suspect cannot be transferred twice
    with pytest.raises(ValidationError) as twice:
        services.transfer_for_prosecution(actor=org.officer_a, case=case, parties=[person], procuratorate="某院")
    assert "parties" in twice.value.message_dict
    assert ProsecutionTransfer.objects.count() == 1

    events = list(
        TransitionEvent.objects.filter(object_type="cases.case", object_id=str(case.pk)).values_list(
            "transition", flat=True
        )
    )
    assert events == ["file", "investigate", "solve", "transfer_for_prosecution"]
    audited = set(AuditLog.objects.values_list("event", flat=True))
    assert {
        "cases.incident.create",
        "cases.incident.dispatch",
        "cases.incident.dispose",
        "cases.case.create",
        "cases.review.submit",
        "workflow.review.return_review",
        "workflow.case.file",
        "cases.party.add",
        "cases.measure.request",
        "workflow.coercivemeasure.approve",
        "cases.transfer.create",
        "workflow.case.transfer_for_prosecution",
    } <= audited


def test_transfer_needs_its_own_review(world):
    w = world
    case = new_case(w)
    approve(w, case, "file")
    services.case_file(actor=w.org.officer_a, case=case)
    services.case_investigate(actor=w.org.officer_a, case=case)
    services.case_solve(actor=w.org.officer_a, case=case)
    person = suspect(w, case)
    with pytest.raises(TransitionNotAllowed) as refused:
        services.transfer_for_prosecution(actor=w.org.officer_a, case=case, parties=[person], procuratorate="某院")
    assert "移送起诉" in refused.value.message
    case.refresh_from_db()
    assert case.state == Case.State.SOLVED and not ProsecutionTransfer.objects.exists()


def test_administrative_case_limit_and_penalty(world):
    w = world
    case = new_case(w, kind=Case.Kind.ADMINISTRATIVE, accepted_at=timezone.now() - timedelta(days=31))
    assert case.number.startswith("X")
    status = case.handling_status()
    assert status is not None and status.state == "overdue"
    approve(w, case, "file")
    services.case_file(actor=w.org.officer_a, case=case)
    services.case_investigate(actor=w.org.officer_a, case=case)
    approve(w, case, "penalty")
    with pytest.raises(TransitionNotAllowed) as late:
        services.case_decide_penalty(actor=w.org.officer_a, case=case)
    assert "办案期限" in late.value.message
    # a handling officer cannot extend their own case's limit; the leader can, by at most 30 days
    with pytest.raises(TransitionNotAllowed):
        services.case_extend_limit(actor=w.leader, case=case, days=31, reason="案情复杂")
    services.case_extend_limit(actor=w.leader, case=case, days=30, reason="案情复杂,经批准延长")
    assert case.extensions.count() == 1
    assert case.handling_status().state != "overdue"
    services.case_decide_penalty(actor=w.org.officer_a, case=case)
    services.case_close(actor=w.org.officer_a, case=case)
    assert case.state == Case.State.CLOSED
