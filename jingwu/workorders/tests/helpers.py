"""Builders for work-order tests."""

from __future__ import annotations

import itertools
from datetime import datetime
from typing import Any

from jingwu.core.calendar import TZ
from jingwu.org.models import RoleAssignment
from jingwu.workorders.models import Category, WorkOrder

_seq = itertools.count(1)


def t(text: str) -> datetime:
    """'2023-04-28 16:00' in Asia/Shanghai."""
    return datetime.fromisoformat(text).replace(tzinfo=TZ)


def category(code: str = "help") -> Category:
    return Category.objects.get(code=code)


def make_order(unit: Any, **fields: Any) -> WorkOrder:
    """A row built directly (for figures known by construction)."""
    n = next(_seq)
    defaults: dict[str, Any] = {
        "number": f"T{n:08d}",
        "category": category(),
        "content": f"测试诉求{n}",
        "received_at": t("2023-05-04 08:30"),
        "intake_unit": unit,
        "unit": unit,
        "state": WorkOrder.State.DISPATCHED,
        "dispatched_at": t("2023-05-04 09:00"),
        "response_due_at": t("2023-05-04 11:00"),
        "clock_started_at": t("2023-05-04 09:00"),
        "due_at": t("2023-05-10 18:00"),
        "original_due_at": t("2023-05-10 18:00"),
    }
    defaults.update(fields)
    return WorkOrder.objects.create(**defaults)


def grant(user: Any, role: str, unit: Any, scope: str = "subtree") -> Any:
    RoleAssignment.objects.create(user=user, role=role, unit=unit, scope=scope)
    user.forget_roles()
    user.__dict__.pop("_wo_member_paths", None)
    return user
