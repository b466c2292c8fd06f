"""Metric definitions of special campaigns (专项行动): patrols, inspections, findings, cases opened
from findings, and seized items (in total and by kind).

Two families, both by unit subtree and period like every figure:

- ``campaigns.<base>[.<seizure kind>]`` — all campaigns together;
- ``campaigns.c<id>.<base>[.<seizure kind>]`` — one campaign (what its summary page shows).

The campaign-wide names and per-kind names are registered on first use (:func:`campaign_metric`),
the way the case metrics register a tag added later; the campaign summary page links to a drill-down
route that registers the name in the serving process before rendering the standard metric page.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import QuerySet

from jingwu.core.metrics import Column, Metric, Period, register
from jingwu.core.metrics.definitions import _REGISTRY
from jingwu.org.roles import Cap

VERSION = "1"

_PATROL_COLUMNS = (
    Column("专项行动", "campaign.name"),
    Column("巡查地点", "place"),
    Column("开始时间", "started_at"),
    Column("单位", "unit.name"),
    Column("巡查情况", "notes"),
)
_INSPECTION_COLUMNS = (
    Column("专项行动", "campaign.name"),
    Column("检查对象", "target"),
    Column("对象类型", "get_kind_display"),
    Column("检查时间", "inspected_at"),
    Column("单位", "unit.name"),
    Column("检查发现", "finding"),
    Column("立案案件", lambda i: i.case.number if i.case_id else ""),
)
_SEIZURE_COLUMNS = (
    Column("专项行动", "campaign.name"),
    Column("物品", "kind.name"),
    Column("数量", "quantity"),
    Column("计量单位", "kind.measure"),
    Column("收缴时间", "recorded_at"),
    Column("单位", "unit.name"),
)

BASES: dict[str, dict[str, Any]] = {
    "patrols": {
        "label": "巡查次数",
        "model": "cases.Patrol",
        "period_field": "started_at",
        "kind": "count",
        "suffix": "次",
        "description": "期内开始的专项行动巡查次数。",
        "row_columns": _PATROL_COLUMNS,
        "select_related": ("campaign", "unit"),
        "filter": None,
    },
    "inspections": {
        "label": "检查场所数",
        "model": "cases.Inspection",
        "period_field": "inspected_at",
        "kind": "count",
        "suffix": "家次",
        "description": "期内开展的专项行动检查次数(含联合检查)。",
        "row_columns": _INSPECTION_COLUMNS,
        "select_related": ("campaign", "unit", "case"),
        "filter": None,
    },
    "findings": {
        "label": "发现问题数",
        "model": "cases.Inspection",
        "period_field": "inspected_at",
        "kind": "count",
        "suffix": "处",
        "description": "期内检查中发现问题的次数。",
        "row_columns": _INSPECTION_COLUMNS,
        "select_related": ("campaign", "unit", "case"),
        "filter": {"has_finding": True},
    },
    "cases_opened": {
        "label": "检查发现立案数",
        "model": "cases.Inspection",
        "period_field": "inspected_at",
        "kind": "count",
        "suffix": "起",
        "description": "期内检查发现问题并据此登记立案的案件数。",
        "row_columns": _INSPECTION_COLUMNS,
        "select_related": ("campaign", "unit", "case"),
        "filter": {"case__isnull": False},
    },
    "seizures": {
        "label": "收缴物品数",
        "model": "cases.SeizureTally",
        "period_field": "recorded_at",
        "kind": "sum",
        "value_field": "quantity",
        "description": "期内登记收缴的物品数量合计(各计量单位直接相加;分物品种类见各分项)。",
        "row_columns": _SEIZURE_COLUMNS,
        "select_related": ("campaign", "unit", "kind"),
        "filter": None,
    },
}


def metric_name(base: str, *, campaign_id: int | None = None, seizure_kind: str | None = None) -> str:
    parts = ["campaigns"]
    if campaign_id is not None:
        parts.append(f"c{campaign_id}")
    parts.append(base)
    if seizure_kind:
        parts.append(seizure_kind)
    return ".".join(parts)


def _side(
    filters: dict[str, Any] | None, campaign_id: int | None, seizure_kind: str | None
) -> Callable[[QuerySet[Any], Period], QuerySet[Any]]:
    def side(qs: QuerySet[Any], period: Period) -> QuerySet[Any]:
        if filters:
            qs = qs.filter(**filters)
        if campaign_id is not None:
            qs = qs.filter(campaign_id=campaign_id)
        if seizure_kind:
            qs = qs.filter(kind__code=seizure_kind)
        return qs

    return side


def campaign_metric(
    base: str, *, campaign_id: int | None = None, seizure_kind: str | None = None, kind_label: str = ""
) -> str:
    """The registered name of a campaign figure (registering it on first use)."""
    if base not in BASES:
        raise KeyError(f"unknown campaign metric {base!r}")
    if seizure_kind is not None and (base != "seizures" or not seizure_kind.replace("_", "").isalnum()):
        raise ValueError(f"收缴物品代码无效 / invalid seizure kind {seizure_kind!r}")
    name = metric_name(base, campaign_id=campaign_id, seizure_kind=seizure_kind)
    if name in _REGISTRY:
        return name
    spec = dict(BASES[base])
    filters = spec.pop("filter")
    label = spec.pop("label")
    description = spec.pop("description")
    qualifiers = []
    if seizure_kind:
        qualifiers.append(kind_label or _kind_label(seizure_kind))
        spec["suffix"] = ""
    if campaign_id is not None:
        qualifiers.append(f"专项行动#{campaign_id}")
        description += f"限于专项行动#{campaign_id}。"
    if qualifiers:
        label += f"({'·'.join(qualifiers)})"
    register(
        Metric(
            name=name,
            label=label,
            numerator=_side(filters, campaign_id, seizure_kind),
            numerator_label=label,
            unit_field="unit",
            capability=Cap.VIEW_CASE,
            version=VERSION,
            description=description,
            **spec,
        )
    )
    return name


def _kind_label(code: str) -> str:
    try:
        from .models import SeizureKind

        found = SeizureKind.objects.filter(code=code).values_list("name", flat=True).first()
    except Exception:  # noqa: BLE001 - during start-up the table may not exist yet
        found = None
    return found or code


def resolve(name: str) -> str | None:
    """Register a ``campaigns.…`` name met in a URL (drill-down in a fresh process); None if malformed."""
    parts = name.split(".")
    if len(parts) < 2 or parts[0] != "campaigns":
        return None
    rest = parts[1:]
    campaign_id = None
    if rest and rest[0].startswith("c") and rest[0][1:].isdigit():
        campaign_id = int(rest[0][1:])
        rest = rest[1:]
    if not rest or rest[0] not in BASES or len(rest) > 2:
        return None
    try:
        return campaign_metric(rest[0], campaign_id=campaign_id, seizure_kind=rest[1] if len(rest) == 2 else None)
    except (KeyError, ValueError):
        return None


for _base in BASES:
    campaign_metric(_base)
