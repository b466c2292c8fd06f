"""Writes for 移送审查起诉 (by case and by person) and the 执法办案管理中心 register."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from jingwu.core import audit
from jingwu.core.workflow import TransitionNotAllowed
from jingwu.org.roles import Cap

from ..models import Case, CentreVisit, Party, ProsecutionTransfer
from ..models.guards import approved_review
from ._common import Errors, aware, perform, require_cap, require_visible
from .people_figures import keeping_people


def transfer_for_prosecution(
    *,
    actor: Any,
    case: Case,
    parties: Iterable[Party],
    procuratorate: str,
    document_number: str = "",
    at: datetime | None = None,
    note: str = "",
) -> ProsecutionTransfer:
    """Transfer suspects of a solved criminal case to the procuratorate (移送审查起诉).

    The first transfer moves the case to 移送审查起诉 (the workflow checks the approved review);
    later transfers of further suspects of the same case are recorded against it as well."""
    require_cap(actor, Cap.HANDLE_CASE)
    parties = list(parties)
    errors = Errors()
    if not parties:
        errors.add("parties", "请选择移送的犯罪嫌疑人 / choose the suspects transferred")
    for party in parties:
        if party.case_id != case.pk or party.role != Party.Role.SUSPECT:
            errors.add("parties", f"{party.name}不是本案犯罪嫌疑人 / not a suspect of this case")
    procuratorate = (procuratorate or "").strip()
    if not procuratorate:
        errors.add("procuratorate", "请填写受理检察院 / name the procuratorate")
    at = aware(at or timezone.now(), "transferred_at", errors)
    errors.raise_if_any()
    assert at is not None  # aware() gives None only after recording an error, raised just above
    with transaction.atomic(), keeping_people(person_keys=[p.person_key for p in parties], case_ids=[case.pk]):
        require_visible(actor, case, Cap.HANDLE_CASE)
        already = list(
            ProsecutionTransfer.parties.through.objects.filter(
                party_id__in=[p.pk for p in parties], prosecutiontransfer__case=case
            ).values_list("party__name", flat=True)
        )
        if already:
            raise ValidationError({"parties": f"已移送:{'、'.join(already)} / already transferred"})
        case.refresh_from_db()
        if case.state == Case.State.SOLVED:
            perform(case, "transfer_for_prosecution", actor=actor, at=at)
        elif case.state == Case.State.TRANSFERRED:
            verdict = approved_review("prosecution")(case, actor, {})
            if verdict:
                raise TransitionNotAllowed(verdict, code="guard")
        else:
            raise TransitionNotAllowed(
                f"当前状态“{case.get_state_display()}”不能移送审查起诉 / the case must be solved first", code="state"
            )
        transfer = ProsecutionTransfer.objects.create(
            case=case,
            transferred_at=at,
            procuratorate=procuratorate,
            document_number=(document_number or "").strip(),
            transferred_by=actor,
            note=(note or "").strip(),
        )
        transfer.parties.set(parties)
        audit.record(
            "cases.transfer.create",
            obj=transfer,
            actor=actor,
            changes={"case": case.pk, "parties": [p.pk for p in parties], "procuratorate": procuratorate},
        )
    return transfer


def centre_entry(
    *,
    actor: Any,
    case: Case,
    party: Party,
    reason: str,
    safety_check_done: bool,
    entered_at: datetime | None = None,
    belongings: str = "",
    safety_check_notes: str = "",
    rooms: str = "",
) -> CentreVisit:
    """Record a person brought into the case-handling centre; the safety check is mandatory."""
    require_cap(actor, Cap.HANDLE_CASE)
    errors = Errors()
    if party.case_id != case.pk or party.kind != Party.Kind.PERSON:
        errors.add("party", "该人员不是本案当事人 / not a person of this case")
    reason = (reason or "").strip()
    if not reason:
        errors.add("reason", "请填写入区事由 / a reason is required")
    if not safety_check_done:
        errors.add("safety_check_done", "入区须进行人身安全检查 / the safety check is mandatory on entry")
    entered_at = aware(entered_at or timezone.now(), "entered_at", errors)
    errors.raise_if_any()
    assert entered_at is not None  # aware() gives None only after recording an error, raised just above
    with transaction.atomic():
        require_visible(actor, case, Cap.HANDLE_CASE)
        if CentreVisit.objects.filter(party=party, exited_at__isnull=True).exists():
            raise ValidationError({"party": "该人员尚未出区 / this person is still inside the centre"})
        visit = CentreVisit.objects.create(
            case=case,
            party=party,
            entered_at=entered_at,
            reason=reason,
            belongings=(belongings or "").strip(),
            safety_check_done=True,
            safety_check_notes=(safety_check_notes or "").strip(),
            rooms=(rooms or "").strip(),
            recorded_by=actor,
        )
        audit.record(
            "cases.centre.entry",
            obj=visit,
            actor=actor,
            changes={"case": case.pk, "party": party.pk, "entered_at": entered_at, "rooms": visit.rooms},
        )
    return visit


def centre_exit(
    *,
    actor: Any,
    visit: CentreVisit,
    destination: str,
    belongings_returned: bool,
    exited_at: datetime | None = None,
    rooms: str | None = None,
) -> CentreVisit:
    require_cap(actor, Cap.HANDLE_CASE)
    errors = Errors()
    exited_at = aware(exited_at or timezone.now(), "exited_at", errors)
    if exited_at is not None and exited_at < visit.entered_at:
        errors.add("exited_at", "出区时间不能早于入区时间 / left before entering")
    destination = (destination or "").strip()
    if not destination:
        errors.add("exit_destination", "请填写出区去向 / where the person went")
    errors.raise_if_any()
    with transaction.atomic():
        require_visible(actor, visit, Cap.HANDLE_CASE)
        locked = CentreVisit.objects.select_for_update().get(pk=visit.pk)
        if locked.exited_at is not None:
            raise ValidationError({"exited_at": "已登记出区 / the exit is already recorded"})
        locked.exited_at = exited_at
        locked.exit_destination = destination
        locked.belongings_returned = bool(belongings_returned)
        fields = ["exited_at", "exit_destination", "belongings_returned"]
        if rooms is not None:
            locked.rooms = rooms.strip()
            fields.append("rooms")
        locked.save(update_fields=fields)
        audit.record(
            "cases.centre.exit",
            obj=locked,
            actor=actor,
            changes={"exited_at": exited_at, "destination": destination, "belongings_returned": belongings_returned},
        )
    return locked
