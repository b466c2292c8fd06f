"""One page for importing any Excel ledger: upload → validation report → confirm, all or nothing.

A module gives the columns and a ``run(data, filename, dry_run) -> ImportReport`` that calls its
import service; this page does the rest (blank template, error workbook, preview with masked
values, confirmation through an encrypted stash that only the uploader can read).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .excel import xlsx_response
from .importing import MAX_BYTES, Column, ImportReport, build_template, stash, unstash

PREVIEW_ROWS = 20


class LedgerUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Excel 文件(.xlsx)"),
        widget=forms.ClearableFileInput(attrs={"class": "form-control", "accept": ".xlsx", "id": "jw-import-file"}),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise ValidationError(f"文件超过 {MAX_BYTES // (1024 * 1024)} MB 上限 / file too large")
        return upload


@dataclass
class LedgerImport:
    """What a module says about its ledger; ``run`` must call the module's import service."""

    title: str
    url: str  # this page's own URL (forms post back to it)
    back_url: str
    back_label: str
    columns: Sequence[Column]
    run: Callable[[bytes, str, bool], ImportReport]
    help_text: str = ""
    masks: dict[str, Callable[[str], str]] = field(default_factory=dict)  # field → masking for the preview
    hidden: dict[str, str] = field(default_factory=dict)  # extra fields carried through the forms
    count_word: Any = _("条")  # the summary's measure word (translated): 新增 3 条 / 新增 3 人
    side_template: str = ""  # an optional card beside the upload form (e.g. the ledger's export form)
    notes_template: str = ""  # an optional block above the upload form, after the result (rendered with the page)
    extra_context: dict[str, Any] = field(default_factory=dict)  # what the side card needs


def _display_name(name: str) -> str:
    return os.path.basename((name or "").replace("\\", "/"))[:200] or "未命名.xlsx"


def _preview(ledger: LedgerImport, report: ImportReport) -> dict[str, Any]:
    columns = [c for c in ledger.columns if c.field in report.positions]
    rows = []
    for row in report.rows[:PREVIEW_ROWS]:
        cells = []
        for column in columns:
            value = row.values.get(column.field)
            if value and column.field in ledger.masks:
                value = ledger.masks[column.field](str(value))
            elif hasattr(value, "astimezone"):
                value = timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
            cells.append("" if value is None else str(value))
        rows.append({"number": row.number, "cells": cells})
    return {"headers": [c.header for c in columns], "rows": rows, "more": max(0, report.row_count - PREVIEW_ROWS)}


def ledger_import_page(request: HttpRequest, ledger: LedgerImport) -> HttpResponse:
    """GET: the page, ``?template=1`` the blank template, ``?report=`` an error workbook.
    POST ``action``: check (validate only), import (validate and import), confirm (a checked upload)."""
    user: Any = request.user
    context: dict[str, Any] = {**ledger.extra_context, "ledger": ledger, "max_mb": MAX_BYTES // (1024 * 1024)}
    if request.method == "GET":
        if request.GET.get("template"):
            return xlsx_response(build_template(ledger.columns, title=ledger.title), f"{ledger.title}模板.xlsx")
        if request.GET.get("report"):
            data = unstash(request.GET["report"], user)
            if data is None:
                raise Http404("错误报告已过期,请重新上传 / the report has expired")
            return xlsx_response(data, f"{ledger.title}错误报告.xlsx")
        return render(request, "core/ledger_import.html", {**context, "form": LedgerUploadForm()})

    action = request.POST.get("action", "check")
    if action == "confirm":
        filename = _display_name(request.POST.get("filename", ""))
        data = unstash(request.POST.get("token", ""), user)
        if data is None:
            expired = "上传的文件已过期,请重新上传 / the upload has expired, upload it again"
            return render(
                request,
                "core/ledger_import.html",
                {**context, "form": LedgerUploadForm(), "page_error": expired},
                status=400,
            )
        return _report(request, ledger, context, ledger.run(data, filename, False), data, filename)

    form = LedgerUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return render(request, "core/ledger_import.html", {**context, "form": form}, status=400)
    upload = form.cleaned_data["file"]
    filename = _display_name(upload.name)
    data = upload.read()
    return _report(request, ledger, context, ledger.run(data, filename, action != "import"), data, filename)


def _report(
    request: HttpRequest,
    ledger: LedgerImport,
    context: dict[str, Any],
    report: ImportReport,
    data: bytes,
    filename: str,
) -> HttpResponse:
    user: Any = request.user
    context = {**context, "form": LedgerUploadForm(), "report": report, "filename": filename}
    if not report.ok:
        context["report_token"] = stash(report.to_error_xlsx(), user) if report.rows or report.file_errors else ""
        context["errors_html"] = report.as_html()
    elif not report.applied:
        context["confirm_token"] = stash(data, user)
        context["preview"] = _preview(ledger, report)
    else:
        context["summary"] = {k: report.summary.get(k, 0) for k in ("created", "updated", "unchanged")}
    return render(request, "core/ledger_import.html", context, status=200 if report.ok else 422)
