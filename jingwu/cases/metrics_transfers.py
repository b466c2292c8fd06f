"""Figures of 行刑衔接 (inter-agency transfers), registered in the metrics registry.

All count inbound transfers (合作单位 → 公安) by the police unit receiving them, in the period of
their transfer time (``transferred_at``):

* ``agency_transfers.received`` 接收移送案件数: inbound transfers made in the period.
* ``agency_transfers.accepted`` 受理数: of those, the ones the police acknowledged (接收).
* ``agency_transfers.filed`` 立案数: of those, the ones decided 立案.
* ``agency_transfers.feedback_on_time`` 按期反馈率: feedback given by the decision due time ÷ transfers
  whose feedback is given or whose due time has passed (a transfer still inside its limit and
  without feedback is not yet counted either way).
* ``agency_transfers.sent`` 移出案件数: outbound transfers (公安 → 合作单位) made in the period.
"""

from __future__ import annotations

from typing import Any

from django.db.models import F, Q, QuerySet
from django.utils import timezone

from jingwu.core.metrics import Column, Metric, Period, register
from jingwu.org.roles import Cap

VERSION = "1"
COLUMNS = (
    Column("合作单位", "agency.name"),
    Column("案件名称", "title"),
    Column("接收单位", "unit.name"),
    Column("移送时间", "transferred_at"),
    Column("状态", "get_state_display"),
    Column("决定期限", "decision_due_at"),
    Column("反馈时间", "feedback_at"),
)


def _inbound(qs: QuerySet[Any], period: Period) -> QuerySet[Any]:
    return qs.filter(direction="inbound")


def _common(name: str, label: str, numerator: Any, description: str, **extra: Any) -> None:
    register(
        Metric(
            name=name,
            label=label,
            kind=extra.pop("kind", "count"),
            model="cases.InterAgencyTransfer",
            numerator=numerator,
            unit_field="unit",
            period_field="transferred_at",
            capability=Cap.VIEW_CASE,
            version=VERSION,
            description=description,
            suffix=extra.pop("suffix", "件"),
            row_columns=COLUMNS,
            select_related=("agency", "unit"),
            **extra,
        )
    )


_common(
    "agency_transfers.received",
    "接收移送案件数",
    _inbound,
    "期内合作单位移送至公安机关的案件数(按移送时间)。",
)
_common(
    "agency_transfers.accepted",
    "受理移送案件数",
    lambda qs, p: _inbound(qs, p).filter(acknowledged_at__isnull=False),
    "期内移送的案件中,公安机关已接收的件数。",
)
_common(
    "agency_transfers.filed",
    "移送案件立案数",
    lambda qs, p: _inbound(qs, p).filter(decision="filed"),
    "期内移送的案件中,公安机关决定立案的件数。",
)
_common(
    "agency_transfers.sent",
    "移出案件数",
    lambda qs, p: qs.filter(direction="outbound"),
    "期内公安机关移送合作单位处理的案件数(按移送时间)。",
)


def _feedback_due(qs: QuerySet[Any], period: Period) -> QuerySet[Any]:
    return _inbound(qs, period).filter(Q(feedback_at__isnull=False) | Q(decision_due_at__lt=timezone.now()))


_common(
    "agency_transfers.feedback_on_time",
    "按期反馈率",
    lambda qs, p: _inbound(qs, p).filter(feedback_at__isnull=False, feedback_at__lte=F("decision_due_at")),
    "在约定决定期限内向移送单位反馈的件数 ÷ 已反馈或已到期的移送件数;无应反馈件时显示“—”。",
    kind="rate",
    denominator=_feedback_due,
    numerator_label="按期反馈的移送",
    denominator_label="已反馈或已到期的移送",
    suffix="",
)
