"""Helpers shared by the work-order pages."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _

from jingwu.org.roles import Cap

from ..models import WorkOrder

View = Callable[..., HttpResponse]

BADGES = {
    "on_time": (_("正常"), "text-bg-success"),
    "due_soon": (_("临期"), "text-bg-warning"),
    "overdue": (_("超期"), "text-bg-danger"),
    "met": (_("按期办结"), "bg-success-subtle text-success-emphasis"),
    "met_late": (_("超期办结"), "bg-danger-subtle text-danger-emphasis"),
    # a deadline in a year whose working calendar is not published (core.deadlines.DeadlineState.UNKNOWN)
    "unknown": (_("日历未公布"), "text-bg-light border"),
}


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


def visible_order(request: HttpRequest, pk: int) -> WorkOrder:
    """The order if the user sees it (else 404), with what every page shows of it."""
    qs = WorkOrder.objects.visible_to(request.user, Cap.VIEW_WORKORDER).select_related(
        "category", "unit", "intake_unit", "handler", "received_by__person", "completed_by__person", "merged_into"
    )
    return get_object_or_404(qs, pk=pk)


def badge(state: str) -> dict[str, Any]:
    label, css = BADGES.get(state, ("", ""))
    return {"state": state, "label": label, "css": css}
