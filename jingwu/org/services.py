"""Writes to units, people, users and roles. Each service: one transaction, validation, audit row."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from jingwu.core import audit, choice_cache, crypto
from jingwu.core.scope import require_unit_in_scope

from .models import Person, RoleAssignment, Unit, User
from .pinyin import name_pinyin
from .roles import ADMIN_TRIAD, ROLES, Cap
from .validators import (
    birth_date_of,
    gender_of,
    normalise_id_number,
    validate_police_number,
    validate_unit_code,
)

PERSON_FIELDS = (
    "police_number",
    "kind",
    "name",
    "gender",
    "birth_date",
    "id_number",
    "phone",
    "unit",
    "position",
    "rank",
    "political_status",
    "party_branch",
    "joined_on",
    "status",
)


def _require(actor: Any, capability: str) -> None:
    if actor is not None and not actor.has_cap(capability):
        raise PermissionDenied("您没有执行此操作的权限 / you may not do this")


def validate_phone(phone: str) -> str:
    phone = "".join((phone or "").split()).replace("-", "")
    if not phone:
        return ""
    if phone.startswith("+86"):
        phone = phone[3:]
    mobile = len(phone) == 11 and phone.isdigit() and phone[0] == "1" and phone[1] in "3456789"
    landline = phone.isdigit() and 7 <= len(phone) <= 12 and phone[0] == "0"
    if not (mobile or landline):
        raise ValidationError("手机号应为11位中国大陆手机号或带区号的固话 / not a valid phone number", code="phone")
    return phone


def _clean_person(person: Person) -> None:
    errors: dict[str, list[str]] = {}

    def fail(field: str, exc: ValidationError | str) -> None:
        msgs = exc.messages if isinstance(exc, ValidationError) else [exc]
        errors.setdefault(field, []).extend(msgs)

    try:
        person.id_number = normalise_id_number(person.id_number)
    except ValidationError as exc:
        fail("id_number", exc)
    else:
        person.id_number_index = crypto.blind_index(person.id_number)
        if not person.birth_date:
            person.birth_date = birth_date_of(person.id_number)
        elif person.birth_date != birth_date_of(person.id_number):
            fail("birth_date", "出生日期与身份证号不一致 / birth date differs from the ID number")
        if not person.gender:
            person.gender = gender_of(person.id_number)
        elif person.gender != gender_of(person.id_number):
            fail("gender", "性别与身份证号不一致 / gender differs from the ID number")
        clash = Person.objects.filter(id_number_index=person.id_number_index).exclude(pk=person.pk)
        if clash.exists():
            fail("id_number", "该身份证号已登记 / this ID number is already registered")
    try:
        validate_police_number(person.police_number, person.kind)
    except ValidationError as exc:
        fail("police_number", exc)
    else:
        if Person.objects.filter(police_number=person.police_number).exclude(pk=person.pk).exists():
            fail("police_number", "警号已存在 / this number is already in use")
    try:
        person.phone = validate_phone(person.phone)
    except ValidationError as exc:
        fail("phone", exc)
    if person.unit_id and person.unit is not None and person.unit.is_party_branch:
        fail("unit", "人员所在单位不能是党支部 / a person's unit cannot be a party branch")
    if person.party_branch is not None and not person.party_branch.is_party_branch:
        fail("party_branch", "所选单位不是党支部 / not a party branch")
    if person.joined_on and person.joined_on > date.today():
        fail("joined_on", "入职日期不能晚于今天 / joining date is in the future")
    person.name = (person.name or "").strip()
    if not person.name:
        fail("name", "姓名不能为空 / name is required")
    person.name_pinyin, person.name_initials = name_pinyin(person.name)
    try:
        person.full_clean(exclude=["id_number_index", "id_number", "phone", "birth_date", "gender", *errors])
    except ValidationError as exc:
        for field, msgs in exc.message_dict.items():
            errors.setdefault(field, []).extend(msgs)
    if errors:
        raise ValidationError(errors)


def person_create(*, actor: User | None, **data: Any) -> Person:
    _require(actor, Cap.CHANGE_PERSON)
    person = Person(**{k: v for k, v in data.items() if k in PERSON_FIELDS})
    with transaction.atomic():
        if actor is not None:
            require_unit_in_scope(actor, person.unit, Cap.CHANGE_PERSON)
        _clean_person(person)
        person.save()
        audit.record(
            "org.person.create",
            obj=person,
            actor=actor,
            changes=audit.diff({}, audit.snapshot(person, PERSON_FIELDS), sensitive=Person.SENSITIVE_FIELDS),
        )
    return person


def person_update(*, actor: User | None, person: Person, **data: Any) -> Person:
    """Change a person. The editor must cover the person's current and new unit."""
    _require(actor, Cap.CHANGE_PERSON)
    with transaction.atomic():
        locked = Person.objects.select_for_update().get(pk=person.pk)
        if actor is not None:
            require_unit_in_scope(actor, locked.unit, Cap.CHANGE_PERSON)
        before = audit.snapshot(locked, PERSON_FIELDS)
        for key, value in data.items():
            if key not in PERSON_FIELDS:
                raise ValidationError({key: "该字段不可修改 / field cannot be changed"})
            setattr(locked, key, value)
        if actor is not None:
            require_unit_in_scope(actor, locked.unit, Cap.CHANGE_PERSON)
        _clean_person(locked)
        after = audit.snapshot(locked, PERSON_FIELDS)
        changed = [f for f in PERSON_FIELDS if before[f] != after[f]]
        if not changed:
            return locked
        extra = ["id_number_index"] if "id_number" in changed else []
        locked.save(
            update_fields=[Person._meta.get_field(f).name for f in changed]
            + extra
            + ["name_pinyin", "name_initials", "updated_at"]
        )
        audit.record(
            "org.person.update",
            obj=locked,
            actor=actor,
            changes=audit.diff(before, after, sensitive=Person.SENSITIVE_FIELDS),
        )
    return locked


def person_reveal(*, actor: User, person: Person, field: str) -> str:
    """Show one sensitive value in clear to a role allowed to see it; every reveal is audited.

    A refused reveal is audited too, in its own transaction, so the refusal row survives the error.
    """
    if field not in Person.SENSITIVE_FIELDS:
        raise ValidationError({"field": "只能查看身份证号或手机号 / only id_number or phone"})
    allowed = Person.objects.visible_to(actor, Cap.REVEAL_SENSITIVE).filter(pk=person.pk).exists()
    if not allowed:
        with transaction.atomic():
            audit.record(
                "org.person.reveal",
                obj=person,
                actor=actor,
                success=False,
                changes={"field": field},
                message="无权查看敏感信息",
            )
        raise PermissionDenied("您无权查看完整敏感信息 / you may not see this value")
    with transaction.atomic():
        value = getattr(person, field)
        audit.record("org.person.reveal", obj=person, actor=actor, changes={"field": field})
    return value


# --- Units -----------------------------------------------------------------------------------

UNIT_FIELDS = ("code", "name", "short_name", "kind", "order", "retired_on")


def _clean_unit(unit: Unit) -> None:
    errors: dict[str, list[str]] = {}
    try:
        validate_unit_code(unit.code)
    except ValidationError as exc:
        errors["code"] = exc.messages
    if Unit.objects.filter(code=unit.code).exclude(pk=unit.pk).exists():
        errors.setdefault("code", []).append("机构代码已存在 / this unit code is in use")
    if not (unit.name or "").strip():
        errors["name"] = ["名称不能为空 / name is required"]
    if unit.kind not in Unit.Kind.values:
        errors["kind"] = ["类型无效 / invalid kind"]
    if errors:
        raise ValidationError(errors)


def unit_create(*, actor: User | None, parent: Unit | None, **data: Any) -> Unit:
    _require(actor, Cap.MANAGE_UNIT)
    unit = Unit(**{k: v for k, v in data.items() if k in UNIT_FIELDS})
    with transaction.atomic():
        if actor is not None and parent is not None:
            require_unit_in_scope(actor, parent, Cap.MANAGE_UNIT)
        _clean_unit(unit)
        if parent is None:
            unit = Unit.objects.add_root(instance=unit)
        else:
            parent = Unit.objects.select_for_update().get(pk=parent.pk)
            unit = Unit.objects.add_child(parent, instance=unit)
        audit.record(
            "org.unit.create",
            obj=unit,
            actor=actor,
            changes=audit.diff({}, {**audit.snapshot(unit, UNIT_FIELDS), "parent": parent.code if parent else None}),
        )
        _units_changed()
    return unit


def unit_update(*, actor: User | None, unit: Unit, **data: Any) -> Unit:
    """Rename, recode, reorder or retire (``retired_on``) a unit; its records stay attached."""
    _require(actor, Cap.MANAGE_UNIT)
    with transaction.atomic():
        locked = Unit.objects.select_for_update().get(pk=unit.pk)
        if actor is not None:
            require_unit_in_scope(actor, locked, Cap.MANAGE_UNIT)
        before = audit.snapshot(locked, UNIT_FIELDS)
        for key, value in data.items():
            if key not in UNIT_FIELDS:
                raise ValidationError({key: "该字段不可修改 / field cannot be changed"})
            setattr(locked, key, value)
        if locked.retired_on and not before["retired_on"]:
            active_people = locked.people.filter(status=Person.Status.ACTIVE).count()
            if active_people:
                raise ValidationError(
                    {"retired_on": f"该单位仍有{active_people}名在岗人员,请先调整 / unit still has active people"}
                )
            if Unit.objects.get_children(locked).filter(retired_on__isnull=True).exists():
                raise ValidationError({"retired_on": "请先撤销下级单位 / retire the child units first"})
        _clean_unit(locked)
        after = audit.snapshot(locked, UNIT_FIELDS)
        changed = [f for f in UNIT_FIELDS if before[f] != after[f]]
        if changed:
            locked.save(update_fields=[*changed, "updated_at"])
            audit.record("org.unit.update", obj=locked, actor=actor, changes=audit.diff(before, after))
            _units_changed()
    return locked


def unit_move(*, actor: User | None, unit: Unit, new_parent: Unit) -> Unit:
    """Move a unit (with everything under it) below another unit; people and records move with it."""
    _require(actor, Cap.MANAGE_UNIT)
    with transaction.atomic():
        unit = Unit.objects.select_for_update().get(pk=unit.pk)
        new_parent = Unit.objects.get(pk=new_parent.pk)
        if actor is not None:
            require_unit_in_scope(actor, unit, Cap.MANAGE_UNIT)
            require_unit_in_scope(actor, new_parent, Cap.MANAGE_UNIT)
        if new_parent.path.startswith(unit.path):
            raise ValidationError({"parent": "不能移动到自身或下级单位之下 / cannot move below itself"})
        old_parent = Unit.objects.get_parent(unit)
        Unit.objects.move(unit, new_parent, pos="sorted-child")
        unit.refresh_from_db()
        audit.record(
            "org.unit.move",
            obj=unit,
            actor=actor,
            changes={"parent": [old_parent.code if old_parent else None, new_parent.code]},
        )
        _units_changed()
    return unit


def _units_changed() -> None:
    """This process's unit pickers show the change at once (other processes within their TTL)."""
    transaction.on_commit(choice_cache.clear_all)


# --- Users and roles -------------------------------------------------------------------------


def role_assign(
    *, actor: User | None, user: User, role: str, unit: Unit | None, scope: str | None = None
) -> RoleAssignment:
    """Grant a role. Only 安全管理员 grants; the three admin roles stay with three different people."""
    if actor is not None:
        _require(actor, Cap.ASSIGN_ROLE)
        if actor.pk == user.pk:
            raise PermissionDenied("不能给自己授权 / you cannot grant roles to yourself")
    if role not in ROLES:
        raise ValidationError({"role": "未知角色 / unknown role"})
    definition = ROLES[role]
    assignment = RoleAssignment(user=user, role=role, unit=unit, scope=scope or definition.default_scope.value)
    with transaction.atomic():
        User.objects.select_for_update().get(pk=user.pk)
        if (
            role in ADMIN_TRIAD
            and RoleAssignment.objects.filter(user=user, role__in=ADMIN_TRIAD).exclude(role=role).exists()
        ):
            raise ValidationError(
                {
                    "role": "三员分立:同一账号不得兼任系统管理员、安全管理员、审计管理员中的两个 / "
                    "one account may hold only one of the three admin roles"
                }
            )
        assignment.full_clean(exclude=["user"])
        assignment.save()
        user.forget_roles()
        audit.record(
            "org.role.assign",
            obj=user,
            actor=actor,
            changes={"role": role, "unit": unit.code if unit else None, "scope": assignment.scope},
        )
    return assignment


def role_revoke(*, actor: User | None, assignment: RoleAssignment) -> None:
    if actor is not None:
        _require(actor, Cap.ASSIGN_ROLE)
    with transaction.atomic():
        user = assignment.user
        assignment.delete()
        user.forget_roles()
        audit.record("org.role.revoke", obj=user, actor=actor, changes={"role": assignment.role})


def user_set_active(*, actor: User | None, user: User, active: bool) -> User:
    """Disable or enable an account; disabling ends every session it has."""
    if actor is not None:
        _require(actor, Cap.MANAGE_USER)
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        if locked.is_active == active:
            return locked
        locked.is_active = active
        locked.save(update_fields=["is_active"])
        if not active:
            end_sessions_of(locked)
        audit.record("org.user.activate" if active else "org.user.deactivate", obj=locked, actor=actor)
    return locked


def end_sessions_of(user: User) -> int:
    """End every session of the user: sessions carry their user id, so this is one indexed delete."""
    from jingwu.core.security import end_sessions

    return end_sessions(user)
