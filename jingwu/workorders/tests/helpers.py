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


def add_returns(order: WorkOrder, unit: Any, by: Any, count: int = 1, rejected: int = 0) -> list[Any]:
    """``count`` returns (退单) of ``order`` by ``unit`` (the first ``rejected`` of them rejected, the
    rest approved), each on its own dispatch leg, as the return service records them; the order's
    counters follow. For figures known by construction (推诿件 and 退单次数 read these rows)."""
    from jingwu.org.models import Unit
    from jingwu.workorders.models import Assignment, RequestStatus, ReturnRequest

    rows = []
    for i in range(count):
        at = order.dispatched_at or order.received_at
        leg = Assignment.objects.create(
            order=order, from_unit=Unit.objects.get_parent(unit) or unit, to_unit=unit, dispatched_at=at, sign_due_at=at
        )
        status = RequestStatus.REJECTED if i < rejected else RequestStatus.APPROVED
        rows.append(
            ReturnRequest.objects.create(
                order=order,
                leg=leg,
                unit=unit,
                reason_code="not_our_duty",
                reason="不属于本单位职责",
                requested_by=by,
                requested_at=at,
                status=status,
            )
        )
    WorkOrder.objects.filter(pk=order.pk).update(
        return_count=order.return_count + count, rejected_return_count=order.rejected_return_count + rejected
    )
    return rows
