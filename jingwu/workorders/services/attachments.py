"""Attachments added to an order outside intake and 办结 (e.g. through the API while handling)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError

from jingwu.core.attachments.services import atomic as atomic_with_files
from jingwu.core.attachments.services import attach
from jingwu.core.models import Attachment
from jingwu.core.workflow import TransitionNotAllowed
from jingwu.org.roles import Cap

from ..models import WorkOrder

# Who may add files to an order: its handlers and the operators who take demands in.
ATTACH_CAPABILITIES = (Cap.WORKORDER_HANDLE, Cap.WORKORDER_INTAKE)
STAGES = ("intake", "handling", "completion", "callback")


def can_attach(actor: Any, order: WorkOrder) -> bool:
    return any(
        WorkOrder.objects.visible_to(actor, capability).filter(pk=order.pk).exists()
        for capability in ATTACH_CAPABILITIES
    )


def work_order_attach(*, actor: Any, order: WorkOrder, files: Any, stage: str = "handling") -> list[Attachment]:
    """Attach files to an order the actor handles or took in (scope → ``TransitionNotAllowed``
    with code ``scope``); a merged order takes none (its surviving order does)."""
    if not can_attach(actor, order):
        raise TransitionNotAllowed("工单不存在 / no such order", code="scope")
    if order.state == WorkOrder.State.MERGED:
        raise TransitionNotAllowed("工单已合并,请在合并后的工单上传附件 / the order was merged", code="state")
    if stage not in STAGES:
        raise ValidationError({"stage": f"环节应为 {'、'.join(STAGES)} 之一 / unknown stage"})
    if not [f for f in (files or []) if f]:
        raise ValidationError({"attachments": "请选择要上传的文件 / choose at least one file"})
    with atomic_with_files():
        return attach(actor=actor, owner=order, files=files, stage=stage)
