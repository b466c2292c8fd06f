"""Excel import for every ledger: declared columns, a cell-by-cell report, all or nothing.

A ledger declares its columns (``Column``); ``Importer.run`` reads an .xlsx upload, finds the header
row by its headers (column order and extra columns do not matter), parses every cell and collects
*every* bad cell as (row, column, value, reason). Only a file with no error at all reaches
``apply``, which runs once per row inside one transaction; a ``ValidationError`` from any row rolls
the whole import back and is reported against that row. The import itself is audited.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from jingwu.core import audit

from .excel import BODY_FONT, FOOTER_PREFIX, HEADER_FILL, HEADER_FONT, display_width, write_safe

MAX_BYTES = 10 * 1024 * 1024
MAX_ROWS = 5000
HEADER_SCAN_ROWS = 20
ERROR_COLUMN = "错误说明"
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .xls / .doc


@dataclass(frozen=True)
class Column:
    """One column a ledger reads. ``parser`` turns the cell into a value or raises ValidationError."""

    header: str
    field: str
    required: bool = False
    parser: Callable[[Any], Any] | None = None
    aliases: Sequence[str] = ()
    example: Any = None  # shown in the blank template's example row
    note: str = ""  # shown as the header cell's hint in the template

    def names(self) -> set[str]:
        return {normalise_header(h) for h in (self.header, *self.aliases)}


def normalise_header(value: Any) -> str:
    """'* 姓名(必填)' → '姓名': ignore spaces, a required marker and full/half-width brackets."""
    text = re.sub(r"\s+", "", str(value or ""))
    text = text.replace("(", "(").replace(")", ")").lstrip("*※")
    text = re.sub(r"\((必填|选填|可选)\)$", "", text)
    return text.rstrip("*")


@dataclass
class CellError:
    row: int  # row number in the worksheet (1-based, as Excel shows it); 0 for a file-level error
    column: str  # column letter, "" when the error concerns the whole row or file
    header: str
    value: Any
    reason: str

    @property
    def location(self) -> str:
        if not self.row:
            return "文件"
        cell = f"{self.column}列“{self.header}”" if self.column else "整行"
        return f"第{self.row}行 {cell}"

    def __str__(self) -> str:
        return f"{self.location}:{self.reason}"


@dataclass
class ImportRow:
    number: int
    raw: list[Any]  # the row's cells in file order, as read
    values: dict[str, Any] = field(default_factory=dict)
    errors: list[CellError] = field(default_factory=list)
    outcome: str = ""  # what apply did: created / updated / unchanged …
    _report: ImportReport | None = field(default=None, repr=False)

    @property
    def ok(self) -> bool:
        return not self.errors

    def add_error(self, field_name: str | None, reason: str, value: Any = None) -> None:
        """Record an error against the column of ``field_name`` (or the whole row)."""
        assert self._report is not None
        letter, header, raw = self._report.cell_of(self, field_name)
        self.errors.append(CellError(self.number, letter, header, raw if value is None else value, reason))

    def add_validation_error(self, exc: ValidationError | PermissionDenied) -> None:
        if isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
            for name, messages in exc.message_dict.items():
                target = None if name in ("__all__", None) else name
                for message in messages:
                    self.add_error(target, message)
        elif isinstance(exc, ValidationError):
            for message in exc.messages:
                self.add_error(None, message)
        else:
            self.add_error(None, str(exc) or "无权限 / permission denied")


@dataclass
class ImportReport:
    filename: str
    columns: Sequence[Column]
    headers: list[str] = field(default_factory=list)  # the file's header row as written
    header_row: int = 0
    positions: dict[str, int] = field(default_factory=dict)  # field → 0-based column index
    rows: list[ImportRow] = field(default_factory=list)
    file_errors: list[CellError] = field(default_factory=list)
    applied: bool = False
    dry_run: bool = False
    summary: dict[str, int] = field(default_factory=dict)

    @property
    def errors(self) -> list[CellError]:
        return [*self.file_errors, *(e for r in self.rows for e in r.errors)]

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def error_rows(self) -> list[ImportRow]:
        return [r for r in self.rows if r.errors]

    @property
    def row_count(self) -> int:
        return len(self.rows)

    @property
    def result(self) -> str:
        if self.applied:
            return "applied"
        return "rejected" if self.errors else "validated"

    def cell_of(self, row: ImportRow, field_name: str | None) -> tuple[str, str, Any]:
        if field_name is None or field_name not in self.positions:
            column = next((c for c in self.columns if c.field == field_name), None)
            return "", column.header if column else "", None
        index = self.positions[field_name]
        header = self.headers[index] if index < len(self.headers) else field_name
        return get_column_letter(index + 1), header, row.raw[index] if index < len(row.raw) else None

    def add_file_error(self, reason: str) -> None:
        self.file_errors.append(CellError(0, "", "", None, reason))

    # --- presentation -------------------------------------------------------------------------

    def as_html(self) -> SafeString:
        """The errors as a table: 行 / 列 / 值 / 原因 (values are escaped)."""
        errors = self.errors
        if not errors:
            return format_html('<p class="text-success mb-0">{}</p>', "校验通过,没有发现错误。")
        body = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td><code>{}</code></td><td>{}</td></tr>",
            (
                (
                    e.row or "—",
                    f"{e.column} {e.header}".strip() or "—",
                    "" if e.value is None else _shown(e.value),
                    e.reason,
                )
                for e in errors
            ),
        )
        return format_html(
            '<table class="table table-sm table-bordered jw-import-errors">'
            '<thead><tr><th scope="col">行</th><th scope="col">列</th><th scope="col">值</th>'
            '<th scope="col">原因</th></tr></thead><tbody>{}</tbody></table>',
            body,
        )

    def to_error_xlsx(self) -> bytes:
        """The original rows plus an "错误说明" column; bad cells are filled red."""
        wb = Workbook()
        ws = wb.active
        ws.title = "错误报告"
        headers = list(self.headers) or [c.header for c in self.columns]
        red = PatternFill("solid", fgColor="F8CBAD")
        for index, header in enumerate([*headers, ERROR_COLUMN], start=1):
            cell = write_safe(ws.cell(row=1, column=index), header)
            cell.font = HEADER_FONT
            cell.fill = HEADER_FILL
        note_col = len(headers) + 1
        out_row = 1
        for message in self.file_errors:
            out_row += 1
            write_safe(ws.cell(row=out_row, column=note_col), message.reason).font = Font(color="C00000")
        for row in self.rows:
            out_row += 1
            for index, value in enumerate(row.raw[: len(headers)], start=1):
                write_safe(ws.cell(row=out_row, column=index), value).font = BODY_FONT
            bad = {e.column for e in row.errors if e.column}
            for letter in bad:
                ws[f"{letter}{out_row}"].fill = red
            if row.errors:
                note = ";".join(f"{e.column}列{e.header}:{e.reason}" if e.column else e.reason for e in row.errors)
                note = f"原第{row.number}行 " + note
                cell = write_safe(ws.cell(row=out_row, column=note_col), note)
                cell.font = Font(color="C00000")
                cell.alignment = Alignment(wrap_text=True)
        for index, header in enumerate(headers, start=1):
            ws.column_dimensions[get_column_letter(index)].width = max(10, display_width(header) + 4)
        ws.column_dimensions[get_column_letter(note_col)].width = 60
        ws.freeze_panes = "A2"
        buffer = io.BytesIO()
        wb.save(buffer)
        return buffer.getvalue()


def _shown(value: Any) -> str:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M") if (value.hour or value.minute) else value.strftime("%Y-%m-%d")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


class ImportAborted(Exception):
    """Raised inside the import transaction to roll it back after a row failed in ``apply``."""


RowValidator = Callable[[ImportRow], None]
RowApply = Callable[[ImportRow], str | None]


class Importer:
    """Reads, validates and (when clean) applies one ledger file."""

    def __init__(
        self,
        columns: Sequence[Column],
        *,
        area: str,
        row_validator: RowValidator | None = None,
        max_bytes: int = MAX_BYTES,
        max_rows: int = MAX_ROWS,
        sheet_name: str | None = None,
    ) -> None:
        fields = [c.field for c in columns]
        if len(set(fields)) != len(fields):
            raise ValueError("duplicate field in import columns")
        self.columns = list(columns)
        self.area = area
        self.row_validator = row_validator
        self.max_bytes = max_bytes
        self.max_rows = max_rows
        self.sheet_name = sheet_name

    # --- reading ---------------------------------------------------------------------------------

    def read(self, data: bytes, filename: str = "") -> ImportReport:
        """Parse and validate every cell and row; nothing is written."""
        report = ImportReport(filename=filename, columns=self.columns)
        if not data:
            report.add_file_error("文件为空 / the file is empty")
            return report
        if len(data) > self.max_bytes:
            report.add_file_error(
                f"文件超过 {self.max_bytes // (1024 * 1024)} MB 上限 / file larger than {self.max_bytes} bytes"
            )
            return report
        if data.startswith(OLE_MAGIC):
            report.add_file_error(
                "这是旧版 Excel(.xls)文件,请在 Excel 中另存为 .xlsx 后再导入 / legacy .xls: save as .xlsx first"
            )
            return report
        if not data.startswith(ZIP_MAGIC):
            report.add_file_error("文件不是有效的 Excel(.xlsx)文件 / not an .xlsx workbook")
            return report
        try:
            wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError) as exc:
            report.add_file_error(f"文件不是有效的 Excel(.xlsx)文件 / not an .xlsx workbook ({type(exc).__name__})")
            return report
        try:
            ws = wb[self.sheet_name] if self.sheet_name and self.sheet_name in wb.sheetnames else wb.worksheets[0]
            self._read_sheet(ws.iter_rows(values_only=True), report)
        finally:
            wb.close()
        if not report.file_errors:
            for row in report.rows:
                if not row.errors and self.row_validator is not None:
                    try:
                        self.row_validator(row)
                    except (ValidationError, PermissionDenied) as exc:
                        row.add_validation_error(exc)
        return report

    def _read_sheet(self, cells: Iterable[tuple[Any, ...]], report: ImportReport) -> None:
        iterator = iter(cells)
        scanned: list[tuple[Any, ...]] = []
        for _ in range(HEADER_SCAN_ROWS):
            try:
                scanned.append(next(iterator))
            except StopIteration:
                break
        if not self._locate_header(scanned, report):
            return
        pending = scanned[report.header_row :]

        def rows() -> Iterable[tuple[int, tuple[Any, ...]]]:
            number = report.header_row
            for values in pending:
                number += 1
                yield number, values
            for values in iterator:
                number += 1
                yield number, values

        for number, values in rows():
            raw = [_clean_cell(v) for v in values]
            filled = [v for v in raw if v not in (None, "")]
            if not filled:
                continue
            if len(filled) == 1 and isinstance(filled[0], str) and filled[0].startswith(FOOTER_PREFIX):
                continue  # the footer of an exported ledger: lets an export be imported back
            if len(report.rows) >= self.max_rows:
                report.add_file_error(f"数据行超过 {self.max_rows} 行上限,请分批导入 / more than {self.max_rows} rows")
                report.rows.clear()
                return
            row = ImportRow(number=number, raw=raw)
            row._report = report
            self._parse_row(row, report)
            report.rows.append(row)
        if not report.rows:
            report.add_file_error("文件中没有数据行 / no data rows below the header")

    def _locate_header(self, scanned: list[tuple[Any, ...]], report: ImportReport) -> bool:
        best: tuple[int, int, dict[str, int], list[str]] | None = None
        for index, values in enumerate(scanned):
            names = [normalise_header(v) for v in values]
            positions: dict[str, int] = {}
            for column in self.columns:
                wanted = column.names()
                hits = [i for i, name in enumerate(names) if name and name in wanted]
                if hits:
                    positions[column.field] = hits[0]
            if positions and (best is None or len(positions) > best[1]):
                best = (index, len(positions), positions, [str(v).strip() if v is not None else "" for v in values])
        required = [c for c in self.columns if c.required]
        if best is None:
            expected = "、".join(c.header for c in self.columns)
            report.add_file_error(f"找不到表头行,应包含以下列:{expected} / header row not found")
            return False
        index, _, positions, headers = best
        missing = [c.header for c in required if c.field not in positions]
        if missing:
            report.add_file_error(f"缺少必需列:{'、'.join(missing)} / required columns missing")
            return False
        report.header_row = index + 1
        report.positions = positions
        report.headers = headers
        for column in self.columns:  # the same column twice would silently lose one of them
            wanted = column.names()
            twice = [i for i, h in enumerate(headers) if normalise_header(h) in wanted]
            if len(twice) > 1:
                letters = "、".join(get_column_letter(i + 1) for i in twice)
                report.add_file_error(f"列“{column.header}”出现多次({letters}列) / column appears more than once")
        return not report.file_errors

    def _parse_row(self, row: ImportRow, report: ImportReport) -> None:
        for column in self.columns:
            if column.field not in report.positions:
                continue
            index = report.positions[column.field]
            value = row.raw[index] if index < len(row.raw) else None
            if value in (None, ""):
                if column.required:
                    row.add_error(column.field, f"“{column.header}”为必填项 / required", value="")
                row.values[column.field] = None
                continue
            if column.parser is None:
                row.values[column.field] = value
                continue
            try:
                row.values[column.field] = column.parser(value)
            except ValidationError as exc:
                row.add_error(column.field, ";".join(exc.messages))
            except (ValueError, TypeError, LookupError) as exc:
                row.add_error(column.field, str(exc) or "格式错误 / invalid value")

    # --- applying --------------------------------------------------------------------------------

    def run(
        self,
        data: bytes,
        *,
        filename: str,
        actor: Any,
        apply: RowApply,
        dry_run: bool = False,
        audit_extra: dict[str, Any] | None = None,
    ) -> ImportReport:
        """Validate; if clean and not a dry run, apply every row in one transaction; audit the import."""
        report = self.read(data, filename)
        report.dry_run = dry_run
        if report.ok and not dry_run:
            try:
                with transaction.atomic():
                    for row in report.rows:
                        try:
                            with transaction.atomic():
                                row.outcome = apply(row) or "applied"
                        except (ValidationError, PermissionDenied) as exc:
                            row.add_validation_error(exc)
                    if not report.ok:
                        raise ImportAborted
                    report.applied = True
                    report.summary = _count_outcomes(report.rows)
                    self._audit(report, actor, audit_extra)
            except ImportAborted:
                report.applied = False
                report.summary = {}
                for row in report.rows:
                    row.outcome = ""
        if not report.applied:
            self._audit(report, actor, audit_extra)
        return report

    def _audit(self, report: ImportReport, actor: Any, extra: dict[str, Any] | None) -> None:
        errors = report.errors
        audit.record(
            f"{self.area}.import",
            actor=actor,
            object_type=self.area,
            object_repr=report.filename[:200],
            success=report.ok,
            message="" if report.ok else f"{len(errors)} 处错误,未导入",
            changes={
                "file": report.filename,
                "rows": report.row_count,
                "result": report.result,
                "dry_run": report.dry_run,
                "errors": len(errors),
                # where the errors are, never the values (they may be ID numbers)
                "error_cells": [f"{e.row}{e.column}" for e in errors[:50]],
                **report.summary,
                **(extra or {}),
            },
        )


def _count_outcomes(rows: Iterable[ImportRow]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for row in rows:
        counts[row.outcome] = counts.get(row.outcome, 0) + 1
    return counts


def _clean_cell(value: Any) -> Any:
    if isinstance(value, str):
        value = value.strip().replace("\u3000", " ").strip()
        return value or None
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return int(value)
    return value


# --- parsers shared by ledgers ------------------------------------------------------------------


def as_text(max_length: int | None = None) -> Callable[[Any], str]:
    def parse(value: Any) -> str:
        text = _shown(value).strip()
        if max_length is not None and len(text) > max_length:
            raise ValidationError(f"最多{max_length}个字符,实际{len(text)}个 / at most {max_length} characters")
        return text

    return parse


def as_code(value: Any) -> str:
    """Identifiers typed in Excel often arrive as numbers: 12345.0 → '12345'; text is upper-cased."""
    if isinstance(value, float) and not value.is_integer():
        raise ValidationError("应为文本格式的编号 / expected a code")
    return "".join(_shown(value).split()).upper()


_DATE_PATTERNS = [
    re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
]


def as_date(value: Any) -> date:
    """A date cell, or text like 2024-03-05, 2024/3/5, 2024.3.5, 20240305, 2024年3月5日."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _shown(value).strip()
    text = text.split(" ")[0] if re.match(r"^\d{4}-\d{2}-\d{2} 00:00(:00)?$", text) else text
    for pattern in _DATE_PATTERNS:
        match = pattern.match(text)
        if match:
            try:
                return date(*(int(g) for g in match.groups()))
            except ValueError as exc:
                raise ValidationError(f"日期 {text} 不存在 / no such date") from exc
    raise ValidationError(f"日期格式应为 YYYY-MM-DD,实际为“{text}” / expected a date like 2024-03-05")


def as_choice(choices: dict[str, str], label: str = "") -> Callable[[Any], str]:
    """Map a label (or the stored code, or an extra alias) to a choice code."""
    lookup = {k.strip().lower(): v for k, v in choices.items()}

    def parse(value: Any) -> str:
        text = _shown(value).strip()
        code = lookup.get(text.lower())
        if code is None:
            allowed = "、".join(dict.fromkeys(k for k in choices if not k.isascii()))
            raise ValidationError(f"“{text}”不是有效的{label}取值,应为:{allowed} / not one of the allowed values")
        return code

    return parse


def build_template(columns: Sequence[Column], *, title: str | None = None) -> bytes:
    """A blank import template: the headers (required ones marked) and one example row."""
    wb = Workbook()
    ws = wb.active
    ws.title = (title or "导入模板")[:31]
    for index, column in enumerate(columns, start=1):
        cell = write_safe(ws.cell(row=1, column=index), column.header)
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL if column.required else PatternFill("solid", fgColor="5B7A99")
        example = write_safe(ws.cell(row=2, column=index), column.example)
        example.font = Font(name="宋体", color="7F7F7F")
        if isinstance(column.example, str):
            example.number_format = "@"  # keep ID numbers and codes as text when the user overwrites
        width = max(display_width(column.header), display_width(_shown(column.example or ""))) + 4
        ws.column_dimensions[get_column_letter(index)].width = min(width, 40)
        for row in range(3, 503):
            if isinstance(column.example, str):
                ws.cell(row=row, column=index).number_format = "@"
    notes = ws.cell(row=1, column=len(columns) + 2)
    write_safe(notes, "说明:深蓝色表头为必填列;第2行为示例,导入前请删除或改写。").font = Font(color="C00000")
    ws.freeze_panes = "A2"
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


# --- keeping an upload between "校验" and "确认导入" ----------------------------------------------


def _stash_dir() -> Any:
    from pathlib import Path

    from django.conf import settings

    configured = getattr(settings, "DOCUMENTS_STASH_DIR", None)
    path = Path(configured) if configured else Path(settings.VAR_DIR) / "private" / "import-stash"
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


STASH_SECONDS = 2 * 3600


def stash(data: bytes, owner: Any) -> str:
    """Keep bytes (an upload or an error report) for their owner for two hours, encrypted at rest."""
    import base64
    import secrets
    import time

    from jingwu.core import crypto

    folder = _stash_dir()
    now = time.time()
    for old in folder.glob("*.bin"):
        try:
            if now - old.stat().st_mtime > STASH_SECONDS:
                old.unlink()
        except OSError:
            continue
    token = secrets.token_hex(16)
    body = crypto.encrypt(base64.b64encode(data).decode("ascii"))
    (folder / f"{owner.pk}-{token}.bin").write_text(body, encoding="ascii")
    return token


def unstash(token: str, owner: Any) -> bytes | None:
    """The stashed bytes if ``token`` is the owner's and still fresh; None otherwise."""
    import base64
    import time

    from jingwu.core import crypto

    if not re.fullmatch(r"[0-9a-f]{32}", token or ""):
        return None
    path = _stash_dir() / f"{owner.pk}-{token}.bin"
    try:
        if time.time() - path.stat().st_mtime > STASH_SECONDS:
            return None
        return base64.b64decode(crypto.decrypt(path.read_text(encoding="ascii")))
    except (OSError, ValueError):
        return None
