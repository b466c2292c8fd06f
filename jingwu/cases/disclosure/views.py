"""执法公开 pages: the public progress query (no login) and the handler's query-code management.

The public page shows only what ``services.disclosure.disclosed_stages`` allows; a wrong number,
wrong code or revoked code all answer the same "未查询到"; too many tries answer 429.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_http_methods, require_POST

from jingwu.core.middleware import client_ip
from jingwu.org.roles import Cap

from ..models import Case, QueryCode
from ..services import disclosure as svc

NOT_FOUND_MESSAGE = "未查询到相关案件信息,请核对案件编号和查询码 / no matching case"


@never_cache
@csrf_protect
@require_http_methods(["GET", "POST"])
def query(request: HttpRequest) -> HttpResponse:
    """The public query page: case number + query code → the disclosed stages."""
    context: dict[str, Any] = {"number": "", "result": None, "not_found": False, "error": ""}
    if request.method == "POST":
        number = (request.POST.get("number") or "").strip()[:40]
        code = (request.POST.get("code") or "").strip()[:40]
        context["number"] = number
        if not number or not code:
            context["error"] = "请填写案件编号和查询码 / enter the case number and the query code"
            return render(request, "cases/disclosure_query.html", context, status=400)
        try:
            result = svc.disclosure_query(number=number, code=code, ip=client_ip(request))
        except svc.RateLimited:
            return render(
                request,
                "cases/disclosure_limited.html",
                {"minutes": svc.RATE_WINDOW // 60, "limit": svc.RATE_LIMIT},
                status=429,
            )
        context["result"] = result
        context["not_found"] = result is None
    return render(request, "cases/disclosure_query.html", context)


# --- handler side: issue / revoke codes ---------------------------------------------------------------


def _case_for(request: HttpRequest, pk: int) -> Case:
    if not request.user.has_cap(Cap.HANDLE_CASE):  # type: ignore[union-attr]
        raise PermissionDenied("您没有执行此操作的权限 / you may not do this")
    return get_object_or_404(Case.objects.visible_to(request.user, Cap.HANDLE_CASE).select_related("unit"), pk=pk)


def _case_url(case: Case) -> str:
    try:
        return reverse("cases:case-detail", args=[case.pk])
    except NoReverseMatch:
        return ""


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def codes(request: HttpRequest, case_pk: int) -> HttpResponse:
    """The query codes of one case; POST issues (or reissues) a code and shows it once."""
    case = _case_for(request, case_pk)
    parties = list(case.parties.order_by("role", "id"))
    issued = ""
    issued_for = None
    if request.method == "POST":
        party = None
        party_pk = request.POST.get("party") or ""
        if party_pk:
            party = next((p for p in parties if str(p.pk) == party_pk), None)
            if party is None:
                raise Http404("当事人不存在 / party not found")
        try:
            row, issued = svc.query_code_issue(actor=request.user, case=case, party=party)
        except ValidationError as exc:
            messages.error(request, "; ".join(exc.messages))
        else:
            issued_for = row
    rows = list(QueryCode.objects.filter(case=case).select_related("party", "issued_by__person", "revoked_by"))
    return render(
        request,
        "cases/disclosure_codes.html",
        {
            "case": case,
            "case_url": _case_url(case),
            "parties": parties,
            "rows": rows,
            "issued": issued,
            "issued_for": issued_for,
            "public_url": request.build_absolute_uri(reverse("disclosure:query")),
        },
    )


@login_required
@require_POST
def revoke(request: HttpRequest, pk: int) -> HttpResponse:
    if not request.user.has_cap(Cap.HANDLE_CASE):  # type: ignore[union-attr]
        raise PermissionDenied("您没有执行此操作的权限 / you may not do this")
    row = get_object_or_404(QueryCode.objects.visible_to(request.user, Cap.HANDLE_CASE), pk=pk)
    try:
        svc.query_code_revoke(actor=request.user, code=row)
    except ValidationError as exc:
        messages.error(request, "; ".join(exc.messages))
    else:
        messages.success(request, "查询码已作废 / the code is revoked")
    return redirect("disclosure:codes", case_pk=row.case_id)
