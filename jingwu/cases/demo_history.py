"""Histories of the demo's cases: the workflow events (``TransitionEvent``) a case, its reviews and
its coercive measures would have written had each step gone through the services, bulk-written
with the historical times the demo's rows carry.

Every case gets its chain from 受案 to its current state (立案 → 开始侦查/调查 → 破案 → 移送审查起诉,
or → 行政处罚决定 → 结案), each step by a plausible person: the lead officer records the case's own
steps, the legal office gives its opinion on each review (a few 立案 reviews are returned once and
resubmitted), a leader approves; a measure is approved by the leader and started and ended by the
lead officer. Lead officers without an account get one (no usable password, role 民警 over their
own cases) so that the events name them.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth.hashers import make_password

from jingwu.core.models import TransitionEvent
from jingwu.org.demo import BRIGADE_CODE
from jingwu.org.models import Person, RoleAssignment, Unit, User

from .models import Case, CoerciveMeasure, Review

CASE = Case._meta.label_lower
REVIEW = Review._meta.label_lower
MEASURE = CoerciveMeasure._meta.label_lower
LEGAL_OPINION = "事实清楚,证据确实充分,程序合法"
RETURN_REASONS = [
    "证据材料不全,请补充现场勘验笔录",
    "法律文书填写不规范,请更正后重新呈请",
    "涉案数量认定依据不足,请补充鉴定意见",
]


@dataclass
class Deciders:
    """Who reviews (法制) and approves (领导) the decisions of a unit's cases."""

    legal: User | None
    leader: User | None


def accounts_for(people: list[Person]) -> dict[int, User]:
    """person id → user: the person's account, created (role 民警, scope 本人) when missing."""
    wanted = {p.pk: p for p in people}
    users = {u.person_id: u for u in User.objects.filter(person_id__in=list(wanted)) if u.person_id is not None}
    missing = [p for pk, p in wanted.items() if pk not in users]
    if missing:
        unusable = make_password(None)  # nobody logs in as a history-only account
        created = User.objects.bulk_create(
            [User(username=f"jw{p.police_number or p.pk}", person=p, password=unusable) for p in missing]
        )
        if any(u.pk is None for u in created):  # engines that do not return ids from bulk inserts
            created = list(User.objects.filter(person_id__in=[p.pk for p in missing]))
        RoleAssignment.objects.bulk_create(
            [
                RoleAssignment(user=u, role="officer", unit_id=wanted[u.person_id].unit_id, scope="own")
                for u in created
                if u.person_id is not None
            ]
        )
        users.update({u.person_id: u for u in created if u.person_id is not None})
    return users


class History:
    """Collects the events of many objects (saved or not yet); written in one bulk insert."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.events: list[tuple[Any, TransitionEvent]] = []

    def add(
        self,
        object_type: str,
        obj: Any,
        transition: str,
        source: str,
        target: str,
        actor: User | None,
        when: datetime,
        reason: str = "",
        **payload: Any,
    ) -> str:
        self.events.append(
            (
                obj,
                TransitionEvent(
                    object_type=object_type,
                    transition=transition,
                    from_state=source,
                    to_state=target,
                    actor=actor,
                    occurred_at=when,
                    reason=reason,
                    payload={k: v.isoformat() if isinstance(v, datetime) else v for k, v in payload.items()},
                ),
            )
        )
        return target

    def review(self, review: Review, prev: datetime, moment: datetime, handler: User | None, d: Deciders) -> None:
        """Fill the review's people and times between the previous step and the gated decision, and
        write its events: (退回 → 修改后重新呈请 →) 法制审核通过 → 领导审批通过."""
        span = moment - prev
        review.submitted_by = handler or d.leader  # type: ignore[assignment]
        review.legal_reviewer, review.approver = d.legal, d.leader
        state: str = Review.State.SUBMITTED
        if review.decision == Review.Decision.FILE and self.rng.random() < 0.12:
            returned = prev + span * 0.3
            reason = self.rng.choice(RETURN_REASONS)
            review.returned_by, review.returned_at, review.return_reason = d.legal, returned, reason
            review.return_count = 1
            state = self.add(
                REVIEW, review, "return_review", state, Review.State.RETURNED, d.legal, returned, reason, why=reason
            )
            state = self.add(REVIEW, review, "resubmit", state, Review.State.SUBMITTED, handler, prev + span * 0.45)
            review.submitted_at = prev + span * 0.45
        review.legal_at, review.approved_at = prev + span * 0.6, prev + span * 0.8
        state = self.add(
            REVIEW,
            review,
            "legal_opinion",
            state,
            Review.State.LEGAL_REVIEWED,
            d.legal,
            review.legal_at,
            opinion=review.legal_opinion,
        )
        self.add(
            REVIEW,
            review,
            "approve",
            state,
            Review.State.APPROVED,
            d.leader,
            review.approved_at,
            opinion=review.leader_opinion,
        )

    def case(self, case: Case, handler: User | None) -> None:
        """The case's own steps from 受案 to its current state."""
        assert case.filed_at is not None  # every demo case is filed
        state = self.add(
            CASE, case, "file", Case.State.ACCEPTED, Case.State.FILED, handler, case.filed_at, at=case.filed_at
        )
        state = self.add(CASE, case, "investigate", state, Case.State.INVESTIGATING, handler, investigated(case))
        if case.solved_at:
            state = self.add(CASE, case, "solve", state, Case.State.SOLVED, handler, case.solved_at, at=case.solved_at)
        if case.transferred_at:
            state = self.add(
                CASE,
                case,
                "transfer_for_prosecution",
                state,
                Case.State.TRANSFERRED,
                handler,
                case.transferred_at,
                at=case.transferred_at,
            )
        if case.penalty_decided_at:
            state = self.add(
                CASE, case, "decide_penalty", state, Case.State.PENALISED, handler, case.penalty_decided_at
            )
        if case.closed_at and case.state == Case.State.CLOSED:
            state = self.add(CASE, case, "close", state, Case.State.CLOSED, handler, case.closed_at)
        assert state == case.state, (case.number, state, case.state)

    def measure(self, measure: CoerciveMeasure, handler: User | None) -> None:
        """已提请 → 批准 (the leader) → 执行 → 解除/变更 (the lead officer)."""
        assert measure.approved_at and measure.started_at
        state = self.add(
            MEASURE,
            measure,
            "approve",
            CoerciveMeasure.State.REQUESTED,
            CoerciveMeasure.State.APPROVED,
            measure.approved_by,
            measure.approved_at,
        )
        state = self.add(
            MEASURE,
            measure,
            "start",
            state,
            CoerciveMeasure.State.ACTIVE,
            handler,
            measure.started_at,
            at=measure.started_at,
        )
        if measure.ended_at:
            state = self.add(
                MEASURE,
                measure,
                "end",
                state,
                CoerciveMeasure.State.ENDED,
                handler,
                measure.ended_at,
                measure.end_reason,
                why=measure.end_reason,
                at=measure.ended_at,
            )
        assert state == measure.state, (measure.pk, state, measure.state)

    def write(self) -> int:
        """Insert the events (their objects are saved by now)."""
        for obj, event in self.events:
            event.object_id = str(obj.pk)
        TransitionEvent.objects.bulk_create([e for _, e in self.events], batch_size=1000)
        return len(self.events)


def investigated(case: Case) -> datetime:
    """开始侦查/调查: an hour after 立案."""
    assert case.filed_at is not None
    return case.filed_at + timedelta(hours=1)


def deciders_for(unit: Unit, city: Deciders, brigade: Deciders) -> Deciders:
    """The brigade's own 法制 and leader for its squadrons' cases; the city bureau's otherwise."""
    if brigade.legal is not None and brigade.leader is not None and unit.code.startswith(BRIGADE_CODE[:10]):
        return brigade
    return city
