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


def category_save(*, actor: Any, category: Category | None = None, **values: Any) -> Category:
    """Create or change a category (its limits are configuration: the next dispatch uses them)."""
    _require_dispatcher(actor)
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
    unit: Unit,
    category: Category | None = None,
    area_keyword: str = "",
    priority: int = 100,
    active: bool = True,
    rule: RoutingRule | None = None,
) -> RoutingRule:
    """Create or change a rule; the dispatcher's scope must cover the target unit (and, when changing
    a rule, its current unit)."""
    _require_dispatcher(actor)
    check_scope(actor, unit, Cap.WORKORDER_DISPATCH)
    if rule is not None:
        check_scope(actor, rule.unit, Cap.WORKORDER_DISPATCH)
    keyword = (area_keyword or "").strip()
    if len(keyword) > 100:
        raise ValidationError({"area_keyword": "关键词过长 / keyword too long"})
    with transaction.atomic():
        obj = rule or RoutingRule()
        before = audit.snapshot(obj, ["category", "area_keyword", "unit", "priority", "active"]) if obj.pk else {}
        obj.unit, obj.category, obj.area_keyword, obj.priority, obj.active = unit, category, keyword, priority, active
        obj.save()
        after = audit.snapshot(obj, ["category", "area_keyword", "unit", "priority", "active"])
        audit.record("workorders.routing_rule_save", obj=obj, actor=actor, changes=audit.diff(before, after))
    return obj
