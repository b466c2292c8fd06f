"""Excel export for every ledger (台账): styled header, Chinese headers, footer naming the exporter.

Every cell is written so that Excel shows it verbatim: a text value that Excel would read as a
formula (starting with ``= + - @``, a tab or a carriage return) is stored as a string cell with the
quote-prefix style, so opening an exported ledger never evaluates anything a user typed. Every
export also writes an audit row (``audited_export``).
"""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from django.http import HttpResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from jingwu.core import audit

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DISPLAY_ZONE = ZoneInfo("Asia/Shanghai")
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")
FOOTER_PREFIX = "导出人:"

HEADER_FONT = Font(name="宋体", bold=True, color="FFFFFF", size=11)
HEADER_FILL = PatternFill("solid", fgColor="1F4E79")
TITLE_FONT = Font(name="宋体", bold=True, size=14)
BODY_FONT = Font(name="宋体", size=11)
FOOTER_FONT = Font(name="宋体", italic=True, size=9, color="595959")
THIN = Side(style="thin", color="A6A6A6")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)

Getter = Callable[[Any], Any] | str


@dataclass(frozen=True)
class ExportColumn:
    """One column of an export: a Chinese header and how to read the value from a row."""

    header: str
    getter: Getter
    width: float | None = None  # characters; computed from the content when omitted
    number_format: str | None = None

    def value(self, row: Any) -> Any:
        if callable(self.getter):
            return self.getter(row)
        value: Any = row
        for part in self.getter.split("."):
            value = value.get(part) if isinstance(value, dict) else getattr(value, part, None)
            if value is None:
                return None
        return value


def exporter_label(actor: Any) -> str:
    """姓名(用户名) of the exporting user; system exports say 系统."""
    if actor is None:
        return "系统"
    username = getattr(actor, "username", "") or ""
    person = getattr(actor, "person", None) if getattr(actor, "person_id", None) else None
    name = getattr(person, "name", "") if person is not None else ""
    name = name or (actor.get_full_name() if hasattr(actor, "get_full_name") else "") or username
    return f"{name}({username})"


def export_stamp(actor: Any, when: datetime | None = None) -> str:
    """ "导出人:姓名(用户名) 导出时间:YYYY-MM-DD HH:MM" in Beijing time."""
    when = timezone.localtime(when or timezone.now(), DISPLAY_ZONE)
    return f"{FOOTER_PREFIX}{exporter_label(actor)} 导出时间:{when:%Y-%m-%d %H:%M}"


def is_formula_like(value: str) -> bool:
    return value.startswith(FORMULA_TRIGGERS)


def display_width(text: str) -> int:
    """Width in Excel character units: CJK and full-width characters count double."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _normalise(value: Any) -> Any:
    if isinstance(value, datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value, DISPLAY_ZONE)
        return value.replace(tzinfo=None)
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, (int, float, Decimal, date)) or value is None:
        return value
    return ILLEGAL_CHARACTERS_RE.sub("", str(value))


def write_safe(cell: Cell, value: Any) -> Cell:
    """Write ``value`` so Excel can never evaluate it: text stays a text cell, formulas included."""
    value = _normalise(value)
    if isinstance(value, str):
        cell.value = value
        # openpyxl infers a formula from a leading "="; force a string cell (inlineStr) instead and
        # mark it quote-prefixed, which is how Excel itself stores text typed as '=1+1.
        cell.data_type = "s"
        if is_formula_like(value):
            cell.quotePrefix = True
    else:
        cell.value = value
        if isinstance(value, datetime):
            cell.number_format = "yyyy-mm-dd hh:mm"
        elif isinstance(value, date):
            cell.number_format = "yyyy-mm-dd"
    return cell


def _escape_header_footer(text: str) -> str:
    return text.replace("&", "&&")


def export_workbook(
    *,
    title: str,
    columns: Sequence[ExportColumn | tuple[str, Getter]],
    rows: Iterable[Any],
    actor: Any,
    sheet_name: str | None = None,
    when: datetime | None = None,
) -> bytes:
    """Build a ledger workbook: title row, styled frozen header row, data, and an exporter footer."""
    cols = [c if isinstance(c, ExportColumn) else ExportColumn(c[0], c[1]) for c in columns]
    wb = Workbook()
    ws: Worksheet = wb.active  # type: ignore[assignment]
    ws.title = _sheet_title(sheet_name or title)
    stamp = export_stamp(actor, when)
    ncols = max(1, len(cols))

    title_cell = write_safe(ws.cell(row=1, column=1), title)
    title_cell.font = TITLE_FONT
    title_cell.alignment = Alignment(horizontal="center", vertical="center")
    if ncols > 1:
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=ncols)
    ws.row_dimensions[1].height = 28

    widths = [display_width(c.header) for c in cols]
    for index, col in enumerate(cols, start=1):
        cell = write_safe(ws.cell(row=2, column=index), col.header)
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
        cell.border = BORDER
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    ws.row_dimensions[2].height = 22

    row_no = 2
    for row in rows:
        row_no += 1
        for index, col in enumerate(cols, start=1):
            value = col.value(row)
            cell = write_safe(ws.cell(row=row_no, column=index), value)
            cell.font = BODY_FONT
            cell.border = BORDER
            if col.number_format:
                cell.number_format = col.number_format
            shown = value.strftime("%Y-%m-%d %H:%M") if isinstance(value, datetime) else str(value or "")
            widths[index - 1] = max(widths[index - 1], display_width(shown[:60]))

    footer_row = row_no + 2
    footer = write_safe(ws.cell(row=footer_row, column=1), stamp)
    footer.font = FOOTER_FONT

    for index, col in enumerate(cols, start=1):
        ws.column_dimensions[get_column_letter(index)].width = col.width or min(max(widths[index - 1] + 2, 6), 50)
    ws.freeze_panes = "A3"
    ws.print_title_rows = "2:2"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.oddFooter.left.text = _escape_header_footer(stamp)
    ws.oddFooter.left.size = 9
    ws.oddFooter.right.text = "第 &P 页 / 共 &N 页"
    ws.oddFooter.right.size = 9
    ws.evenFooter.left.text = ws.oddFooter.left.text
    ws.evenFooter.right.text = ws.oddFooter.right.text
    if cols:
        ws.auto_filter.ref = f"A2:{get_column_letter(ncols)}{max(row_no, 2)}"

    wb.properties.title = title
    wb.properties.creator = exporter_label(actor)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _sheet_title(name: str) -> str:
    for ch in "[]:*?/\\":
        name = name.replace(ch, " ")
    return name.strip()[:31] or "Sheet1"


def audited_export(
    area: str,
    *,
    title: StrOrPromise,
    columns: Sequence[ExportColumn | tuple[str, Getter]],
    rows: Iterable[Any],
    actor: Any,
    filters: dict[str, Any] | None = None,
    sheet_name: str | None = None,
    extra: dict[str, Any] | None = None,
) -> bytes:
    """Build the workbook and write the ``<area>.export`` audit row (row count and filters)."""
    materialised = list(rows)
    data = export_workbook(title=str(title), columns=columns, rows=materialised, actor=actor, sheet_name=sheet_name)
    audit.record(
        f"{area}.export",
        actor=actor,
        object_type=area,
        object_repr=str(title),
        changes={"rows": len(materialised), "filters": filters or {}, **(extra or {})},
    )
    return data


def content_disposition(filename: str, *, attachment: bool = True) -> str:
    """RFC 6266 / RFC 5987: an ASCII fallback name plus ``filename*`` carrying the Chinese name."""
    kind = "attachment" if attachment else "inline"
    ascii_name = "".join(ch if ch.isascii() and ch.isprintable() and ch not in '"\\;' else "_" for ch in filename)
    if ascii_name == filename:
        return f'{kind}; filename="{filename}"'
    stem, dot, ext = ascii_name.rpartition(".")
    fallback = f"export.{ext}" if dot and set(stem) <= {"_", " ", "-"} else ascii_name
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def file_response(data: bytes, filename: str, content_type: str, *, attachment: bool = True) -> HttpResponse:
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = content_disposition(filename, attachment=attachment)
    response["Content-Length"] = str(len(data))
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def xlsx_response(data: bytes, filename: str) -> HttpResponse:
    """The workbook as a download with its Chinese file name."""
    if not filename.lower().endswith(".xlsx"):
        filename += ".xlsx"
    return file_response(data, filename, XLSX_CONTENT_TYPE)


def dated_filename(stem: str, ext: str, when: datetime | None = None) -> str:
    """人员台账_20260305_1430.xlsx (Beijing time)."""
    when = timezone.localtime(when or timezone.now(), DISPLAY_ZONE)
    return f"{stem}_{when:%Y%m%d_%H%M}.{ext}"
