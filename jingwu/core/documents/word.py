"""Official documents (通报, 报告) as Word files, laid out after GB/T 9704 (党政机关公文格式).

Title in 方正小标宋简体 (二号), body in 仿宋_GB2312 (三号) with 28 pt fixed line spacing, headings in
黑体 / 楷体_GB2312, 文号 under the title, signature and date at the right, and a footer with the page
number and who exported the document when. Chinese fonts are set on ``w:rFonts/@w:eastAsia`` (Word
uses that attribute for CJK text, not the plain font name) and declared in the font table with a
common fallback (``w:altName``: 宋体 / 仿宋 / 黑体 / 楷体) for machines without the official fonts.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor
from docx.text.paragraph import Paragraph
from docx.text.run import Run

from .excel import export_stamp

TITLE_FONT = "方正小标宋简体"
BODY_FONT = "仿宋_GB2312"
HEADING1_FONT = "黑体"
HEADING2_FONT = "楷体_GB2312"
LATIN_FONT = "Times New Roman"
# Font → what Word substitutes when the official font is not installed (Windows names, then Chinese).
FALLBACKS = {
    TITLE_FONT: ("宋体", "SimSun", "86"),
    BODY_FONT: ("仿宋", "FangSong", "86"),
    HEADING1_FONT: ("SimHei", "黑体", "86"),
    HEADING2_FONT: ("楷体", "KaiTi", "86"),
}
SIZE_TITLE = Pt(22)  # 二号
SIZE_BODY = Pt(16)  # 三号
SIZE_TABLE = Pt(12)  # 小四
SIZE_FOOTER = Pt(9)
LINE = Pt(28)


@dataclass
class Heading:
    text: str
    level: int = 1  # 1: 一、(黑体)  2: (一)(楷体)


@dataclass
class Table:
    headers: Sequence[str]
    rows: Sequence[Sequence[Any]]
    caption: str = ""
    widths_mm: Sequence[float] | None = None


Block = str | Heading | Table


@dataclass
class DocSpec:
    """What an official document says; ``render_docx`` and ``render_pdf`` lay it out."""

    title: str
    body: Sequence[Block] = ()
    doc_number: str = ""  # 文号, e.g. 某交警大队〔2026〕5号
    issuer: str = ""  # 发文机关标志 shown in red above the 文号 (optional)
    recipient: str = ""  # 主送机关
    subtitle: str = ""
    signature: str = ""  # 落款 (issuing unit)
    date: date | None = None
    actor: Any = None  # the exporting user, named in the footer
    when: datetime | None = None
    footer_text: str | None = None  # overrides the exporter stamp
    landscape: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def footer(self) -> str:
        return self.footer_text if self.footer_text is not None else export_stamp(self.actor, self.when)


def chinese_date(value: date) -> str:
    """2026年3月5日 (公文 dates use Arabic numerals without leading zeros)."""
    return f"{value.year}年{value.month}月{value.day}日"


def set_run_font(
    run: Run,
    east_asia: str,
    *,
    size: Pt | None = None,
    bold: bool | None = None,
    color: RGBColor | None = None,
    latin: str | None = None,
) -> Run:
    """Name the font (ascii/hAnsi) and, explicitly, ``w:eastAsia`` — the attribute Word reads for CJK text."""
    run.font.name = latin or east_asia
    rpr = run._element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    fonts.set(qn("w:eastAsia"), east_asia)
    fonts.set(qn("w:hint"), "eastAsia")
    if size is not None:
        run.font.size = size
    if bold is not None:
        run.font.bold = bold
    if color is not None:
        run.font.color.rgb = color
    return run


def _paragraph(
    container: Any,
    text: str,
    font: str,
    size: Pt,
    *,
    align: WD_ALIGN_PARAGRAPH | None = None,
    indent: bool = False,
    bold: bool | None = None,
    color: RGBColor | None = None,
    exact_line: bool = True,
) -> Paragraph:
    paragraph = container.add_paragraph()
    fmt = paragraph.paragraph_format
    if exact_line:
        fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        fmt.line_spacing = LINE
    fmt.space_before = Pt(0)
    fmt.space_after = Pt(0)
    if indent:
        fmt.first_line_indent = Pt(size.pt * 2)  # 首行缩进两字
    if align is not None:
        paragraph.alignment = align
    set_run_font(paragraph.add_run(text), font, size=size, bold=bold, color=color)
    return paragraph


def _declare_fonts(document: Any) -> None:
    """Add the official fonts to word/fontTable.xml with their fallbacks (``w:altName``)."""
    for part in document.part.package.iter_parts():
        if str(part.partname) != "/word/fontTable.xml":
            continue
        root = parse_xml(part.blob)
        known = {f.get(qn("w:name")) for f in root.findall(qn("w:font"))}
        for name, (alt, _, charset) in FALLBACKS.items():
            if name in known:
                continue
            font = OxmlElement("w:font")
            font.set(qn("w:name"), name)
            alt_name = OxmlElement("w:altName")
            alt_name.set(qn("w:val"), alt)
            font.append(alt_name)
            charset_el = OxmlElement("w:charset")
            charset_el.set(qn("w:val"), charset)
            font.append(charset_el)
            family = OxmlElement("w:family")
            family.set(qn("w:val"), "auto")
            font.append(family)
            root.append(font)
        from lxml import etree

        part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _default_fonts(document: Any) -> None:
    normal = document.styles["Normal"]
    normal.font.name = LATIN_FONT
    normal.font.size = SIZE_BODY
    rpr = normal.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    fonts.set(qn("w:eastAsia"), BODY_FONT)


def _page_number(paragraph: Paragraph) -> None:
    set_run_font(paragraph.add_run("— "), BODY_FONT, size=Pt(14))
    field_el = OxmlElement("w:fldSimple")
    field_el.set(qn("w:instr"), "PAGE")
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "1"
    run.append(text)
    field_el.append(run)
    paragraph._p.append(field_el)
    set_run_font(paragraph.add_run(" —"), BODY_FONT, size=Pt(14))


def _repeat_header(row: Any) -> None:
    trpr = row._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    trpr.append(header)


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return f"{value:.2f}".rstrip("0").rstrip(".")
    return str(value)


def _table(document: Any, spec: Table) -> None:
    if spec.caption:
        _paragraph(document, spec.caption, HEADING1_FONT, SIZE_TABLE, align=WD_ALIGN_PARAGRAPH.CENTER, exact_line=False)
    table = document.add_table(rows=1, cols=len(spec.headers))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    header = table.rows[0]
    _repeat_header(header)
    for cell, text in zip(header.cells, spec.headers, strict=True):
        cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
        set_run_font(cell.paragraphs[0].add_run(str(text)), HEADING1_FONT, size=SIZE_TABLE, bold=True)
    for values in spec.rows:
        cells = table.add_row().cells
        for cell, value in zip(cells, values, strict=False):
            cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
            set_run_font(cell.paragraphs[0].add_run(_cell_text(value)), BODY_FONT, size=SIZE_TABLE)
    if spec.widths_mm:
        for row in table.rows:
            for cell, width in zip(row.cells, spec.widths_mm, strict=False):
                cell.width = Mm(width)
    document.add_paragraph()


def render_docx(spec: DocSpec) -> bytes:
    """Lay out ``spec`` as a .docx and return its bytes."""
    document = Document()
    _default_fonts(document)
    _declare_fonts(document)
    section = document.sections[0]
    section.page_height, section.page_width = Mm(297), Mm(210)
    if spec.landscape:
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = section.page_height, section.page_width
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    section.footer_distance = Mm(15)

    document.core_properties.title = spec.title
    document.core_properties.author = spec.footer[:255]

    red = RGBColor(0xC0, 0x00, 0x00)
    if spec.issuer:
        _paragraph(
            document, spec.issuer, TITLE_FONT, Pt(36), align=WD_ALIGN_PARAGRAPH.CENTER, color=red, exact_line=False
        )
    if spec.doc_number:
        _paragraph(document, spec.doc_number, BODY_FONT, SIZE_BODY, align=WD_ALIGN_PARAGRAPH.CENTER)
        document.add_paragraph()
    title = _paragraph(document, spec.title, TITLE_FONT, SIZE_TITLE, align=WD_ALIGN_PARAGRAPH.CENTER, exact_line=False)
    title.paragraph_format.space_after = Pt(12)
    if spec.subtitle:
        _paragraph(document, spec.subtitle, HEADING2_FONT, SIZE_BODY, align=WD_ALIGN_PARAGRAPH.CENTER)
    if spec.recipient:
        _paragraph(document, f"{spec.recipient}:", BODY_FONT, SIZE_BODY)

    for block in spec.body:
        if isinstance(block, Heading):
            font = HEADING1_FONT if block.level <= 1 else HEADING2_FONT
            _paragraph(document, block.text, font, SIZE_BODY, indent=True)
        elif isinstance(block, Table):
            _table(document, block)
        else:
            for line in str(block).split("\n"):
                _paragraph(document, line, BODY_FONT, SIZE_BODY, indent=True)

    if spec.signature or spec.date:
        document.add_paragraph()
        if spec.signature:
            sig = _paragraph(document, spec.signature, BODY_FONT, SIZE_BODY, align=WD_ALIGN_PARAGRAPH.RIGHT)
            sig.paragraph_format.right_indent = Pt(32)
        if spec.date:
            when = _paragraph(document, chinese_date(spec.date), BODY_FONT, SIZE_BODY, align=WD_ALIGN_PARAGRAPH.RIGHT)
            when.paragraph_format.right_indent = Pt(32)

    footer = section.footer
    number = footer.paragraphs[0]
    number.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _page_number(number)
    stamp = footer.add_paragraph()
    stamp.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    set_run_font(stamp.add_run(spec.footer), BODY_FONT, size=SIZE_FOOTER, color=RGBColor(0x59, 0x59, 0x59))

    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


DOCX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
