from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone

from jingwu.core.scope import ScopedManager
from jingwu.core.workflow import Transition, Workflow
from jingwu.org.roles import Cap


def _has_amount(obj: Ticket, actor: Any, payload: dict[str, Any]) -> str | None:
    return None if obj.amount > 0 else "金额必须大于零 / the amount must be positive"


def _stamp_decision(obj: Ticket, actor: Any, payload: dict[str, Any]) -> list[str]:
    obj.decided_by = actor
    return ["decided_by"]


class Ticket(models.Model):
    """A request that a requester submits and someone else in the unit approves (test-only)."""

    class State(models.TextChoices):
        DRAFT = "draft", "草稿"
        SUBMITTED = "submitted", "待审批"
        APPROVED = "approved", "已批准"
        REJECTED = "rejected", "已退回"

    unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="+")
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="申请人", on_delete=models.PROTECT, related_name="+"
    )
    handler = models.ForeignKey(
        "org.Person", verbose_name="承办人", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    amount = models.IntegerField(default=1)
    opened_at = models.DateTimeField(default=timezone.now)
    state = models.CharField(max_length=20, choices=State.choices, default=State.DRAFT)
    updated_at = models.DateTimeField(auto_now=True)

    scope_unit_field = "unit"
    scope_owner_field = "requester__person"
    objects = ScopedManager()

    workflow = Workflow(
        state_field="state",
        transitions=[
            Transition("submit", "提交", source=State.DRAFT, target=State.SUBMITTED, guards=(_has_amount,)),
            Transition(
                "approve",
                "批准",
                source=State.SUBMITTED,
                target=State.APPROVED,
                capability=Cap.CHANGE_PERSON,
                not_by=("requester", "handler"),
                effect=_stamp_decision,
            ),
            Transition(
                "reject",
                "退回",
                source=State.SUBMITTED,
                target=State.REJECTED,
                capability=Cap.CHANGE_PERSON,
                not_by=("requester",),
                reason_required=True,
                effect=_stamp_decision,
                style="outline-danger",
            ),
            Transition("urge", "催办", source=State.SUBMITTED, target=None, by_system=True),
        ],
    )

    def __str__(self) -> str:
        return f"申请#{self.pk}"
