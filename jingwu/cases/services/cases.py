"""Writes to cases (案件): create (受案), update, parties, and the lifecycle transitions."""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import AbstractContextManager, nullcontext
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.db.models.functions import Substr
from django.utils import timezone

from jingwu.core import audit, crypto
from jingwu.core.calendar import TZ
from jingwu.core.scope import require_unit_in_scope
from jingwu.org.models import Person, Unit
from jingwu.org.roles import Cap
from jingwu.org.services import validate_phone
from jingwu.org.validators import birth_date_of, gender_of

from ..models import Case, CaseCategory, Incident, Party
from ..validators import case_number_for, normalise_id_number, normalise_uscc, validate_case_number
from ._common import NOT_FOUND, Errors, at_payload, aware, perform, require_cap, require_visible
from .figures import keeping_figures
from .people_figures import keeping_people

CASE_FIELDS = ("number", "kind", "title", "category", "summary", "amount_involved", "lead_officer", "unit", "state")
MIN_HANDLING_OFFICERS = 2  # 公安机关办理刑事/行政案件程序规定: 不得少于二人


def next_case_number(unit: Unit, kind: str, year: int) -> str:
    """The next free number of ``kind`` for the unit and year (max sequence + 1)."""
    prefix = case_number_for(kind, unit.code, year, 0)[:-6]
    top = (
        Case.objects.filter(unit=unit, year=year, number__startswith=prefix)
        .annotate(seq=Substr("number", len(prefix) + 1))
        .aggregate(m=Max("seq"))["m"]
    )
    return case_number_for(kind, unit.code, year, int(top or 0) + 1)


def _amount(value: Any, errors: Errors) -> Decimal:
    try:
        amount = Decimal(str(value if value not in (None, "") else 0))
    except (InvalidOperation, ValueError):
        errors.add("amount_involved", "涉案金额应为数字(元) / the amount must be a number of yuan")
        return Decimal(0)
    if not amount.is_finite() or amount < 0:
        errors.add("amount_involved", "涉案金额不能为负数 / the amount cannot be negative")
    elif amount >= Decimal("1e14"):
        errors.add("amount_involved", "涉案金额过大 / the amount is too large")
    return amount.quantize(Decimal("0.01"))


def _officers(lead: Person | None, officers: Iterable[Person], errors: Errors) -> list[Person]:
    people = {p.pk: p for p in officers}
    if lead is not None:
        people.setdefault(lead.pk, lead)
    else:
        errors.add("lead_officer", "请指定主办民警 / a lead officer is required")
    if len(people) < MIN_HANDLING_OFFICERS:
        errors.add(
            "handling_officers",
            f"办案民警不得少于{MIN_HANDLING_OFFICERS}人(含主办民警) / at least two handling officers are required",
        )
    for person in people.values():
        if person.kind != Person.Kind.POLICE:
            errors.add("handling_officers", f"{person.name}是辅警,不能作为办案人 / auxiliaries cannot handle cases")
        elif person.status != Person.Status.ACTIVE:
            errors.add("handling_officers", f"{person.name}不在岗 / {person.name} is not in post")
    return list(people.values())


def case_create(
    *,
    actor: Any,
    unit: Unit,
    kind: str,
    category: CaseCategory,
    title: str,
    lead_officer: Person,
    handling_officers: Iterable[Person],
    accepted_at: datetime | None = None,
    number: str | None = None,
    amount_involved: Any = 0,
    summary: str = "",
    incidents: Iterable[Incident] = (),
) -> Case:
    """Register a case (受案). The number is generated when not given, and validated when given."""
    require_cap(actor, Cap.HANDLE_CASE)
    errors = Errors()
    if kind not in Case.Kind.values:
        errors.add("kind", "案件类型应为刑事或行政 / kind must be criminal or administrative")
    accepted_at = aware(accepted_at or timezone.now(), "accepted_at", errors)
    year = (accepted_at or timezone.now()).astimezone(TZ).year
    if category is None:
        errors.add("category", "请选择案由 / a category is required")
    elif category.kind != kind:
        errors.add(
            "category", f"案由“{category.name}”不是{Case.Kind(kind).label if kind in Case.Kind.values else ''}案由"
        )
    title = (title or "").strip()
    if not title:
        errors.add("title", "案件名称不能为空 / a title is required")
    amount = _amount(amount_involved, errors)
    officers = _officers(lead_officer, handling_officers, errors)
    if number and "kind" not in errors:
        try:
            number = validate_case_number(number, kind=kind, unit_code=unit.code, year=year)
        except ValidationError as exc:
            errors.add("number", exc)
        else:
            if Case.objects.filter(unit=unit, year=year, number=number).exists():
                errors.add("number", "该单位本年度已有此案件编号 / the number exists for this unit and year")
    incidents = list(incidents)
    errors.raise_if_any()
    assert accepted_at is not None  # aware() gives None only after recording an error, raised just above
    with transaction.atomic():
        require_unit_in_scope(actor, unit, Cap.HANDLE_CASE)
        visible = Incident.objects.visible_to(actor, Cap.HANDLE_CASE)
        if incidents and visible.filter(pk__in=[i.pk for i in incidents]).count() != len(incidents):
            raise ValidationError({"incidents": NOT_FOUND})
        case = Case(
            unit=unit,
            kind=kind,
            number=number or next_case_number(unit, kind, year),
            year=year,
            title=title,
            category=category,
            summary=summary.strip(),
            amount_involved=amount,
            lead_officer=lead_officer,
            accepted_at=accepted_at,
            created_by=actor,
        )
        case.save()
        case.handling_officers.set(officers)
        case.incidents.set(incidents)
        audit.record(
            "cases.case.create",
            obj=case,
            actor=actor,
            changes={
                **audit.diff({}, audit.snapshot(case, CASE_FIELDS)),
                "handling_officers": sorted(p.pk for p in officers),
                "incidents": [i.pk for i in incidents],
            },
        )
    return case


def case_update(
    *,
    actor: Any,
    case: Case,
    title: str | None = None,
    summary: str | None = None,
    amount_involved: Any = None,
    category: CaseCategory | None = None,
    handling_officers: Iterable[Person] | None = None,
) -> Case:
    """Change a case's description, amount, category or handling officers (while not closed)."""
    require_cap(actor, Cap.HANDLE_CASE)
    require_visible(actor, case, Cap.HANDLE_CASE)
    errors = Errors()
    # the amount or 案由 may move the monthly figures; the 案由 (its tags) the people figures too
    people: AbstractContextManager[None] = (
        keeping_people(person_keys=case.parties.values_list("person_key", flat=True), case_ids=[case.pk])
        if category is not None
        else nullcontext()
    )
    with keeping_figures(case), people:
        locked = Case.objects.select_for_update().get(pk=case.pk)
        if locked.state in (Case.State.CLOSED, Case.State.WITHDRAWN, Case.State.NOT_FILED):
            raise ValidationError({"state": "已结案的案件不能修改 / a closed case cannot be changed"})
        before = audit.snapshot(locked, CASE_FIELDS)
        before_officers = sorted(locked.handling_officers.values_list("pk", flat=True))
        if title is not None:
            locked.title = title.strip()
            if not locked.title:
                errors.add("title", "案件名称不能为空 / a title is required")
        if summary is not None:
            locked.summary = summary.strip()
        if amount_involved is not None:
            locked.amount_involved = _amount(amount_involved, errors)
        if category is not None:
            if category.kind != locked.kind:
                errors.add("category", "案由与案件类型不一致 / the category is of the other kind")
            locked.category = category
        officers = None
        if handling_officers is not None:
            officers = _officers(locked.lead_officer, handling_officers, errors)
        errors.raise_if_any()
        locked.save()
        changes = audit.diff(before, audit.snapshot(locked, CASE_FIELDS))
        if officers is not None:
            locked.handling_officers.set(officers)
            after_officers = sorted(p.pk for p in officers)
            if after_officers != before_officers:
                changes["handling_officers"] = [before_officers, after_officers]
        if changes:
            audit.record("cases.case.update", obj=locked, actor=actor, changes=changes)
    return locked


# --- lifecycle transitions (each: one workflow.perform) --------------------------------------------


def case_file(*, actor: Any, case: Case, at: datetime | None = None) -> Case:
    """立案: needs an approved review of the filing decision."""
    with keeping_figures(case):
        perform(case, "file", actor=actor, **at_payload(at))
    return case


def case_refuse_filing(*, actor: Any, case: Case, reason: str) -> Case:
    perform(case, "refuse_filing", actor=actor, reason=reason)
    return case


def case_investigate(*, actor: Any, case: Case) -> Case:
    perform(case, "investigate", actor=actor)
    return case


def case_solve(*, actor: Any, case: Case, at: datetime | None = None) -> Case:
    with keeping_figures(case):
        perform(case, "solve", actor=actor, **at_payload(at))
    return case


def case_decide_penalty(*, actor: Any, case: Case, reason: str = "") -> Case:
    perform(case, "decide_penalty", actor=actor, reason=reason)
    return case


def case_close(*, actor: Any, case: Case) -> Case:
    perform(case, "close", actor=actor)
    return case


def case_withdraw(*, actor: Any, case: Case, reason: str) -> Case:
    perform(case, "withdraw", actor=actor, reason=reason)
    return case


def case_extend_limit(*, actor: Any, case: Case, days: int, reason: str) -> Case:
    """A leader approves a longer limit for an administrative case (at most 30 more days)."""
    perform(case, "extend_limit", actor=actor, reason=reason, days=days, why=reason)
    return case


# --- parties ---------------------------------------------------------------------------------------

PARTY_FIELDS = ("role", "kind", "name", "id_number", "uscc", "phone", "address")


def party_add(
    *,
    actor: Any,
    case: Case,
    role: str,
    name: str,
    kind: str = Party.Kind.PERSON,
    id_number: str = "",
    uscc: str = "",
    phone: str = "",
    address: str = "",
) -> Party:
    """Add a suspect, victim, witness or company. A person's ID number is checked (GB 11643) and
    stored encrypted with a blind index; a company needs a valid 统一社会信用代码."""
    require_cap(actor, Cap.HANDLE_CASE)
    errors = Errors()
    if role not in Party.Role.values:
        errors.add("role", "诉讼地位无效 / invalid role")
    if kind not in Party.Kind.values:
        errors.add("kind", "类型应为自然人或单位 / kind must be person or company")
    name = (name or "").strip()
    if not name:
        errors.add("name", "姓名/名称不能为空 / a name is required")
    party = Party(case=case, role=role, kind=kind, name=name, address=(address or "").strip()[:200])
    if kind == Party.Kind.COMPANY:
        try:
            party.uscc = normalise_uscc(uscc)
        except ValidationError as exc:
            errors.add("uscc", exc)
        if id_number:
            errors.add("id_number", "单位不填身份证号 / a company has no ID number")
    elif id_number or role == Party.Role.SUSPECT:
        # A suspect must be identified; a victim or witness may be recorded before their ID is known.
        try:
            party.id_number = normalise_id_number(id_number)
        except ValidationError as exc:
            errors.add("id_number", exc)
        else:
            party.id_number_index = crypto.blind_index(party.id_number)
            party.birth_date = birth_date_of(party.id_number)
            party.gender = gender_of(party.id_number)
    try:
        party.phone = validate_phone(phone)
    except ValidationError as exc:
        errors.add("phone", exc)
    errors.raise_if_any()
    with transaction.atomic():
        require_visible(actor, case, Cap.HANDLE_CASE)
        if party.id_number_index and case.parties.filter(id_number_index=party.id_number_index).exists():
            raise ValidationError({"id_number": "该人员已是本案当事人 / already a party to this case"})
        if party.uscc and case.parties.filter(uscc=party.uscc).exists():
            raise ValidationError({"uscc": "该单位已是本案当事人 / already a party to this case"})
        party.person_key = (
            f"id:{party.id_number_index}" if party.id_number_index else (f"uscc:{party.uscc}" if party.uscc else "")
        )
        party.save()
        if not party.person_key:
            party.person_key = f"party:{party.pk}"
            party.save(update_fields=["person_key"])
        audit.record(
            "cases.party.add",
            obj=party,
            actor=actor,
            changes={
                "case": case.pk,
                **audit.diff({}, audit.snapshot(party, PARTY_FIELDS), sensitive=Party.SENSITIVE_FIELDS),
            },
        )
    return party


def party_reveal(*, actor: Any, party: Party, field: str) -> str:
    """Show a party's ID number or phone in clear to a role allowed to; every attempt is audited."""
    if field not in Party.SENSITIVE_FIELDS:
        raise ValidationError({"field": "只能查看身份证号或联系电话 / only id_number or phone"})
    require_visible(actor, party, Cap.VIEW_CASE)
    with transaction.atomic():
        allowed = actor.has_cap(Cap.REVEAL_SENSITIVE)
        audit.record(
            "cases.party.reveal",
            obj=party,
            actor=actor,
            success=allowed,
            changes={"field": field},
            message="" if allowed else "无权查看敏感信息",
        )
    if not allowed:
        raise PermissionDenied("您无权查看完整敏感信息 / you may not see this value")
    return str(getattr(party, field))
