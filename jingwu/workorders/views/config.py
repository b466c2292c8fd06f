"""Configuration pages of 接诉即办: the routing rules (派单规则: category × area → unit) of the
dispatcher's scope, and the category tree with its urgency and time limits.

Routing rules: holders of ``workorders.dispatch`` see, create, edit and deactivate the rules whose
unit lies in their dispatch scope (another unit's rule → 404). Categories: every dispatcher sees the
tree; those who may configure it (``may_configure_categories``: 大队领导 and above) change it. Writes
go through ``routing_rule_save`` / ``category_save``; their errors show on the form's fields.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _t
from django.views.decorators.http import require_POST

from jingwu.org.roles import Cap

from .. import services
from ..filters import category_tree
from ..forms import apply_service_errors
from ..forms_config import CategoryForm, RoutingRuleForm
from ..models import Category, RoutingRule
from ..services.config import may_configure_categories
from .common import require_cap


def _rules(user: Any) -> Any:
    return RoutingRule.objects.visible_to(user, Cap.WORKORDER_DISPATCH).select_related("unit", "category")


@require_cap(Cap.WORKORDER_DISPATCH)
def rule_list(request: HttpRequest) -> HttpResponse:
    rules = list(_rules(request.user).order_by("-active", "unit__path", "priority", "id"))
    return render(request, "workorders/config_rules.html", {"rules": rules})


def _save_rule(request: HttpRequest, rule: RoutingRule | None) -> HttpResponse:
    user: Any = request.user
    initial = RoutingRuleForm.initial_of(rule) if rule is not None else None
    form = RoutingRuleForm(request.POST or None, user=user, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                saved = services.routing_rule_save(actor=user, rule=rule, **form.service_data())
            except ValidationError as exc:
                apply_service_errors(form, exc)
            except PermissionDenied as exc:
                form.add_error("unit", str(exc))
            else:
                messages.success(request, _t("派单规则已保存:%(rule)s") % {"rule": saved})
                return redirect("workorders:rule-list")
        status = 400
    return render(request, "workorders/config_rule_form.html", {"form": form, "rule": rule}, status=status)


@require_cap(Cap.WORKORDER_DISPATCH)
def rule_create(request: HttpRequest) -> HttpResponse:
    return _save_rule(request, None)


@require_cap(Cap.WORKORDER_DISPATCH)
def rule_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _save_rule(request, get_object_or_404(_rules(request.user), pk=pk))


@require_cap(Cap.WORKORDER_DISPATCH)
@require_POST
def rule_toggle(request: HttpRequest, pk: int) -> HttpResponse:
    """停用 / 启用 a rule (the rule stays: dispatch legs made by it keep their link)."""
    rule = get_object_or_404(_rules(request.user), pk=pk)
    try:
        services.routing_rule_save(
            actor=request.user,
            rule=rule,
            unit=rule.unit,
            category=rule.category,
            area_keyword=rule.area_keyword,
            priority=rule.priority,
            active=not rule.active,
        )
    except ValidationError as exc:
        for text in exc.messages:
            messages.error(request, text)
    else:
        messages.success(request, _t("派单规则已启用") if not rule.active else _t("派单规则已停用"))
    return redirect("workorders:rule-list")


# --- categories ------------------------------------------------------------------------------------


def _tree() -> list[tuple[Category, int]]:
    """Every category (active or not) with its depth, parents first; orphans of a broken tree last."""
    categories = list(Category.objects.order_by("order", "code"))
    out = category_tree(categories)
    placed = {c.pk for c, _ in out}
    return out + [(c, 0) for c in categories if c.pk not in placed]


@require_cap(Cap.WORKORDER_DISPATCH)
def category_list(request: HttpRequest) -> HttpResponse:
    context = {"tree": _tree(), "can_configure": may_configure_categories(request.user)}
    return render(request, "workorders/config_categories.html", context)


def _save_category(request: HttpRequest, category: Category | None) -> HttpResponse:
    user: Any = request.user
    if not may_configure_categories(user):
        raise PermissionDenied("您没有维护诉求类别的权限 / you may not change the categories")
    initial = CategoryForm.initial_of(category) if category is not None else None
    form = CategoryForm(request.POST or None, initial=initial, category=category)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                saved = services.category_save(actor=user, category=category, **form.service_data())
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(request, _t("诉求类别已保存:%(name)s") % {"name": saved.name})
                return redirect("workorders:category-list")
        status = 400
    context = {"form": form, "category": category}
    return render(request, "workorders/config_category_form.html", context, status=status)


@require_cap(Cap.WORKORDER_DISPATCH)
def category_create(request: HttpRequest) -> HttpResponse:
    return _save_category(request, None)


@require_cap(Cap.WORKORDER_DISPATCH)
def category_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _save_category(request, get_object_or_404(Category, pk=pk))
