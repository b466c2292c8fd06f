"""Helpers shared by the work-order services: time, validation, the deadline clock, configuration."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from jingwu.core import workflow
from jingwu.core.calendar import require_aware
from jingwu.core.deadlines import Clock, Extension, compute_due

from ..models import ExtensionRequest, RequestStatus, SuspensionRequest, WorkOrder

# Configuration (settings override the defaults of METRICS.md / issue 4).
REPEAT_WINDOW_DAYS = 30


def setting(name: str, default: Any) -> Any:
    return getattr(settings, f"WORKORDERS_{name}", default)


def similarity_threshold() -> float:
    return float(setting("SIMILARITY_THRESHOLD", 0.5))


def now_or(at: datetime | None) -> datetime:
    """The moment of a step: now, or a given aware time (imports carry the platform's times)."""
    return timezone.now() if at is None else require_aware(at, "时间 at")


def perform(order: WorkOrder, name: str, *, actor: Any, reason: str = "", **payload: Any) -> Any:
    return workflow.perform(order, name, actor=actor, reason=reason, payload=payload)


def validate_phone(phone: str, *, required: bool = True) -> str:
    """A mainland mobile (11 digits, 1[3-9]…) or a landline with area code; spaces and dashes ignored."""
    text = re.sub(r"[\s\-()()]", "", phone or "")
    if text.startswith("+86"):
        text = text[3:]
    elif text.startswith("0086"):
        text = text[4:]
    if not text:
        if required:
            raise ValidationError({"citizen_phone": "联系电话不能为空 / phone number is required"})
        return ""
    mobile = re.fullmatch(r"1[3-9]\d{9}", text) is not None
    landline = re.fullmatch(r"0\d{9,11}", text) is not None
    service = re.fullmatch(r"(400|800)\d{7}", text) is not None
    if not (mobile or landline or service):
        raise ValidationError(
            {"citizen_phone": f"联系电话“{phone}”无效:应为11位手机号或带区号的固话 / not a valid phone number"}
        )
    return text


def normalise_address(address: str) -> str:
    """The address as compared for repeats: no spaces or punctuation, full-width digits folded."""
    text = (address or "").translate({0xFF10 + i: 0x30 + i for i in range(10)})
    return re.sub(r"[\s,,。.、;;::\-—()()#号]+", "", text).lower()[:200]


def require(condition: bool, field: str, message: str) -> None:
    if not condition:
        raise ValidationError({field: message})


def require_calendar(moment: datetime, field: str, *, since: datetime | None = None) -> None:
    """Refuse a deadline that the working calendar cannot count to: every year from ``since`` (now)
    to ``moment`` must have its working calendar published (or entered by an administrator).
    Otherwise nothing could tell whether the order is due soon, and resuming or extending it later
    would fail."""
    from jingwu.core.calendar import local_date, year_coverage

    first = local_date(since or timezone.now()).year
    last = local_date(require_aware(moment, field)).year
    for year in range(first, last + 1):
        if not year_coverage(year).covered:
            raise ValidationError(
                {
                    field: f"{year} 年的工作日历尚未公布或录入,期限不能定在 {local_date(moment):%Y-%m-%d}"
                    f"(请系统管理员先补录该年度日历) / no working calendar for {year} yet: "
                    "a deadline cannot be set in that year"
                }
            )


def check_scope(actor: Any, unit: Any, capability: str) -> None:
    from jingwu.core.scope import unit_in_scope

    if not unit_in_scope(actor, unit, capability):
        raise PermissionDenied("目标单位不在您的数据权限范围内 / target unit is outside your data scope")


# --- the completion clock ---------------------------------------------------------------------


def completion_clock(order: WorkOrder) -> Clock | None:
    """The order's completion deadline: category limit from ``clock_started_at`` (first dispatch, or
    the reopen), approved pauses and extensions of this round. Bounces never restart it."""
    if order.clock_started_at is None:
        return None
    pauses = [
        (s.paused_at, s.resumed_at)
        for s in SuspensionRequest.objects.filter(
            order=order, status=RequestStatus.APPROVED, paused_at__gte=order.clock_started_at
        ).order_by("paused_at")
        if s.paused_at is not None  # always: ``paused_at__gte`` leaves out NULL
    ]
    extensions = [
        Extension(approved_at=_decided_at(e), new_due=e.new_due_at)
        for e in ExtensionRequest.objects.filter(
            order=order, status=RequestStatus.APPROVED, clock_round=order.reopen_count
        ).order_by("decided_at")
    ]
    return Clock(order.clock_started_at, order.category.complete_limit, pauses, extensions, order.unit)


def _decided_at(request: ExtensionRequest) -> datetime:
    if request.decided_at is None:  # an approved request always carries its decision time
        raise TypeError("已批准的延期缺少批准时间 / an approved extension has no decided_at")
    return request.decided_at


def current_due(order: WorkOrder, at: datetime) -> datetime | None:
    clock = completion_clock(order)
    return None if clock is None else clock.due(at)


def first_due(order: WorkOrder, start: datetime) -> datetime:
    return compute_due(start, order.category.complete_limit, order.unit)
