"""Writes of special campaigns and joint inspections (专项行动 / 联合执法): campaigns, patrols,
inspections (a finding may open a case through ``case_create``) and seizure tallies.

Each write: validation with field errors (nothing saved on error), one transaction, one audit row.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from jingwu.core import audit
from jingwu.core.scope import unit_in_scope
from jingwu.org.models import Person, Unit
from jingwu.org.roles import Cap

from ..models import Case, CaseCategory
from ..models.campaigns import Campaign, Inspection, Patrol, SeizureKind, SeizureTally
from ._common import NOT_FOUND, Errors, aware

CAMPAIGN_FIELDS = ("unit", "name", "starts_on", "ends_on", "goal", "departments")
WRITE_CAPS = (Cap.HANDLE_CASE, Cap.APPROVE_CASE)
MAX_QUANTITY = 1_000_000


# --- reads -------------------------------------------------------------------------------------


def visible_campaigns(user: Any) -> Any:
    return Campaign.objects.visible_to(user, Cap.VIEW_CASE).select_related("unit")


def may_manage(user: Any, unit: Unit) -> bool:
    """Create or edit a campaign led by ``unit``: a case role whose scope covers the unit."""
    return any(user.has_cap(cap) and unit_in_scope(user, unit, cap) for cap in WRITE_CAPS)


def may_record_for(user: Any, unit: Unit) -> bool:
    """Record a patrol, inspection or seizure for ``unit``: scope over it, or an officer of it."""
    if may_manage(user, unit):
        return True
    person = getattr(user, "person", None)
    return bool(user.has_cap(Cap.HANDLE_CASE) and person is not None and person.unit_id == unit.pk)


def recording_units(user: Any, campaign: Campaign) -> list[Unit]:
    """The campaign's units (leader and participants) the user may record for."""
    units = [campaign.unit, *campaign.units.all()]
    seen: set[int] = set()
    out = []
    for unit in units:
        if unit.pk not in seen and may_record_for(user, unit):
            seen.add(unit.pk)
            out.append(unit)
    return out


def manageable_units(user: Any) -> Any:
    qs = Unit.objects.none()
    for cap in WRITE_CAPS:
        if user.has_cap(cap):
            qs = qs | Unit.objects.visible_to(user, cap)
    return qs.exclude(kind=Unit.Kind.PARTY_BRANCH).filter(retired_on__isnull=True).distinct().order_by("path")


def active_seizure_kinds() -> Any:
    return SeizureKind.objects.filter(active=True).order_by("order", "code")


# --- helpers -----------------------------------------------------------------------------------


def _require_cap_any(actor: Any) -> None:
    if actor is None or not getattr(actor, "is_authenticated", False) or not any(actor.has_cap(c) for c in WRITE_CAPS):
        raise PermissionDenied("您没有执行此操作的权限 / you may not do this")


def _require_campaign_visible(actor: Any, campaign: Campaign) -> Campaign:
    found = Campaign.objects.visible_to(actor, Cap.VIEW_CASE).filter(pk=campaign.pk).first()
    if found is None:
        raise PermissionDenied(NOT_FOUND)
    return found


def _departments(value: Iterable[str] | str | None) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        value = value.replace(",", "\n").replace("、", "\n").replace(",", "\n").splitlines()
    out: list[str] = []
    for item in value:
        item = item.strip()[:50]
        if item and item not in out:
            out.append(item)
    return out[:20]


def _clean_campaign(
    unit: Unit | None,
    name: str,
    starts_on: date | None,
    ends_on: date | None,
    units: Iterable[Unit],
    errors: Errors,
) -> tuple[str, list[Unit]]:
    name = (name or "").strip()
    if not name:
        errors.add("name", "行动名称不能为空 / a name is required")
    elif len(name) > 100:
        errors.add("name", "行动名称不超过100字 / at most 100 characters")
    if unit is None:
        errors.add("unit", "请选择牵头单位 / a leading unit is required")
    if starts_on is None:
        errors.add("starts_on", "请填写开始日期 / a start date is required")
    if ends_on is None:
        errors.add("ends_on", "请填写结束日期 / an end date is required")
    if starts_on and ends_on and ends_on < starts_on:
        errors.add("ends_on", "结束日期不能早于开始日期 / the campaign cannot end before it starts")
    participants: list[Unit] = []
    for u in units:
        if unit is not None and not u.path.startswith(unit.path):
            errors.add("units", f"“{u.name}”不是牵头单位的下级单位 / participants are units under the leading unit")
        elif u not in participants and (unit is None or u.pk != unit.pk):
            participants.append(u)
    return name, participants


# --- campaigns ---------------------------------------------------------------------------------


def campaign_create(
    *,
    actor: Any,
    unit: Unit,
    name: str,
    starts_on: date,
    ends_on: date,
    goal: str = "",
    departments: Iterable[str] | str | None = None,
    units: Iterable[Unit] = (),
) -> Campaign:
    _require_cap_any(actor)
    errors = Errors()
    name, participants = _clean_campaign(unit, name, starts_on, ends_on, units, errors)
    errors.raise_if_any()
    if not may_manage(actor, unit):
        raise PermissionDenied("目标单位不在您的数据权限范围内 / target unit is outside your data scope")
    with transaction.atomic():
        campaign = Campaign.objects.create(
            unit=unit,
            name=name,
            starts_on=starts_on,
            ends_on=ends_on,
            goal=(goal or "").strip(),
            departments=_departments(departments),
            created_by=actor,
        )
        campaign.units.set(participants)
        audit.record(
            "cases.campaign.create",
            obj=campaign,
            actor=actor,
            changes={
                **audit.diff({}, audit.snapshot(campaign, CAMPAIGN_FIELDS)),
                "units": [u.code for u in participants],
            },
        )
    return campaign


def campaign_update(
    *,
    actor: Any,
    campaign: Campaign,
    name: str,
    starts_on: date,
    ends_on: date,
    goal: str = "",
    departments: Iterable[str] | str | None = None,
    units: Iterable[Unit] = (),
) -> Campaign:
    _require_cap_any(actor)
    campaign = _require_campaign_visible(actor, campaign)
    if not may_manage(actor, campaign.unit):
        raise PermissionDenied("只有牵头单位可以修改专项行动 / only the leading unit edits the campaign")
    errors = Errors()
    name, participants = _clean_campaign(campaign.unit, name, starts_on, ends_on, units, errors)
    errors.raise_if_any()
    with transaction.atomic():
        locked = Campaign.objects.select_for_update().get(pk=campaign.pk)
        before = audit.snapshot(locked, CAMPAIGN_FIELDS)
        before_units = sorted(locked.units.values_list("code", flat=True))
        locked.name, locked.starts_on, locked.ends_on = name, starts_on, ends_on
        locked.goal = (goal or "").strip()
        locked.departments = _departments(departments)
        locked.save()
        locked.units.set(participants)
        changes = audit.diff(before, audit.snapshot(locked, CAMPAIGN_FIELDS))
        after_units = sorted(u.code for u in participants)
        if after_units != before_units:
            changes["units"] = [before_units, after_units]
        if changes:
            audit.record("cases.campaign.update", obj=locked, actor=actor, changes=changes)
    return locked


# --- patrols, inspections, seizures ------------------------------------------------------------


def _record_unit(actor: Any, campaign: Campaign, unit: Unit | None, errors: Errors) -> None:
    if unit is None:
        errors.add("unit", "请选择单位 / a unit is required")
        return
    if unit.pk != campaign.unit_id and not campaign.units.filter(pk=unit.pk).exists():
        errors.add("unit", "该单位未参加本专项行动 / the unit does not take part in this campaign")
    elif not may_record_for(actor, unit):
        errors.add("unit", "该单位不在您的数据权限范围内 / the unit is outside your data scope")


def _in_period(campaign: Campaign, at: datetime | None, field: str, errors: Errors) -> None:
    if at is None or field in errors:
        return
    day = timezone.localtime(at).date()
    if not campaign.starts_on <= day <= campaign.ends_on:
        errors.add(
            field,
            f"时间不在专项行动期间({campaign.starts_on}至{campaign.ends_on})内 / outside the campaign period",
        )


def patrol_add(
    *,
    actor: Any,
    campaign: Campaign,
    unit: Unit,
    place: str,
    started_at: datetime,
    ended_at: datetime | None = None,
    people: Iterable[Person] = (),
    notes: str = "",
) -> Patrol:
    _require_cap_any(actor)
    campaign = _require_campaign_visible(actor, campaign)
    errors = Errors()
    _record_unit(actor, campaign, unit, errors)
    place = (place or "").strip()
    if not place:
        errors.add("place", "巡查地点不能为空 / a place is required")
    started = aware(started_at, "started_at", errors)
    ended = aware(ended_at, "ended_at", errors, required=False)
    if started and ended and ended < started:
        errors.add("ended_at", "结束时间不能早于开始时间 / the patrol cannot end before it starts")
    _in_period(campaign, started, "started_at", errors)
    people = list(people)
    if not people:
        errors.add("people", "请选择参与巡查的人员 / choose the people on patrol")
    visible = Person.objects.visible_to(actor)
    if people and visible.filter(pk__in=[p.pk for p in people]).count() != len({p.pk for p in people}):
        errors.add("people", NOT_FOUND)
    errors.raise_if_any()
    assert started is not None  # aware() gives None only after recording an error
    with transaction.atomic():
        patrol = Patrol.objects.create(
            campaign=campaign,
            unit=unit,
            place=place[:200],
            started_at=started,
            ended_at=ended,
            notes=(notes or "").strip(),
            created_by=actor,
        )
        patrol.people.set(people)
        audit.record(
            "cases.campaign.patrol",
            obj=patrol,
            actor=actor,
            changes={"campaign": campaign.pk, "unit": unit.code, "place": patrol.place, "people": len(people)},
        )
    return patrol


def inspection_add(
    *,
    actor: Any,
    campaign: Campaign,
    unit: Unit,
    target: str,
    kind: str,
    inspected_at: datetime,
    departments: Iterable[str] | str | None = None,
    has_finding: bool = False,
    finding: str = "",
) -> Inspection:
    _require_cap_any(actor)
    campaign = _require_campaign_visible(actor, campaign)
    errors = Errors()
    _record_unit(actor, campaign, unit, errors)
    target = (target or "").strip()
    if not target:
        errors.add("target", "检查对象不能为空 / a target is required")
    if kind not in Inspection.Kind.values:
        errors.add("kind", "对象类型无效 / invalid kind")
    at = aware(inspected_at, "inspected_at", errors)
    _in_period(campaign, at, "inspected_at", errors)
    finding = (finding or "").strip()
    if has_finding and not finding:
        errors.add("finding", "发现问题时须写明检查发现 / describe what was found")
    errors.raise_if_any()
    assert at is not None
    with transaction.atomic():
        inspection = Inspection.objects.create(
            campaign=campaign,
            unit=unit,
            target=target[:200],
            kind=kind,
            inspected_at=at,
            departments=_departments(departments),
            has_finding=bool(has_finding),
            finding=finding,
            created_by=actor,
        )
        audit.record(
            "cases.campaign.inspection",
            obj=inspection,
            actor=actor,
            changes={
                "campaign": campaign.pk,
                "unit": unit.code,
                "target": inspection.target,
                "kind": kind,
                "has_finding": inspection.has_finding,
            },
        )
    return inspection


def inspection_open_case(
    *,
    actor: Any,
    inspection: Inspection,
    kind: str,
    category: CaseCategory,
    title: str,
    lead_officer: Person,
    handling_officers: Iterable[Person],
) -> Case:
    """立案 from an inspection's finding: registers the case (受案) through ``case_create`` for the
    inspection's unit and links it; the filing decision itself then goes through legal review."""
    from .cases import case_create

    found = Inspection.objects.visible_to(actor, Cap.HANDLE_CASE).filter(pk=inspection.pk).first()
    if found is None:
        raise PermissionDenied(NOT_FOUND)
    if found.case_id is not None:
        raise ValidationError({"__all__": "该检查已立案 / a case was already opened from this inspection"})
    if not found.has_finding:
        raise ValidationError({"__all__": "未发现问题的检查不能立案 / nothing was found"})
    summary = f"{found.campaign.name}:{found.get_kind_display()}“{found.target}”检查发现——{found.finding}"
    with transaction.atomic():
        case = case_create(
            actor=actor,
            unit=found.unit,
            kind=kind,
            category=category,
            title=title,
            lead_officer=lead_officer,
            handling_officers=handling_officers,
            summary=summary,
        )
        locked = Inspection.objects.select_for_update().get(pk=found.pk)
        if locked.case_id is not None:
            raise ValidationError({"__all__": "该检查已立案 / a case was already opened from this inspection"})
        locked.case = case
        locked.save(update_fields=["case"])
        audit.record(
            "cases.campaign.inspection_case",
            obj=locked,
            actor=actor,
            changes={"case": case.pk, "case_number": case.number},
        )
    return case


def seizure_add(
    *,
    actor: Any,
    campaign: Campaign,
    unit: Unit,
    kind: SeizureKind | None,
    quantity: Any,
    recorded_at: datetime,
    patrol: Patrol | None = None,
    inspection: Inspection | None = None,
    notes: str = "",
) -> SeizureTally:
    _require_cap_any(actor)
    campaign = _require_campaign_visible(actor, campaign)
    errors = Errors()
    _record_unit(actor, campaign, unit, errors)
    if kind is None or not kind.active:
        errors.add("kind", "请选择收缴物品种类 / choose the kind of item")
    try:
        number = int(str(quantity).strip())
        if str(number) != str(quantity).strip().lstrip("+"):
            raise ValueError
    except (TypeError, ValueError):
        errors.add("quantity", "数量应为正整数 / the quantity must be a whole number")
        number = 0
    else:
        if number <= 0:
            errors.add("quantity", "数量须大于0 / the quantity must be positive")
        elif number > MAX_QUANTITY:
            errors.add("quantity", "数量过大 / the quantity is too large")
    at = aware(recorded_at, "recorded_at", errors)
    _in_period(campaign, at, "recorded_at", errors)
    if patrol is not None and patrol.campaign_id != campaign.pk:
        errors.add("patrol", "巡查不属于本专项行动 / the patrol belongs to another campaign")
    if inspection is not None and inspection.campaign_id != campaign.pk:
        errors.add("inspection", "检查不属于本专项行动 / the inspection belongs to another campaign")
    errors.raise_if_any()
    assert kind is not None and at is not None
    with transaction.atomic():
        tally = SeizureTally.objects.create(
            campaign=campaign,
            unit=unit,
            kind=kind,
            quantity=number,
            recorded_at=at,
            patrol=patrol,
            inspection=inspection,
            notes=(notes or "").strip()[:200],
            created_by=actor,
        )
        audit.record(
            "cases.campaign.seizure",
            obj=tally,
            actor=actor,
            changes={"campaign": campaign.pk, "unit": unit.code, "kind": kind.code, "quantity": number},
        )
    return tally
