"""Read pages of 接诉即办 and the intake form.

Anonymous → login page; missing capability → 403; an order outside the user's scope → 404 (every
lookup goes through ``WorkOrder.objects.visible_to``); writes go through the services.
"""

from __future__ import annotations

import html
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.text import add_truncation_text
from django.utils.translation import get_language, gettext, gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from jingwu.core.attachments.selectors import attachments_of
from jingwu.core.calendar import TZ, schedule_for
from jingwu.core.crypto import mask
from jingwu.core.deadlines import deadline_state
from jingwu.core.documents.excel import audited_export, dated_filename, xlsx_response
from jingwu.core.fragments import FragmentCache
from jingwu.core.listing import querystring, sort_headers
from jingwu.core.saved_filters import saved_filter_context
from jingwu.core.workflow import TransitionNotAllowed
from jingwu.org.roles import Cap

from .. import mywork, selectors, services
from ..filters import SORT_LABELS, WorkOrderFilter
from ..forms import IntakeForm, RepeatActionForm, apply_service_errors
from ..models import Callback, Completion, RepeatLink, WorkOrder
from ..paging import BoundedPaginator, recent_start
from ..services.reveal import work_order_reveal_phone
from .actions import action_panel, order_records
from .common import badge, require_cap, visible_order

PAGE_SIZE = 20
EXPORT_LIMIT = 50000
LIST_KEY = "workorders.list"


def _sort_headers(request: HttpRequest) -> dict[str, dict[str, Any]]:
    return sort_headers(request, SORT_LABELS, SORT_CLASSES)


SORT_CLASSES = {"unit": "d-none d-md-table-cell", "received": "d-none d-md-table-cell", "due": "d-none d-md-table-cell"}


def _filtered(request: HttpRequest) -> tuple[WorkOrderFilter, Any]:
    user = request.user
    base = selectors.orders_for(user).select_related("category", "unit")
    order_filter = WorkOrderFilter(request.GET, queryset=base, user=user)
    orders = order_filter.qs if not order_filter.errors else WorkOrder.objects.none()
    if not request.GET.get("o"):
        orders = orders.order_by("-received_at", "-pk")
    return order_filter, orders


# What a row of the list shows: nothing else is read (the citizen's encrypted phone is never decrypted).
LIST_FIELDS = (
    "number",
    "content",
    "address",
    "state",
    "exempted",
    "received_at",
    "due_at",
    "completed_at",
    "category__name",
    "unit__name",
    "unit__short_name",
    "unit__path",
    "unit__depth",
)
COUNT_CAP = 2_000  # an unfiltered list counts at most this many rows ("2000+ 件", 100 pages)
_PK_MARK = 987654321


def _is_filtered(request: HttpRequest) -> bool:
    return any(value for key, value in request.GET.items() if key not in ("page", "o"))


def _prepare_rows(orders: list[Any], now: Any) -> None:
    """Everything a row shows, computed once per row in Python: the template then only prints (no
    per-row include, URL reversing, date filters or deadline rules in the template)."""
    detail = reverse("workorders:detail", args=[_PK_MARK])
    tail = add_truncation_text("")  # the language's truncation mark ("…" / "..."), as truncatechars adds it
    schedules: dict[int, Any] = {}  # the unit's working calendar, looked up once per unit
    exempted_label = gettext("免考核")
    due_label = gettext("办结时限")
    # get_state_display() per row translated every state's label (Django hashes the lazy choices):
    # the labels once per request instead.
    state_labels = {value: str(label) for value, label in WorkOrder.State.choices}
    for order in orders:
        schedule = None
        if order.completed_at is None and order.due_at is not None:  # only an open deadline needs it
            schedule = schedules.get(order.unit_id)
            if schedule is None:
                schedule = schedules[order.unit_id] = schedule_for(order.unit)
        order.deadline = badge(selectors.order_deadline_state(order, now, schedule=schedule))
        order.detail_url = detail.replace(str(_PK_MARK), str(order.pk))
        order.snippet = _cut(order.content, 40, tail)
        order.content_short = _cut(order.content, 60, tail)
        order.address_short = _cut(order.address, 40, tail)
        order.unit_label = order.unit.short_name or order.unit.name
        order.received_text = _local(order.received_at)
        order.due_text = _local(order.due_at) or "—"
        order.state_label = state_labels.get(order.state, order.state)
        order.row_html = _row_html(order, exempted_label, due_label)


def _e(value: Any) -> str:
    """``conditional_escape`` without its lazy-string wrapper (the row's values are plain strings, or
    already-safe HTML): ~30 calls per row."""
    return value.__html__() if hasattr(value, "__html__") else html.escape(str(value))


def _row_html(o: Any, exempted_label: str, due_label: str = "") -> str:
    """One ``<tr>`` of the list, built here instead of ~15 template lookups per row; every value is
    escaped (``_e``) as ``format_html`` would. Below ``md`` the stylesheet lays the same cells out as
    a compact card (``#jw-wo-table`` in app.css: number and state badges, snippet, category, deadline)."""
    exempted = f' <span class="badge text-bg-light border">{_e(exempted_label)}</span>' if o.exempted else ""
    deadline = o.deadline or {}
    badge_html = (
        f' <span class="badge {_e(deadline.get("css", ""))} jw-wo-deadline" data-state="{_e(deadline.get("state", ""))}">'
        f"{_e(deadline['label'])}</span>"
        if deadline.get("label")
        else ""
    )
    number = _e(o.number)
    return mark_safe(  # noqa: S308 — every interpolated value passed through _e
        f'<tr data-number="{number}">\n'
        f'<td class="jw-wo-c-num"><a class="fw-semibold text-decoration-none font-monospace small jw-wo-num"'
        f' href="{_e(o.detail_url)}">{number}</a>\n'
        f'<div class="small text-muted d-lg-none text-truncate jw-wo-snippet">{_e(o.snippet)}</div></td>\n'
        f'<td class="small jw-wo-c-cat">{_e(o.category.name if o.category_id else "")}{exempted}</td>\n'
        f'<td class="d-none d-lg-table-cell small jw-wo-content">{_e(o.content_short)}'
        f'<div class="text-muted">{_e(o.address_short)}</div></td>\n'
        f'<td class="d-none d-md-table-cell small">{_e(o.unit_label)}</td>\n'
        f'<td class="jw-wo-c-state"><span class="badge badge-soft bg-primary-subtle text-primary-emphasis">'
        f"{_e(o.state_label)}</span>{badge_html}</td>\n"
        f'<td class="d-none d-md-table-cell small">{_e(o.received_text)}</td>\n'
        f'<td class="small jw-wo-c-due" data-label="{_e(due_label)}">{_e(o.due_text)}</td>\n'
        "</tr>\n"
    )


def _cut(text: str, length: int, tail: str) -> str:
    """``truncatechars``: at most ``length`` characters, the mark included."""
    return text if len(text) <= length else text[: max(0, length - len(tail))] + tail


def _local(value: Any) -> str:
    return value.astimezone(TZ).strftime("%Y-%m-%d %H:%M") if value else ""


_filter_forms = FragmentCache()


def _filter_form_html(request: HttpRequest, order_filter: WorkOrderFilter, active_filters: int) -> str:
    """The filter form: the same HTML for the same parameters (the page number aside), language and
    pickers (the unit picker of the user's scope, the category tree: ``choice_sources``, by identity)."""
    params = tuple(sorted((key, tuple(values)) for key, values in request.GET.lists() if key != "page"))
    sources = order_filter.choice_sources
    key = (get_language(), params, *map(id, sources))
    context = {"filter": order_filter, "active_filters": active_filters}
    return _filter_forms.get(key, lambda: render_to_string("workorders/_order_filter.html", context), keep=sources)


@require_cap(Cap.VIEW_WORKORDER)
@require_GET
def order_list(request: HttpRequest) -> HttpResponse:
    order_filter, orders = _filtered(request)
    paginator = BoundedPaginator(
        orders.only(*LIST_FIELDS),
        PAGE_SIZE,
        cap=None if _is_filtered(request) else COUNT_CAP,
        recent=recent_start(request.GET, "o"),
    )
    page = paginator.get_page(request.GET.get("page"))
    _prepare_rows(list(page.object_list), timezone.now())
    filters_query = querystring(request, page=None)
    user: Any = request.user
    active_filters = sum(1 for k, v in request.GET.items() if k not in ("page", "o", "q") and v)
    context = {
        "filter": order_filter,
        "filter_html": mark_safe(_filter_form_html(request, order_filter, active_filters)),  # noqa: S308 - a rendered template
        "page": page,
        "count_capped": paginator.capped,
        "sort": _sort_headers(request),
        "page_query": filters_query,
        "export_url": reverse("workorders:export") + (f"?{filters_query}" if filters_query else ""),
        "can_intake": user.has_cap(Cap.WORKORDER_INTAKE),
        **saved_filter_context(request, LIST_KEY),
    }
    return render(request, "workorders/order_list.html", context)


# --- Excel ledger ----------------------------------------------------------------------------------


def mask_name(name: str) -> str:
    """王女士 → 王**: the family name only (as ``WorkOrder.masked_name``)."""
    return mask(name, 1, 0) if name else ""


def callback_result(order: WorkOrder) -> str:
    if order.callback_reached is None:
        return "未回访" if order.state != WorkOrder.State.CLOSED else "—"
    if order.callback_reached is False:
        return "未接通"
    return "已解决" if order.callback_resolved else "未解决"


def is_overdue(order: WorkOrder, now: Any) -> bool:
    """超期 as the metric defines it: completed after the deadline, or open (not suspended) past it."""
    if order.due_at is None or order.state == WorkOrder.State.MERGED:
        return False
    if order.completed_at is not None:
        return order.completed_at > order.due_at
    return order.state != WorkOrder.State.SUSPENDED and order.due_at < now


def is_shirked(order: WorkOrder) -> bool:
    """推诿 as the metric defines it: two returns or more, or a return rejected by the dispatcher."""
    return order.return_count >= 2 or order.rejected_return_count >= 1


def ledger_columns(now: Any) -> list[tuple[str, Any]]:
    """The columns of a 12345 ledger; the rows come through ``with_ledger_facts``."""
    result_labels = {value: str(label) for value, label in Completion.Result.choices}
    return [
        ("工单编号", "number"),
        ("来源", lambda o: o.get_source_display()),
        ("来源编号", "source_number"),
        ("受理时间", "received_at"),
        ("诉求人", lambda o: mask_name(o.citizen_name)),
        ("联系电话", lambda o: o.masked_phone),
        ("地址", "address"),
        ("类别", "category.name"),
        ("诉求内容", "content"),
        ("承办单位", "unit.name"),
        ("状态", lambda o: o.get_state_display()),
        ("派单时间", "dispatched_at"),
        ("签收时限", "response_due_at"),
        ("签收时间", "accepted_at"),
        ("首次联系时间", "first_contact_at"),
        ("办结时限", "due_at"),
        ("办结时间", "completed_at"),
        ("答复内容", lambda o: getattr(o, "ledger_reply", None) or ""),
        ("办理结果", lambda o: result_labels.get(getattr(o, "ledger_result", None) or "", "")),
        ("回访时间", "called_back_at"),
        ("回访次数", lambda o: getattr(o, "ledger_callbacks", 0) or 0),
        ("回访结果", callback_result),
        ("是否解决", _resolved),
        ("满意度", lambda o: o.get_callback_satisfaction_display() or "—"),
        ("是否超期", lambda o: "是" if is_overdue(o, now) else "否"),
        ("是否推诿", lambda o: "是" if is_shirked(o) else "否"),
        ("免考核", lambda o: "是" if o.exempted else "否"),
        ("重办次数", "reopen_count"),
        ("退单次数", "return_count"),
        ("催办次数", "urge_count"),
    ]


def _resolved(order: WorkOrder) -> str:
    """是否解决 as the citizen said on the (latest) callback that reached them."""
    if not order.callback_reached or order.callback_resolved is None:
        return "—"
    return "是" if order.callback_resolved else "否"


def with_ledger_facts(orders: Any) -> Any:
    """The ledger's facts from the step records, in the same query (one correlated subquery each,
    no query per row): the latest reply and result (办结) and the number of callback attempts."""
    latest = Completion.objects.filter(order=OuterRef("pk")).order_by("-completed_at", "-pk")
    callbacks = Callback.objects.filter(order=OuterRef("pk")).order_by().values("order").annotate(n=Count("pk"))
    return orders.annotate(
        ledger_reply=Subquery(latest.values("reply")[:1]),
        ledger_result=Subquery(latest.values("result")[:1]),
        ledger_callbacks=Coalesce(Subquery(callbacks.values("n")[:1]), 0),
    )


@require_cap(Cap.VIEW_WORKORDER)
@require_GET
def order_export(request: HttpRequest) -> HttpResponse:
    """The 12345-style ledger of the filtered list (scope through ``visible_to``; audited)."""
    order_filter, orders = _filtered(request)
    if order_filter.errors:
        messages.error(request, "筛选条件有误,未导出 / invalid filter")
        return redirect(reverse("workorders:list") + "?" + querystring(request))
    orders = with_ledger_facts(orders)
    # More rows than the limit: refused with a message, as the audit export does (never a ledger
    # silently cut short). One row past the limit is enough to know.
    if orders.values("pk")[EXPORT_LIMIT : EXPORT_LIMIT + 1].exists():
        messages.error(
            request,
            f"导出超过 {EXPORT_LIMIT} 条,请缩小筛选范围 / more than {EXPORT_LIMIT} rows: narrow the filters",
        )
        return redirect(reverse("workorders:list") + "?" + querystring(request))
    rows = list(orders)
    filters = {k: v for k, v in request.GET.items() if v and k != "page"}
    data = audited_export(
        "workorders",
        title="接诉即办工单台账",
        columns=ledger_columns(timezone.now()),
        rows=rows,
        actor=request.user,
        filters=filters,
        sheet_name="工单台账",
    )
    return xlsx_response(data, dated_filename("接诉即办工单台账", "xlsx"))


# --- intake ------------------------------------------------------------------------------------


@require_cap(Cap.WORKORDER_INTAKE)
def order_intake(request: HttpRequest) -> HttpResponse:
    form = IntakeForm(request.POST or None, request.FILES or None, user=request.user)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                result = services.work_order_intake(
                    actor=request.user, source=WorkOrder.Source.FORM, **form.service_data()
                )
            except ValidationError as exc:
                apply_service_errors(form, exc)
            except PermissionDenied as exc:
                form.add_error(None, str(exc))
            else:
                order = result.order
                messages.success(request, f"已受理工单 {order.number}")
                hint = services.police_complaint_hint(order.category, order.content)
                if hint and order.accused_unit_id is None:  # 疑似涉警投诉: name the accused unit
                    messages.warning(
                        request,
                        gettext("疑似涉警投诉:投诉内容提及“%(words)s”。如投诉民警或单位,请在工单页“认定涉警投诉”。")
                        % {"words": "”“".join(hint)},
                    )
                if result.candidates:
                    return redirect("workorders:repeats", pk=order.pk)
                return redirect("workorders:detail", pk=order.pk)
        status = 400
    return render(request, "workorders/order_intake.html", {"form": form}, status=status)


@require_cap(Cap.VIEW_WORKORDER)
def order_repeats(request: HttpRequest, pk: int) -> HttpResponse:
    """Possible repeats of an order (same phone, or same address with similar content, 30 days),
    with 合并到 / 关联 actions (``work_order_merge`` / ``work_order_link``)."""
    order = visible_order(request, pk)
    user: Any = request.user
    form = RepeatActionForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if not user.has_cap(Cap.WORKORDER_INTAKE):
            raise PermissionDenied("您没有合并或关联工单的权限 / you may not merge or link orders")
        if form.is_valid():
            data = form.cleaned_data
            try:
                shown = services.work_order_repeat_action(
                    actor=user, order=order, kind=data["kind"], other_number=data["other"], reason=data["reason"]
                )
                if data["kind"] == "merge":
                    messages.success(request, f"已将 {order.number} 合并到 {shown.number}")
                else:
                    messages.success(request, f"已将 {order.number} 与 {data['other']} 关联")
                return redirect("workorders:detail", pk=shown.pk)
            except ValidationError as exc:
                apply_service_errors(form, exc)
            except TransitionNotAllowed as exc:
                form.add_error(None, exc.message)
        status = 400
    candidates = selectors.repeat_candidates(
        user=user,
        phone=order.citizen_phone,
        address_key=order.address_key,
        content=order.content,
        received_at=order.received_at,
        exclude_pk=order.pk,
    )
    linked = set(RepeatLink.objects.filter(order=order).values_list("other_id", flat=True))
    context = {
        "order": order,
        "candidates": candidates,
        "linked": linked,
        "form": form,
        "can_act": user.has_cap(Cap.WORKORDER_INTAKE) and order.state != WorkOrder.State.MERGED,
    }
    return render(request, "workorders/order_repeats.html", context, status=status)


# --- detail ------------------------------------------------------------------------------------


# A met sign-for deadline is 已签收 (not 已办结), on time or late; a met callback deadline is 已回访.
SIGN_MET = {"met": gettext_lazy("已签收·按时"), "met_late": gettext_lazy("已签收·超时")}
CALLBACK_MET = {"met": gettext_lazy("已回访·按时"), "met_late": gettext_lazy("已回访·超时")}


def _met_as(b: dict[str, Any], labels: dict[str, Any]) -> dict[str, Any]:
    if b["state"] in labels:
        b["label"] = labels[b["state"]]
    return b


def callback_summary(order: WorkOrder, callbacks: list[Any]) -> dict[str, Any]:
    """The 回访结果 line: the latest callback that reached the citizen, named 第N次回访 (N counted over
    every attempt of every round); on an order reopened since, marked as the previous round's answer."""
    reached = [(n, c) for n, c in enumerate(callbacks, 1) if c.reached]
    if not reached:
        if order.callback_reached is False or callbacks:
            return {"text": gettext("未接通"), "previous": False, "n": len(callbacks)}
        if order.callback_reached:  # answers recorded without callback rows (imported orders)
            answer = gettext("已解决") if order.callback_resolved else gettext("未解决")
            satisfaction = order.get_callback_satisfaction_display()
            return {"text": f"{answer} · {satisfaction}" if satisfaction else answer, "previous": False, "n": 0}
        return {"text": "", "previous": False, "n": 0}
    n, latest = reached[-1]
    answer = gettext("已解决") if latest.resolved else gettext("未解决")
    text = f"{answer} · {latest.get_satisfaction_display()}" if latest.satisfaction else answer
    return {
        "text": text,
        "n": n,
        "at": latest.called_at,
        "previous": latest.round < order.reopen_count,  # this answer sent the order back (重办)
    }


def _current_leg(order: WorkOrder, legs: list[Any], now: Any) -> dict[str, Any] | None:
    """The open onward leg of a two-level dispatch (大队 → 中队) with its own sign-for and handling
    deadlines: the order's 签收时限 is the first leg's, met once the brigade signed for it."""
    open_legs = [leg for leg in legs if leg.role == "lead" and leg.closed_at is None and leg.level > 1]
    if not open_legs or order.state not in WorkOrder.OPEN_STATES:
        return None
    leg = max(open_legs, key=lambda leg: (leg.level, leg.dispatched_at))
    sign = deadline_state(now, leg.sign_due_at, leg.accepted_at, unit=leg.to_unit).value
    due = deadline_state(now, leg.due_at, order.completed_at, unit=leg.to_unit).value if leg.due_at else ""
    return {"leg": leg, "sign": _met_as(badge(sign), SIGN_MET), "due": badge(due)}


def detail_context(request: HttpRequest, order: WorkOrder, bound: tuple[str, Any] | None = None) -> dict[str, Any]:
    user: Any = request.user
    now = timezone.now()
    response_state = ""
    if order.response_due_at is not None:
        response_state = deadline_state(now, order.response_due_at, order.accepted_at, unit=order.unit).value
    callback_state = ""
    if order.callback_due_at is not None and order.state == WorkOrder.State.COMPLETED:
        callback_state = deadline_state(now, order.callback_due_at, order.called_back_at, unit=order.unit).value
    records = order_records(order)
    return {
        "current_leg": _current_leg(order, records["legs"], now),
        "order": order,
        "deadline": badge(selectors.order_deadline_state(order, now)),
        "response_deadline": _met_as(badge(response_state), SIGN_MET),
        "callback_deadline": _met_as(badge(callback_state), CALLBACK_MET),
        "callback_summary": callback_summary(order, records["callbacks"]),
        "records": records,
        "events": selectors.order_timeline(order),
        "panel": action_panel(request, order, bound),
        "can_reveal": user.has_cap(Cap.REVEAL_SENSITIVE),
        "citizen_name_masked": mask_name(order.citizen_name),
        "shirked": is_shirked(order),
        "attachments": list(attachments_of(order)),
    }


@require_cap(Cap.VIEW_WORKORDER)
@require_GET
def order_detail(request: HttpRequest, pk: int) -> HttpResponse:
    order = visible_order(request, pk)
    return render(request, "workorders/order_detail.html", detail_context(request, order))


@require_cap(Cap.VIEW_WORKORDER)
@require_POST
def order_reveal(request: HttpRequest, pk: int) -> HttpResponse:
    """The citizen's phone in clear (htmx partial); the service checks the capability and audits."""
    order = visible_order(request, pk)
    value = work_order_reveal_phone(actor=request.user, order=order)
    response = render(request, "workorders/_phone_revealed.html", {"value": value})
    response["Cache-Control"] = "no-store"
    return response


# --- my work -----------------------------------------------------------------------------------


@require_cap(Cap.VIEW_WORKORDER)
@require_GET
def my_work(request: HttpRequest) -> HttpResponse:
    sections = mywork.my_work(request.user)
    for section in sections:
        for item in section.items:
            item.badge = badge(item.state)  # type: ignore[attr-defined]
    total = sum(len(s.items) for s in sections)
    return render(request, "workorders/my_work.html", {"sections": sections, "total": total})
