"""Shared documents mechanism: Excel ledgers in and out, Word official documents, printable PDF.

See docs/documents.md.
"""

from __future__ import annotations

from .excel import (
    XLSX_CONTENT_TYPE,
    ExportColumn,
    audited_export,
    content_disposition,
    dated_filename,
    export_stamp,
    export_workbook,
    exporter_label,
    file_response,
    write_safe,
    xlsx_response,
)
from .importing import (
    CellError,
    Column,
    Importer,
    ImportReport,
    ImportRow,
    as_choice,
    as_code,
    as_date,
    as_text,
    build_template,
)
from .pdf import PDF_CONTENT_TYPE, PdfUnavailable, pdf_available, render_pdf
from .word import DOCX_CONTENT_TYPE, DocSpec, Heading, Table, render_docx

__all__ = [
    "DOCX_CONTENT_TYPE",
    "PDF_CONTENT_TYPE",
    "XLSX_CONTENT_TYPE",
    "CellError",
    "Column",
    "DocSpec",
    "ExportColumn",
    "Heading",
    "ImportReport",
    "ImportRow",
    "Importer",
    "PdfUnavailable",
    "Table",
    "as_choice",
    "as_code",
    "as_date",
    "as_text",
    "audited_export",
    "build_template",
    "content_disposition",
    "dated_filename",
    "export_stamp",
    "export_workbook",
    "exporter_label",
    "file_response",
    "pdf_available",
    "render_docx",
    "render_pdf",
    "write_safe",
    "xlsx_response",
]
