"""The readings of the 接诉即办 dashboard and the monthly 通报 (Word).

Every figure here comes from the metric definitions (``jingwu.core.metrics``: compute / rank /
rows / base_rows) and the period sentence selector; nothing counts orders its own way. The lists
(overdue, shirked, exempted orders) are the rows behind those same definitions.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from jingwu.core import audit, metrics
from jingwu.core.calendar import TZ
from jingwu.core.documents import DocSpec, Heading, Table, render_docx

from .models import Appeal, RequestStatus, ReturnRequest, WorkOrder
from .selectors import period_summary

# Short key → metric name, in the order the ranking table shows them.
RANK_COLUMNS: tuple[tuple[str, str], ...] = (
    ("composite", "综合得分"),
    ("response_rate", "响应率"),
    ("resolution_rate", "解决率"),
    ("satisfaction_rate", "满意率"),
    ("completed", "办结数"),
    ("overdue", "超期件"),
    ("shirked", "推诿件"),
    ("returns", "退单次数"),
    ("urges", "催办"),
    ("notices", "通报"),
    ("reopen_rate", "重办率"),
)
_RANKED_SEPARATELY = ("completed", "overdue", "shirked", "returns", "urges", "notices", "reopen_rate")


def metric_name(key: str) -> str:
    return f"workorders.{key}"


def local_text(value: dt.datetime | None) -> str:
    """A stored (UTC) time as Beijing time text, "" for none."""
    if value is None:
        return ""
    return timezone.localtime(value, TZ).strftime("%Y-%m-%d %H:%M")


# --- periods -------------------------------------------------------------------------------------


def month_bounds(text: str) -> tuple[dt.date, dt.date]:
    """ "2026-03" → (2026-03-01, 2026-03-31); ValueError with a Chinese/English message otherwise."""
    try:
        year_text, month_text = (text or "").strip().split("-")
        year, month = int(year_text), int(month_text)
        if not (len(year_text) == 4 and 1 <= month <= 12 and year >= 1900):
            raise ValueError
    except ValueError:
        raise ValueError(f"月份格式应为 YYYY-MM / a month is written YYYY-MM, not {text!r}") from None
    return dt.date(year, month, 1), dt.date(year, month, calendar.monthrange(year, month)[1])


def quarter_bounds(text: str) -> tuple[dt.date, dt.date]:
    """ "2026-Q2" → (2026-04-01, 2026-06-30)."""
    try:
        year_text, q_text = (text or "").strip().upper().split("-Q")
        year, quarter = int(year_text), int(q_text)
        if not (len(year_text) == 4 and 1 <= quarter <= 4 and year >= 1900):
            raise ValueError
    except ValueError:
        raise ValueError(f"季度格式应为 YYYY-Qn / a quarter is written YYYY-Qn, not {text!r}") from None
    first = 3 * quarter - 2
    return dt.date(year, first, 1), dt.date(year, first + 2, calendar.monthrange(year, first + 2)[1])


# --- readings ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RankedUnit:
    position: int
    unit: Any
    figures: dict[str, metrics.Figure]  # short key (RANK_COLUMNS) → figure


def unit_figures(unit: Any, start: dt.date, end: dt.date, *, user: Any) -> dict[str, metrics.Figure]:
    """The figures of one unit subtree, keyed like ``RANK_COLUMNS``."""
    names = [metric_name("composite"), *(metric_name(key) for key in _RANKED_SEPARATELY)]
    computed = metrics.compute_many(names, unit, start, end, user=user)  # the rows read once
    composite = computed[metric_name("composite")]
    out = {"composite": composite}
    out.update({name.split(".", 1)[1]: fig for name, fig in composite.components.items()})
    for key in _RANKED_SEPARATELY:
        out[key] = computed[metric_name(key)]
    return out


def unit_ranking(unit: Any, start: dt.date, end: dt.date, *, user: Any) -> list[RankedUnit]:
    """The child units of ``unit`` ranked by 综合得分 (``metrics.rank``), with their other figures
    (each from its own ranked, grouped computation). Empty for a unit without children."""
    return _ranked_children(unit, start, end, user)


@dataclass(frozen=True)
class Ranking:
    """The ranking a unit is shown: its children's, or — for a unit without children (a 中队) — its
    siblings', the unit's own row marked (``own``). ``linked``: the units whose drill-down the user
    may open (a squadron sees its siblings' figures, as the monthly 通报 prints them, not their rows)."""

    rows: list[RankedUnit]
    parent: Any
    siblings: bool
    own: int | None
    linked: frozenset[int]


def ranking_for(unit: Any, start: dt.date, end: dt.date, *, user: Any) -> Ranking:
    """``unit``'s children ranked, or its siblings ranked when it has none (see ``Ranking``)."""
    children = _ranked_children(unit, start, end, user)
    if children:
        return Ranking(children, unit, False, None, frozenset(r.unit.pk for r in children))
    from jingwu.org.models import Unit
    from jingwu.org.roles import Cap

    parent = Unit.objects.get_parent(unit) if unit.depth > 1 else None
    if parent is None:
        return Ranking([], unit, True, unit.pk, frozenset({unit.pk}))

    visible = set(Unit.objects.visible_to(user, Cap.VIEW_WORKORDER).values_list("pk", flat=True))
    # The parent's rows when the user sees the parent; otherwise the siblings' figures as the system
    # counts them (every unit's row in the 通报), with drill-downs only where the user may look.
    who = user if parent.pk in visible else metrics.SYSTEM
    rows = _ranked_children(parent, start, end, who)
    return Ranking(rows, parent, True, unit.pk, frozenset(r.unit.pk for r in rows if r.unit.pk in visible))


def _ranked_children(unit: Any, start: dt.date, end: dt.date, user: Any) -> list[RankedUnit]:
    ranked = metrics.rank(metric_name("composite"), unit, start, end, user)
    if not ranked:
        return []
    others = {
        key: {row.unit.pk: row.figure for row in metrics.rank(metric_name(key), unit, start, end, user)}
        for key in _RANKED_SEPARATELY
    }
    out = []
    for row in ranked:
        figures = {"composite": row.figure}
        figures.update({name.split(".", 1)[1]: fig for name, fig in row.figure.components.items()})
        figures.update({key: others[key][row.unit.pk] for key in _RANKED_SEPARATELY})
        out.append(RankedUnit(position=row.position, unit=row.unit, figures=figures))
    return out


def overdue_orders(unit: Any, start: dt.date, end: dt.date, *, user: Any) -> QuerySet[WorkOrder]:
    return metrics.rows(metric_name("overdue"), unit, start, end, user=user)


def shirked_orders(unit: Any, start: dt.date, end: dt.date, *, user: Any) -> QuerySet[ReturnRequest]:
    """One row per (shirked order, unit that bounced it): the first return of that unit."""
    return metrics.rows(metric_name("shirked"), unit, start, end, user=user)


def bounce_counts(row: ReturnRequest) -> tuple[int, int]:
    """(returns, of which rejected) of the row's unit for the row's order."""
    mine = ReturnRequest.objects.filter(order_id=row.order_id, unit_id=row.unit_id)
    return mine.count(), mine.filter(status=RequestStatus.REJECTED).count()


def exempted_orders(unit: Any, start: dt.date, end: dt.date, *, user: Any) -> QuerySet[WorkOrder]:
    """Orders of the period (dispatched in it, as the rates count them) exempted on appeal (免考核),
    with their approved appeals in ``approved_appeals``: the rows the denominators leave out."""
    metric = metrics.get(metric_name("response_rate"))
    period = metrics.Period.of(start, end)
    approved = Appeal.objects.filter(status=RequestStatus.APPROVED).order_by("decided_at", "id")
    return (
        metrics.base_rows(metric, unit, period, user)
        .filter(exempted=True)
        .exclude(state=WorkOrder.State.MERGED)
        .select_related("category", "unit")
        .prefetch_related(Prefetch("appeals", queryset=approved, to_attr="approved_appeals"))
        .order_by("dispatched_at", "pk")
    )


def appeal_text(order: WorkOrder) -> tuple[str, str]:
    """(reason, decided at) of the order's approved appeal, from ``exempted_orders``' prefetch."""
    appeals = getattr(order, "approved_appeals", None) or []
    if not appeals:
        return "", ""
    last = appeals[-1]
    reason = last.get_reason_code_display()
    if last.reason:
        reason = f"{reason}:{last.reason}"
    return reason, local_text(last.decided_at)


# --- the monthly 通报 ------------------------------------------------------------------------------

REPORT_TITLE = "接诉即办工作通报"


def _figure_cells(figures: dict[str, metrics.Figure]) -> list[str]:
    return [figures[key].display for key, _ in RANK_COLUMNS]


def monthly_report_spec(unit: Any, month: str, *, user: Any, today: dt.date | None = None) -> DocSpec:
    """What the monthly 通报 says for ``unit`` and ``month`` ("YYYY-MM"), as the user may see it.

    Raises ``ValueError`` for a bad month and ``metrics.MetricScopeError`` for a unit outside scope."""
    start, end = month_bounds(month)
    today = today or timezone.localdate()
    summary = period_summary(unit, start, end, user=user)
    own = unit_figures(unit, start, end, user=user)
    ranked = ranking_for(unit, start, end, user=user)
    ranking = ranked.rows

    body: list[Any] = [Heading("一、总体情况"), summary.sentence]
    body.append(
        f"综合得分{own['composite'].display}分,重办率{own['reopen_rate'].display};"
        f"退单{own['returns'].display},被催办{own['urges'].display},被通报{own['notices'].display}。"
        "工单按派单时间计入当月,办结数按办结时间统计,免考核工单不计入各项分母;"
        "指标口径版本:" + "、".join(f"{label} v{own[key].version}" for key, label in RANK_COLUMNS if key in own) + "。"
    )
    headers = ["排名", "单位", *[label for _, label in RANK_COLUMNS]]
    rows: list[list[Any]] = [
        [r.position, r.unit.name + ("(本单位)" if r.unit.pk == ranked.own else ""), *_figure_cells(r.figures)]
        for r in ranking
    ]
    if not ranked.siblings:
        rows.append(["", f"{unit.name}(合计)", *_figure_cells(own)])
    heading = "二、各单位工作情况排名" if not ranked.siblings else f"二、{ranked.parent.name}所属各单位排名"
    body += [
        Heading(heading),
        Table(headers=headers, rows=rows, caption=f"{month_words(start)}各单位接诉即办情况"),
    ]

    overdue = list(overdue_orders(unit, start, end, user=user))
    body.append(Heading("三、超期工单"))
    if overdue:
        body.append(f"本月超期工单{len(overdue)}件,列表如下,请相关单位说明原因并限期整改。")
        body.append(
            Table(
                headers=["工单号", "类别", "主办单位", "派单时间", "办结时限", "办结时间", "状态", "重办次数"],
                rows=[
                    [
                        o.number,
                        o.category.name,
                        o.unit.name,
                        local_text(o.dispatched_at),
                        local_text(o.due_at),
                        local_text(o.completed_at) or "未办结",
                        o.get_state_display(),
                        o.reopen_count,
                    ]
                    for o in overdue
                ],
            )
        )
    else:
        body.append("本月无超期工单。")

    shirked = list(shirked_orders(unit, start, end, user=user))
    body.append(Heading("四、推诿工单"))
    if shirked:
        count = own["shirked"].display
        body.append(f"本月推诿工单{count}(同一单位退单2次及以上或退单被驳回,计入退单单位),列表如下。")
        body.append(
            Table(
                headers=[
                    "工单号",
                    "类别",
                    "退单单位",
                    "该单位退单次数",
                    "其中被驳回",
                    "现主办单位",
                    "派单时间",
                    "状态",
                ],
                rows=[
                    [
                        r.order.number,
                        r.order.category.name,
                        r.unit.name,
                        *bounce_counts(r),
                        r.order.unit.name,
                        local_text(r.order.dispatched_at),
                        r.order.get_state_display(),
                    ]
                    for r in shirked
                ],
            )
        )
    else:
        body.append("本月无推诿工单。")

    exempted = list(exempted_orders(unit, start, end, user=user))
    body.append(Heading("五、免考核工单"))
    if exempted:
        body.append(f"经申诉审批,本月{len(exempted)}件工单免予考核,不计入各项指标分母。")
        exempt_rows = []
        for o in exempted:
            reason, decided = appeal_text(o)
            exempt_rows.append([o.number, o.category.name, o.unit.name, local_text(o.dispatched_at), reason, decided])
        body.append(Table(headers=["工单号", "类别", "主办单位", "派单时间", "申诉理由", "审批时间"], rows=exempt_rows))
    else:
        body.append("本月无免考核工单。")

    short = getattr(unit, "short_name", "") or unit.name
    return DocSpec(
        title=REPORT_TITLE,
        subtitle=f"({start.year}年{start.month}月)",
        doc_number=f"{short}接诉通〔{start.year}〕{start.month}号",
        body=body,
        signature=unit.name,
        date=today,
        actor=user,
        landscape=True,
        extra={"unit": unit.code, "month": month},
    )


def month_words(start: dt.date) -> str:
    return f"{start.year}年{start.month}月"


def monthly_report(unit: Any, month: str, *, user: Any) -> tuple[bytes, str]:
    """The .docx bytes and file name of the monthly 通报; the export is audited."""
    spec = monthly_report_spec(unit, month, user=user)
    data = render_docx(spec)
    audit.record(
        "workorders.report.export",
        actor=user,
        object_type="workorders.report",
        object_id=f"{unit.code}:{month}",
        object_repr=f"{unit.name} {month} {REPORT_TITLE}",
        changes={"unit": unit.code, "month": month, "format": "docx", "bytes": len(data)},
    )
    return data, f"{REPORT_TITLE}_{unit.name}_{month}.docx"
