"""行刑衔接 pages, for police users (``cases.view``) and for partner-agency accounts (``cases.partner``).

Every read goes through ``InterAgencyTransfer.objects.visible_to(user)``: a police user sees the
transfers of the units in their scope, a partner account its own agency's only; anything else is
404. Writes call ``services.agencies``; a refused transition leaves the row unchanged.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from jingwu.core import workflow
from jingwu.core.attachments.forms import MultipleFileField
from jingwu.core.attachments.selectors import attachments_of
from jingwu.core.widgets import FastSelect
from jingwu.org.models import Unit
from jingwu.org.roles import Cap

from .models import Case
from .models.agencies import DEFAULT_DECISION_DAYS, Agency, InterAgencyTransfer, agency_of
from .services import agencies as svc

PAGE_SIZE = 20
ACTIONS = {"acknowledge", "file", "refuse", "give_feedback", "link_case", "agency_acknowledge", "agency_handle"}


def _is_partner(user: Any) -> bool:
    return bool(user.has_cap(Cap.PARTNER))


def _visible(user: Any) -> QuerySet[InterAgencyTransfer]:
    """What the user may see; 403 for a user who is neither police with cases.view nor a partner."""
    if _is_partner(user):
        return InterAgencyTransfer.objects.visible_to(user, Cap.PARTNER)
    if user.has_cap(Cap.VIEW_CASE):
        return InterAgencyTransfer.objects.visible_to(user, Cap.VIEW_CASE)
    raise PermissionDenied("您没有访问此页面的权限 / you may not open this page")


@login_required
@require_GET
def transfer_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    qs = _visible(user).select_related("agency", "unit")
    direction = request.GET.get("direction", "")
    state = request.GET.get("state", "")
    if direction in InterAgencyTransfer.Direction.values:
        qs = qs.filter(direction=direction)
    if state in InterAgencyTransfer.State.values:
        qs = qs.filter(state=state)
    page = Paginator(qs.order_by("-transferred_at", "-id"), PAGE_SIZE).get_page(request.GET.get("page"))
    partner = _is_partner(user)
    query = urlencode({k: v for k, v in (("direction", direction), ("state", state)) if v})
    return render(
        request,
        "cases/transfer_list.html",
        {
            "page": page,
            "partner": partner,
            "agency": agency_of(user) if partner else None,
            "direction": direction,
            "state": state,
            "directions": InterAgencyTransfer.Direction.choices,
            "states": InterAgencyTransfer.State.choices,
            "query": query,
            "can_transfer_out": not partner and user.has_cap(Cap.HANDLE_CASE),  # type: ignore[union-attr]
            "figures": [] if partner else _figures(user),
        },
    )


def _figures(user: Any) -> list[dict[str, Any]]:
    """This year's 行刑衔接 figures of the user's top visible unit, each linking to its drill-down."""
    import datetime as dt

    from jingwu.core import metrics
    from jingwu.core.metrics.definitions import DISPLAY_TZ

    unit = Unit.objects.visible_to(user, Cap.VIEW_CASE).order_by("depth", "path").first()
    if unit is None:
        return []
    today = dt.datetime.now(DISPLAY_TZ).date()
    start = today.replace(month=1, day=1)
    out = []
    for name in (
        "agency_transfers.received",
        "agency_transfers.accepted",
        "agency_transfers.filed",
        "agency_transfers.feedback_on_time",
        "agency_transfers.sent",
    ):
        figure = metrics.compute(name, unit, start, today, user=user)
        query = urlencode({"unit": unit.code, "from": start.isoformat(), "to": today.isoformat()})
        out.append(
            {
                "label": figure.label,
                "display": figure.display,
                "url": f"{reverse('core:metric-detail', args=[name])}?{query}",
            }
        )
    return out


def _case_url(case_id: int | None) -> str:
    if not case_id:
        return ""
    try:
        return reverse("cases:case-detail", args=[case_id])
    except NoReverseMatch:
        return ""


@login_required
@require_GET
def transfer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    transfer = get_object_or_404(_visible(user).select_related("agency", "unit", "case"), pk=pk)
    partner = _is_partner(user)
    events = workflow.timeline(transfer)
    if partner:
        # The agency sees what happened and when, not which officer did it.
        for event in events:
            if event.actor_id != user.pk:
                event.actor_name = "公安机关"  # type: ignore[attr-defined]
    allowed = {t.name for t in workflow.available_transitions(transfer, user)}
    return render(
        request,
        "cases/transfer_detail.html",
        {
            "t": transfer,
            "partner": partner,
            "events": events,
            "allowed": allowed,
            "status": transfer.decision_status(),
            "case_url": "" if partner else _case_url(transfer.case_id),
            "attachments": list(attachments_of(transfer)),
        },
    )


@login_required
@require_POST
def transfer_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    user = request.user
    if action not in ACTIONS:
        raise Http404("未知操作 / unknown action")
    transfer = get_object_or_404(_visible(user), pk=pk)
    post = request.POST
    try:
        if action == "acknowledge":
            svc.transfer_acknowledge(actor=user, transfer=transfer)
        elif action in ("file", "refuse"):
            svc.transfer_decide(actor=user, transfer=transfer, file=action == "file", reason=post.get("reason", ""))
        elif action == "give_feedback":
            svc.transfer_give_feedback(actor=user, transfer=transfer, feedback=post.get("feedback", ""))
        elif action == "link_case":
            number = (post.get("case_number") or "").strip()
            case = Case.objects.visible_to(user, Cap.HANDLE_CASE).filter(number=number).first() if number else None
            if case is None:
                raise ValidationError({"case": "未找到该案件编号 / no such case in your scope"})
            svc.transfer_link_case(actor=user, transfer=transfer, case=case)
        elif action == "agency_acknowledge":
            svc.transfer_agency_acknowledge(actor=user, transfer=transfer)
        elif action == "agency_handle":
            svc.transfer_agency_handle(actor=user, transfer=transfer, handling=post.get("handling", ""))
    except workflow.TransitionNotAllowed as exc:
        if exc.code == "scope":
            raise Http404(exc.message) from None
        messages.error(request, exc.message)
    except ValidationError as exc:
        messages.error(request, "; ".join(exc.messages))
    except PermissionDenied:
        raise
    else:
        messages.success(request, "已保存 / saved")
    return redirect("cases:transfer-detail", pk=transfer.pk)


# --- create ---------------------------------------------------------------------------------------------


class _Styled(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.setdefault("class", css)


class InboundForm(_Styled):
    title = forms.CharField(label="案件名称", max_length=200)
    summary = forms.CharField(label="简要案情", widget=forms.Textarea(attrs={"rows": 5}))
    documents = forms.CharField(
        label="移送材料(每行一份)",
        required=False,
        widget=forms.Textarea(
            attrs={"rows": 4, "placeholder": "涉嫌犯罪案件移送书\n涉嫌犯罪案件调查报告\n涉案物品清单"}
        ),
    )
    decision_limit_days = forms.IntegerField(
        label="约定决定期限(工作日)", min_value=1, max_value=svc.MAX_DECISION_DAYS, initial=DEFAULT_DECISION_DAYS
    )
    attachments = MultipleFileField(label="移送材料附件")  # the documents themselves, checked by content


class OutboundForm(_Styled):
    unit = forms.ModelChoiceField(label="移送单位(公安)", queryset=Unit.objects.none(), widget=FastSelect)
    agency = forms.ModelChoiceField(label="接收的合作单位", queryset=Agency.objects.filter(active=True))
    title = forms.CharField(label="案件名称", max_length=200)
    summary = forms.CharField(label="简要案情及移送理由", widget=forms.Textarea(attrs={"rows": 5}))
    documents = forms.CharField(label="移送材料(每行一份)", required=False, widget=forms.Textarea(attrs={"rows": 4}))
    case_number = forms.CharField(label="关联案件编号(可选)", required=False, max_length=40)
    attachments = MultipleFileField(label="移送材料附件")

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        units = Unit.objects.visible_to(user, Cap.HANDLE_CASE).filter(retired_on__isnull=True).order_by("path")
        self.fields["unit"].queryset = units  # type: ignore[attr-defined]
        person = getattr(user, "person", None)
        if person is not None:
            self.fields["unit"].initial = person.unit_id


def _apply_errors(form: forms.Form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


@login_required
@require_http_methods(["GET", "POST"])
def transfer_create(request: HttpRequest) -> HttpResponse:
    """A partner agency transfers a suspected crime to its police counterpart."""
    user = request.user
    if not _is_partner(user):
        raise PermissionDenied("仅合作单位账号可以移入案件 / only partner accounts transfer cases in")
    agency = agency_of(user)
    if agency is None:
        raise PermissionDenied("该账号未关联合作单位 / the account has no agency")
    form = InboundForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            transfer = svc.transfer_submit(actor=user, **form.cleaned_data)
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, "已移送 / transferred")
            return redirect("cases:transfer-detail", pk=transfer.pk)
    return render(
        request, "cases/transfer_form.html", {"form": form, "inbound": True, "agency": agency, "partner": True}
    )


@login_required
@require_http_methods(["GET", "POST"])
def transfer_out(request: HttpRequest) -> HttpResponse:
    """The police transfer a matter out to a partner agency."""
    user = request.user
    if _is_partner(user) or not user.has_cap(Cap.HANDLE_CASE):  # type: ignore[union-attr]
        raise PermissionDenied("您没有执行此操作的权限 / you may not do this")
    form = OutboundForm(request.POST or None, request.FILES or None, user=user)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        number = (data.pop("case_number") or "").strip()
        case = None
        if number:
            case = Case.objects.visible_to(user, Cap.HANDLE_CASE).filter(number=number).first()
            if case is None:
                form.add_error("case_number", "未找到该案件编号 / no such case in your scope")
        if not form.errors:
            try:
                transfer = svc.transfer_out(actor=user, case=case, **data)
            except ValidationError as exc:
                _apply_errors(form, exc)
            except PermissionDenied as exc:
                form.add_error("unit", str(exc))
            else:
                messages.success(request, "已移送 / transferred")
                return redirect("cases:transfer-detail", pk=transfer.pk)
    return render(request, "cases/transfer_form.html", {"form": form, "inbound": False, "partner": False})
