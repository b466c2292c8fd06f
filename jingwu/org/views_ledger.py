"""Pages of the personnel ledger: import (upload → check → confirm) and the Excel export.

Anonymous users go to the login page; a user without ``org.import_person`` / ``org.export_person``
gets 403 and nothing happens. Writes go through ``ledger.import_people`` (one transaction).
"""

from __future__ import annotations

import os
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from jingwu.core.documents import XLSX_CONTENT_TYPE, file_response, xlsx_response
from jingwu.core.documents.importing import MAX_BYTES, ImportReport, stash, unstash

from . import ledger
from .models import Person
from .roles import Cap

PREVIEW_ROWS = 20


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("台账文件(.xlsx)"),
        widget=forms.ClearableFileInput(
            attrs={"class": "form-control", "accept": ".xlsx," + XLSX_CONTENT_TYPE, "id": "jw-import-file"}
        ),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise ValidationError(f"文件超过 {MAX_BYTES // (1024 * 1024)} MB 上限 / file too large")
        return upload


def _require(request: HttpRequest, capability: str, message: str) -> None:
    if not request.user.has_cap(capability):  # type: ignore[union-attr]
        raise PermissionDenied(message)


def _display_name(name: str) -> str:
    return os.path.basename((name or "").replace("\\", "/"))[:200] or "未命名.xlsx"


def _preview(report: ImportReport) -> dict[str, Any]:
    columns = [c for c in ledger.COLUMNS if c.field in report.positions]
    rows = []
    for row in report.rows[:PREVIEW_ROWS]:
        cells = []
        for column in columns:
            value = row.values.get(column.field)
            if column.field == "id_number" and value:
                value = Person(id_number=value).id_number_masked
            elif column.field == "phone" and value:
                value = Person(phone=value).phone_masked
            cells.append("" if value is None else value)
        rows.append({"number": row.number, "cells": cells})
    return {"headers": [c.header for c in columns], "rows": rows, "more": max(0, report.row_count - PREVIEW_ROWS)}


@login_required
@require_http_methods(["GET", "POST"])
def person_import(request: HttpRequest) -> HttpResponse:
    _require(request, Cap.IMPORT_PERSON, "您没有导入人员台账的权限 / you may not import people")
    user: Any = request.user
    if request.method == "GET":
        if request.GET.get("template"):
            return xlsx_response(ledger.import_template(), "人员台账导入模板.xlsx")
        if request.GET.get("report"):
            data = unstash(request.GET["report"], user)
            if data is None:
                raise Http404("错误报告已过期,请重新上传 / the report has expired")
            return xlsx_response(data, "人员台账导入错误报告.xlsx")
        return render(request, "org/person_import.html", _page_context(request, UploadForm()))

    action = request.POST.get("action", "check")
    if action == "confirm":
        token = request.POST.get("token", "")
        filename = _display_name(request.POST.get("filename", ""))
        data = unstash(token, user)
        if data is None:
            context = _page_context(request, UploadForm())
            context["page_error"] = "上传的文件已过期,请重新上传 / the upload has expired, upload it again"
            return render(request, "org/person_import.html", context, status=400)
        report = ledger.import_people(actor=user, data=data, filename=filename)
        return _render_report(request, report, data, filename)

    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return render(request, "org/person_import.html", _page_context(request, form), status=400)
    upload = form.cleaned_data["file"]
    filename = _display_name(upload.name)
    data = upload.read()
    report = ledger.import_people(actor=user, data=data, filename=filename, dry_run=action != "import")
    return _render_report(request, report, data, filename)


def _render_report(request: HttpRequest, report: ImportReport, data: bytes, filename: str) -> HttpResponse:
    user: Any = request.user
    context = _page_context(request, UploadForm())
    context.update(report=report, filename=filename)
    if not report.ok:
        context["report_token"] = stash(report.to_error_xlsx(), user) if report.rows or report.file_errors else ""
        context["errors_html"] = report.as_html()
    elif not report.applied:
        context["confirm_token"] = stash(data, user)
        context["preview"] = _preview(report)
    else:
        context["summary"] = {
            "created": report.summary.get("created", 0),
            "updated": report.summary.get("updated", 0),
            "unchanged": report.summary.get("unchanged", 0),
        }
    return render(request, "org/person_import.html", context, status=200 if report.ok else 422)


def _page_context(request: HttpRequest, form: UploadForm) -> dict[str, Any]:
    user: Any = request.user
    return {
        "form": form,
        "columns": ledger.COLUMNS,
        "can_export": user.has_cap(Cap.EXPORT_PERSON),
        "can_reveal": user.has_cap(Cap.REVEAL_SENSITIVE),
        "max_mb": MAX_BYTES // (1024 * 1024),
        "kinds": Person.Kind.choices,
        "statuses": Person.Status.choices,
    }


@login_required
@require_GET
def person_export(request: HttpRequest) -> HttpResponse:
    _require(request, Cap.EXPORT_PERSON, "您没有导出人员台账的权限 / you may not export people")
    reveal = request.GET.get("sensitive") in ("1", "on", "true")
    try:
        data, filename = ledger.export_people(actor=request.user, params=request.GET, reveal=reveal)  # type: ignore[arg-type]
    except ValidationError as exc:
        return HttpResponseBadRequest("; ".join(exc.messages), content_type="text/plain; charset=utf-8")
    response = file_response(data, filename, XLSX_CONTENT_TYPE)
    return response
