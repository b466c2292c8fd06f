"""Review (审核把关), coercive-measure and case-handling-centre pages: each an action form that
calls one service; a refusal (no self-approval, missing review, wrong state) is shown as the
service's message and changes nothing."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from jingwu.org.roles import Cap

from .. import services
from ..forms import (
    CentreEntryForm,
    CentreExitForm,
    MeasureApproveForm,
    MeasureExtendForm,
    MeasureRequestForm,
    MomentForm,
    OpinionForm,
    ReasonForm,
    ResubmitForm,
    ReviewSubmitForm,
)
from ..models import CentreVisit, CoerciveMeasure, Review
from ._common import get_or_404, require_cap, run_service
from .cases import _case, _require_handle


def _require(user: Any, capability: str | None, label: Any) -> None:
    if capability and not user.has_cap(capability):
        raise PermissionDenied(f"您没有“{label}”的权限 / you may not do this")


def _render(request: HttpRequest, form: Any, title: Any, case: Any, **extra: Any) -> HttpResponse:
    return render(request, "cases/form.html", {"form": form, "title": title, "case": case, "subject": case, **extra})


# --- reviews -------------------------------------------------------------------------------------


@require_cap(Cap.HANDLE_CASE)
def review_submit(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk)
    _require_handle(request, case)
    user = request.user
    initial = {"decision": request.GET.get("decision", "")}
    form = ReviewSubmitForm(request.POST or None, case=case, initial=initial)
    if request.method == "POST" and form.is_valid():
        ok, review = run_service(form, lambda: services.review_submit(actor=user, case=case, **form.cleaned_data))
        if ok:
            messages.success(request, gettext("已呈请“%(d)s”审核") % {"d": review.get_decision_display()})
            return redirect("cases:case-detail", pk=case.pk)
    return _render(request, form, gettext("呈请审核"), case)


REVIEW_ACTIONS: dict[str, tuple[Any, Any]] = {
    "legal_opinion": (
        lambda data: OpinionForm(data, label=_("法制审核意见")),
        lambda user, r, d: services.review_legal_opinion(actor=user, review=r, opinion=d["opinion"]),
    ),
    "approve": (
        lambda data: OpinionForm(data, label=_("领导意见"), required=False),
        lambda user, r, d: services.review_approve(actor=user, review=r, opinion=d.get("opinion", "")),
    ),
    "return_review": (
        lambda data: ReasonForm(data, label=_("退回原因")),
        lambda user, r, d: services.review_reject(actor=user, review=r, reason=d["reason"]),
    ),
    "resubmit": (
        lambda data: ResubmitForm(data),
        lambda user, r, d: services.review_resubmit(actor=user, review=r, summary=d.get("summary", "")),
    ),
}


@login_required
def review_action(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    user: Any = request.user
    _require(user, Cap.VIEW_CASE, "审核")
    review = get_or_404(
        Review.objects.visible_to(user, Cap.VIEW_CASE).select_related("case", "submitted_by__person"), pk=pk
    )
    if name not in REVIEW_ACTIONS:
        return HttpResponseBadRequest("未定义的操作 / unknown action")
    transition = Review.workflow.get(name)
    _require(user, transition.capability, transition.label)
    if name == "return_review" and not (user.has_cap(Cap.REVIEW_CASE) or user.has_cap(Cap.APPROVE_CASE)):
        raise PermissionDenied("只有法制审核人员或审批领导可以退回 / only a reviewer or approver may return it")
    make_form, call = REVIEW_ACTIONS[name]
    form = make_form(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        ok, _result = run_service(form, lambda: call(user, review, form.cleaned_data))
        if ok:
            messages.success(request, gettext("已完成:%(action)s") % {"action": transition.label})
            return redirect("cases:case-detail", pk=review.case_id)
    title = f"{review.get_decision_display()}审核 · {transition.label}"
    return _render(request, form, title, review.case, review=review, style=transition.style)


# --- coercive measures ---------------------------------------------------------------------------


@require_cap(Cap.HANDLE_CASE)
def measure_request(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk)
    _require_handle(request, case)
    user = request.user
    form = MeasureRequestForm(request.POST or None, case=case)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        ok, measure = run_service(form, lambda: services.measure_request(actor=user, case=case, **data))
        if ok:
            messages.success(request, gettext("已提请%(kind)s,并呈请审核") % {"kind": measure.get_kind_display()})
            return redirect("cases:case-detail", pk=case.pk)
    return _render(request, form, gettext("提请强制措施"), case)


MEASURE_ACTIONS: dict[str, tuple[Any, Any]] = {
    "approve": (
        lambda data: MeasureApproveForm(data),
        lambda user, m, d: services.measure_approve(actor=user, measure=m, authority=d["authority"]),
    ),
    "reject": (
        lambda data: ReasonForm(data, label=_("不予批准理由")),
        lambda user, m, d: services.measure_reject(actor=user, measure=m, reason=d["reason"]),
    ),
    "start": (
        lambda data: MomentForm(data, label=_("开始执行时间")),
        lambda user, m, d: services.measure_start(actor=user, measure=m, at=d.get("at")),
    ),
    "extend": (
        lambda data: MeasureExtendForm(data, label=_("延长理由")),
        lambda user, m, d: services.measure_extend(actor=user, measure=m, hours=d["hours"], reason=d["reason"]),
    ),
    "end": (
        lambda data: ReasonForm(data, label=_("解除/变更原因")),
        lambda user, m, d: services.measure_end(actor=user, measure=m, reason=d["reason"]),
    ),
}


@login_required
def measure_action(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    user: Any = request.user
    _require(user, Cap.VIEW_CASE, "强制措施")
    measure = get_or_404(CoerciveMeasure.objects.visible_to(user, Cap.VIEW_CASE).select_related("case", "party"), pk=pk)
    if name not in MEASURE_ACTIONS:
        return HttpResponseBadRequest("未定义的操作 / unknown action")
    transition = CoerciveMeasure.workflow.get(name)
    _require(user, transition.capability, transition.label)
    make_form, call = MEASURE_ACTIONS[name]
    form = make_form(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        ok, _result = run_service(form, lambda: call(user, measure, form.cleaned_data))
        if ok:
            messages.success(request, gettext("已完成:%(action)s") % {"action": transition.label})
            return redirect("cases:case-detail", pk=measure.case_id)
    title = f"{measure} · {transition.label}"
    return _render(request, form, title, measure.case, style=transition.style)


# --- 执法办案管理中心 ----------------------------------------------------------------------------


@require_cap(Cap.HANDLE_CASE)
def centre_entry(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk)
    _require_handle(request, case)
    user = request.user
    form = CentreEntryForm(request.POST or None, case=case)
    if request.method == "POST" and form.is_valid():
        ok, _visit = run_service(form, lambda: services.centre_entry(actor=user, case=case, **form.cleaned_data))
        if ok:
            messages.success(request, gettext("已登记入区"))
            return redirect("cases:case-detail", pk=case.pk)
    return _render(request, form, gettext("办案中心入区登记"), case)


@require_cap(Cap.HANDLE_CASE)
def centre_exit(request: HttpRequest, pk: int) -> HttpResponse:
    visit = get_or_404(CentreVisit.objects.visible_to(request.user, Cap.VIEW_CASE).select_related("case"), pk=pk)
    case = visit.case
    _require_handle(request, case)
    user = request.user
    form = CentreExitForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        ok, _visit = run_service(
            form,
            lambda: services.centre_exit(
                actor=user,
                visit=visit,
                destination=data["exit_destination"],
                belongings_returned=data["belongings_returned"],
                exited_at=data.get("exited_at"),
            ),
        )
        if ok:
            messages.success(request, gettext("已登记出区"))
            return redirect("cases:case-detail", pk=case.pk)
    return _render(request, form, gettext("办案中心出区登记"), case)
