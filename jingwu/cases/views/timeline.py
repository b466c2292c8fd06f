"""The case timeline: the case's own transitions merged with those of its reviews and measures.

One query for all events (``TransitionEvent`` rows of the case, its reviews and its measures),
labelled as ``jingwu.core.workflow.timeline`` labels them, so ``core/timeline.html`` shows them.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext

from jingwu.core.models import AuditLog, TransitionEvent
from jingwu.core.workflow import workflow_of

from ..models import Case, CoerciveMeasure, Review


def _actor_name(event: TransitionEvent) -> str:
    actor = event.actor
    if actor is None:
        return gettext("系统")
    person = getattr(actor, "person", None)
    return getattr(person, "name", "") or actor.username


def case_timeline(case: Case, reviews: list[Review], measures: list[CoerciveMeasure]) -> list[Any]:
    """受案, then every transition of the case, its reviews (审核把关) and its measures, oldest first."""
    owners: dict[tuple[str, str], str] = {}
    q = Q(object_type=Case._meta.label_lower, object_id=str(case.pk))
    for review in reviews:
        owners[(Review._meta.label_lower, str(review.pk))] = gettext("%(decision)s审核") % {
            "decision": review.get_decision_display()
        }
    for measure in measures:
        owners[(CoerciveMeasure._meta.label_lower, str(measure.pk))] = (
            f"{measure.get_kind_display()}·{measure.party.name}"
        )
    if reviews:
        q |= Q(object_type=Review._meta.label_lower, object_id__in=[str(r.pk) for r in reviews])
    if measures:
        q |= Q(object_type=CoerciveMeasure._meta.label_lower, object_id__in=[str(m.pk) for m in measures])
    flows = {m._meta.label_lower: workflow_of(m) for m in (Case, Review, CoerciveMeasure)}
    labels = {key: (wf.state_labels(), {t.name: t.label for t in wf.transitions}) for key, wf in flows.items()}
    out: list[Any] = [
        SimpleNamespace(
            transition="accept",
            transition_label=gettext("受案"),
            occurred_at=case.accepted_at,
            actor_name=(case.created_by.person.name if case.created_by and case.created_by.person else "")
            or (case.created_by.username if case.created_by else gettext("系统")),
            from_state="",
            to_state=Case.State.ACCEPTED,
            from_label="",
            to_label=Case.State.ACCEPTED.label,
            reason="",
            subject="",
        )
    ]
    # Submissions (呈请) and measure requests are not transitions: their audit rows mark them.
    submitted = AuditLog.objects.filter(
        Q(event="cases.review.submit", object_type=Review._meta.label_lower, object_id__in=[str(r.pk) for r in reviews])
        | Q(
            event="cases.measure.request",
            object_type=CoerciveMeasure._meta.label_lower,
            object_id__in=[str(m.pk) for m in measures],
        )
    ).only("occurred_at", "object_type", "object_id", "actor_name", "actor_username", "event")
    audited: set[tuple[str, str]] = set()
    if reviews or measures:
        for row in submitted:
            audited.add((row.object_type, row.object_id))
            subject = owners.get((row.object_type, row.object_id), "")
            out.append(
                _submission(
                    subject, row.event == "cases.review.submit", row.occurred_at, row.actor_name or row.actor_username
                )
            )
    events = list(TransitionEvent.objects.filter(q).select_related("actor__person").order_by("occurred_at", "id"))
    out.extend(_unaudited_submissions(reviews, measures, owners, audited, events))
    for event in events:
        states, names = labels.get(event.object_type, ({}, {}))
        subject = owners.get((event.object_type, event.object_id), "")
        label = names.get(event.transition, event.transition)
        out.append(
            SimpleNamespace(
                transition=event.transition,
                transition_label=f"{subject}:{label}" if subject else label,
                occurred_at=event.occurred_at,
                actor_name=_actor_name(event),
                from_state=event.from_state,
                to_state=event.to_state,
                from_label=states.get(event.from_state, event.from_state),
                to_label=states.get(event.to_state, event.to_state),
                reason=event.reason,
                subject=subject,
            )
        )
    out.sort(key=lambda e: e.occurred_at)
    return out


def _submission(subject: str, review: bool, at: Any, actor_name: str) -> SimpleNamespace:
    action = gettext("呈请") if review else gettext("提请")
    return SimpleNamespace(
        transition="submit",
        transition_label=f"{subject}:{action}",
        occurred_at=at,
        actor_name=actor_name,
        from_state="",
        to_state="",
        from_label="",
        to_label=gettext("待法制审核") if review else gettext("已提请"),
        reason="",
        subject=subject,
    )


def _user_name(user: Any) -> str:
    if user is None:
        return gettext("系统")
    person = getattr(user, "person", None)
    return getattr(person, "name", "") or user.username


def _unaudited_submissions(
    reviews: list[Review],
    measures: list[CoerciveMeasure],
    owners: dict[tuple[str, str], str],
    audited: set[tuple[str, str]],
    events: list[TransitionEvent],
) -> list[SimpleNamespace]:
    """Submissions of reviews and measures written in bulk without their audit row (the demo's
    history): the rows say when and by whom. A review returned and resubmitted keeps only its
    resubmission time, so its first submission is placed at its first event (the return) at the
    latest."""
    review_type, measure_type = Review._meta.label_lower, CoerciveMeasure._meta.label_lower
    first_event: dict[str, Any] = {}
    for event in events:
        if event.object_type == review_type:
            first_event.setdefault(event.object_id, event.occurred_at)
    out = []
    for review in reviews:
        key = (review_type, str(review.pk))
        if key in audited:
            continue
        at = review.submitted_at
        if review.return_count and key[1] in first_event:
            at = min(at, first_event[key[1]])
        out.append(_submission(owners.get(key, ""), True, at, _user_name(review.submitted_by)))
    for measure in measures:
        key = (measure_type, str(measure.pk))
        if key not in audited:
            out.append(_submission(owners.get(key, ""), False, measure.requested_at, _user_name(measure.requested_by)))
    return out
