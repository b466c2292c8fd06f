"""The cases demo's histories: every demo case, review and coercive measure has a timeline of workflow
events that starts where the object starts, each step leaving from the state the previous one
reached, in time order, by a plausible person, and ending in the object's current state."""

from __future__ import annotations

from collections import defaultdict

import pytest

from jingwu.cases import demo
from jingwu.cases.models import Case, CoerciveMeasure, Review
from jingwu.cases.views.timeline import case_timeline
from jingwu.core.models import AuditLog, TransitionEvent
from jingwu.org import demo as org_demo
from jingwu.org.models import Unit, User
from jingwu.testing.fixtures import rolled_back

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def loaded(django_db_setup, django_db_blocker):
    """Load once for the module (the demo takes a few seconds); rolled back at the end."""
    with rolled_back(django_db_blocker):
        org_demo.load(seed=3)
        yield demo.load(seed=3)


def events_of(model):
    by_object = defaultdict(list)
    rows = TransitionEvent.objects.filter(object_type=model._meta.label_lower).select_related("actor")
    for event in rows.order_by("occurred_at", "id"):
        by_object[int(event.object_id)].append(event)
    return by_object


def assert_chain(events, start, end, first_at):
    """Steps in time order, each from the state the previous one reached, from ``start`` to ``end``."""
    state, at = start, first_at
    for event in events:
        assert event.from_state == state, (event.transition, event.from_state, state)
        assert event.occurred_at >= at, (event.transition, event.occurred_at, at)
        assert event.actor is not None
        state, at = event.to_state, event.occurred_at
    assert state == end


def test_every_demo_case_has_a_consistent_history(loaded):
    cases = list(Case.objects.select_related("unit"))
    bureau = Unit.objects.get(code=demo.BUREAU_CODE)
    assert sum(c.unit.path.startswith(bureau.path) for c in cases) >= demo.ENV_CASES
    events = events_of(Case)
    officers = defaultdict(set)
    for case_id, person_id in Case.handling_officers.through.objects.values_list("case_id", "person_id"):
        officers[case_id].add(person_id)
    for case in cases:  # every one, so a rare slip cannot hide behind a sample
        history = events[case.pk]
        assert_chain(history, Case.State.ACCEPTED, case.state, case.accepted_at)
        for event in history:  # the case's own steps are its handling officers'
            assert event.actor.person_id in officers[case.pk], (case.number, event.transition)
        stamps = {e.transition: e.occurred_at for e in history}
        assert stamps.get("file") == case.filed_at and stamps.get("solve") == case.solved_at
        if case.transferred_at:
            assert stamps["transfer_for_prosecution"] == case.transferred_at
        if case.filed_at:
            assert history[0].transition == "file"


def test_every_review_and_measure_has_its_history(loaded):
    reviews = list(Review.objects.select_related("case"))
    assert reviews and any(r.return_count for r in reviews)  # some were returned once
    review_events = events_of(Review)
    case_events = events_of(Case)
    gated = {"file": "file", "prosecution": "transfer_for_prosecution", "penalty": "decide_penalty"}
    for review in reviews:
        history = review_events[review.pk]
        assert_chain(history, Review.State.SUBMITTED, review.state, review.case.accepted_at)
        steps = {e.transition: e for e in history}
        opinion = steps["legal_opinion"]
        assert opinion.actor == review.legal_reviewer and opinion.payload["opinion"] == review.legal_opinion
        assert opinion.occurred_at == review.legal_at
        approval = steps["approve"]
        assert approval.actor == review.approver and approval.occurred_at == review.approved_at
        assert review.approver not in (review.submitted_by, review.legal_reviewer)
        assert approval.actor.person_id != review.case.lead_officer_id  # no one approves their own case
        if review.return_count:
            assert steps["return_review"].reason == review.return_reason and "resubmit" in steps
        decided = next(e for e in case_events[review.case_id] if e.transition == gated[review.decision])
        assert approval.occurred_at < decided.occurred_at  # reviewed before the decision it gates
    measures = list(CoerciveMeasure.objects.select_related("case"))
    assert measures and any(m.state == CoerciveMeasure.State.ACTIVE for m in measures)
    measure_events = events_of(CoerciveMeasure)
    for measure in measures:
        history = measure_events[measure.pk]
        assert_chain(history, CoerciveMeasure.State.REQUESTED, measure.state, measure.requested_at)
        assert history[0].actor == measure.approved_by and history[0].occurred_at == measure.approved_at
        assert history[1].occurred_at == measure.started_at >= measure.case.filed_at


def test_a_demo_case_page_shows_its_history(loaded, client):
    leader = User.objects.get(username="city_leader")
    case = Case.objects.filter(state=Case.State.TRANSFERRED, unit__code__startswith="1506").first()
    client.force_login(leader)
    page = client.get(f"/cases/{case.pk}/").content.decode()
    for label in ("立案", "开始侦查/调查", "破案", "移送审查起诉", "法制审核通过", "领导审批通过"):
        assert label in page


# --- the case page's timeline: the demo's submissions (呈请) and measure requests (提请), written in bulk
# without the audit rows the services write, are on it; the reviews read in Chinese


def test_demo_review_requests_name_the_decision_in_chinese(loaded):
    summaries = set(Review.objects.exclude(decision=Review.Decision.MEASURE).values_list("summary", flat=True))
    assert summaries, "the demo writes reviews"
    labels = {f"呈请{label}" for label in Review.Decision.labels}
    for summary in summaries:
        assert summary in labels, summary
        assert not any(code in summary for code in Review.Decision.values), summary


def _timeline(case):
    reviews = list(Review.objects.filter(case=case).select_related("submitted_by__person", "measure__party"))
    measures = list(CoerciveMeasure.objects.filter(case=case).select_related("party", "requested_by__person"))
    return reviews, measures, case_timeline(case, reviews, measures)


def test_demo_submissions_are_on_the_case_timeline(loaded):
    assert not AuditLog.objects.filter(event="cases.review.submit").exists()  # written in bulk
    returned = Review.objects.filter(return_count__gt=0, decision="file").select_related("case").first()
    plain = Review.objects.filter(return_count=0, decision="file").select_related("case").first()
    measured = CoerciveMeasure.objects.select_related("case").first()
    assert returned and plain and measured
    for case in {returned.case, plain.case, measured.case}:
        reviews, measures, events = _timeline(case)
        submissions = [e for e in events if e.transition == "submit"]
        assert len(submissions) == len(reviews) + len(measures)
        for review in reviews:
            mine = [e for e in submissions if e.transition_label == f"{review.get_decision_display()}审核:呈请"]
            assert mine and all(e.actor_name for e in mine)
            # the submission comes before the review's first step (a return, or the legal opinion)
            steps = [
                e for e in events if e.subject == mine[0].subject and e.transition in ("return_review", "legal_opinion")
            ]
            assert events.index(mine[0]) < min(events.index(s) for s in steps)
            if not review.return_count:
                assert any(e.occurred_at == review.submitted_at for e in mine)
        for measure in measures:
            label = f"{measure.get_kind_display()}·{measure.party.name}:提请"
            assert any(e.transition_label == label and e.occurred_at == measure.requested_at for e in submissions)
    # the timeline stays in time order
    _, _, events = _timeline(returned.case)
    assert [e.occurred_at for e in events] == sorted(e.occurred_at for e in events)
    assert Case.objects.filter(pk=returned.case.pk).exists()
