"""Pages of the personnel ledger: import (upload → check → confirm) and the Excel export.

Anonymous users go to the login page; a user without ``org.import_person`` / ``org.export_person``
gets 403 and nothing happens. Writes go through ``ledger.import_people`` (one transaction).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from jingwu.core.documents import XLSX_CONTENT_TYPE, file_response
from jingwu.core.documents.import_page import LedgerImport, ledger_import_page

from . import ledger
from .models import Person
from .roles import Cap


def _require(request: HttpRequest, capability: str, message: str) -> None:
    if not request.user.has_cap(capability):  # type: ignore[union-attr]
        raise PermissionDenied(message)


@login_required
@require_http_methods(["GET", "POST"])
def person_import(request: HttpRequest) -> HttpResponse:
    """The shared ledger-import page for people, with the export form beside it."""
    _require(request, Cap.IMPORT_PERSON, "您没有导入人员台账的权限 / you may not import people")
    user: Any = request.user
    return ledger_import_page(
        request,
        LedgerImport(
            title="人员台账导入",
            url=reverse("org:person-import"),
            back_url=reverse("org:person-list"),
            back_label="返回人员",
            columns=ledger.COLUMNS,
            run=lambda data, filename, dry_run: ledger.import_people(
                actor=user, data=data, filename=filename, dry_run=dry_run
            ),
            help_text="以警号识别人员:已存在则更新,不存在则新增;空白的选填单元格保持原值。",
            masks={
                "id_number": lambda v: Person(id_number=v).id_number_masked,
                "phone": lambda v: Person(phone=v).phone_masked,
            },
            count_word=_("人"),
            side_template="org/_person_export.html",
            extra_context={
                "can_export": user.has_cap(Cap.EXPORT_PERSON),
                "can_reveal": user.has_cap(Cap.REVEAL_SENSITIVE),
                "kinds": Person.Kind.choices,
                "statuses": Person.Status.choices,
            },
        ),
    )


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
