"""Metric definitions of the cases module (METRICS.md, 案件 and 警情处置率).

立案数 / 破案数 / 强制措施人数 / 移送起诉(件、人) / 涉案金额, each by period, unit subtree and —
optionally — case kind (刑事/行政) and a category tag (涉环食药 …).

How a filter is passed: every filter combination is its own registered definition, named
``<base>[.<kind>][.<tag>]`` — e.g. ``cases.filed.criminal.env_food_drug`` is 立案数 of criminal
cases whose 案由 carries the 涉环食药 tag. The kinds and the seeded tags are registered at start-up
(so they appear in the metric list, the drill-down pages and ``jingwu metrics``); a tag added later
by an administrator is registered on first use by :func:`case_metric`. Each definition has its own
label ("立案数(刑事·涉环食药)") and a version, so a report states exactly what it counted.

Period membership: 立案数 and 涉案金额 count cases filed (立案) in the period; 破案数 cases solved in
it; 强制措施人数 distinct people (by ID number) under a measure that started in it; 移送起诉 transfers
made in it (cases and people counted once each).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import F, QuerySet

from jingwu.core.metrics import Column, Metric, Period, register
from jingwu.core.metrics.definitions import _REGISTRY
from jingwu.org.roles import Cap

from . import (
    metrics_campaigns,  # noqa: F401  (专项行动 figures)
    metrics_transfers,  # noqa: F401  (行刑衔接 figures)
)
from .seed import TAGS

KINDS = {"criminal": "刑事", "administrative": "行政"}
TAG_LABELS = dict(TAGS)
VERSION = "1"


def _filter(kind: str | None, tag: str | None, case_path: str) -> Callable[[QuerySet[Any], Period], QuerySet[Any]]:
    prefix = f"{case_path}__" if case_path else ""

    def side(qs: QuerySet[Any], period: Period) -> QuerySet[Any]:
        if kind:
            qs = qs.filter(**{f"{prefix}kind": kind})
        if tag:
            from .models import CaseCategory

            tagged = CaseCategory.objects.filter(tags__code=tag).values("pk")
            qs = qs.filter(**{f"{prefix}category_id__in": tagged})
        return qs

    return side


CASE_COLUMNS = (
    Column("案件编号", "number"),
    Column("案件名称", "title"),
    Column("案由", "category.name"),
    Column("办案单位", "unit.name"),
    Column("状态", "get_state_display"),
    Column("立案时间", "filed_at"),
    Column("涉案金额(元)", "amount_involved"),
)
MEASURE_COLUMNS = (
    Column("案件编号", "case.number"),
    Column("对象", "party.name"),
    Column("措施", "get_kind_display"),
    Column("开始执行", "started_at"),
    Column("状态", "get_state_display"),
)
TRANSFER_COLUMNS = (
    Column("案件编号", "case.number"),
    Column("案件名称", "case.title"),
    Column("移送时间", "transferred_at"),
    Column("受理检察院", "procuratorate"),
    Column("移送人数", lambda t: t.parties.count()),
)

# base name → (label, model, unit path, period field, case path, kind, extra)
BASES: dict[str, dict[str, Any]] = {
    "cases.filed": {
        "label": "立案数",
        "model": "cases.Case",
        "unit_field": "unit",
        "period_field": "filed_at",
        "case_path": "",
        "kind": "count",
        "suffix": "起",
        "description": "期内立案的案件数(按立案时间)。",
        "row_columns": CASE_COLUMNS,
        "select_related": ("unit", "category"),
    },
    "cases.solved": {
        "label": "破案数",
        "model": "cases.Case",
        "unit_field": "unit",
        "period_field": "solved_at",
        "case_path": "",
        "kind": "count",
        "suffix": "起",
        "description": "期内破案的案件数(按破案时间)。",
        "row_columns": CASE_COLUMNS,
        "select_related": ("unit", "category"),
    },
    "cases.amount": {
        "label": "涉案金额",
        "model": "cases.Case",
        "unit_field": "unit",
        "period_field": "filed_at",
        "case_path": "",
        "kind": "sum",
        "value_field": "amount_involved",
        "format": "amount_yuan",
        "description": "期内立案案件的涉案金额合计(元,文字中以亿元/万元表示)。",
        "row_columns": CASE_COLUMNS,
        "select_related": ("unit", "category"),
    },
    "cases.coercive_people": {
        "label": "采取强制措施人数",
        "model": "cases.CoerciveMeasure",
        "unit_field": "case__unit",
        "period_field": "started_at",
        "case_path": "case",
        "kind": "count",
        "value_field": "party__person_key",
        "suffix": "人",
        "description": "期内开始执行强制措施的人数(同一人按身份证号只计一次)。",
        "row_columns": MEASURE_COLUMNS,
        "select_related": ("case", "party"),
    },
    "cases.prosecution_cases": {
        "label": "移送起诉案件数",
        "model": "cases.ProsecutionTransfer",
        "unit_field": "case__unit",
        "period_field": "transferred_at",
        "case_path": "case",
        "kind": "count",
        "value_field": "case",
        "suffix": "起",
        "description": "期内移送审查起诉的案件数(分批移送的案件只计一次)。",
        "row_columns": TRANSFER_COLUMNS,
        "select_related": ("case",),
    },
    "cases.prosecution_people": {
        "label": "移送起诉人数",
        "model": "cases.ProsecutionTransfer",
        "unit_field": "case__unit",
        "period_field": "transferred_at",
        "case_path": "case",
        "kind": "count",
        "value_field": "parties__person_key",
        "suffix": "人",
        "description": "期内移送审查起诉的犯罪嫌疑人人数(同一人按身份证号只计一次)。",
        "row_columns": TRANSFER_COLUMNS,
        "select_related": ("case",),
    },
}


def metric_name(base: str, *, kind: str | None = None, tag: str | None = None) -> str:
    return ".".join(p for p in (base, kind, tag) if p)


def case_metric(base: str, *, kind: str | None = None, tag: str | None = None) -> str:
    """The registered name of ``base`` filtered by kind and/or tag (registering it on first use)."""
    if base not in BASES:
        raise KeyError(f"unknown case metric {base!r}")
    if kind is not None and kind not in KINDS:
        raise ValueError(f"案件类型应为 {', '.join(KINDS)} / unknown kind {kind!r}")
    if tag is not None and not tag.replace("_", "").isalnum():
        raise ValueError(f"标签代码无效 / invalid tag code {tag!r}")
    name = metric_name(base, kind=kind, tag=tag)
    if name in _REGISTRY:
        return name
    spec = dict(BASES[base])
    case_path = spec.pop("case_path")
    qualifiers = [q for q in (KINDS.get(kind or ""), _tag_label(tag)) if q]
    label = spec.pop("label") + (f"({'·'.join(qualifiers)})" if qualifiers else "")
    side = _filter(kind, tag, case_path)
    description = spec.pop("description")
    if qualifiers:
        description += f"限于:{'、'.join(qualifiers)}。"
    register(
        Metric(
            name=name,
            label=label,
            numerator=side,
            numerator_label=label,
            capability=Cap.VIEW_CASE,
            version=VERSION,
            description=description,
            **spec,
        )
    )
    return name


def _tag_label(tag: str | None) -> str:
    if not tag:
        return ""
    if tag in TAG_LABELS:
        return TAG_LABELS[tag]
    try:
        from .models import CaseTag

        found = CaseTag.objects.filter(code=tag).values_list("name", flat=True).first()
    except Exception:  # noqa: BLE001 - during start-up the table may not exist yet
        found = None
    return found or tag


# Registered at start-up: every base by kind, and by kind × 涉环食药; the other seeded tags for all
# cases and for criminal cases. Any other combination is registered by ``case_metric`` on first use.
for _base in BASES:
    for _kind in (None, *KINDS):
        for _tag in (None, "env_food_drug"):
            case_metric(_base, kind=_kind, tag=_tag)
    for _tag in TAG_LABELS:
        for _kind in (None, "criminal"):
            case_metric(_base, kind=_kind, tag=_tag)


# --- 警情处置率 -------------------------------------------------------------------------------------


def _disposed_in_time(qs: QuerySet[Any], period: Period) -> QuerySet[Any]:
    return qs.filter(disposed_at__isnull=False, disposed_at__lte=F("disposal_due_at"))


register(
    Metric(
        name="incidents.disposal_rate",
        label="警情处置率",
        kind="rate",
        model="cases.Incident",
        numerator=_disposed_in_time,
        denominator=lambda qs, period: qs,
        unit_field="unit",
        period_field="received_at",
        capability=Cap.VIEW_CASE,
        version=VERSION,
        numerator_label="按时处置的警情",
        denominator_label="期内接报警情",
        description="处置时限内记录了处置结果的警情 ÷ 期内接报的警情;无警情时显示“—”。",
        row_columns=(
            Column("警情编号", "number"),
            Column("接警时间", "received_at"),
            Column("类别", "category.name"),
            Column("单位", "unit.name"),
            Column("处置期限", "disposal_due_at"),
            Column("处置时间", "disposed_at"),
        ),
        select_related=("unit", "category"),
    )
)
