"""12345 hotline ledger import (intake channel b): the platform's Excel export becomes work orders."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from jingwu.core.crypto import mask_phone
from jingwu.core.documents.import_page import LedgerImport, ledger_import_page
from jingwu.org.roles import Cap

from ..services.hotline import columns_for, hotline_import, platforms
from .common import require_cap
from .pages import mask_name


@require_cap(Cap.WORKORDER_INTAKE)
@require_http_methods(["GET", "POST"])
def hotline_import_page(request: HttpRequest) -> HttpResponse:
    code = (request.POST.get("platform") or request.GET.get("platform") or "12345").strip()
    platform = platforms().get(code)
    if platform is None:
        raise Http404("未配置的热线平台 / unknown platform")
    user: Any = request.user

    def run(data: bytes, filename: str, dry_run: bool) -> Any:
        return hotline_import(actor=user, data=data, filename=filename, platform=code, dry_run=dry_run)

    return ledger_import_page(
        request,
        LedgerImport(
            title=f"{platform.name}工单导入",
            url=reverse("workorders:hotline-import"),
            back_url=reverse("workorders:list"),
            back_label="返回工单",
            columns=columns_for(platform),
            run=run,
            help_text="以平台工单编号识别工单:已导入过的编号不会重复创建。",
            masks={"citizen_phone": mask_phone, "citizen_name": mask_name},
            hidden={"platform": code},
        ),
    )
