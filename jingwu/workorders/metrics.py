"""The 接诉即办 figures of METRICS.md, registered in the metrics framework.

Period membership: an order belongs to the period in which it was first dispatched (派单,
``dispatched_at``); 办结数 counts orders completed (``completed_at``) in the period; 超期件 are
orders completed late in the period or still open past their deadline at the period's end — every
round of a reopened order counted in its own period (the rounds' clocks are kept on their
completion records). 推诿件 are charged to the unit that bounced the order (``ReturnRequest.unit``),
not to the unit holding it now; 退单次数 counts those bounces, 催办/通报 the supervision notices
issued in the period to the unit. Orders exempted on appeal (免考核) leave every denominator (and
the counts of 超期/推诿/退单); merged orders (已合并) count only through the order they were merged
into.

Weights are configuration: ``WORKORDERS_SATISFACTION_BASIC_WEIGHT`` (基本满意, default 0.8) and
``WORKORDERS_COMPOSITE_WEIGHTS`` (响应/解决/满意, default 10/45/45 %); a non-default weight changes
the definition's version so every report says which rule it used.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import Case, Count, DecimalField, Exists, F, OuterRef, Q, QuerySet, Sum, Value, When

from jingwu.core.metrics import DASH, Column, Figure, Metric, Period, register, trim_below
from jingwu.org.roles import Cap

from .models import Completion, RequestStatus, ReturnRequest, SupervisionNotice, SuspensionRequest, WorkOrder

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
    """Signed for and first contact within the response limit. ``first_contact_at`` is the contact
    as the rule measures it (``services.flow.work_order_contact``): a contact's claimed time counts
    only when it was recorded before the response limit expired; one entered later (补录) counts at
    its recording time, hence never in time. The order's column holds that time, so this reads the
    covering index alone (``wo_unit_dispatched_cov``)."""
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


def _paused_at(end: Any, order_ref: str) -> Exists:
    """An approved pause (挂起) of the order that covered the instant ``end``."""
    pauses = SuspensionRequest.objects.filter(
        order_id=OuterRef(order_ref), status=RequestStatus.APPROVED, paused_at__lt=end
    ).filter(Q(resumed_at__isnull=True) | Q(resumed_at__gte=end))
    return Exists(pauses)


def _late_earlier_round(period: Period) -> Exists:
    """A round ended by a reopen (its clock kept on its completion record: ``round_due_at``) that was
    completed late in the period, or open past its deadline (not paused) at the period's end."""
    start, end = period.start_at, period.end_before
    late_done = Q(completed_at__gte=start, completed_at__lt=end, completed_at__gt=F("round_due_at"))
    open_past = Q(round_started_at__lt=end, round_due_at__lt=end, completed_at__gte=end) & ~Q(
        _paused_at(end, "order_id")
    )
    rounds = Completion.objects.filter(order_id=OuterRef("pk"), round_due_at__isnull=False)
    return Exists(rounds.filter(late_done | open_past))


def overdue(qs: QuerySet[Any], period: Period) -> QuerySet[Any]:
    """Completed in the period after the deadline, or open past it at the period's end (not paused
    then), in the current round (the order's columns) or in an earlier round of a reopened order
    (its completion records): a late completion stays late for its period after a 重办.

    Suspension is judged at the period's end: paused since before it (``suspended_at``) or by an
    approved pause that covered it (resumed since); an order paused only after the period ended
    still counts for that period."""
    end = period.end_before
    late_done = Q(completed_at__gte=period.start_at, completed_at__lt=end, completed_at__gt=F("due_at"))
    paused_then = (
        Q(suspended_at__lt=end)
        | Q(state=WorkOrder.State.SUSPENDED, suspended_at__isnull=True)
        | Q(_paused_at(end, "pk"))
    )
    still_open = (
        Q(dispatched_at__lt=end, due_at__lt=end)
        & (Q(clock_started_at__isnull=True) | Q(clock_started_at__lt=end))
        & (Q(completed_at__isnull=True) | Q(completed_at__gte=end))
        & ~paused_then
    )
    current = Q(due_at__isnull=False) & (late_done | still_open)
    earlier = Q(reopen_count__gte=1) & Q(_late_earlier_round(period))
    return scored(qs).filter(current | earlier)


# --- bounces (退单), charged to the unit that bounced: rows are ReturnRequest ----------------------


def bounces(qs: QuerySet[Any], period: Period) -> QuerySet[Any]:
    """Every return (退单) by the unit, of orders that count (not merged away, not exempted)."""
    return qs.exclude(order__state=WorkOrder.State.MERGED).filter(order__exempted=False)


def shirked(qs: QuerySet[Any], period: Period) -> QuerySet[Any]:
    """One row per (order, bouncing unit) where that unit returned the order 2 or more times, or had
    a return rejected by the dispatcher: the unit's first return of it. Counted as distinct orders,
    so an order is one 推诿件 for the unit that bounced it and for every unit above it."""
    same = ReturnRequest.objects.filter(order_id=OuterRef("order_id"), unit_id=OuterRef("unit_id"))
    twice = Exists(same.exclude(pk=OuterRef("pk")))
    rejected = Exists(same.filter(status=RequestStatus.REJECTED))
    first = ~Exists(same.filter(pk__lt=OuterRef("pk")))
    return bounces(qs, period).filter(Q(twice) | Q(rejected)).filter(first)


def _unit_bounce_counts(row: ReturnRequest) -> tuple[int, int]:
    cached = getattr(row, "_bounce_counts", None)
    if cached is None:
        mine = ReturnRequest.objects.filter(order_id=row.order_id, unit_id=row.unit_id).aggregate(
            all=Count("pk"), rejected=Count("pk", filter=Q(status=RequestStatus.REJECTED))
        )
        cached = (mine["all"], mine["rejected"])
        row._bounce_counts = cached  # type: ignore[attr-defined]
    return cached


def urges(qs: QuerySet[Any], period: Period) -> QuerySet[Any]:
    return qs.filter(kind=SupervisionNotice.Kind.URGE)


def notices(qs: QuerySet[Any], period: Period) -> QuerySet[Any]:
    return qs.filter(kind=SupervisionNotice.Kind.NOTICE)


def called_back(qs: QuerySet[Any], period: Period) -> QuerySet[Any]:
    return scored(qs).filter(called_back_at__isnull=False)


def reopened(qs: QuerySet[Any], period: Period) -> QuerySet[Any]:
    """Called-back orders reopened after an unsatisfied callback: a reopen happens only after a
    callback that reached the citizen and found them 不满意 or the demand 未解决."""
    return called_back(qs, period).filter(reopen_count__gte=1)


def _floored_score(figure: Figure) -> str:
    """综合得分 to two decimals; a score below 100 never reads "100"."""
    return DASH if figure.value is None else trim_below(figure.value, 100)


def _satisfaction_points(order: WorkOrder) -> str:
    return f"{SATISFACTION_WEIGHTS.get(order.callback_satisfaction, Decimal(0)).normalize():f}"


# Points of each callback answer in the 满意率 numerator (不满意 and no answer: 0): the SQL sum, the
# drill-down's 计分 column and the dashboard's breakdown all read this one table.
SATISFACTION_WEIGHTS: dict[str, Decimal] = {
    WorkOrder.Satisfaction.SATISFIED: Decimal("1"),
    WorkOrder.Satisfaction.BASIC: BASIC_WEIGHT,
}
SATISFACTION_SCORE = Sum(
    Case(
        *(When(callback_satisfaction=answer, then=Value(w)) for answer, w in SATISFACTION_WEIGHTS.items()),
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

BOUNCE_COLUMNS = (
    Column("工单号", "order.number"),
    Column("类别", "order.category.name"),
    Column("退单单位", "unit.name"),
    Column("该单位退单次数", lambda r: _unit_bounce_counts(r)[0]),
    Column("其中被驳回", lambda r: _unit_bounce_counts(r)[1]),
    Column("当前主办单位", "order.unit.name"),
    Column("派单时间", "order.dispatched_at"),
    Column("状态", "order.get_state_display"),
)
RETURN_COLUMNS = (
    Column("工单号", "order.number"),
    Column("类别", "order.category.name"),
    Column("退单单位", "unit.name"),
    Column("退单原因", "get_reason_code_display"),
    Column("说明", "reason"),
    Column("退单时间", "requested_at"),
    Column("审批", "get_status_display"),
    Column("当前主办单位", "order.unit.name"),
)
NOTICE_COLUMNS = (
    Column("工单号", "order.number"),
    Column("被督办单位", "unit.name"),
    Column("类型", "get_kind_display"),
    Column("内容", "content"),
    Column("发出时间", "issued_at"),
    Column("状态", "order.get_state_display"),
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
        description=(
            f"(满意 × 1 + 基本满意 × {BASIC_WEIGHT}) ÷ 回访有满意度答复的工单(免考核除外)。"
            f"明细每行的“计分”即该工单计入分子的分值(满意 1、基本满意 {BASIC_WEIGHT}、不满意 0),其合计为分子。"
        ),
        **{**_common, "row_columns": (*ROW_COLUMNS, Column("计分", _satisfaction_points))},
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
        format=_floored_score,
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
        description=(
            "期内超过办结时限才办结的工单,加上期末仍未办结且已过时限的工单(期末处于挂起中的与免考核除外);"
            "重办工单的每一轮按各自的时限计入各自的统计期,重办不抹去此前的超期。"
        ),
        **{**_common, "ordering": ("due_at", "pk")},
    )
)
_bounce_common: dict[str, Any] = {
    "model": "workorders.ReturnRequest",
    "unit_field": "unit",  # the unit that bounced the order, not the one holding it now
    "period_field": "order__dispatched_at",  # the order's period, like the rates
    "capability": Cap.VIEW_WORKORDER,
    "select_related": ("order__category", "order__unit", "unit"),
    "ordering": ("order__dispatched_at", "pk"),
}
register(
    Metric(
        name="workorders.shirked",
        label="推诿件",
        kind="count",
        numerator=shirked,
        value_field="order",  # distinct orders
        numerator_label="推诿工单",
        suffix="件",
        row_columns=BOUNCE_COLUMNS,
        description=(
            "期内派出的工单中,被本单位(含下级单位)退单 2 次及以上、或本单位的退单被派单方驳回的工单"
            "(免考核除外);计入退单的单位,不计入现主办单位。明细每行为一个退单单位。"
        ),
        **_bounce_common,
    )
)
register(
    Metric(
        name="workorders.returns",
        label="退单次数",
        kind="count",
        numerator=bounces,
        numerator_label="退单",
        suffix="次",
        row_columns=RETURN_COLUMNS,
        description="期内派出的工单被本单位(含下级单位)退单的次数,含待审批、已批准和已驳回的退单(免考核除外)。",
        **_bounce_common,
    )
)
_notice_common: dict[str, Any] = {
    "model": "workorders.SupervisionNotice",
    "unit_field": "unit",  # 被督办单位
    "period_field": "issued_at",
    "capability": Cap.VIEW_WORKORDER,
    "select_related": ("order", "unit"),
    "ordering": ("issued_at", "pk"),
    "row_columns": NOTICE_COLUMNS,
    "suffix": "次",
}
register(
    Metric(
        name="workorders.urges",
        label="催办",
        kind="count",
        numerator=urges,
        numerator_label="催办",
        description="期内向本单位(含下级单位)发出的催办(督办)次数,含人工催办和超期次日的自动催办。",
        **_notice_common,
    )
)
register(
    Metric(
        name="workorders.notices",
        label="通报",
        kind="count",
        numerator=notices,
        numerator_label="通报",
        description="期内对本单位(含下级单位)发出的通报次数。",
        **_notice_common,
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
        description=(
            "回访不满意后重办的工单 ÷ 已回访的工单(免考核除外)。“回访不满意”指回访中诉求人表示不满意"
            "或未解决——二者都使工单重办;“已回访”指回访接通并得到答复的工单,三次均未接通的不计。"
        ),
        **_common,
    )
)
