"""12345 hotline ledger import (intake channel b): the platform's Excel export becomes work orders.

With more than one platform configured (``WORKORDERS_HOTLINE_PLATFORMS``) the page offers a choice;
each platform has its own page (``import/<platform>/``: its columns, template and numbering). After
an import the page lists the created orders that have possible repeats."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from jingwu.core.crypto import mask_phone
from jingwu.core.documents.import_page import LedgerImport, ledger_import_page
from jingwu.org.roles import Cap

from ..services.hotline import ImportedRepeat, columns_for, hotline_import, platforms
from .common import require_cap
from .pages import mask_name

DEFAULT_PLATFORM = "12345"
REPEATS_SHOWN = 100


def _url(code: str) -> str:
    if code == DEFAULT_PLATFORM:
        return reverse("workorders:hotline-import")
    return reverse("workorders:hotline-import-platform", args=[code])


@require_cap(Cap.WORKORDER_INTAKE)
@require_http_methods(["GET", "POST"])
def hotline_import_page(request: HttpRequest, platform: str = "") -> HttpResponse:
    known = platforms()
    code = (platform or request.POST.get("platform") or request.GET.get("platform") or "").strip()
    if not code:
        code = DEFAULT_PLATFORM if DEFAULT_PLATFORM in known else next(iter(known), DEFAULT_PLATFORM)
    config = known.get(code)
    if config is None:
        raise Http404("未配置的热线平台 / unknown platform")
    user: Any = request.user
    repeats: list[ImportedRepeat] = []

    def run(data: bytes, filename: str, dry_run: bool) -> Any:
        return hotline_import(actor=user, data=data, filename=filename, platform=code, dry_run=dry_run, repeats=repeats)

    choices = [{"code": c, "name": p.name, "url": _url(c), "current": c == code} for c, p in known.items()]
    return ledger_import_page(
        request,
        LedgerImport(
            title=f"{config.name}工单导入",
            url=_url(code),
            back_url=reverse("workorders:list"),
            back_label="返回工单",
            columns=columns_for(config),
            run=run,
            help_text="以平台工单编号识别工单(按平台区分):已导入过的编号不会重复创建。",
            masks={"citizen_phone": mask_phone, "citizen_name": mask_name},
            hidden={"platform": code},
            notes_template="workorders/_hotline_import_notes.html",
            # ``repeats`` is filled by the import that this request runs, before the page renders
            extra_context={"platforms": choices if len(choices) > 1 else [], "repeats": repeats},
        ),
    )
