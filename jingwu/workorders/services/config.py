"""Editing the configuration: categories with their limits, and the routing rules (派单规则)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from jingwu.core import audit
from jingwu.org.models import Unit
from jingwu.org.roles import Cap

from ..models import Category, RoutingRule
from .common import check_scope

CATEGORY_FIELDS = (
    "code",
    "name",
    "parent",
    "urgency",
    "is_complaint",
    "sign_for_amount",
    "sign_for_unit",
    "complete_amount",
    "complete_unit",
    "callback_days",
    "active",
    "order",
)


def _require_dispatcher(actor: Any) -> None:
    if not getattr(actor, "is_authenticated", False) or not actor.has_cap(Cap.WORKORDER_DISPATCH):
        raise PermissionDenied("您没有维护派单配置的权限 / you may not change the dispatch configuration")


def may_configure_categories(actor: Any) -> bool:
    """The category tree and its time limits are everyone's configuration: changed by those who both
    dispatch and approve (大队领导 and above), not by a squadron's dispatcher."""
    return (
        getattr(actor, "is_authenticated", False)
        and actor.has_cap(Cap.WORKORDER_DISPATCH)
        and actor.has_cap(Cap.WORKORDER_APPROVE)
    )


def category_save(*, actor: Any, category: Category | None = None, **values: Any) -> Category:
    """Create or change a category (its limits are configuration: the next dispatch uses them)."""
    if not may_configure_categories(actor):
        raise PermissionDenied("您没有维护诉求类别的权限 / you may not change the categories")
    unknown = set(values) - set(CATEGORY_FIELDS)
    if unknown:
        raise ValidationError({"__all__": f"未知字段 / unknown fields: {', '.join(sorted(unknown))}"})
    with transaction.atomic():
        obj = category or Category()
        before = audit.snapshot(obj, [f for f in CATEGORY_FIELDS if f != "parent"]) if obj.pk else {}
        for key, value in values.items():
            setattr(obj, key, value)
        obj.full_clean()
        obj.save()
        after = audit.snapshot(obj, [f for f in CATEGORY_FIELDS if f != "parent"])
        audit.record("workorders.category_save", obj=obj, actor=actor, changes=audit.diff(before, after))
    from ..filters import forget_category_choices  # this process shows the change at once

    forget_category_choices()
    return obj


def routing_rule_save(
    *,
    actor: Any,
    unit: Unit | None,
    category: Category | None = None,
    area_keyword: str = "",
    priority: Any = 100,
    active: bool = True,
    rule: RoutingRule | None = None,
) -> RoutingRule:
    """Create or change a rule (or deactivate it: ``active=False``); the dispatcher's scope must
    cover the target unit (and, when changing a rule, its current unit). Bad input is refused by
    field: no unit, a party branch or a retired unit, an inactive category, a priority outside
    0–9999, a keyword over 100 characters, or an active rule with the same category and keyword at
    the same level (which of the two would win is then a matter of priority only: refused as
    ambiguous; the same keyword may route once from the 支队 to a brigade and once within it)."""
    _require_dispatcher(actor)
    if rule is not None:
        check_scope(actor, rule.unit, Cap.WORKORDER_DISPATCH)
    errors: dict[str, str] = {}
    if unit is None:
        errors["unit"] = "请选择承办单位 / choose the unit"
    elif unit.kind == Unit.Kind.PARTY_BRANCH or unit.retired_on is not None:
        errors["unit"] = "承办单位须为现有的公安单位 / the unit must be a current police unit"
    if category is not None and not category.active:
        errors["category"] = "该类别已停用 / the category is not active"
    try:
        priority = int(priority)
    except (TypeError, ValueError):
        errors["priority"] = "优先级须为整数 / the priority must be a whole number"
    else:
        if not 0 <= priority <= 9999:
            errors["priority"] = "优先级须在 0~9999 之间 / the priority must lie in 0–9999"
    keyword = (area_keyword or "").strip()
    if len(keyword) > 100:
        errors["area_keyword"] = "关键词过长(最多100字) / keyword too long"
    if not errors and active:
        # the same category and keyword may route once per level (支队 → 大队, 大队 → 中队): a twin is a
        # rule whose unit sits under the same parent as this one
        assert unit is not None
        parent_path = unit.path[: len(unit.path) - Unit.steplen]
        twins = RoutingRule.objects.filter(
            active=True,
            category=category,
            area_keyword=keyword,
            unit__depth=unit.depth,
            unit__path__startswith=parent_path,
        )
        if rule is not None:
            twins = twins.exclude(pk=rule.pk)
        twin = twins.select_related("unit").first()
        if twin is not None:
            errors["area_keyword"] = (
                f"已有相同类别和关键词的启用规则(→ {twin.unit.name}) / an active rule with the same category "
                "and keyword exists"
            )
    if errors:
        raise ValidationError(errors)
    assert unit is not None
    check_scope(actor, unit, Cap.WORKORDER_DISPATCH)
    with transaction.atomic():
        obj = rule or RoutingRule()
        before = audit.snapshot(obj, ["category", "area_keyword", "unit", "priority", "active"]) if obj.pk else {}
        obj.unit, obj.category, obj.area_keyword, obj.priority, obj.active = unit, category, keyword, priority, active
        obj.save()
        after = audit.snapshot(obj, ["category", "area_keyword", "unit", "priority", "active"])
        audit.record("workorders.routing_rule_save", obj=obj, actor=actor, changes=audit.diff(before, after))
    return obj
