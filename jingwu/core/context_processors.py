from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from .navigation import navigation_html


def shell(request: HttpRequest) -> dict[str, Any]:
    """The sidebar, already rendered (``navigation_html`` keeps it per role set and active entry)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"nav_html": navigation_html(user, request.path)}


def notifications(request: HttpRequest) -> dict[str, Any]:
    """The header bell's unread count: one COUNT query, run only if a template renders the bell."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    from django.utils.functional import SimpleLazyObject

    from .notifications import unread_count

    return {"notifications_unread": SimpleLazyObject(lambda: unread_count(user))}
