"""The workflow mechanism, against the test-only ``workflowapp.Ticket`` model."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.template.loader import render_to_string

from jingwu.core import workflow
from jingwu.core.models import AuditLog, TransitionEvent
from jingwu.core.workflow import TransitionNotAllowed
from jingwu.testing.factories import make_person, make_user
from jingwu.testing.workflowapp.models import Ticket

pytestmark = pytest.mark.django_db


def submitted_ticket(org, **extra) -> Ticket:
    return Ticket.objects.create(unit=org.squadron_a, requester=org.officer_a, state=Ticket.State.SUBMITTED, **extra)


def assert_unchanged(ticket: Ticket, state: str = Ticket.State.SUBMITTED) -> None:
    ticket.refresh_from_db()
    assert ticket.state == state
    assert ticket.decided_by_id is None
    assert not TransitionEvent.objects.filter(object_id=str(ticket.pk)).exists()
    assert not AuditLog.objects.filter(event__startswith="workflow.ticket.").exists()


def test_allowed_transition_changes_state_and_writes_event_and_audit(org):
    ticket = submitted_ticket(org)
    event = workflow.perform(ticket, "approve", actor=org.lead_a, payload={"note": "同意"})

    assert ticket.state == Ticket.State.APPROVED  # the caller's object is updated
    ticket.refresh_from_db()
    assert ticket.state == Ticket.State.APPROVED
    assert ticket.decided_by == org.lead_a  # the transition's effect ran and was saved
    stored = TransitionEvent.objects.get(pk=event.pk)
    assert (stored.object_type, stored.object_id) == ("workflowapp.ticket", str(ticket.pk))
    assert (stored.transition, stored.from_state, stored.to_state) == ("approve", "submitted", "approved")
    assert stored.actor == org.lead_a and stored.payload == {"note": "同意"}
    log = AuditLog.objects.get(event="workflow.ticket.approve")
    assert log.actor_id == org.lead_a.pk and log.object_id == str(ticket.pk)
    assert log.changes["state"] == ["submitted", "approved"]


def test_transition_not_allowed_from_current_state(org):
    ticket = Ticket.objects.create(unit=org.squadron_a, requester=org.officer_a)  # draft
    with pytest.raises(TransitionNotAllowed) as info:
        workflow.perform(ticket, "approve", actor=org.lead_a)
    assert info.value.code == "state"
    assert "草稿" in info.value.message
    assert_unchanged(ticket, Ticket.State.DRAFT)


def test_missing_capability_changes_nothing(org):
    # An officer of the same squadron sees the ticket's unit only through OWN scope and has no approve capability.
    colleague = make_user("colleague", "officer", org.squadron_a, person=make_person(org.squadron_a, "周同事"))
    ticket = submitted_ticket(org)
    with pytest.raises(TransitionNotAllowed) as info:
        workflow.perform(ticket, "approve", actor=colleague)
    assert info.value.code in {"scope", "capability"}
    assert_unchanged(ticket)


def test_capability_without_scope_refused_as_scope(org):
    # The political officer holds the capability but over another subtree: refused as out of scope.
    other_unit_lead = make_user("lead_x", "unit_lead", org.squadron_b)
    ticket = submitted_ticket(org)
    with pytest.raises(TransitionNotAllowed) as info:
        workflow.perform(ticket, "approve", actor=other_unit_lead)
    assert info.value.code == "scope"
    assert "数据权限" in info.value.message
    assert_unchanged(ticket)


def test_capability_guard_applies_even_inside_scope(org):
    legal = make_user("legal_a", "legal", org.brigade)  # sees the brigade subtree but cannot approve
    ticket = submitted_ticket(org)
    with pytest.raises(TransitionNotAllowed) as info:
        workflow.perform(ticket, "approve", actor=legal)
    assert info.value.code in {"scope", "capability"}
    assert_unchanged(ticket)


def test_no_self_approval_by_requester_user(org):
    ticket = Ticket.objects.create(unit=org.squadron_a, requester=org.lead_a, state=Ticket.State.SUBMITTED)
    with pytest.raises(TransitionNotAllowed) as info:
        workflow.perform(ticket, "approve", actor=org.lead_a)
    assert info.value.code == "self_approval"
    assert "申请人本人不得批准" in info.value.message
    assert_unchanged(ticket)


def test_no_self_approval_by_handler_person(org):
    ticket = submitted_ticket(org, handler=org.lead_a.person)
    with pytest.raises(TransitionNotAllowed) as info:
        workflow.perform(ticket, "approve", actor=org.lead_a)
    assert info.value.code == "self_approval"
    assert_unchanged(ticket)


def test_custom_guard_message(org):
    ticket = Ticket.objects.create(unit=org.squadron_a, requester=org.officer_a, amount=0)
    with pytest.raises(TransitionNotAllowed) as info:
        workflow.perform(ticket, "submit", actor=org.officer_a)
    assert info.value.code == "guard" and "金额必须大于零" in info.value.message
    assert_unchanged(ticket, Ticket.State.DRAFT)


@pytest.mark.parametrize("reason", ["", "   "])
def test_required_reason_missing_changes_nothing(org, reason):
    ticket = submitted_ticket(org)
    with pytest.raises(ValidationError) as info:
        workflow.perform(ticket, "reject", actor=org.lead_a, reason=reason)
    assert "必须填写原因" in str(info.value) and "reason is required" in str(info.value)
    assert_unchanged(ticket)


def test_required_reason_given_is_recorded(org):
    ticket = submitted_ticket(org)
    workflow.perform(ticket, "reject", actor=org.lead_a, reason="材料不全")
    event = TransitionEvent.objects.get(object_id=str(ticket.pk))
    assert event.reason == "材料不全" and event.to_state == "rejected"


def test_stale_object_is_refused(org):
    ticket = submitted_ticket(org)
    stale_copy = Ticket.objects.get(pk=ticket.pk)
    workflow.perform(ticket, "approve", actor=org.lead_a)
    with pytest.raises(TransitionNotAllowed) as info:
        workflow.perform(stale_copy, "reject", actor=org.leader, reason="不同意")
    assert info.value.code == "stale" and "已批准" in info.value.message
    stale_copy.refresh_from_db()
    assert stale_copy.state == Ticket.State.APPROVED
    assert TransitionEvent.objects.filter(object_id=str(ticket.pk)).count() == 1


def test_anonymous_or_missing_actor_refused_unless_system_transition(org):
    from django.contrib.auth.models import AnonymousUser

    ticket = submitted_ticket(org)
    for actor in (None, AnonymousUser()):
        with pytest.raises(TransitionNotAllowed):
            workflow.perform(ticket, "approve", actor=actor)
    assert_unchanged(ticket)
    workflow.perform(ticket, "urge", actor=None)  # a task may urge without a user
    event = TransitionEvent.objects.get(object_id=str(ticket.pk))
    assert event.actor is None and event.from_state == event.to_state == "submitted"


def test_available_transitions_for_buttons(org):
    ticket = submitted_ticket(org)
    assert [t.name for t in workflow.available_transitions(ticket, org.lead_a)] == ["approve", "reject", "urge"]
    # The requester may not decide; lead of the other squadron sees nothing to do.
    assert [t.name for t in workflow.available_transitions(ticket, org.officer_a)] == ["urge"]
    assert workflow.available_transitions(ticket, org.lead_b) == []


def test_unknown_transition(org):
    ticket = submitted_ticket(org)
    with pytest.raises(TransitionNotAllowed) as info:
        workflow.perform(ticket, "teleport", actor=org.lead_a)
    assert info.value.code == "unknown"


def test_timeline_renders_events_in_shanghai_time_with_labels(org):
    from datetime import UTC, datetime

    ticket = Ticket.objects.create(unit=org.squadron_a, requester=org.officer_a)
    workflow.perform(ticket, "submit", actor=org.officer_a)
    workflow.perform(ticket, "reject", actor=org.lead_a, reason="材料不全")
    TransitionEvent.objects.filter(transition="submit").update(occurred_at=datetime(2026, 3, 1, 8, 0, tzinfo=UTC))
    TransitionEvent.objects.filter(transition="reject").update(occurred_at=datetime(2026, 3, 1, 16, 30, tzinfo=UTC))

    events = workflow.timeline(ticket)
    assert [e.transition for e in events] == ["submit", "reject"]
    html = render_to_string("core/timeline.html", {"events": events})
    assert "2026-03-02 00:30" in html  # 16:30 UTC is 00:30 next day in Asia/Shanghai
    assert "待审批" in html and "已退回" in html and "草稿" in html
    assert "王中队" in html and "张三丰" in html  # actor names
    assert "材料不全" in html
    assert "退回" in html


def test_timeline_empty(org):
    ticket = submitted_ticket(org)
    html = render_to_string("core/timeline.html", {"events": workflow.timeline(ticket)})
    assert "暂无流转记录" in html
