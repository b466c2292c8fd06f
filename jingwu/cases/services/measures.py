"""Writes to coercive measures (强制措施) and to the reviews (审核把关) that gate decisions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from jingwu.core import audit
from jingwu.org.roles import Cap

from ..models import Case, CoerciveMeasure, Party, Review
from ._common import Errors, at_payload, perform, require_cap, require_visible
from .people_figures import keeping_people

ADMIN_KINDS = (CoerciveMeasure.Kind.ADMIN_DETENTION,)
OPEN_MEASURE_STATES = (
    CoerciveMeasure.State.REQUESTED,
    CoerciveMeasure.State.APPROVED,
    CoerciveMeasure.State.ACTIVE,
    CoerciveMeasure.State.EXTENDED,
)
OPEN_REVIEW_STATES = (Review.State.SUBMITTED, Review.State.LEGAL_REVIEWED, Review.State.RETURNED)


# --- reviews ---------------------------------------------------------------------------------------


def review_submit(
    *, actor: Any, case: Case, decision: str, summary: str, measure: CoerciveMeasure | None = None
) -> Review:
    """A handler asks for a gated decision (立案, 强制措施, 移送起诉, 行政处罚) to be reviewed."""
    require_cap(actor, Cap.HANDLE_CASE)
    errors = Errors()
    if decision not in Review.Decision.values:
        errors.add("decision", "审核事项无效 / unknown decision")
    summary = (summary or "").strip()
    if not summary:
        errors.add("summary", "请填写呈请事项 / describe what is asked")
    if decision == Review.Decision.MEASURE and (measure is None or measure.case_id != case.pk):
        errors.add("measure", "请选择本案的强制措施 / choose a measure of this case")
    if decision != Review.Decision.MEASURE and measure is not None:
        errors.add("measure", "只有强制措施审核可关联措施 / only a measure review names a measure")
    if decision == Review.Decision.PROSECUTION and case.kind != Case.Kind.CRIMINAL:
        errors.add("decision", "行政案件不能移送审查起诉 / an administrative case is not prosecuted")
    if decision == Review.Decision.PENALTY and case.kind != Case.Kind.ADMINISTRATIVE:
        errors.add("decision", "刑事案件不作行政处罚决定 / a criminal case gets no administrative penalty")
    errors.raise_if_any()
    with transaction.atomic():
        require_visible(actor, case, Cap.HANDLE_CASE)
        pending = case.reviews.filter(decision=decision, measure=measure, state__in=OPEN_REVIEW_STATES)
        if pending.exists():
            raise ValidationError({"decision": "该事项已有待办的审核 / a review of this decision is already open"})
        review = Review.objects.create(
            case=case,
            decision=decision,
            measure=measure,
            summary=summary,
            submitted_by=actor,
            submitted_at=timezone.now(),
        )
        audit.record(
            "cases.review.submit",
            obj=review,
            actor=actor,
            changes={"case": case.pk, "decision": decision, "measure": measure.pk if measure else None},
        )
    return review


def review_legal_opinion(*, actor: Any, review: Review, opinion: str) -> Review:
    """The legal office (法制) agrees and passes it to a leader; to disagree, return it."""
    perform(review, "legal_opinion", actor=actor, opinion=(opinion or "").strip())
    return review


def review_approve(*, actor: Any, review: Review, opinion: str = "") -> Review:
    """A leader approves. A measure review approves its measure in the same transaction."""
    with transaction.atomic():
        perform(review, "approve", actor=actor, opinion=(opinion or "").strip())
        if review.decision == Review.Decision.MEASURE and review.measure is not None:
            measure = CoerciveMeasure.objects.get(pk=review.measure.pk)
            if measure.state == CoerciveMeasure.State.REQUESTED and measure.kind != CoerciveMeasure.Kind.ARREST:
                perform(measure, "approve", actor=actor)
    return review


def review_reject(*, actor: Any, review: Review, reason: str) -> Review:
    """Return the review to the handler with the reason (退回)."""
    perform(review, "return_review", actor=actor, reason=reason, why=(reason or "").strip())
    return review


def review_resubmit(*, actor: Any, review: Review, summary: str = "") -> Review:
    perform(review, "resubmit", actor=actor, summary=(summary or "").strip())
    return review


# --- measures --------------------------------------------------------------------------------------


def measure_request(
    *,
    actor: Any,
    case: Case,
    party: Party,
    kind: str,
    reason: str,
    decision_days: int | None = None,
    place: str = "",
) -> CoerciveMeasure:
    """Ask for a coercive measure; its review (审核把关) is submitted with it."""
    require_cap(actor, Cap.HANDLE_CASE)
    errors = Errors()
    if kind not in CoerciveMeasure.Kind.values:
        errors.add("kind", "强制措施种类无效 / unknown measure")
    elif case.kind == Case.Kind.CRIMINAL and kind not in CoerciveMeasure.CRIMINAL_KINDS:
        errors.add("kind", "刑事案件不能采取行政拘留 / administrative detention is not for a criminal case")
    elif case.kind == Case.Kind.ADMINISTRATIVE and kind not in ADMIN_KINDS:
        errors.add("kind", "行政案件只能采取行政拘留 / an administrative case takes administrative detention only")
    if party.case_id != case.pk:
        errors.add("party", "该人员不是本案当事人 / not a party to this case")
    elif party.kind != Party.Kind.PERSON or party.role != Party.Role.SUSPECT:
        errors.add("party", "强制措施只能对犯罪嫌疑人/违法行为人采取 / only a suspect person")
    if kind == CoerciveMeasure.Kind.ADMIN_DETENTION:
        if not decision_days or not 1 <= int(decision_days) <= CoerciveMeasure.MAX_ADMIN_DETENTION_DAYS:
            errors.add("decision_days", "行政拘留天数应为1至20日 / 1 to 20 days")
    elif decision_days:
        errors.add("decision_days", "只有行政拘留填写天数 / days are for administrative detention only")
    reason = (reason or "").strip()
    if not reason:
        errors.add("reason", "请填写理由 / a reason is required")
    errors.raise_if_any()
    with transaction.atomic():
        require_visible(actor, case, Cap.HANDLE_CASE)
        if CoerciveMeasure.objects.filter(party=party, kind=kind, state__in=OPEN_MEASURE_STATES).exists():
            raise ValidationError({"kind": "该人员已有同种在办的强制措施 / this person already has this measure open"})
        measure = CoerciveMeasure.objects.create(
            case=case,
            party=party,
            kind=kind,
            reason=reason,
            decision_days=decision_days,
            place=(place or "").strip(),
            requested_by=actor,
            requested_at=timezone.now(),
        )
        audit.record(
            "cases.measure.request",
            obj=measure,
            actor=actor,
            changes={"case": case.pk, "party": party.pk, "kind": kind, "decision_days": decision_days},
        )
        review_submit(
            actor=actor,
            case=case,
            decision=Review.Decision.MEASURE,
            measure=measure,
            summary=f"提请对{party.name}{measure.get_kind_display()}:{reason}",
        )
    return measure


def measure_approve(*, actor: Any, measure: CoerciveMeasure, authority: str = "") -> CoerciveMeasure:
    """Approve (an arrest: record the procuratorate's approval as its authority)."""
    if measure.kind == CoerciveMeasure.Kind.ARREST and not (authority or "").strip():
        raise ValidationError({"authority": "逮捕须经人民检察院批准,请填写批准机关 / name the approving procuratorate"})
    perform(measure, "approve", actor=actor, authority=(authority or "").strip())
    return measure


def measure_reject(*, actor: Any, measure: CoerciveMeasure, reason: str) -> CoerciveMeasure:
    perform(measure, "reject", actor=actor, reason=reason)
    return measure


def measure_start(*, actor: Any, measure: CoerciveMeasure, at: datetime | None = None) -> CoerciveMeasure:
    if at is not None and (timezone.is_naive(at) or at > timezone.now()):
        raise ValidationError({"started_at": "开始时间须带时区且不晚于现在 / aware and not in the future"})
    with keeping_people(person_keys=[measure.party.person_key]):  # 强制措施人数 counts from the start
        perform(measure, "start", actor=actor, **at_payload(at))
    return measure


def measure_extend(*, actor: Any, measure: CoerciveMeasure, hours: int, reason: str) -> CoerciveMeasure:
    perform(measure, "extend", actor=actor, reason=reason, hours=hours, why=(reason or "").strip())
    return measure


def measure_end(*, actor: Any, measure: CoerciveMeasure, reason: str, at: datetime | None = None) -> CoerciveMeasure:
    if at is not None and measure.started_at is not None and at < measure.started_at:
        raise ValidationError({"ended_at": "解除时间不能早于开始时间 / ended before it started"})
    perform(measure, "end", actor=actor, reason=reason, why=(reason or "").strip(), **at_payload(at))
    return measure
