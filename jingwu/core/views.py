from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone


class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    redirect_authenticated_user = True


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """工作台: greeting, pending items from every module, and headline figures of the user's scope."""
    from jingwu.org.roles import ROLES
    from jingwu.org.selectors import headline_figures

    from .home import pending_for

    user = request.user
    person = getattr(user, "person", None)
    if person is not None:
        unit = person.unit
    else:  # a system account: the unit its role is anchored at, if any
        anchored = user.role_assignments.select_related("unit").filter(unit__isnull=False).first()  # type: ignore[union-attr]
        unit = anchored.unit if anchored else None
    context = {
        "person": person,
        "unit": unit,
        "roles": sorted(str(ROLES[code].name) for code in user.role_codes() if code in ROLES),  # type: ignore[union-attr]
        "pending": pending_for(user),
        "figures": headline_figures(user),
        "hour": timezone.localtime().hour,
    }
    return render(request, "core/home.html", context)
