"""Import of the orders a 12345 hotline platform exports (Excel), with a column mapping per platform.

All or nothing (the documents importer: every bad cell reported, nothing written on any error);
the platform's order number is the key — per platform: two platforms may number alike — so
re-importing a file creates no duplicates (an order merged into another is found through its moved
source number).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError

from jingwu.core.calendar import TZ
from jingwu.core.documents import Column, Importer, ImportReport, ImportRow, as_code, as_text
from jingwu.org.models import Unit
from jingwu.org.roles import Cap

from ..models import Category, OrderSource, WorkOrder
from .common import setting, validate_phone
from .intake import MAX_CONTENT, work_order_intake


@dataclass(frozen=True)
class Platform:
    """How one platform names its columns: field → (header, aliases), and its category words."""

    code: str
    name: str
    columns: dict[str, tuple[str, tuple[str, ...]]]
    categories: dict[str, str] = field(default_factory=dict)  # the platform's word → Category.code


DEFAULT_PLATFORMS: dict[str, Platform] = {
    "12345": Platform(
        code="12345",
        name="12345政务服务便民热线",
        columns={
            "source_number": ("工单编号", ("工单号", "热线工单号", "工单编码")),
            "received_at": ("受理时间", ("来电时间", "登记时间", "派单时间")),
            "citizen_name": ("来电人", ("诉求人", "来电人姓名", "姓名")),
            "citizen_phone": ("联系电话", ("来电号码", "诉求人电话", "电话")),
            "category": ("诉求类型", ("问题类别", "诉求类别", "类别")),
            "address": ("问题地址", ("事发地址", "地址")),
            "content": ("诉求内容", ("问题描述", "来电内容", "内容")),
        },
        categories={
            "咨询类": "consult",
            "求助类": "help",
            "投诉类": "complaint",
            "举报类": "report",
            "建议类": "suggestion",
        },
    ),
}


def platforms() -> dict[str, Platform]:
    """The built-in mappings, overridden or extended by ``settings.WORKORDERS_HOTLINE_PLATFORMS``
    (a dict of code → Platform or of code → {"name", "columns", "categories"})."""
    out = dict(DEFAULT_PLATFORMS)
    for code, value in (setting("HOTLINE_PLATFORMS", {}) or {}).items():
        if isinstance(value, Platform):
            out[code] = value
        else:
            columns = {
                k: (v[0], tuple(v[1:])) if isinstance(v, list | tuple) else (v, ()) for k, v in value["columns"].items()
            }
            out[code] = Platform(code, value.get("name", code), columns, dict(value.get("categories", {})))
    return out


_DT = re.compile(
    r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:[ T]*(\d{1,2})[:时](\d{1,2})(?:[:分](\d{1,2})?秒?)?)?$"
)


def as_aware_datetime(value: Any) -> datetime:
    """An Excel date-time or a text such as 2023-04-28 16:05[:00] / 2023年4月28日 16时05分, read in Asia/Shanghai."""
    if isinstance(value, datetime):
        return value.replace(tzinfo=TZ) if value.tzinfo is None else value.astimezone(TZ)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=TZ)
    match = _DT.match(str(value).strip())
    if not match:
        raise ValidationError("时间格式应为 YYYY-MM-DD HH:MM / expected a date and time")
    year, month, day, hour, minute, second = (int(p) if p else 0 for p in match.groups())
    try:
        return datetime(year, month, day, hour, minute, second, tzinfo=TZ)
    except ValueError:
        raise ValidationError("时间不存在 / no such date or time") from None


def _phone(value: Any) -> str:
    try:
        return validate_phone(str(value))
    except ValidationError as exc:
        raise ValidationError(exc.message_dict["citizen_phone"]) from None


class _Categories:
    def __init__(self, platform: Platform) -> None:
        self.platform = platform
        self._by_key: dict[str, Category] | None = None

    def __call__(self, value: Any) -> Category:
        if self._by_key is None:
            self._by_key = {}
            for c in Category.objects.filter(active=True):
                self._by_key[c.code] = c
                self._by_key.setdefault(c.name, c)
        text = str(value).strip()
        code = self.platform.categories.get(text, text)
        category = self._by_key.get(code) or self._by_key.get(text)
        if category is None:
            raise ValidationError(f"诉求类型“{text}”无法对应到本系统的类别 / unknown category")
        return category


def columns_for(platform: Platform) -> list[Column]:
    parsers: dict[str, Any] = {
        "source_number": as_code,
        "received_at": as_aware_datetime,
        "citizen_name": as_text(50),
        "citizen_phone": _phone,
        "category": _Categories(platform),
        "address": as_text(200),
        "content": as_text(MAX_CONTENT),
    }
    required = {"source_number", "received_at", "citizen_phone", "category", "content"}
    out = []
    for name, (header, aliases) in platform.columns.items():
        if name not in parsers:
            raise ValueError(f"unknown field {name!r} in platform {platform.code}")
        out.append(Column(header, name, required=name in required, parser=parsers[name], aliases=aliases))
    return out


class _HotlineImporter(Importer):
    """The documents importer, plus: a platform order number repeated within the file is reported
    on every later row carrying it, whatever else is wrong with that row (the generic row check
    runs on clean rows only)."""

    def read(self, data: bytes, filename: str = "") -> ImportReport:
        report = super().read(data, filename)
        if report.file_errors:
            return report
        seen: dict[str, int] = {}  # source number -> first row carrying it
        for row in report.rows:
            number = row.values.get("source_number")
            if not number:
                continue
            if number in seen:
                row.add_error("source_number", f"与第{seen[number]}行的工单编号重复 / duplicate of row {seen[number]}")
            else:
                seen[number] = row.number
        return report


@dataclass(frozen=True)
class ImportedRepeat:
    """An order the import created that has possible repeats (same phone, or address and content)."""

    order: WorkOrder
    count: int


def hotline_import(
    *,
    actor: Any,
    data: bytes,
    filename: str,
    platform: str = "12345",
    intake_unit: Unit | None = None,
    dry_run: bool = False,
    repeats: list[ImportedRepeat] | None = None,
) -> ImportReport:
    """Import a platform's export: every row validated first; on any error nothing is written and
    the report lists each bad cell; order numbers this platform already sent are left as they are
    (outcome "unchanged"). ``repeats``, when given, receives the created orders that have possible
    repeats (filled only when the import was applied)."""
    if not getattr(actor, "is_authenticated", False) or not actor.has_cap(Cap.WORKORDER_INTAKE):
        raise PermissionDenied("您没有受理工单的权限 / you may not take in work orders")
    config = platforms().get(platform)
    if config is None:
        raise ValidationError({"platform": f"未配置的热线平台“{platform}” / unknown platform"})
    found: list[ImportedRepeat] = []

    def apply(row: ImportRow) -> str:
        number = row.values["source_number"]
        known = OrderSource.objects.filter(source=WorkOrder.Source.HOTLINE, platform=platform, number=number)
        if known.exists():
            return "unchanged"
        result = work_order_intake(
            actor=actor,
            category=row.values["category"],
            content=row.values["content"],
            citizen_phone=row.values["citizen_phone"],
            citizen_name=row.values.get("citizen_name") or "",
            address=row.values.get("address") or "",
            source=WorkOrder.Source.HOTLINE,
            source_number=number,
            platform=platform,
            received_at=row.values["received_at"],
            intake_unit=intake_unit,
        )
        if result.candidates:
            found.append(ImportedRepeat(result.order, len(result.candidates)))
        return "created"

    importer = _HotlineImporter(columns_for(config), area="workorders.hotline")
    report = importer.run(
        data, filename=filename, actor=actor, apply=apply, dry_run=dry_run, audit_extra={"platform": platform}
    )
    if repeats is not None and report.applied:
        repeats.extend(found)
    return report
