"""``workflow.perform_created``: the first transition of a row inserted in the same transaction writes
the same event and audit row as ``perform``, refuses what ``perform`` refuses, and re-reads nothing."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from jingwu.core import audit, workflow
from jingwu.core.models import AuditLog, TransitionEvent
from jingwu.core.workflow import TransitionNotAllowed
from jingwu.testing.factories import make_user
from jingwu.testing.workflowapp.models import Ticket

pytestmark = pytest.mark.django_db


def content(event: TransitionEvent) -> tuple:
    log = AuditLog.objects.get(object_id=event.object_id, event__startswith="workflow.ticket.")
    changes = {k: v for k, v in log.changes.items() if k != "event"}
    return (
        (event.object_type, event.transition, event.from_state, event.to_state, event.actor_id, event.reason),
        event.payload,
        (log.event, log.object_type, log.object_repr.split("#")[0], log.actor_id, log.actor_name),
        changes,
        log.changes["event"] == event.pk,
    )


def test_same_event_and_audit_as_perform_without_rereading(org):
    payload = {"channel": "电话", "n": 1}
    old = Ticket.objects.create(unit=org.squadron_a, requester=org.officer_a, state=Ticket.State.SUBMITTED)
    usual = workflow.perform(old, "urge", actor=org.lead_a, reason="  请尽快 ", payload=payload)

    with transaction.atomic():
        new = Ticket.objects.create(unit=org.squadron_a, requester=org.officer_a, state=Ticket.State.SUBMITTED)
        with CaptureQueriesContext(connection) as queries:
            created = workflow.perform_created(
                new, "urge", actor=org.lead_a, in_scope=True, reason="  请尽快 ", payload=payload
            )
    sql = [q["sql"] for q in queries.captured_queries]
    # the event, the audit row and its lane; the new row is not re-read, scope-checked or updated
    assert not [q for q in sql if "workflowapp_ticket" in q]
    assert sum("INSERT INTO" in q for q in sql) >= 2
    assert content(created) == content(usual)
    assert audit.verify() == []


def test_a_state_change_and_its_effect_are_saved(org):
    with transaction.atomic():
        ticket = Ticket.objects.create(unit=org.squadron_a, requester=org.officer_a, state=Ticket.State.SUBMITTED)
        workflow.perform_created(ticket, "approve", actor=org.lead_a, in_scope=True)
    ticket.refresh_from_db()
    assert ticket.state == Ticket.State.APPROVED and ticket.decided_by == org.lead_a
    assert TransitionEvent.objects.get(object_id=str(ticket.pk)).to_state == "approved"


def test_refuses_what_perform_refuses_and_keeps_nothing(org):
    outsider = make_user("lead_x", "unit_lead", org.squadron_b)
    cases = [
        ("approve", org.lead_a, org.lead_a, True, "self_approval"),  # nobody approves their own request
        ("approve", org.officer_a, outsider, False, "scope"),  # checked by query when the caller did not
        ("submit", org.officer_a, org.lead_a, True, "state"),
    ]
    for name, requester, actor, in_scope, code in cases:
        with pytest.raises(TransitionNotAllowed) as info, transaction.atomic():
            ticket = Ticket.objects.create(unit=org.squadron_a, requester=requester, state=Ticket.State.SUBMITTED)
            workflow.perform_created(ticket, name, actor=actor, in_scope=in_scope)
        assert info.value.code == code
    assert not Ticket.objects.exists() and not TransitionEvent.objects.exists()
    assert not AuditLog.objects.filter(event__startswith="workflow.ticket.").exists()


def test_needs_a_row_inserted_first(org):
    unsaved = Ticket(unit=org.squadron_a, requester=org.officer_a, state=Ticket.State.SUBMITTED)
    with pytest.raises(ImproperlyConfigured):
        workflow.perform_created(unsaved, "urge", actor=org.lead_a, in_scope=True)
    assert not TransitionEvent.objects.exists()
