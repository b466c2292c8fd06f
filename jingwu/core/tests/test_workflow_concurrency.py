"""Two people decide the same ticket at the same moment: exactly one decision wins.

Real threads with their own database connections and committed transactions (``transactional_db``),
so the row lock (PostgreSQL) or the IMMEDIATE write transaction (SQLite) is what serialises them.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from jingwu.core import workflow
from jingwu.core.models import AuditLog, TransitionEvent
from jingwu.core.workflow import TransitionNotAllowed
from jingwu.testing.factories import build_org_tree
from jingwu.testing.workflowapp.models import Ticket


def _race(attempts):
    """Run each (ticket, transition, actor, reason) in its own thread, released together."""
    barrier = threading.Barrier(len(attempts))
    outcomes: list[tuple[str, object]] = [("", None)] * len(attempts)

    def run(i, ticket, name, actor, reason):
        try:
            barrier.wait(timeout=10)
            workflow.perform(ticket, name, actor=actor, reason=reason)
            outcomes[i] = ("ok", name)
        except TransitionNotAllowed as exc:
            outcomes[i] = ("refused", exc.code)
        except Exception as exc:  # an unexpected failure must fail the test, with its cause
            outcomes[i] = ("error", repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, *a)) for i, a in enumerate(attempts)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return outcomes


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("rounds", [3])
def test_conflicting_concurrent_transitions_exactly_one_succeeds(rounds):
    org = build_org_tree()
    for _ in range(rounds):
        ticket = Ticket.objects.create(unit=org.squadron_a, requester=org.officer_a, state=Ticket.State.SUBMITTED)
        # Both deciders loaded the ticket while it was waiting for a decision.
        copy_1 = Ticket.objects.get(pk=ticket.pk)
        copy_2 = Ticket.objects.get(pk=ticket.pk)
        outcomes = _race([(copy_1, "approve", org.lead_a, ""), (copy_2, "reject", org.leader, "不同意")])

        assert not [o for o in outcomes if o[0] == "error"], outcomes
        winners = [o[1] for o in outcomes if o[0] == "ok"]
        assert len(winners) == 1, outcomes
        assert [o[1] for o in outcomes if o[0] == "refused"] in (["stale"], ["state"])
        ticket.refresh_from_db()
        assert ticket.state == {"approve": Ticket.State.APPROVED, "reject": Ticket.State.REJECTED}[winners[0]]
        events = TransitionEvent.objects.filter(object_id=str(ticket.pk))
        assert [e.transition for e in events] == winners
        assert AuditLog.objects.filter(event__startswith="workflow.ticket.", object_id=str(ticket.pk)).count() == 1
