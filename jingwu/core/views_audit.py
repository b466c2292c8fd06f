"""The audit log for the 审计管理员: filtered list, one row in detail, Excel export (itself audited).

Read-only by construction: these views answer GET only and nothing here writes to the log except
the export's own audit row. Every other role gets 403.
"""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from . import audit
from .documents.excel import ExportColumn, audited_export, dated_filename, xlsx_response
from .models import AuditLog

VIEW_AUDIT = "core.view_audit"
PAGE_SIZE = 50
EXPORT_LIMIT = 50_000

EVENT_LABELS = {
    "auth.login": _("登录"),
    "auth.login_failed": _("登录失败"),
    "auth.logout": _("退出登录"),
    "auth.lockout": _("账号锁定"),
    "auth.session_timeout": _("空闲超时退出"),
    "auth.session_expired": _("会话到期退出"),
    "auth.otp_verify": _("动态口令验证"),
    "auth.otp_setup": _("绑定动态口令"),
    "auth.otp_disable": _("关闭两步验证"),
    "audit.purge": _("审计日志清理"),
    "core.audit.export": _("导出审计日志"),
}
ORIGIN_LABELS = {"web": _("网页"), "api": _("接口"), "command": _("命令行"), "task": _("后台任务"), "system": _("系统")}


def event_label(event: str) -> str:
    return str(EVENT_LABELS.get(event, ""))


class AuditFilterForm(forms.Form):
    date_from = forms.DateField(label=_("起始日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("截止日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    event = forms.CharField(label=_("事件(前缀)"), required=False, max_length=64)
    actor = forms.CharField(label=_("操作人账号"), required=False, max_length=150)
    object_type = forms.CharField(label=_("对象类型"), required=False, max_length=100)
    success = forms.ChoiceField(
        label=_("结果"), required=False, choices=[("", _("全部")), ("1", _("成功")), ("0", _("失败"))]
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            raise forms.ValidationError("起始日期不能晚于截止日期 / the start date is after the end date")
        return data

    def filters(self) -> dict[str, Any]:
        """The filters in use, as plain values (for the export's audit row)."""
        if not self.is_valid():
            return {}
        return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in self.cleaned_data.items() if v}


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_default_timezone())


def filtered_rows(form: AuditFilterForm) -> QuerySet[AuditLog]:
    rows = AuditLog.objects.order_by("-occurred_at", "-id")
    if not form.is_bound:
        return rows
    if not form.is_valid():
        return rows.none()  # a filter that cannot be read must not widen the result to everything
    data = form.cleaned_data
    if data.get("date_from"):
        rows = rows.filter(occurred_at__gte=_day_start(data["date_from"]))
    if data.get("date_to"):
        rows = rows.filter(occurred_at__lt=_day_start(data["date_to"] + timedelta(days=1)))
    if data.get("event"):
        rows = rows.filter(event__startswith=data["event"].strip())
    if data.get("actor"):
        rows = rows.filter(actor_username__icontains=data["actor"].strip())
    if data.get("object_type"):
        rows = rows.filter(object_type__iexact=data["object_type"].strip())
    if data.get("success") in ("0", "1"):
        rows = rows.filter(success=data["success"] == "1")
    return rows


def _require_auditor(request: HttpRequest) -> None:
    if not request.user.has_cap(VIEW_AUDIT):  # type: ignore[union-attr]
        raise PermissionDenied("只有审计管理员可以查阅审计日志 / only the audit administrator reads the audit log")


def _query_without_page(request: HttpRequest) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


@login_required
@require_GET
def audit_list(request: HttpRequest) -> HttpResponse:
    _require_auditor(request)
    form = AuditFilterForm(request.GET or None)
    page = Paginator(filtered_rows(form), PAGE_SIZE).get_page(request.GET.get("page"))
    for row in page.object_list:
        row.event_label = event_label(row.event)  # type: ignore[attr-defined]
        row.origin_label = str(ORIGIN_LABELS.get(row.origin, row.origin))  # type: ignore[attr-defined]
    return render(
        request,
        "core/audit_list.html",
        {"form": form, "page": page, "query": _query_without_page(request)},
    )


def _change_rows(changes: Any) -> list[dict[str, Any]]:
    """The ``changes`` column as table rows: a [old, new] pair becomes two columns."""
    if not isinstance(changes, dict):
        return [{"field": "", "old": None, "new": _shown(changes), "pair": False}]
    rows = []
    for key, value in changes.items():
        if isinstance(value, list) and len(value) == 2:
            rows.append({"field": key, "old": _shown(value[0]), "new": _shown(value[1]), "pair": True})
        else:
            rows.append({"field": key, "old": None, "new": _shown(value), "pair": False})
    return rows


def _shown(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


@login_required
@require_GET
def audit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require_auditor(request)
    row = get_object_or_404(AuditLog, pk=pk)
    return render(
        request,
        "core/audit_detail.html",
        {
            "row": row,
            "event_label": event_label(row.event),
            "origin_label": str(ORIGIN_LABELS.get(row.origin, row.origin)),
            "changes": _change_rows(row.changes),
            "hash_ok": audit.row_hash(row) == row.hash,
        },
    )


EXPORT_COLUMNS = [
    ExportColumn("时间", "occurred_at", width=18),
    ExportColumn("事件", "event", width=22),
    ExportColumn("事件说明", lambda r: event_label(r.event)),
    ExportColumn("操作人账号", "actor_username"),
    ExportColumn("操作人姓名", "actor_name"),
    ExportColumn("对象类型", "object_type"),
    ExportColumn("对象ID", "object_id"),
    ExportColumn("对象", "object_repr", width=30),
    ExportColumn("变更内容", lambda r: json.dumps(r.changes, ensure_ascii=False) if r.changes else "", width=50),
    ExportColumn("结果", lambda r: "成功" if r.success else "失败"),
    ExportColumn("说明", "message", width=30),
    ExportColumn("IP 地址", "ip"),
    ExportColumn("来源", lambda r: str(ORIGIN_LABELS.get(r.origin, r.origin))),
    ExportColumn("请求号", "request_id"),
    ExportColumn("链/序号", lambda r: f"{r.lane}/{r.seq}"),
]


@login_required
@require_GET
def audit_export(request: HttpRequest) -> HttpResponse:
    _require_auditor(request)
    form = AuditFilterForm(request.GET or None)
    rows = filtered_rows(form)
    too_many = rows.count() > EXPORT_LIMIT
    if too_many or (form.is_bound and not form.is_valid()):
        if too_many:
            messages.error(
                request,
                f"导出超过 {EXPORT_LIMIT} 条,请缩小筛选范围 / more than {EXPORT_LIMIT} rows: narrow the filters",
            )
        query = _query_without_page(request)
        return redirect(f"{reverse('core:audit-list')}?{query}" if query else reverse("core:audit-list"))
    data = audited_export(
        "core.audit",
        title=_("审计日志"),
        columns=EXPORT_COLUMNS,
        rows=rows.iterator(chunk_size=2000),
        actor=request.user,
        filters=form.filters() if form.is_bound else {},
    )
    return xlsx_response(data, dated_filename("审计日志", "xlsx"))
