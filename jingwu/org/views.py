"""Pages of the unit tree and the people register. Thin: reads through selectors, writes through services.

Every lookup goes through ``visible_to(request.user, …)`` so that an out-of-scope unit or person
answers 404; a missing capability answers 403; anonymous users are sent to the login page.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from jingwu.core.listing import querystring, sort_headers
from jingwu.core.scope import unit_in_scope

from . import selectors, services
from .filters import SORT_LABELS, PersonFilter
from .forms import PersonForm, UnitForm, UnitMoveForm, UnitRetireForm, apply_service_errors
from .models import Person, Unit
from .roles import Cap

PAGE_SIZE = 20

View = Callable[..., HttpResponse]


def require_cap(capability: str) -> Callable[[View], View]:
    """Login first (anonymous → login page), then the capability (missing → 403)."""

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.has_cap(capability):  # type: ignore[union-attr]
                raise PermissionDenied("您没有访问此页面的权限 / you may not open this page")
            return view(request, *args, **kwargs)

        return login_required(wrapped)

    return decorator


def optional_url(name: str, *args: Any) -> str:
    """The URL of a route another module may not have built yet; empty when it does not exist."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


def _deny_outside(user: Any, unit: Unit, capability: str) -> None:
    if not unit_in_scope(user, unit, capability):
        raise PermissionDenied("该单位不在您的管理范围内 / outside the scope you manage")


# --- Units -------------------------------------------------------------------------------------


@require_cap(Cap.VIEW_UNIT)
def unit_list(request: HttpRequest) -> HttpResponse:
    kind = request.GET.get("kind", "")
    context: dict[str, Any] = {"kinds": Unit.Kind, "can_manage": request.user.has_cap(Cap.MANAGE_UNIT)}  # type: ignore[union-attr]
    if kind in Unit.Kind.values:
        nodes = selectors.unit_flat_list(request.user, kind)
        context.update(flat=nodes, kind=kind, kind_label=Unit.Kind(kind).label, unit_count=len(nodes))
    else:
        roots = selectors.unit_tree(request.user)
        total = _count_nodes(roots)
        branches = _count_nodes(roots, branches_only=True)
        nested = any(root.children for root in roots)
        context.update(roots=roots, unit_count=total - branches, branch_count=branches, nested=nested)
    return render(request, "org/unit_list.html", context)


def _count_nodes(nodes: list[selectors.TreeNode], branches_only: bool = False) -> int:
    return sum(int(n.is_branch or not branches_only) + _count_nodes(n.children, branches_only) for n in nodes)


@require_cap(Cap.VIEW_UNIT)
def unit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    unit: Unit = get_object_or_404(selectors.visible_units(request.user), pk=pk)
    user = request.user
    ancestors = list(selectors.visible_units(user).filter(path__in=_ancestor_paths(unit)).order_by("path"))
    can_manage = user.has_cap(Cap.MANAGE_UNIT) and unit_in_scope(user, unit, Cap.MANAGE_UNIT)  # type: ignore[union-attr]
    context = {
        "unit": unit,
        "ancestors": ancestors,
        "children": selectors.unit_children(user, unit),
        "counts": selectors.unit_people_counts(user, unit),
        "history": _history_rows(selectors.unit_history(unit)),
        "can_manage": can_manage,
        "people_url": f"{reverse('org:person-list')}?unit={unit.pk}&sub=on&status=active",
        "members_url": f"{reverse('org:person-list')}?branch={unit.pk}&status=active",
    }
    return render(request, "org/unit_detail.html", context)


HISTORY_EVENTS = {"org.unit.create": _("新建"), "org.unit.update": _("修改"), "org.unit.move": _("调整上级")}
HISTORY_FIELDS = {
    "code": _("机构代码"),
    "name": _("名称"),
    "short_name": _("简称"),
    "kind": _("类型"),
    "order": _("排序"),
    "retired_on": _("撤销日期"),
    "parent": _("上级单位"),
}


def _history_rows(rows: Any) -> list[dict[str, Any]]:
    """Audit rows as the page shows them: what happened, who, when, and field by field old → new."""
    kinds: dict[Any, Any] = dict(Unit.Kind.choices)
    out = []
    for row in rows:
        changes = []
        for key, value in (row.changes or {}).items():
            old, new = value if isinstance(value, list) and len(value) == 2 else (None, value)
            if key == "kind":
                old, new = kinds.get(old, old), kinds.get(new, new)
            changes.append({"label": HISTORY_FIELDS.get(key, key), "old": old, "new": new})
        out.append(
            {
                "at": row.occurred_at,
                "label": HISTORY_EVENTS.get(row.event, row.event),
                "actor": row.actor_name or row.actor_username or gettext("系统"),
                "success": row.success,
                "changes": changes,
            }
        )
    return out


def _ancestor_paths(unit: Unit) -> list[str]:
    step = unit.steplen
    return [unit.path[:i] for i in range(step, len(unit.path), step)]


def _managed_unit(request: HttpRequest, pk: int) -> Unit:
    unit: Unit = get_object_or_404(selectors.visible_units(request.user), pk=pk)
    _deny_outside(request.user, unit, Cap.MANAGE_UNIT)
    return unit


@require_cap(Cap.MANAGE_UNIT)
def unit_create(request: HttpRequest, pk: int) -> HttpResponse:
    """Create a unit below ``pk``."""
    parent = _managed_unit(request, pk)
    if parent.is_retired:
        raise PermissionDenied("已撤销的单位不能新增下级 / a retired unit takes no new children")
    form = UnitForm(request.POST or None, initial={"code": parent.code[:6], "kind": Unit.Kind.SQUADRON})
    if request.method == "POST" and form.is_valid():
        try:
            unit = services.unit_create(actor=request.user, parent=parent, **form.cleaned_data)  # type: ignore[arg-type]
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, gettext("已新增单位“%(name)s”") % {"name": unit.name})
            return redirect("org:unit-detail", pk=unit.pk)
    return render(request, "org/unit_form.html", {"form": form, "parent": parent, "title": gettext("新增下级单位")})


@require_cap(Cap.MANAGE_UNIT)
def unit_edit(request: HttpRequest, pk: int) -> HttpResponse:
    unit = _managed_unit(request, pk)
    form = UnitForm(request.POST or None, initial=UnitForm.initial_for(unit))
    if request.method == "POST" and form.is_valid():
        try:
            services.unit_update(actor=request.user, unit=unit, **form.cleaned_data)  # type: ignore[arg-type]
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, gettext("单位信息已保存"))
            return redirect("org:unit-detail", pk=unit.pk)
    return render(request, "org/unit_form.html", {"form": form, "unit": unit, "title": gettext("编辑单位")})


@require_cap(Cap.MANAGE_UNIT)
def unit_move(request: HttpRequest, pk: int) -> HttpResponse:
    unit = _managed_unit(request, pk)
    form = UnitMoveForm(request.POST or None, user=request.user, unit=unit)
    if request.method == "POST" and form.is_valid():
        try:
            services.unit_move(actor=request.user, unit=unit, new_parent=form.cleaned_data["parent"])  # type: ignore[arg-type]
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(
                request,
                gettext("已将“%(unit)s”移至“%(parent)s”之下")
                % {"unit": unit.name, "parent": form.cleaned_data["parent"].name},
            )
            return redirect("org:unit-detail", pk=unit.pk)
    parent = selectors.visible_units(request.user).filter(path=unit.path[: -unit.steplen]).first()
    return render(request, "org/unit_move.html", {"form": form, "unit": unit, "current_parent": parent})


@require_cap(Cap.MANAGE_UNIT)
def unit_retire(request: HttpRequest, pk: int) -> HttpResponse:
    unit = _managed_unit(request, pk)
    if unit.is_retired:
        messages.info(request, gettext("该单位已撤销"))
        return redirect("org:unit-detail", pk=unit.pk)
    form = UnitRetireForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.unit_update(actor=request.user, unit=unit, retired_on=form.cleaned_data["retired_on"])  # type: ignore[arg-type]
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, gettext("单位“%(name)s”已撤销") % {"name": unit.name})
            return redirect("org:unit-detail", pk=unit.pk)
    counts = selectors.unit_people_counts(request.user, unit)
    return render(request, "org/unit_retire.html", {"form": form, "unit": unit, "counts": counts})


# --- People ------------------------------------------------------------------------------------


def _sort_headers(request: HttpRequest) -> dict[str, dict[str, Any]]:
    return sort_headers(request, SORT_LABELS, {"joined_on": "d-none d-md-table-cell"})


@require_cap(Cap.VIEW_PERSON)
def person_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    person_filter = PersonFilter(request.GET, queryset=selectors.person_list(user), user=user)
    people = person_filter.qs if not person_filter.errors else Person.objects.none()
    if not request.GET.get("o"):
        people = people.order_by("unit__path", "-kind", "police_number")  # 民警 before 辅警 within a unit
    page = Paginator(people, PAGE_SIZE).get_page(request.GET.get("page"))
    filters_query = querystring(request, page=None)
    export_url = optional_url("org:person-export") if user.has_cap(Cap.EXPORT_PERSON) else ""  # type: ignore[union-attr]
    import_url = optional_url("org:person-import") if user.has_cap(Cap.IMPORT_PERSON) else ""  # type: ignore[union-attr]
    active_filters = sum(1 for k, v in request.GET.items() if k not in ("page", "o", "q") and v)
    context = {
        "filter": person_filter,
        "page": page,
        "sort": _sort_headers(request),
        "page_query": querystring(request, page=None),
        "export_url": f"{export_url}?{filters_query}" if export_url and filters_query else export_url,
        "import_url": import_url,
        "can_create": user.has_cap(Cap.CHANGE_PERSON),  # type: ignore[union-attr]
        "positions": selectors.position_choices(user),
        "active_filters": active_filters,
    }
    return render(request, "org/person_list.html", context)


@require_cap(Cap.VIEW_PERSON)
def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    person = get_object_or_404(selectors.person_list(user), pk=pk)
    can_edit = user.has_cap(Cap.CHANGE_PERSON) and unit_in_scope(user, person.unit, Cap.CHANGE_PERSON)  # type: ignore[union-attr]
    context = {
        "person": person,
        "can_edit": can_edit,
        "can_reveal": user.has_cap(Cap.REVEAL_SENSITIVE),  # type: ignore[union-attr]
        "unit_visible": selectors.visible_units(user).filter(pk=person.unit_id).exists(),
    }
    return render(request, "org/person_detail.html", context)


@require_cap(Cap.CHANGE_PERSON)
def person_create(request: HttpRequest) -> HttpResponse:
    user = request.user
    initial: dict[str, Any] = {}
    if request.GET.get("unit", "").isdigit():
        initial["unit"] = int(request.GET["unit"])
    form = PersonForm(request.POST or None, user=user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            person = services.person_create(actor=user, **form.service_data())  # type: ignore[arg-type]
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, gettext("已新增人员“%(name)s”") % {"name": person.name})
            return redirect("org:person-detail", pk=person.pk)
    return render(request, "org/person_form.html", {"form": form, "title": gettext("新增人员")})


@require_cap(Cap.CHANGE_PERSON)
def person_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    person = get_object_or_404(selectors.person_list(user), pk=pk)
    _deny_outside(user, person.unit, Cap.CHANGE_PERSON)
    form = PersonForm(request.POST or None, user=user, person=person, initial=PersonForm.initial_for(person))
    if request.method == "POST" and form.is_valid():
        try:
            services.person_update(actor=user, person=person, **form.service_data())  # type: ignore[arg-type]
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, gettext("人员信息已保存"))
            return redirect("org:person-detail", pk=person.pk)
    return render(request, "org/person_form.html", {"form": form, "person": person, "title": gettext("编辑人员")})


@require_POST
@login_required
def person_reveal(request: HttpRequest, pk: int, field: str) -> HttpResponse:
    """Answer one sensitive value in clear (htmx partial). The service checks the capability and audits."""
    person = get_object_or_404(selectors.person_list(request.user), pk=pk)
    if field not in Person.SENSITIVE_FIELDS:
        return HttpResponseBadRequest("只能查看身份证号或手机号 / only id_number or phone")
    value = services.person_reveal(actor=request.user, person=person, field=field)  # type: ignore[arg-type]
    response = render(request, "org/_person_revealed.html", {"field": field, "value": value})
    response["Cache-Control"] = "no-store"
    return response
