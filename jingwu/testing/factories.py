"""Small, explicit builders for tests: a detachment → brigade → two squadrons, people, users."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date

from jingwu.core import crypto
from jingwu.org.models import Person, RoleAssignment, Unit, User
from jingwu.org.pinyin import name_pinyin

PASSWORD = "Test-Pass-2026!"
_seq = itertools.count(1)


def make_id_number(birth: date = date(1990, 1, 1), female: bool = False, division: str = "110101") -> str:
    from jingwu.org.demo import _with_check

    n = next(_seq)
    seq = (n % 499) * 2 + (0 if female else 1)
    day = date.fromordinal(birth.toordinal() + n // 499)
    return _with_check(f"{division}{day:%Y%m%d}{seq:03d}")


def make_unit(parent: Unit | None, code: str, name: str, kind: str = Unit.Kind.SQUADRON) -> Unit:
    unit = Unit(code=code, name=name, kind=kind)
    return Unit.objects.add_root(instance=unit) if parent is None else Unit.objects.add_child(parent, instance=unit)


def make_person(unit: Unit, name: str = "测试民警", kind: str = Person.Kind.POLICE, **extra) -> Person:
    n = next(_seq)
    id_number = extra.pop("id_number", None) or make_id_number()
    full, initials = name_pinyin(name)
    person = Person(
        police_number=extra.pop("police_number", f"{n:06d}" if kind == Person.Kind.POLICE else f"F{n:07d}"),
        kind=kind,
        name=name,
        name_pinyin=full,
        name_initials=initials,
        gender=("M" if int(id_number[16]) % 2 else "F"),
        birth_date=date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14])),
        id_number=id_number,
        id_number_index=crypto.blind_index(id_number),
        phone=extra.pop("phone", "13800138000"),
        unit=unit,
        **extra,
    )
    person.save()
    return person


def make_user(
    username: str,
    role: str | None = None,
    unit: Unit | None = None,
    scope: str | None = None,
    person: Person | None = None,
) -> User:
    from jingwu.org.roles import ROLES

    user = User.objects.create_user(username=username, password=PASSWORD, person=person)
    if role:
        RoleAssignment.objects.create(user=user, role=role, unit=unit, scope=scope or ROLES[role].default_scope.value)
    return user


@dataclass
class OrgTree:
    detachment: Unit
    brigade: Unit
    squadron_a: Unit
    squadron_b: Unit
    branch: Unit
    person_a: Person
    person_b: Person
    lead_a: User
    lead_b: User
    officer_a: User
    leader: User
    political: User
    sysadmin: User
    secadmin: User
    auditadmin: User
    nobody: User


def build_org_tree() -> OrgTree:
    detachment = make_unit(None, "150600000000", "测试支队", Unit.Kind.DETACHMENT)
    brigade = make_unit(detachment, "150621000000", "测试大队", Unit.Kind.BRIGADE)
    squadron_a = make_unit(brigade, "150621000100", "甲中队")
    squadron_b = make_unit(brigade, "150621000200", "乙中队")
    branch = make_unit(brigade, "15062100D100", "第一党支部", Unit.Kind.PARTY_BRANCH)
    person_a = make_person(squadron_a, "张三丰")
    person_b = make_person(squadron_b, "李四海")
    lead_a_person = make_person(squadron_a, "王中队", position="中队长")
    lead_b_person = make_person(squadron_b, "赵中队", position="中队长")
    return OrgTree(
        detachment=detachment,
        brigade=brigade,
        squadron_a=squadron_a,
        squadron_b=squadron_b,
        branch=branch,
        person_a=person_a,
        person_b=person_b,
        lead_a=make_user("lead_a", "unit_lead", squadron_a, person=lead_a_person),
        lead_b=make_user("lead_b", "unit_lead", squadron_b, person=lead_b_person),
        officer_a=make_user("officer_a", "officer", squadron_a, person=person_a),
        leader=make_user("leader", "leadership", brigade),
        political=make_user("political", "political", brigade),
        sysadmin=make_user("sysadmin", "sysadmin"),
        secadmin=make_user("secadmin", "secadmin"),
        auditadmin=make_user("auditadmin", "auditadmin"),
        nobody=make_user("nobody"),
    )
