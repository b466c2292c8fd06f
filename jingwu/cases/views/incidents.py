"""Incident (警情) pages: list with filters, detail, entry, dispatch, disposal, convert to a case,
and the 110 Excel import (upload → validation report → confirm; all or nothing)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods

from jingwu.core.crypto import mask, mask_phone
from jingwu.core.documents.import_page import LedgerImport, ledger_import_page
from jingwu.core.listing import querystring
from jingwu.core.scope import unit_in_scope
from jingwu.org.roles import Cap

from .. import selectors, services
from ..filters import IncidentFilter
from ..forms import CaseForm, DispatchForm, DisposeForm, IncidentForm, local_now
from ..models import Incident
from ..services import importing
from ._common import PAGE_SIZE, get_or_404, require_cap, run_service


def _incident(request: HttpRequest, pk: int) -> Incident:
    qs = selectors.incident_list(request.user).prefetch_related("dispatched_officers")
    return get_or_404(qs, pk=pk)  # type: ignore[no-any-return]


def _can_handle(user: Any, incident: Incident) -> bool:
    return bool(user.has_cap(Cap.HANDLE_CASE)) and unit_in_scope(user, incident.unit, Cap.HANDLE_CASE)


def _require_handle(request: HttpRequest, incident: Incident) -> None:
    if not _can_handle(request.user, incident):
        raise PermissionDenied("您不能处理该警情 / you may not handle this incident")


@require_cap(Cap.VIEW_CASE)
def incident_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    flt = IncidentFilter(request.GET, queryset=selectors.incident_list(user), user=user)
    incidents = flt.qs if not flt.errors else Incident.objects.none()
    page = Paginator(incidents, PAGE_SIZE).get_page(request.GET.get("page"))
    now = timezone.now()
    rows = [{"incident": i, "state": i.disposal_state(now)} for i in page.object_list]
    context = {
        "filter": flt,
        "page": page,
        "rows": rows,
        "page_query": querystring(request, page=None),
        "can_create": user.has_cap(Cap.HANDLE_CASE),  # type: ignore[union-attr]
        "active_filters": sum(1 for k, v in request.GET.items() if k not in ("page", "q") and v),
    }
    return render(request, "cases/incident_list.html", context)


@require_cap(Cap.VIEW_CASE)
def incident_detail(request: HttpRequest, pk: int) -> HttpResponse:
    incident = _incident(request, pk)
    user = request.user
    linked = selectors.case_list(user).filter(incidents=incident)
    context = {
        "incident": incident,
        "state": incident.disposal_state(),
        "officers": list(incident.dispatched_officers.all()),
        "cases": list(linked),
        "can_handle": _can_handle(user, incident),
    }
    return render(request, "cases/incident_detail.html", context)


@require_cap(Cap.HANDLE_CASE)
def incident_create(request: HttpRequest) -> HttpResponse:
    user = request.user
    form = IncidentForm(request.POST or None, user=user, initial={"received_at": local_now()})
    if request.method == "POST" and form.is_valid():
        ok, incident = run_service(form, lambda: services.incident_create(actor=user, **form.cleaned_data))
        if ok:
            messages.success(request, gettext("已登记警情 %(number)s") % {"number": incident.number})
            return redirect("cases:incident-detail", pk=incident.pk)
    return render(
        request, "cases/form.html", {"form": form, "title": gettext("登记警情"), "back": "cases:incident-list"}
    )


@require_cap(Cap.HANDLE_CASE)
def incident_dispatch(request: HttpRequest, pk: int) -> HttpResponse:
    incident = _incident(request, pk)
    _require_handle(request, incident)
    user = request.user
    form = DispatchForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data

        def call() -> Incident:
            done = services.incident_dispatch(
                actor=user, incident=incident, officers=data["officers"], at=data.get("dispatched_at")
            )
            if data.get("arrived_at"):
                done = services.incident_arrive(actor=user, incident=done, at=data["arrived_at"])
            return done

        ok, _ = run_service(form, call)
        if ok:
            messages.success(request, gettext("已记录出警"))
            return redirect("cases:incident-detail", pk=incident.pk)
    return render(
        request,
        "cases/form.html",
        {"form": form, "title": gettext("派警/到场"), "subject": incident, "incident": incident},
    )


@require_cap(Cap.HANDLE_CASE)
def incident_dispose(request: HttpRequest, pk: int) -> HttpResponse:
    incident = _incident(request, pk)
    _require_handle(request, incident)
    user = request.user
    form = DisposeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        ok, _ = run_service(
            form,
            lambda: services.incident_dispose(
                actor=user,
                incident=incident,
                result=form.cleaned_data["disposal_result"],
                at=form.cleaned_data.get("disposed_at"),
            ),
        )
        if ok:
            messages.success(request, gettext("已记录处置结果"))
            return redirect("cases:incident-detail", pk=incident.pk)
    return render(
        request,
        "cases/form.html",
        {"form": form, "title": gettext("处置警情"), "subject": incident, "incident": incident},
    )


@require_cap(Cap.HANDLE_CASE)
def incident_convert(request: HttpRequest, pk: int) -> HttpResponse:
    """受案: open a case from the incident (the case links it; an open incident is disposed)."""
    incident = _incident(request, pk)
    _require_handle(request, incident)
    user = request.user
    initial = {"accepted_at": local_now(), "title": (incident.summary or "")[:60]}
    form = CaseForm(request.POST or None, user=user, fixed_unit=incident.unit, initial=initial)
    if request.method == "POST" and form.is_valid():
        ok, case = run_service(
            form, lambda: services.incident_convert_to_case(actor=user, incident=incident, **form.service_data())
        )
        if ok:
            messages.success(request, gettext("已受案,案件编号 %(number)s") % {"number": case.number})
            return redirect("cases:case-detail", pk=case.pk)
    return render(
        request,
        "cases/form.html",
        {"form": form, "title": gettext("转为案件(受案)"), "subject": incident, "incident": incident},
    )


# --- 110 import ----------------------------------------------------------------------------------


@require_cap(Cap.HANDLE_CASE)
@require_http_methods(["GET", "POST"])
def incident_import(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    return ledger_import_page(
        request,
        LedgerImport(
            title="110警情导入",
            url=reverse("cases:incident-import"),
            back_url=reverse("cases:incident-list"),
            back_label="返回警情",
            columns=importing.COLUMNS,
            run=lambda data, filename, dry_run: importing.import_incidents(
                data, filename=filename, actor=user, dry_run=dry_run
            ),
            help_text="以警情编号识别警情:不存在则新增;已存在且未处置的警情补记到场时间和处置结果。",
            masks={"caller_phone": mask_phone, "caller_name": lambda name: mask(name, 1, 0)},
        ),
    )
