"""Writes to incidents (警情): receive, dispatch, arrive, dispose, convert to a case."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from jingwu.core import audit, crypto
from jingwu.core.deadlines import compute_due
from jingwu.core.scope import require_unit_in_scope
from jingwu.org.models import Person, Unit
from jingwu.org.roles import Cap
from jingwu.org.services import validate_phone

from ..models import Incident, IncidentCategory
from ..validators import validate_incident_number
from ._common import Errors, aware, require_cap, require_visible

INCIDENT_FIELDS = (
    "number",
    "unit",
    "received_at",
    "category",
    "location",
    "summary",
    "caller_name",
    "caller_phone",
    "arrived_at",
    "disposal_result",
    "disposed_at",
    "state",
)


def _snapshot(incident: Incident) -> dict[str, Any]:
    return audit.snapshot(incident, INCIDENT_FIELDS)


def incident_create(
    *,
    actor: Any,
    unit: Unit,
    number: str,
    received_at: datetime,
    category: IncidentCategory,
    location: str = "",
    summary: str = "",
    caller_name: str = "",
    caller_phone: str = "",
    source: str = "manual",
) -> Incident:
    """Register a received incident; its disposal due time comes from its category's limit."""
    require_cap(actor, Cap.HANDLE_CASE)
    errors = Errors()
    try:
        number = validate_incident_number(number)
    except ValidationError as exc:
        errors.add("number", exc)
    else:
        if Incident.objects.filter(number=number).exists():
            errors.add("number", "警情编号已存在 / this incident number already exists")
    received_at = aware(received_at, "received_at", errors)  # type: ignore[assignment]
    try:
        caller_phone = validate_phone(caller_phone)
    except ValidationError as exc:
        errors.add("caller_phone", exc)
    if category is None or not category.active:
        errors.add("category", "请选择有效的警情类别 / choose an active category")
    if len(location) > 200:
        errors.add("location", "地点最多200字 / at most 200 characters")
    errors.raise_if_any()
    with transaction.atomic():
        require_unit_in_scope(actor, unit, Cap.HANDLE_CASE)
        incident = Incident(
            unit=unit,
            number=number,
            received_at=received_at,
            category=category,
            location=location.strip(),
            summary=summary.strip(),
            caller_name=caller_name.strip(),
            caller_phone=caller_phone,
            caller_phone_index=crypto.blind_index(caller_phone) if caller_phone else "",
            disposal_due_at=compute_due(received_at, category.disposal_limit(), unit),
            source=source,
        )
        incident.save()
        audit.record(
            "cases.incident.create",
            obj=incident,
            actor=actor,
            changes=audit.diff({}, _snapshot(incident), sensitive=Incident.SENSITIVE_FIELDS),
        )
    return incident


def _locked(actor: Any, incident: Incident) -> Incident:
    require_visible(actor, incident, Cap.HANDLE_CASE)
    return Incident.objects.select_for_update().get(pk=incident.pk)


def incident_dispatch(
    *, actor: Any, incident: Incident, officers: Iterable[Person], at: datetime | None = None
) -> Incident:
    """Record the officers sent to the scene (出警)."""
    require_cap(actor, Cap.HANDLE_CASE)
    officers = list(officers)
    errors = Errors()
    if not officers:
        errors.add("officers", "至少派出一名民警 / dispatch at least one officer")
    at = aware(at or timezone.now(), "dispatched_at", errors)
    if at is not None and at < incident.received_at:
        errors.add("dispatched_at", "派警时间不能早于接警时间 / dispatched before it was received")
    errors.raise_if_any()
    with transaction.atomic():
        locked = _locked(actor, incident)
        locked.dispatched_at = at
        locked.save(update_fields=["dispatched_at", "updated_at"])
        locked.dispatched_officers.add(*officers)
        audit.record(
            "cases.incident.dispatch",
            obj=locked,
            actor=actor,
            changes={"officers": [p.pk for p in officers], "dispatched_at": at},
        )
    return locked


def incident_arrive(*, actor: Any, incident: Incident, at: datetime | None = None) -> Incident:
    require_cap(actor, Cap.HANDLE_CASE)
    errors = Errors()
    at = aware(at or timezone.now(), "arrived_at", errors)
    if at is not None and at < incident.received_at:
        errors.add("arrived_at", "到场时间不能早于接警时间 / arrived before it was received")
    errors.raise_if_any()
    with transaction.atomic():
        locked = _locked(actor, incident)
        before = _snapshot(locked)
        locked.arrived_at = at
        locked.save(update_fields=["arrived_at", "updated_at"])
        audit.record("cases.incident.arrive", obj=locked, actor=actor, changes=audit.diff(before, _snapshot(locked)))
    return locked


def incident_dispose(*, actor: Any, incident: Incident, result: str, at: datetime | None = None) -> Incident:
    """Record the disposal result (处置结果); whether it was on time is derived from the due time."""
    require_cap(actor, Cap.HANDLE_CASE)
    errors = Errors()
    result = (result or "").strip()
    if not result:
        errors.add("disposal_result", "请填写处置结果 / the disposal result is required")
    at = aware(at or timezone.now(), "disposed_at", errors)
    if at is not None and at < incident.received_at:
        errors.add("disposed_at", "处置时间不能早于接警时间 / disposed before it was received")
    errors.raise_if_any()
    with transaction.atomic():
        locked = _locked(actor, incident)
        if locked.state == Incident.State.DISPOSED:
            raise ValidationError({"disposal_result": "该警情已处置 / the incident is already disposed"})
        before = _snapshot(locked)
        locked.disposal_result = result
        locked.disposed_at = at
        locked.state = Incident.State.DISPOSED
        locked.save(update_fields=["disposal_result", "disposed_at", "state", "updated_at"])
        audit.record(
            "cases.incident.dispose",
            obj=locked,
            actor=actor,
            changes=audit.diff(before, _snapshot(locked), sensitive=Incident.SENSITIVE_FIELDS),
        )
    return locked


def incident_convert_to_case(*, actor: Any, incident: Incident, **case_data: Any) -> Any:
    """Open a case from an incident (受案): the case links the incident; an incident not yet
    disposed is disposed with "已受案" and the case number, in the same transaction."""
    from .cases import case_create

    require_visible(actor, incident, Cap.HANDLE_CASE)
    case_data.setdefault("unit", incident.unit)
    with transaction.atomic():
        case = case_create(actor=actor, incidents=[incident], **case_data)
        incident.refresh_from_db()
        if incident.state != Incident.State.DISPOSED:
            incident_dispose(actor=actor, incident=incident, result=f"已受案,案件编号{case.number}")
        audit.record("cases.incident.convert", obj=incident, actor=actor, changes={"case": case.pk})
    return case
