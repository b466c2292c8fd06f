"""Case (案件) pages: list with filters and Excel export, detail, create (受案), the lifecycle
actions, parties with audited reveal, and the list of cases with no centre record."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import DateTimeField, ExpressionWrapper, F, Prefetch, Value
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from jingwu.core.calendar import TZ
from jingwu.core.documents import dated_filename, xlsx_response
from jingwu.core.documents.excel import ExportColumn, audited_export
from jingwu.core.listing import querystring
from jingwu.org.roles import Cap

from .. import selectors, services
from ..filters import CaseFilter
from ..forms import (
    CaseForm,
    ConfirmForm,
    ExtendLimitForm,
    MomentForm,
    PartyForm,
    ProsecutionTransferForm,
    ReasonForm,
    local_now,
)
from ..models import Case, CentreVisit, CoerciveMeasure, Party, ProsecutionTransfer, Review
from ._common import PAGE_SIZE, get_or_404, require_cap, run_service
from .timeline import case_timeline

EXPORT_LIMIT = 20000
CLOSED_STATES = (Case.State.CLOSED, Case.State.WITHDRAWN, Case.State.NOT_FILED)

EXPORT_COLUMNS = [
    ExportColumn("案件编号", "number"),
    ExportColumn("案件名称", "title"),
    ExportColumn("案件类型", "get_kind_display"),
    ExportColumn("案由", "category.name"),
    ExportColumn("办案单位", "unit.name"),
    ExportColumn("主办民警", "lead_officer.name"),
    ExportColumn("状态", "get_state_display"),
    ExportColumn("受案时间", "accepted_at"),
    ExportColumn("立案时间", "filed_at"),
    ExportColumn("破案时间", "solved_at"),
    ExportColumn("涉案金额(元)", "amount_involved", number_format="#,##0.00"),
]


def _case(request: HttpRequest, pk: int) -> Case:
    return get_or_404(selectors.case_list(request.user).select_related("created_by__person"), pk=pk)  # type: ignore[no-any-return]


def can_handle(user: Any, case: Case) -> bool:
    """Whether the user may record things on the case (``cases.handle`` through a grant covering it)."""
    if not user.has_cap(Cap.HANDLE_CASE):
        return False
    return Case.objects.visible_to(user, Cap.HANDLE_CASE).filter(pk=case.pk).exists()


def _require_handle(request: HttpRequest, case: Case) -> None:
    if not can_handle(request.user, case):
        raise PermissionDenied("您不能办理该案件 / you may not handle this case")


def _filtered(request: HttpRequest) -> CaseFilter:
    user = request.user
    return CaseFilter(request.GET, queryset=selectors.case_list(user), user=user)


class BoundedPaginator(Paginator):
    """The case list's pager over the list's order (newest 受案 first, ``Case.Meta.ordering``).

    Counts at most ``LIMIT`` rows: beyond that the pager says "more than" and asks for filters,
    instead of counting a whole city's million cases for every page. A filtered set of at most
    ``SMALL`` rows is paged in two steps: the page's ids, sorted by an expression of the 受案 time
    rather than the column, so PostgreSQL reads the few matching keys off the filter's covering
    index and sorts them instead of walking the 受案 index backwards through every newer case
    looking for, say, last year's 立案 of one tag; then those rows."""

    LIMIT = 10_000
    SMALL = 5_000
    capped = False

    @cached_property
    def count(self) -> int:
        cases: Any = self.object_list
        counted = cases.order_by()[: self.LIMIT + 1].count()
        self.capped = counted > self.LIMIT
        return min(counted, self.LIMIT)

    def page(self, number: Any) -> Any:
        small = self.count <= self.SMALL and not self.capped
        if not small or connection.vendor != "postgresql" or not hasattr(self.object_list, "order_by"):
            return super().page(number)
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        cases: Any = self.object_list
        same_time = ExpressionWrapper(F("accepted_at") + Value(timedelta(0)), output_field=DateTimeField())
        ids = list(
            cases.order_by(same_time.desc(), "-id").values_list("id", flat=True)[bottom : bottom + self.per_page]
        )
        rows = sorted(cases.filter(pk__in=ids), key=lambda c: (c.accepted_at, c.pk), reverse=True)
        return Page(rows, number, self)


def table_rows(cases: Any) -> list[Case]:
    """The rows of ``cases/_case_table.html`` with what it shows already formatted: the detail link,
    the 立案 day (Asia/Shanghai) and the amount with thousands separators — per row in Python,
    instead of a URL reversal and three template filters per row."""
    marker = 987654321
    url = reverse("cases:case-detail", args=[marker])
    head, tail = url.split(str(marker), 1)
    rows = list(cases)
    # get_kind_display()/get_state_display() per row translated every label of the field (Django
    # hashes the lazy choices): the labels once per call instead.
    labels = {
        "kind": {value: str(label) for value, label in Case.Kind.choices},
        "state": {value: str(label) for value, label in Case.State.choices},
    }
    for case in rows:
        case.detail_url = f"{head}{case.pk}{tail}"  # type: ignore[attr-defined]
        case.filed_day = f"{case.filed_at.astimezone(TZ):%Y-%m-%d}" if case.filed_at else ""  # type: ignore[attr-defined]
        case.amount_text = f"{case.amount_involved:,.2f}"  # type: ignore[attr-defined]
        case.row_html = _row_html(case, labels)  # type: ignore[attr-defined]
    return rows


def _row_html(c: Any, labels: dict[str, dict[str, str]]) -> str:
    """One ``<tr>`` of ``cases/_case_table.html``, built here instead of ~15 template lookups per row."""
    unit = c.unit
    officer = c.lead_officer if c.lead_officer_id else None
    return format_html(
        '<tr>\n<td><a class="fw-semibold text-decoration-none" href="{}">{}</a>\n'
        '<div class="d-md-none font-monospace small text-muted">{}</div></td>\n'
        '<td class="d-none d-md-table-cell font-monospace small">{}</td>\n'
        '<td><span class="badge {}">{}</span></td>\n'
        '<td class="d-none d-lg-table-cell small">{}</td>\n'
        '<td class="d-none d-md-table-cell small">{}</td>\n'
        '<td class="d-none d-lg-table-cell small">{}</td>\n'
        '<td><span class="badge jw-case-state jw-case-state-{}">{}</span></td>\n'
        '<td class="d-none d-md-table-cell small text-nowrap">{}</td>\n'
        '<td class="d-none d-lg-table-cell small text-end">{}</td>\n</tr>\n',
        c.detail_url,
        c.title,
        c.number,
        c.number,
        "jw-badge-criminal" if c.kind == "criminal" else "jw-badge-admin",
        labels["kind"].get(c.kind, c.kind),
        c.category.name if c.category_id else "",
        (unit.short_name or unit.name) if unit is not None else "",
        officer.name if officer is not None else "",
        c.state,
        labels["state"].get(c.state, c.state),
        c.filed_day or "—",
        c.amount_text,
    )


@require_cap(Cap.VIEW_CASE)
def case_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    flt = _filtered(request)
    cases = selectors.case_table_rows(flt.qs) if not flt.errors else Case.objects.none()
    page = BoundedPaginator(cases, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = table_rows(page.object_list)
    filters_query = querystring(request, page=None)
    context = {
        "filter": flt,
        "page": page,
        "page_query": filters_query,
        "export_query": filters_query,
        "can_create": user.has_cap(Cap.HANDLE_CASE),  # type: ignore[union-attr]
        "active_filters": sum(1 for k, v in request.GET.items() if k not in ("page", "q") and v),
    }
    return render(request, "cases/case_list.html", context)


@require_cap(Cap.VIEW_CASE)
@require_GET
def case_export(request: HttpRequest) -> HttpResponse:
    """The filtered case list as an Excel ledger; the export is audited with its filters."""
    flt = _filtered(request)
    if flt.errors:
        return HttpResponseBadRequest("筛选条件有误 / invalid filters", content_type="text/plain; charset=utf-8")
    rows = flt.qs.select_related("lead_officer")[:EXPORT_LIMIT]
    filters = {k: v for k, v in request.GET.items() if v}
    data = audited_export(
        "cases.case", title=_("案件列表"), columns=EXPORT_COLUMNS, rows=rows, actor=request.user, filters=filters
    )
    return xlsx_response(data, dated_filename("案件列表", "xlsx"))


MEASURE_ACTIONS = ("approve", "reject", "start", "extend", "end")


def _transition_buttons(obj: Any, user: Any) -> list[Any]:
    """Transitions whose state and capability fit: the guards (approved review, no self-approval …)
    are the service's to check, and its refusal is shown on the action page."""
    wf = type(obj).workflow
    out = []
    for transition in wf.transitions:
        if not transition.allowed_from(getattr(obj, wf.state_field)):
            continue
        if transition.capability and not user.has_cap(transition.capability):
            continue
        if transition.name == "return_review":
            wanted = Cap.REVIEW_CASE if obj.state == Review.State.SUBMITTED else Cap.APPROVE_CASE
            if not user.has_cap(wanted):
                continue
        out.append(transition)
    return out


@require_cap(Cap.VIEW_CASE)
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user: Any = request.user
    case = _case(request, pk)
    measures = list(
        CoerciveMeasure.objects.filter(case=case)
        .select_related("party", "requested_by__person", "approved_by__person")
        .prefetch_related("extensions")
    )
    reviews = list(
        Review.objects.filter(case=case).select_related(
            "measure__party",
            "submitted_by__person",
            "legal_reviewer__person",
            "approver__person",
            "returned_by__person",
        )
    )
    handling = can_handle(user, case)
    for measure in measures:
        measure.status = measure.limit_status()  # type: ignore[attr-defined]
        measure.buttons = _transition_buttons(measure, user)  # type: ignore[attr-defined]
        if measure.kind != CoerciveMeasure.Kind.ARREST:
            # other measures are approved together with their review (审核把关)
            measure.buttons = [t for t in measure.buttons if t.name != "approve"]  # type: ignore[attr-defined]
    for review in reviews:
        review.buttons = _transition_buttons(review, user)  # type: ignore[attr-defined]
    transfers = list(
        ProsecutionTransfer.objects.filter(case=case)
        .select_related("transferred_by__person")
        .prefetch_related(Prefetch("parties", queryset=Party.objects.order_by("id")))
    )
    transferred = {p.pk for t in transfers for p in t.parties.all()}
    parties = list(case.parties.all())
    case_buttons = _transition_buttons(case, user)
    if case.state == Case.State.TRANSFERRED and handling:
        untransferred = [p for p in parties if p.role == Party.Role.SUSPECT and p.pk not in transferred]
        if untransferred:
            case_buttons.append(Case.workflow.get("transfer_for_prosecution"))
    context = {
        "case": case,
        "officers": list(case.handling_officers.select_related("unit").order_by("police_number")),
        "incidents": list(selectors.incident_list(user).filter(cases=case)),
        "parties": parties,
        "measures": measures,
        "reviews": reviews,
        "transfers": transfers,
        "visits": list(CentreVisit.objects.filter(case=case).select_related("party")),
        "extensions": list(case.extensions.select_related("approved_by__person")),
        "handling_status": case.handling_status(),
        "events": case_timeline(case, reviews, measures),
        "case_buttons": case_buttons,
        "can_handle": handling,
        "can_reveal": user.has_cap(Cap.REVEAL_SENSITIVE),
        "open_decisions": case.state not in CLOSED_STATES,
    }
    return render(request, "cases/case_detail.html", context)


@require_cap(Cap.HANDLE_CASE)
def case_create(request: HttpRequest) -> HttpResponse:
    user = request.user
    form = CaseForm(request.POST or None, user=user, initial={"accepted_at": local_now()})
    if request.method == "POST" and form.is_valid():
        ok, case = run_service(form, lambda: services.case_create(actor=user, **form.service_data()))
        if ok:
            messages.success(request, gettext("已受案,案件编号 %(number)s") % {"number": case.number})
            return redirect("cases:case-detail", pk=case.pk)
    return render(request, "cases/form.html", {"form": form, "title": gettext("受案登记"), "back": "cases:case-list"})


# --- lifecycle actions ---------------------------------------------------------------------------

# transition name → (form factory, service call)
CASE_ACTIONS: dict[str, tuple[Any, Any]] = {
    "file": (
        lambda data, case: MomentForm(data, label=_("立案时间")),
        lambda user, case, d: services.case_file(actor=user, case=case, at=d.get("at")),
    ),
    "refuse_filing": (
        lambda data, case: ReasonForm(data, label=_("不予立案理由")),
        lambda user, case, d: services.case_refuse_filing(actor=user, case=case, reason=d["reason"]),
    ),
    "investigate": (
        lambda data, case: ConfirmForm(data),
        lambda user, case, d: services.case_investigate(actor=user, case=case),
    ),
    "solve": (
        lambda data, case: MomentForm(data, label=_("破案时间")),
        lambda user, case, d: services.case_solve(actor=user, case=case, at=d.get("at")),
    ),
    "transfer_for_prosecution": (
        lambda data, case: ProsecutionTransferForm(data, case=case),
        lambda user, case, d: services.transfer_for_prosecution(
            actor=user,
            case=case,
            parties=d["parties"],
            procuratorate=d["procuratorate"],
            document_number=d.get("document_number", ""),
            at=d.get("at"),
            note=d.get("note", ""),
        ),
    ),
    "decide_penalty": (
        lambda data, case: ReasonForm(data, label=_("处罚决定内容"), required=False),
        lambda user, case, d: services.case_decide_penalty(actor=user, case=case, reason=d.get("reason", "")),
    ),
    "close": (
        lambda data, case: ConfirmForm(data),
        lambda user, case, d: services.case_close(actor=user, case=case),
    ),
    "withdraw": (
        lambda data, case: ReasonForm(data, label=_("撤案理由")),
        lambda user, case, d: services.case_withdraw(actor=user, case=case, reason=d["reason"]),
    ),
    "extend_limit": (
        lambda data, case: ExtendLimitForm(data, label=_("延长理由")),
        lambda user, case, d: services.case_extend_limit(actor=user, case=case, days=d["days"], reason=d["reason"]),
    ),
}


@login_required
def case_action(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    user: Any = request.user
    if not user.has_cap(Cap.VIEW_CASE):
        raise PermissionDenied("您没有访问此页面的权限 / you may not open this page")
    case = _case(request, pk)
    if name not in CASE_ACTIONS:
        return HttpResponseBadRequest("未定义的操作 / unknown action")
    transition = Case.workflow.get(name)
    if transition.capability and not user.has_cap(transition.capability):
        raise PermissionDenied(f"您没有“{transition.label}”的权限 / you may not do this")
    make_form, call = CASE_ACTIONS[name]
    form = make_form(request.POST if request.method == "POST" else None, case)
    if request.method == "POST" and form.is_valid():
        ok, _result = run_service(form, lambda: call(user, case, form.cleaned_data))
        if ok:
            messages.success(request, gettext("已完成:%(action)s") % {"action": transition.label})
            return redirect("cases:case-detail", pk=case.pk)
    return render(
        request,
        "cases/form.html",
        {"form": form, "title": transition.label, "case": case, "subject": case, "style": transition.style},
    )


# --- parties -------------------------------------------------------------------------------------


@require_cap(Cap.HANDLE_CASE)
def party_add(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk)
    _require_handle(request, case)
    user = request.user
    form = PartyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        ok, party = run_service(form, lambda: services.party_add(actor=user, case=case, **form.cleaned_data))
        if ok:
            messages.success(request, gettext("已添加当事人 %(name)s") % {"name": party.name})
            return redirect("cases:case-detail", pk=case.pk)
    return render(
        request, "cases/form.html", {"form": form, "title": gettext("添加当事人"), "case": case, "subject": case}
    )


@require_POST
@login_required
def party_reveal(request: HttpRequest, pk: int, field: str) -> HttpResponse:
    """One party's ID number or phone in clear (htmx partial); the service checks and audits."""
    party = get_or_404(Party.objects.visible_to(request.user, Cap.VIEW_CASE), pk=pk)
    if field not in Party.SENSITIVE_FIELDS:
        return HttpResponseBadRequest("只能查看身份证号或联系电话 / only id_number or phone")
    value = services.party_reveal(actor=request.user, party=party, field=field)
    response = render(request, "cases/_party_revealed.html", {"field": field, "value": value, "party": party})
    response["Cache-Control"] = "no-store"
    return response


# --- 执法办案管理中心 check ------------------------------------------------------------------------


@require_cap(Cap.VIEW_CASE)
def centre_missing(request: HttpRequest) -> HttpResponse:
    """Criminal and administrative-detention cases with no entry in the case-handling centre."""
    cases = selectors.cases_missing_centre_record(request.user).order_by("-filed_at", "-id")
    page = Paginator(cases, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = table_rows(page.object_list)
    return render(request, "cases/centre_missing.html", {"page": page, "page_query": querystring(request, page=None)})
