"""110 incident import: the call system's Excel export, all or nothing, keyed by 警情编号.

A number not yet known creates the incident (with its disposal due time); a known number updates
the arrival and disposal columns of an incident still open (a later export of the same calls).
Every row is validated by the same services as manual entry; any error anywhere imports nothing.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time
from typing import Any

from django.core.exceptions import ValidationError

from jingwu.core.calendar import TZ
from jingwu.core.documents import Column, Importer, ImportReport, ImportRow, as_code, as_text
from jingwu.core.scope import unit_in_scope
from jingwu.org.models import Unit
from jingwu.org.roles import Cap

from ..models import Incident, IncidentCategory
from ..validators import validate_incident_number
from .incidents import incident_arrive, incident_create, incident_dispose

_DT = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?[ T]+(\d{1,2})[:时](\d{1,2})(?:[:分](\d{1,2})秒?)?$")


def as_datetime(value: Any) -> datetime:
    """An Excel date-time cell or text like 2024-03-05 14:30[:00] (read as Asia/Shanghai)."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime.combine(value, time.min)
    else:
        match = _DT.match(str(value).strip())
        if not match:
            raise ValidationError(f"时间格式应为 YYYY-MM-DD HH:MM,实际为“{value}” / expected 2024-03-05 14:30")
        year, month, day, hour, minute, second = (int(g) if g else 0 for g in match.groups())
        try:
            moment = datetime(year, month, day, hour, minute, second)
        except ValueError as exc:
            raise ValidationError(f"时间 {value} 不存在 / no such time") from exc
    return moment.replace(tzinfo=TZ) if moment.tzinfo is None else moment


def _number(value: Any) -> str:
    return validate_incident_number(as_code(value))


COLUMNS = [
    Column(
        "警情编号",
        "number",
        required=True,
        parser=_number,
        aliases=["接警单编号", "警情号"],
        example="J15062120240305001",
    ),
    Column(
        "接警时间", "received_at", required=True, parser=as_datetime, aliases=["报警时间"], example="2024-03-05 14:30"
    ),
    Column("警情类别", "category", required=True, parser=as_text(50), aliases=["警情类型"], example="0301"),
    Column("管辖单位", "unit", required=True, parser=as_text(100), aliases=["处警单位"], example="150621000100"),
    Column("发生地点", "location", parser=as_text(200), aliases=["案发地点"], example="某路与某街交叉口"),
    Column("简要警情", "summary", parser=as_text(2000), aliases=["报警内容"], example="两车追尾,无人员受伤"),
    Column("报警人", "caller_name", parser=as_text(50), example="张某"),
    Column("报警电话", "caller_phone", parser=as_code, aliases=["联系电话"], example="13800138000"),
    Column("到场时间", "arrived_at", parser=as_datetime, example="2024-03-05 14:45"),
    Column("处置结果", "disposal_result", parser=as_text(2000), example="当事人自行协商处理"),
    Column("处置时间", "disposed_at", parser=as_datetime, example="2024-03-05 15:20"),
]


class _Lookup:
    def __init__(self) -> None:
        self.categories = {c.code: c for c in IncidentCategory.objects.filter(active=True)}
        self.by_name: dict[str, IncidentCategory | None] = {}
        for c in self.categories.values():
            # a name shared by two categories is ambiguous: the code must be used
            self.by_name[c.name] = None if c.name in self.by_name else c
        self.units: dict[str, Unit | None] = {}

    def category(self, text: str) -> IncidentCategory | None:
        return self.categories.get(text) or self.by_name.get(text)

    def unit(self, text: str) -> Unit | None:
        if text not in self.units:
            found = list(Unit.objects.filter(code=text)) or list(Unit.objects.filter(name=text)[:2])
            self.units[text] = found[0] if len(found) == 1 else None
        return self.units[text]


def import_incidents(data: bytes, *, filename: str, actor: Any, dry_run: bool = False) -> ImportReport:
    """Validate and (when clean) apply a 110 export; the import is audited as ``cases.incident.import``."""
    lookup = _Lookup()
    seen: set[str] = set()

    def validate(row: ImportRow) -> None:
        v = row.values
        if v["number"] in seen:
            row.add_error("number", "同一警情编号在文件中出现多次 / the same number appears twice")
        seen.add(v["number"])
        category = lookup.category(v["category"])
        if category is None:
            row.add_error("category", "找不到该警情类别(填写代码或唯一的名称) / unknown category")
        unit = lookup.unit(v["unit"])
        if unit is None:
            row.add_error("unit", "找不到该单位(填写机构代码或唯一的名称) / unknown unit")
        elif not unit_in_scope(actor, unit, Cap.HANDLE_CASE):
            row.add_error("unit", "该单位不在您的数据权限范围内 / the unit is outside your data scope")
        existing = Incident.objects.filter(number=v["number"]).first()
        if existing is not None and not unit_in_scope(actor, existing.unit, Cap.HANDLE_CASE):
            row.add_error("number", "该警情编号属于您权限范围外的单位 / the number belongs to another unit")
        if v.get("disposed_at") and not v.get("disposal_result"):
            row.add_error("disposal_result", "填写了处置时间须同时填写处置结果 / a disposal time needs a result")
        for field in ("arrived_at", "disposed_at"):
            if v.get(field) and v[field] < v["received_at"]:
                row.add_error(field, "不能早于接警时间 / earlier than the call")

    def apply(row: ImportRow) -> str:
        v = row.values
        incident = Incident.objects.filter(number=v["number"]).first()
        outcome = "updated"
        if incident is None:
            incident = incident_create(
                actor=actor,
                unit=lookup.unit(v["unit"]),  # type: ignore[arg-type]
                number=v["number"],
                received_at=v["received_at"],
                category=lookup.category(v["category"]),  # type: ignore[arg-type]
                location=v.get("location") or "",
                summary=v.get("summary") or "",
                caller_name=v.get("caller_name") or "",
                caller_phone=v.get("caller_phone") or "",
                source="import",
            )
            outcome = "created"
        if v.get("arrived_at") and incident.arrived_at is None:
            incident = incident_arrive(actor=actor, incident=incident, at=v["arrived_at"])
        if v.get("disposal_result") and incident.state != Incident.State.DISPOSED:
            incident = incident_dispose(
                actor=actor, incident=incident, result=v["disposal_result"], at=v.get("disposed_at")
            )
        elif outcome == "updated" and not v.get("arrived_at"):
            outcome = "unchanged"
        return outcome

    importer = Importer(COLUMNS, area="cases.incident", row_validator=validate)
    return importer.run(data, filename=filename, actor=actor, apply=apply, dry_run=dry_run)
