"""Writes of 行刑衔接: agencies, partner accounts and inter-agency transfers (both directions).

Reads: ``InterAgencyTransfer.objects.visible_to(user)`` gives a police user the transfers of the
units in their scope and a partner account its own agency's transfers only.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from jingwu.core import audit
from jingwu.core.attachments.services import atomic as atomic_with_files
from jingwu.core.attachments.services import attach
from jingwu.core.deadlines import add_working_days
from jingwu.core.scope import Scope, require_unit_in_scope
from jingwu.org.models import RoleAssignment, Unit, User
from jingwu.org.roles import Cap

from ..models import Case
from ..models.agencies import DEFAULT_DECISION_DAYS, Agency, InterAgencyTransfer, PartnerAccount, agency_of
from ._common import NOT_FOUND, Errors, aware, perform, require_cap

TRANSFER_FIELDS = ("direction", "agency", "unit", "title", "summary", "documents", "transferred_at")
MAX_DECISION_DAYS = 30


def agency_create(
    *, actor: Any, name: str, kind: str, receiving_unit: Unit, contact_name: str = "", contact_phone: str = ""
) -> Agency:
    """Register a partner agency and the police unit receiving its transfers (系统管理员)."""
    require_cap(actor, Cap.MANAGE_USER)
    errors = Errors()
    name = (name or "").strip()
    if not name:
        errors.add("name", "单位名称不能为空 / a name is required")
    elif Agency.objects.filter(name=name).exists():
        errors.add("name", "该合作单位已存在 / the agency exists")
    if kind not in Agency.Kind.values:
        errors.add("kind", "合作单位类型无效 / invalid agency kind")
    if receiving_unit is None:
        errors.add("receiving_unit", "请指定对接公安单位 / choose the receiving police unit")
    errors.raise_if_any()
    with transaction.atomic():
        agency = Agency.objects.create(
            name=name,
            kind=kind,
            receiving_unit=receiving_unit,
            contact_name=contact_name.strip(),
            contact_phone=contact_phone.strip(),
        )
        audit.record("cases.agency.create", obj=agency, actor=actor, changes={"name": name, "kind": kind})
    return agency


def partner_account_create(*, actor: Any, agency: Agency, username: str, password: str) -> User:
    """Create a login for an agency: role ``partner`` (own scope, no unit, no person), so every
    unit-scoped queryset gives it nothing; only its agency's transfers are visible to it."""
    require_cap(actor, Cap.MANAGE_USER)
    username = (username or "").strip()
    if not username or User.objects.filter(username=username).exists():
        raise ValidationError({"username": "用户名为空或已被使用 / the username is empty or taken"})
    from django.contrib.auth.password_validation import validate_password

    try:
        validate_password(password)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from None
    with transaction.atomic():
        user = User(username=username, is_system=True)
        user.set_password(password)
        user.save()
        RoleAssignment.objects.create(user=user, role="partner", unit=None, scope=Scope.OWN)
        PartnerAccount.objects.create(user=user, agency=agency)
        audit.record(
            "cases.agency.account_create", obj=user, actor=actor, changes={"agency": agency.pk, "role": "partner"}
        )
    return user


def _limit_days(value: Any, errors: Errors) -> int:
    try:
        days = int(value if value not in (None, "") else DEFAULT_DECISION_DAYS)
    except (TypeError, ValueError):
        errors.add("decision_limit_days", "决定期限应为整数工作日 / a whole number of working days")
        return DEFAULT_DECISION_DAYS
    if not 1 <= days <= MAX_DECISION_DAYS:
        errors.add("decision_limit_days", f"决定期限应为1至{MAX_DECISION_DAYS}个工作日 / 1..{MAX_DECISION_DAYS} days")
    return days


def _common_fields(
    errors: Errors, title: str, summary: str, transferred_at: datetime | None
) -> tuple[str, str, datetime | None]:
    title = (title or "").strip()
    if not title:
        errors.add("title", "案件名称不能为空 / a title is required")
    summary = (summary or "").strip()
    if not summary:
        errors.add("summary", "请填写简要案情 / a summary is required")
    at = aware(transferred_at or timezone.now(), "transferred_at", errors)
    return title[:200], summary, at


def transfer_submit(
    *,
    actor: Any,
    title: str,
    summary: str,
    documents: str = "",
    transferred_at: datetime | None = None,
    decision_limit_days: Any = None,
    attachments: Any = (),
) -> InterAgencyTransfer:
    """An agency transfers a suspected crime to its receiving police unit (inbound). Only a partner
    account may, and only for its own agency; the decision limit runs on working days from the
    transfer (deadline service). ``attachments`` are the transfer's documents as files (checked by
    content; a refused file refuses the transfer)."""
    require_cap(actor, Cap.PARTNER)
    agency = agency_of(actor)
    if agency is None:
        raise PermissionDenied("该账号未关联合作单位 / the account has no agency")
    errors = Errors()
    title, summary, at = _common_fields(errors, title, summary, transferred_at)
    days = _limit_days(decision_limit_days, errors)
    unit = agency.receiving_unit
    errors.raise_if_any()
    assert at is not None
    try:
        due = add_working_days(at, days, unit)
    except Exception as exc:  # a year without calendar data is an error, not a guess
        raise ValidationError({"transferred_at": f"无法计算决定期限:{exc}"}) from None
    with atomic_with_files():  # transaction.atomic() that also removes stored files on rollback
        transfer = InterAgencyTransfer.objects.create(
            direction=InterAgencyTransfer.Direction.INBOUND,
            agency=agency,
            unit=unit,
            title=title,
            summary=summary,
            documents=(documents or "").strip(),
            transferred_at=at,
            decision_limit_days=days,
            decision_due_at=due,
            created_by=actor,
        )
        audit.record(
            "cases.agency_transfer.submit",
            obj=transfer,
            actor=actor,
            changes={**audit.snapshot(transfer, TRANSFER_FIELDS), "decision_due_at": due},
        )
        attach(actor=actor, owner=transfer, files=attachments, stage="transfer")
    return transfer


def transfer_out(
    *,
    actor: Any,
    unit: Unit,
    agency: Agency,
    title: str,
    summary: str,
    documents: str = "",
    case: Case | None = None,
    transferred_at: datetime | None = None,
    attachments: Any = (),
) -> InterAgencyTransfer:
    """The police transfer a matter to an agency (outbound), optionally from one of their cases,
    with its documents as files (``attachments``, checked by content)."""
    require_cap(actor, Cap.HANDLE_CASE)
    errors = Errors()
    title, summary, at = _common_fields(errors, title, summary, transferred_at)
    if agency is None or not agency.active:
        errors.add("agency", "请选择合作单位 / choose an agency")
    errors.raise_if_any()
    assert at is not None  # aware() gives None only after recording an error, raised just above
    with atomic_with_files():
        require_unit_in_scope(actor, unit, Cap.HANDLE_CASE)
        if case is not None and not Case.objects.visible_to(actor, Cap.HANDLE_CASE).filter(pk=case.pk).exists():
            raise ValidationError({"case": NOT_FOUND})
        transfer = InterAgencyTransfer.objects.create(
            direction=InterAgencyTransfer.Direction.OUTBOUND,
            agency=agency,
            unit=unit,
            title=title,
            summary=summary,
            documents=(documents or "").strip(),
            transferred_at=at,
            case=case,
            created_by=actor,
        )
        audit.record(
            "cases.agency_transfer.out",
            obj=transfer,
            actor=actor,
            changes={**audit.snapshot(transfer, TRANSFER_FIELDS), "case": case.pk if case else None},
        )
        attach(actor=actor, owner=transfer, files=attachments, stage="transfer")
    return transfer


# --- transitions (each one workflow.perform: lock, guards, event and audit rows) ----------------------


def transfer_acknowledge(*, actor: Any, transfer: InterAgencyTransfer) -> InterAgencyTransfer:
    perform(transfer, "acknowledge", actor=actor)
    return transfer


def transfer_decide(*, actor: Any, transfer: InterAgencyTransfer, file: bool, reason: str = "") -> InterAgencyTransfer:
    """立案 or 不予立案 (the latter needs the reason); by a leader who did not acknowledge it."""
    perform(transfer, "file" if file else "refuse", actor=actor, reason=reason, reason_text=reason)
    return transfer


def transfer_give_feedback(*, actor: Any, transfer: InterAgencyTransfer, feedback: str) -> InterAgencyTransfer:
    perform(transfer, "give_feedback", actor=actor, feedback=feedback)
    return transfer


def transfer_link_case(*, actor: Any, transfer: InterAgencyTransfer, case: Case) -> InterAgencyTransfer:
    """Link a filed inbound transfer to the case opened for it (a case the actor handles)."""
    if not Case.objects.visible_to(actor, Cap.HANDLE_CASE).filter(pk=case.pk).exists():
        raise ValidationError({"case": NOT_FOUND})
    perform(transfer, "link_case", actor=actor, case_id=case.pk)
    return transfer


def transfer_agency_acknowledge(*, actor: Any, transfer: InterAgencyTransfer) -> InterAgencyTransfer:
    perform(transfer, "agency_acknowledge", actor=actor)
    return transfer


def transfer_agency_handle(*, actor: Any, transfer: InterAgencyTransfer, handling: str) -> InterAgencyTransfer:
    perform(transfer, "agency_handle", actor=actor, handling=handling)
    return transfer
