"""The 接诉即办 figures of METRICS.md, registered in the metrics framework.

Period membership: an order belongs to the period in which it was first dispatched (派单,
``dispatched_at``); 办结数 counts orders completed (``completed_at``) in the period; 超期件 are
orders completed late in the period or still open past their deadline at the period's end.
Orders exempted on appeal (免考核) leave every denominator (and the counts of 超期/推诿); merged
orders (已合并) count only through the order they were merged into.

Weights are configuration: ``WORKORDERS_SATISFACTION_BASIC_WEIGHT`` (基本满意, default 0.8) and
``WORKORDERS_COMPOSITE_WEIGHTS`` (响应/解决/满意, default 10/45/45 %); a non-default weight changes
the definition's version so every report says which rule it used.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import Case, DecimalField, F, Q, QuerySet, Sum, Value, When

from jingwu.core.metrics import Column, Metric, Period, register
from jingwu.org.roles import Cap

from .models import WorkOrder

BASIC_WEIGHT = Decimal(str(getattr(settings, "WORKORDERS_SATISFACTION_BASIC_WEIGHT", "0.8")))
COMPOSITE_WEIGHTS = tuple(getattr(settings, "WORKORDERS_COMPOSITE_WEIGHTS", (0.10, 0.45, 0.45)))
SATISFACTION_VERSION = "1" if Decimal("0.8") == BASIC_WEIGHT else f"1-w{BASIC_WEIGHT}"
COMPOSITE_VERSION = "1" if COMPOSITE_WEIGHTS == (0.10, 0.45, 0.45) else "1-w" + "/".join(map(str, COMPOSITE_WEIGHTS))


def scored(qs: QuerySet[Any], period: Period | None = None) -> QuerySet[Any]:
    """Orders that count at all: not merged away, not exempted (免考核)."""
    return qs.exclude(state=WorkOrder.State.MERGED).filter(exempted=False)


def dispatched(qs: QuerySet[Any], period: Period) -> QuerySet[Any]:
    return scored(qs).filter(dispatched_at__isnull=False)


def responded_in_time(qs: QuerySet[Any], period: Period) -> QuerySet[Any]:
    return dispatched(qs, period).filter(
        accepted_at__lte=F("response_due_at"), first_contact_at__lte=F("response_due_at")
    )


def answered_resolution(qs: QuerySet[Any], period: Period) -> QuerySet[Any]:
    return scored(qs).filter(callback_resolved__isnull=False)


def resolved(qs: QuerySet[Any], period: Period) -> QuerySet[Any]:
    return answered_resolution(qs, period).filter(callback_resolved=True)


def answered_satisfaction(qs: QuerySet[Any], period: Period) -> QuerySet[Any]:
    return scored(qs).exclude(callback_satisfaction="")


def completed(qs: QuerySet[Any], period: Period) -> QuerySet[Any]:
    return qs.exclude(state=WorkOrder.State.MERGED).filter(completed_at__isnull=False)


def overdue(qs: QuerySet[Any], period: Period) -> QuerySet[Any]:
    """Completed in the period after the deadline, or open (not suspended) past it at the period's end."""
    end = period.end_before
    late_done = Q(completed_at__gte=period.start_at, completed_at__lt=end, completed_at__gt=F("due_at"))
    still_open = (
        Q(dispatched_at__lt=end, due_at__lt=end)
        & (Q(completed_at__isnull=True) | Q(completed_at__gte=end))
        & ~Q(state=WorkOrder.State.SUSPENDED)
    )
    return scored(qs).filter(due_at__isnull=False).filter(late_done | still_open)


def shirked(qs: QuerySet[Any], period: Period) -> QuerySet[Any]:
    return scored(qs).filter(Q(return_count__gte=2) | Q(rejected_return_count__gte=1))


def called_back(qs: QuerySet[Any], period: Period) -> QuerySet[Any]:
    return scored(qs).filter(called_back_at__isnull=False)


def reopened(qs: QuerySet[Any], period: Period) -> QuerySet[Any]:
    return called_back(qs, period).filter(reopen_count__gte=1)


SATISFACTION_SCORE = Sum(
    Case(
        When(callback_satisfaction=WorkOrder.Satisfaction.SATISFIED, then=Value(Decimal("1"))),
        When(callback_satisfaction=WorkOrder.Satisfaction.BASIC, then=Value(BASIC_WEIGHT)),
        default=Value(Decimal("0")),
        output_field=DecimalField(max_digits=14, decimal_places=4),
    )
)

ROW_COLUMNS = (
    Column("工单号", "number"),
    Column("来源编号", "source_number"),
    Column("类别", "category.name"),
    Column("主办单位", "unit.name"),
    Column("状态", "get_state_display"),
    Column("派单时间", "dispatched_at"),
    Column("办结时限", "due_at"),
    Column("办结时间", "completed_at"),
    Column("满意度", "get_callback_satisfaction_display"),
)

_common: dict[str, Any] = {
    "model": "workorders.WorkOrder",
    "unit_field": "unit",
    "capability": Cap.VIEW_WORKORDER,
    "row_columns": ROW_COLUMNS,
    "select_related": ("unit", "category"),
    "ordering": ("dispatched_at", "pk"),
}

register(
    Metric(
        name="workorders.completed",
        label="办结数",
        kind="count",
        numerator=completed,
        period_field="completed_at",
        numerator_label="办结工单",
        suffix="件",
        description="期内办结(办结时间在期内)的工单件数;被合并的工单不计。",
        **{**_common, "ordering": ("completed_at", "pk")},
    )
)
register(
    Metric(
        name="workorders.response_rate",
        label="响应率",
        kind="rate",
        numerator=responded_in_time,
        denominator=dispatched,
        period_field="dispatched_at",
        numerator_label="按时签收并首次联系",
        denominator_label="派单数(免考核除外)",
        description="在签收时限内签收且首次联系诉求人的工单 ÷ 期内派至本单位的工单(免考核除外)。",
        **_common,
    )
)
register(
    Metric(
        name="workorders.resolution_rate",
        label="解决率",
        kind="rate",
        numerator=resolved,
        denominator=answered_resolution,
        period_field="dispatched_at",
        numerator_label="回访已解决",
        denominator_label="回访有答复(免考核除外)",
        description="回访中诉求人答复“已解决”的工单 ÷ 回访得到答复的工单(免考核除外)。",
        **_common,
    )
)
register(
    Metric(
        name="workorders.satisfaction_rate",
        label="满意率",
        kind="rate",
        numerator=answered_satisfaction,
        denominator=answered_satisfaction,
        numerator_value=SATISFACTION_SCORE,
        period_field="dispatched_at",
        version=SATISFACTION_VERSION,
        numerator_label=f"满意×1 + 基本满意×{BASIC_WEIGHT}",
        denominator_label="回访有满意度答复(免考核除外)",
        description=f"(满意 × 1 + 基本满意 × {BASIC_WEIGHT}) ÷ 回访有满意度答复的工单(免考核除外)。",
        **_common,
    )
)
register(
    Metric(
        name="workorders.composite",
        label="综合得分",
        kind="score",
        components=(
            ("workorders.response_rate", COMPOSITE_WEIGHTS[0]),
            ("workorders.resolution_rate", COMPOSITE_WEIGHTS[1]),
            ("workorders.satisfaction_rate", COMPOSITE_WEIGHTS[2]),
        ),
        version=COMPOSITE_VERSION,
        description="响应率 × {:.0%} + 解决率 × {:.0%} + 满意率 × {:.0%}(百分制)。".format(*COMPOSITE_WEIGHTS),
    )
)
register(
    Metric(
        name="workorders.overdue",
        label="超期件",
        kind="count",
        numerator=overdue,
        numerator_label="超期工单",
        suffix="件",
        description="期内超过办结时限才办结的工单,加上期末仍未办结且已过时限的工单(挂起中与免考核除外)。",
        **{**_common, "ordering": ("due_at", "pk")},
    )
)
register(
    Metric(
        name="workorders.shirked",
        label="推诿件",
        kind="count",
        numerator=shirked,
        period_field="dispatched_at",
        numerator_label="推诿工单",
        suffix="件",
        description="期内派出的工单中,退单 2 次及以上、或有退单被派单方驳回的工单(免考核除外)。",
        **_common,
    )
)
register(
    Metric(
        name="workorders.reopen_rate",
        label="重办率",
        kind="rate",
        numerator=reopened,
        denominator=called_back,
        period_field="dispatched_at",
        numerator_label="回访不满意后重办",
        denominator_label="已回访工单",
        description="回访不满意或未解决而重办的工单 ÷ 已回访(得到答复)的工单(免考核除外)。",
        **_common,
    )
)
