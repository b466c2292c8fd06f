"""A May 2023 data set whose 接诉即办 figures are known by construction, shared by the dashboard,
report and API tests (no tests of its own)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from jingwu.workorders.models import Appeal, RequestStatus, WorkOrder

from .helpers import add_returns, category, make_order, t

S = WorkOrder.State
MAY = ("2023-05-01", "2023-05-31")


def good(unit: Any, satisfaction: str = "satisfied", **extra: Any) -> WorkOrder:
    fields: dict[str, Any] = {
        "state": S.CLOSED,
        "accepted_at": t("2023-05-04 09:30"),
        "first_contact_at": t("2023-05-04 10:00"),
        "completed_at": t("2023-05-05 16:00"),
        "called_back_at": t("2023-05-06 10:00"),
        "callback_reached": True,
        "callback_resolved": True,
        "callback_satisfaction": satisfaction,
    }
    fields.update(extra)
    return make_order(unit, **fields)


def build_dataset(org: Any) -> SimpleNamespace:
    """Squadron A: 响应率 2/4, 解决率 2/3, 满意率 1.8/3, 办结 3, 超期 2 (A3, A5), 推诿 1 (A5),
    one exempted order (A4, approved appeal); squadron B: one perfect order in May, one in April."""
    a, b = org.squadron_a, org.squadron_b
    a1 = good(a)
    a2 = good(a, "basic", category=category("complaint"))
    a3 = good(
        a,
        "unsatisfied",
        accepted_at=t("2023-05-04 12:00"),
        callback_resolved=False,
        reopen_count=1,
        completed_at=t("2023-05-20 10:00"),
    )
    a4 = make_order(
        a,
        exempted=True,
        callback_resolved=False,
        callback_satisfaction="unsatisfied",
        called_back_at=t("2023-05-06 10:00"),
    )
    Appeal.objects.create(
        order=a4,
        reason_code=Appeal.Reason.OUT_OF_JURISDICTION,
        reason="属铁路公安管辖",
        requested_by=org.lead_a,
        requested_at=t("2023-05-06 11:00"),
        status=RequestStatus.APPROVED,
        decided_by=org.leader,
        decided_at=t("2023-05-07 09:00"),
    )
    a5 = make_order(a)
    add_returns(a5, a, org.lead_a, count=2)  # bounced twice by squadron A
    a5.refresh_from_db()
    b1 = good(b)
    b_april = good(b, dispatched_at=t("2023-04-20 09:00"), completed_at=t("2023-04-21 09:00"))
    return SimpleNamespace(a1=a1, a2=a2, a3=a3, a4=a4, a5=a5, b1=b1, b_april=b_april)
