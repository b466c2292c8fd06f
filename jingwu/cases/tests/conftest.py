"""Fixtures of the cases tests: build_org_tree() plus the people who handle, review and approve."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from jingwu.cases import services
from jingwu.cases.models import Case, CaseCategory, IncidentCategory
from jingwu.org.models import Person, RoleAssignment, User
from jingwu.testing.factories import OrgTree, make_id_number, make_person, make_user


@dataclass
class World:
    org: OrgTree
    partner_a: Person  # second handling officer in 甲中队
    officer_b: User  # an officer of 乙中队
    legal: User  # 法制 of the brigade
    leader: User  # 大队领导 (no person)
    leader_handler: User  # a leader who is also a handling officer
    category: CaseCategory  # 污染环境 (涉环食药)
    admin_category: CaseCategory
    incident_category: IncidentCategory


@pytest.fixture
def world(org: OrgTree) -> World:
    partner_a = make_person(org.squadron_a, "刘搭档")
    officer_b = make_user("officer_b", "officer", org.squadron_b, person=make_person(org.squadron_b, "孙乙警"))
    legal = make_user("legal", "legal", org.brigade, person=make_person(org.brigade, "法制员"))
    boss_person = make_person(org.brigade, "领导办案")
    leader_handler = make_user("leader_handler", "leadership", org.brigade, person=boss_person)
    # a leader who also handles cases (a second role carrying cases.handle)
    RoleAssignment.objects.create(user=leader_handler, role="unit_lead", unit=org.brigade, scope="subtree")
    leader_handler.forget_roles()
    return World(
        org=org,
        partner_a=partner_a,
        officer_b=officer_b,
        legal=legal,
        leader=org.leader,
        leader_handler=leader_handler,
        category=CaseCategory.objects.get(code="060601"),
        admin_category=CaseCategory.objects.get(code="530101"),
        incident_category=IncidentCategory.objects.get(code="0104"),
    )


def new_case(w: World, *, unit: Any = None, kind: str = Case.Kind.CRIMINAL, **extra: Any) -> Case:
    unit = unit or w.org.squadron_a
    lead = extra.pop("lead_officer", w.org.person_a)
    officers = extra.pop("handling_officers", [w.org.person_a, w.partner_a])
    return services.case_create(
        actor=extra.pop("actor", w.org.lead_a),
        unit=unit,
        kind=kind,
        category=extra.pop("category", w.category if kind == Case.Kind.CRIMINAL else w.admin_category),
        title=extra.pop("title", "某化工厂污染环境案"),
        lead_officer=lead,
        handling_officers=officers,
        accepted_at=extra.pop("accepted_at", timezone.now() - timedelta(hours=1)),
        **extra,
    )


def approve(w: World, case: Case, decision: str, **extra: Any) -> Any:
    review = services.review_submit(actor=w.org.officer_a, case=case, decision=decision, summary="呈请", **extra)
    services.review_legal_opinion(actor=w.legal, review=review, opinion="事实清楚,证据确实充分")
    services.review_approve(actor=w.leader, review=review)
    return review


def suspect(w: World, case: Case, name: str = "嫌疑人甲", id_number: str | None = None) -> Any:
    return services.party_add(
        actor=w.org.officer_a, case=case, role="suspect", name=name, id_number=id_number or make_id_number()
    )
