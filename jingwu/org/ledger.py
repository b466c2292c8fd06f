"""The personnel ledger (人员台账) in and out of Excel.

Import creates or updates people keyed by 警号 through ``person_create`` / ``person_update`` (same
validation and audit rows as the forms). The importer needs ``org.import_person``; every target
unit must lie inside the scope of both ``org.import_person`` and ``org.change_person``; a row naming
a unit outside it is an error on that cell. Export reads ``Person.objects.visible_to`` with the
people list's filters; ID numbers and phones are masked unless a user holding
``org.reveal_sensitive`` asks for them in full, which is audited as its own event.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.utils import translation

from jingwu.core import audit, crypto
from jingwu.core.documents import (
    Column,
    ExportColumn,
    Importer,
    ImportReport,
    ImportRow,
    as_choice,
    as_code,
    as_date,
    as_text,
    audited_export,
    dated_filename,
)
from jingwu.core.scope import Scope, unit_in_scope

from . import services
from .models import Person, Unit, User
from .roles import Cap
from .validators import normalise_id_number

AREA = "org.person"
TITLE = "人员台账"


def _labels(choices: Any, **extra: str) -> dict[str, str]:
    # The ledger is a Chinese document whatever the page language: labels are read in Chinese.
    with translation.override(settings.LANGUAGE_CODE):
        mapping = {str(label): value for value, label in choices.choices}
    mapping.update({value: value for value in choices.values})
    mapping.update(extra)
    return mapping


KIND_CHOICES = _labels(Person.Kind)
GENDER_CHOICES = _labels(Person.Gender, 男性="M", 女性="F")
POLITICAL_CHOICES = _labels(Person.PoliticalStatus, 党员="cpc", 预备党员="probationary", 团员="league")
STATUS_CHOICES = _labels(Person.Status)


def _phone(value: Any) -> str:
    return "".join(str(value).split())


COLUMNS: list[Column] = [
    Column("警号", "police_number", required=True, parser=as_code, aliases=["警员编号", "编号"], example="000001"),
    Column(
        "身份",
        "kind",
        required=True,
        parser=as_choice(KIND_CHOICES, "身份"),
        aliases=["身份(民警/辅警)", "人员类别"],
        example="民警",
    ),
    Column("姓名", "name", required=True, parser=as_text(50), example="张三"),
    Column("性别", "gender", parser=as_choice(GENDER_CHOICES, "性别"), example="男"),
    Column("出生日期", "birth_date", parser=as_date, example="1990-03-07"),
    Column(
        "身份证号",
        "id_number",
        required=True,
        parser=as_code,
        aliases=["身份证号码", "公民身份号码"],
        example="110101199003070012",
    ),
    Column("手机号", "phone", parser=_phone, aliases=["手机号码", "联系电话"], example="13800138000"),
    Column(
        "单位",
        "unit",
        required=True,
        parser=as_text(100),
        aliases=["单位名称", "机构代码", "所在单位"],
        example="示例中队",
    ),
    Column("职务", "position", parser=as_text(50), example="科员"),
    Column("警衔", "rank", parser=as_text(30), example="一级警司"),
    Column("政治面貌", "political_status", parser=as_choice(POLITICAL_CHOICES, "政治面貌"), example="中共党员"),
    Column("所在党支部", "party_branch", parser=as_text(100), aliases=["党支部"], example=""),
    Column("入职日期", "joined_on", parser=as_date, aliases=["入警时间", "参加工作时间"], example="2015-07-01"),
    Column("状态", "status", parser=as_choice(STATUS_CHOICES, "状态"), example="在岗"),
]

OPTIONAL_FIELDS = ("gender", "birth_date", "phone", "position", "rank", "political_status", "joined_on", "status")


@dataclass
class _Plan:
    existing_pk: int | None
    data: dict[str, Any]


@dataclass
class PersonRowChecker:
    """Row validator of one import: resolves units, spots duplicates, runs the service validation."""

    actor: User
    plans: dict[int, _Plan] = field(default_factory=dict)
    seen_numbers: dict[str, int] = field(default_factory=dict)
    seen_ids: dict[str, int] = field(default_factory=dict)
    _units: list[Unit] | None = None

    def units(self) -> list[Unit]:
        if self._units is None:
            self._units = list(Unit.objects.all())
        return self._units

    def in_scope(self, unit: Unit) -> bool:
        return unit_in_scope(self.actor, unit, Cap.IMPORT_PERSON) and unit_in_scope(self.actor, unit, Cap.CHANGE_PERSON)

    def resolve_unit(self, row: ImportRow, field_name: str, text: str, *, branch: bool) -> Unit | None:
        """A unit by 机构代码 or by (short) name; must be in the importer's scope."""
        key = text.strip()
        matches = [u for u in self.units() if u.code == key.upper()]
        if not matches:
            matches = [u for u in self.units() if key in (u.name, u.short_name)]
        matches = [u for u in matches if u.is_party_branch == branch]
        if not matches:
            what = "党支部" if branch else "单位"
            row.add_error(field_name, f"{what}“{key}”不存在 / no such {'party branch' if branch else 'unit'}")
            return None
        if branch:
            # A branch is named, not managed: any branch of the tree the importer can see, or above them.
            visible = [u for u in matches if self._branch_visible(u)]
            if not visible:
                row.add_error(field_name, "党支部不在您的数据权限范围内 / party branch outside your data scope")
                return None
            matches = visible
        else:
            scoped = [u for u in matches if self.in_scope(u)]
            if not scoped:
                row.add_error(field_name, "单位不在您的数据权限范围内 / unit outside your data scope")
                return None
            matches = scoped
        if len(matches) > 1:
            row.add_error(field_name, "名称对应多个单位,请填写机构代码 / name is ambiguous, use the unit code")
            return None
        unit = matches[0]
        if unit.retired_on:
            row.add_error(field_name, "该单位已撤销 / the unit is retired")
            return None
        return unit

    def _branch_visible(self, unit: Unit) -> bool:
        for grant in self.actor.scope_grants(Cap.IMPORT_PERSON):
            if grant.scope == Scope.ALL:
                return True
            if (
                grant.scope in (Scope.UNIT, Scope.SUBTREE)
                and grant.unit_path
                and (unit.path.startswith(grant.unit_path) or grant.unit_path.startswith(unit.path[:-4]))
            ):
                return True
        return False

    def __call__(self, row: ImportRow) -> None:
        values = row.values
        number = values["police_number"]
        first = self.seen_numbers.setdefault(number, row.number)
        if first != row.number:
            row.add_error("police_number", f"与第{first}行警号重复 / same 警号 as row {first}")
        try:
            normalised_id = normalise_id_number(values["id_number"])
        except ValidationError:
            normalised_id = None
        if normalised_id:
            first_id = self.seen_ids.setdefault(normalised_id, row.number)
            if first_id != row.number:
                row.add_error("id_number", f"与第{first_id}行身份证号重复 / same ID number as row {first_id}")

        unit = self.resolve_unit(row, "unit", values["unit"], branch=False)
        branch = None
        if values.get("party_branch"):
            branch = self.resolve_unit(row, "party_branch", values["party_branch"], branch=True)

        existing = Person.objects.select_related("unit").filter(police_number=number).first()
        if existing is not None and not self.in_scope(existing.unit):
            row.add_error(
                "police_number", "该警号已登记在您数据权限范围以外的单位 / 警号 belongs to someone outside your scope"
            )
            return
        if row.errors:
            return

        data: dict[str, Any] = {
            "police_number": number,
            "kind": values["kind"],
            "name": values["name"],
            "id_number": values["id_number"],
            "unit": unit,
        }
        if existing is not None:
            # A masked value from an earlier export means "unchanged", so exported ledgers import back.
            if "*" in data["id_number"] and data["id_number"] == crypto.mask(existing.id_number):
                data["id_number"] = existing.id_number
            phone = values.get("phone") or ""
            if "*" in phone and phone == crypto.mask_phone(existing.phone):
                values["phone"] = existing.phone
        for name in OPTIONAL_FIELDS:
            if values.get(name) not in (None, ""):
                data[name] = values[name]
        if values.get("party_branch"):
            data["party_branch"] = branch

        candidate = copy.copy(existing) if existing is not None else Person()
        for key, value in data.items():
            setattr(candidate, key, value)
        try:
            services._clean_person(candidate)
        except ValidationError as exc:
            row.add_validation_error(exc)
            return
        self.plans[row.number] = _Plan(existing.pk if existing is not None else None, data)


def _apply_row(actor: User, checker: PersonRowChecker) -> Any:
    def apply(row: ImportRow) -> str:
        plan = checker.plans[row.number]
        if plan.existing_pk is None:
            services.person_create(actor=actor, **plan.data)
            return "created"
        person = Person.objects.get(pk=plan.existing_pk)
        before = audit.snapshot(person, services.PERSON_FIELDS)
        updated = services.person_update(actor=actor, person=person, **plan.data)
        after = audit.snapshot(updated, services.PERSON_FIELDS)
        return "updated" if before != after else "unchanged"

    return apply


def import_people(*, actor: User, data: bytes, filename: str, dry_run: bool = False) -> ImportReport:
    """Validate a personnel ledger and, when every cell is right and not ``dry_run``, apply it."""
    if not actor.has_cap(Cap.IMPORT_PERSON):
        raise PermissionDenied("您没有导入人员台账的权限 / you may not import people")
    checker = PersonRowChecker(actor=actor)
    importer = Importer(COLUMNS, area=AREA, row_validator=checker)
    return importer.run(data, filename=filename, actor=actor, apply=_apply_row(actor, checker), dry_run=dry_run)


# --- export ------------------------------------------------------------------------------------


def export_filters(params: Mapping[str, Any]) -> dict[str, str]:
    """The people-list filters of a query string (``include_sub`` is accepted for ``sub``)."""
    from .filters import PersonFilter

    keys = list(PersonFilter.base_filters)
    out = {k: str(params.get(k)) for k in keys if params.get(k) not in (None, "")}
    if "sub" not in out and params.get("include_sub") not in (None, "", "0", "false"):
        out["sub"] = "on"
    return out


def export_queryset(actor: Any, filters: Mapping[str, str]) -> QuerySet[Person]:
    """People the actor may export, narrowed exactly like the people list."""
    from .filters import PersonFilter

    base = Person.objects.visible_to(actor, Cap.EXPORT_PERSON).select_related("unit", "party_branch")
    data = dict(filters)
    if "sub" in data:
        data["sub"] = "true" if data["sub"] not in ("0", "false", "off") else "false"
    person_filter = PersonFilter(data=data, queryset=base, user=actor)
    if not person_filter.is_valid():
        problems = "; ".join(f"{k}: {' '.join(v)}" for k, v in person_filter.errors.items())
        raise ValidationError(f"筛选条件无效 / invalid filter: {problems}")
    qs = person_filter.qs
    if "o" not in data:
        qs = qs.order_by("unit__path", "kind", "police_number")
    return qs


def export_columns(*, reveal: bool) -> list[ExportColumn]:
    def id_number(p: Person) -> str:
        return p.id_number if reveal else p.id_number_masked

    def phone(p: Person) -> str:
        return p.phone if reveal else p.phone_masked

    return [
        ExportColumn("警号", "police_number"),
        ExportColumn("身份", lambda p: p.get_kind_display()),
        ExportColumn("姓名", "name"),
        ExportColumn("性别", lambda p: p.get_gender_display()),
        ExportColumn("出生日期", "birth_date", number_format="yyyy-mm-dd"),
        ExportColumn("身份证号", id_number, width=22),
        ExportColumn("手机号", phone, width=15),
        ExportColumn("单位", lambda p: p.unit.name),
        ExportColumn("职务", "position"),
        ExportColumn("警衔", "rank"),
        ExportColumn("政治面貌", lambda p: p.get_political_status_display()),
        ExportColumn("所在党支部", lambda p: p.party_branch.name if p.party_branch_id else ""),
        ExportColumn("入职日期", "joined_on", number_format="yyyy-mm-dd"),
        ExportColumn("状态", lambda p: p.get_status_display()),
    ]


def export_people(*, actor: User, params: Mapping[str, Any], reveal: bool = False) -> tuple[bytes, str]:
    """The ledger as .xlsx bytes and its file name; audited (and the full-value export separately)."""
    if not actor.has_cap(Cap.EXPORT_PERSON):
        raise PermissionDenied("您没有导出人员台账的权限 / you may not export people")
    filters = export_filters(params)
    if reveal and not actor.has_cap(Cap.REVEAL_SENSITIVE):
        audit.record(
            f"{AREA}.export_sensitive",
            actor=actor,
            object_type=AREA,
            success=False,
            message="无权导出完整敏感信息",
            changes={"filters": filters},
        )
        raise PermissionDenied("您无权导出完整身份证号和手机号 / you may not export sensitive values")
    people = list(export_queryset(actor, filters))
    with translation.override(settings.LANGUAGE_CODE):  # a Chinese ledger that imports back
        data = audited_export(
            AREA,
            title=TITLE,
            columns=export_columns(reveal=reveal),
            rows=people,
            actor=actor,
            filters=filters,
            extra={"sensitive": reveal},
        )
    if reveal:
        audit.record(
            f"{AREA}.export_sensitive",
            actor=actor,
            object_type=AREA,
            changes={
                "rows": len(people),
                "fields": list(Person.SENSITIVE_FIELDS),
                "filters": filters,
                "people": [p.pk for p in people[:1000]],
            },
        )
    return data, dated_filename(TITLE, "xlsx")
