"""Helpers shared by the case pages: capability decorator, query strings, service-error handling.

Every page fetches its object through ``visible_to`` (selectors), so an object outside the user's
scope answers 404; a missing capability answers 403; anonymous users go to the login page.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse

from jingwu.core.workflow import TransitionNotAllowed
from jingwu.org.forms import apply_service_errors

View = Callable[..., HttpResponse]
PAGE_SIZE = 20


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


def run_service(form: forms.BaseForm, call: Callable[[], Any]) -> tuple[bool, Any]:
    """Call a service; put its refusal on the form (field errors where it names fields).

    A transition refused because the object is outside the actor's scope for that action becomes a
    403 (the object itself was visible, or the page would already have answered 404)."""
    try:
        return True, call()
    except ValidationError as exc:
        apply_service_errors(form, exc)
    except TransitionNotAllowed as exc:
        if exc.code in ("scope", "capability", "actor"):
            raise PermissionDenied(exc.message) from exc
        form.add_error(None, exc.message)
    except PermissionDenied as exc:
        raise PermissionDenied(str(exc)) from exc
    return False, None


def get_or_404(queryset: Any, **lookup: Any) -> Any:
    try:
        return queryset.get(**lookup)
    except queryset.model.DoesNotExist:
        raise Http404("对象不存在或不在您的数据权限范围内 / not found") from None
