"""Reveal of a citizen's phone number in clear (查看完整号码): audited, for roles with
``org.reveal_sensitive`` over the order's unit; a refusal is audited too."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction

from jingwu.core import audit
from jingwu.org.roles import Cap

from ..models import WorkOrder


def work_order_reveal_phone(*, actor: Any, order: WorkOrder) -> str:
    """The citizen's phone in clear. The caller loaded ``order`` through ``visible_to``; the actor
    must also see it through a role carrying ``org.reveal_sensitive``. Every reveal and every
    refusal writes an audit row (a refusal in its own transaction, so it survives the error)."""
    allowed = (
        getattr(actor, "is_authenticated", False)
        and actor.has_cap(Cap.REVEAL_SENSITIVE)
        and WorkOrder.objects.visible_to(actor, Cap.REVEAL_SENSITIVE).filter(pk=order.pk).exists()
    )
    if not allowed:
        with transaction.atomic():
            audit.record(
                "workorders.reveal",
                obj=order,
                actor=actor,
                success=False,
                changes={"field": "citizen_phone"},
                message="无权查看敏感信息",
            )
        raise PermissionDenied("您无权查看完整联系电话 / you may not see this value")
    with transaction.atomic():
        audit.record("workorders.reveal", obj=order, actor=actor, changes={"field": "citizen_phone"})
    return order.citizen_phone
