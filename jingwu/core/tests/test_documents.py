"""The shared documents mechanism: Excel export/import, Word and PDF with Chinese text."""

from __future__ import annotations

import io
import zipfile
from datetime import date, datetime
from zoneinfo import ZoneInfo

import docx
import openpyxl
import pytest
from django.core.exceptions import ValidationError
from docx.oxml.ns import qn
from pypdf import PdfReader

from jingwu.core.documents import (
    Column,
    DocSpec,
    ExportColumn,
    Heading,
    Importer,
    PdfUnavailable,
    Table,
    as_date,
    as_text,
    audited_export,
    content_disposition,
    export_workbook,
    render_docx,
    render_pdf,
)
from jingwu.core.documents import pdf as pdf_module
from jingwu.core.models import AuditLog

SHANGHAI = ZoneInfo("Asia/Shanghai")


def workbook(rows) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


# --- Excel export --------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["=1+1", "+1", "-2+3", "@SUM(A1)", "\t=cmd", "\r=cmd", '=HYPERLINK("http://x","y")'])
def test_formula_like_text_is_stored_as_a_text_cell(value):
    data = export_workbook(title="台账", columns=[("内容", "v")], rows=[{"v": value}], actor=None)
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    cell = sheet["A3"]
    assert cell.value == value and cell.data_type == "s" and cell.quotePrefix
    xml = zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in xml


def test_export_layout_header_widths_freeze_and_footer(org):
    when = datetime(2026, 3, 5, 1, 30, tzinfo=ZoneInfo("UTC"))
    rows = [{"name": "张三丰", "n": 3, "d": date(2026, 1, 2)}, {"name": "李四", "n": -4, "d": None}]
    columns = [ExportColumn("姓名", "name"), ExportColumn("数量", "n"), ExportColumn("日期", "d")]
    data = export_workbook(title="测试台账", columns=columns, rows=rows, actor=org.lead_a, sheet_name="台账", when=when)
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    assert sheet.title == "台账" and sheet["A1"].value == "测试台账"
    assert [c.value for c in sheet[2]] == ["姓名", "数量", "日期"]
    assert sheet["A2"].font.b and sheet["A2"].fill.fgColor.rgb.endswith("1F4E79")
    assert sheet.freeze_panes == "A3"
    assert sheet.column_dimensions["A"].width >= 8
    assert sheet["B4"].value == -4 and sheet["B4"].data_type == "n"  # numbers stay numbers
    assert sheet["C3"].value == datetime(2026, 1, 2)
    stamp = "导出人:王中队(lead_a) 导出时间:2026-03-05 09:30"  # Beijing time
    assert sheet["A6"].value == stamp
    assert sheet.oddFooter.left.text == stamp


def test_audited_export_writes_one_audit_row_with_count_and_filters(org):
    audited_export(
        "test.ledger",
        title="台账",
        columns=[("姓名", "n")],
        rows=iter([{"n": "a"}, {"n": "b"}]),
        actor=org.political,
        filters={"kind": "police"},
    )
    row = AuditLog.objects.get(event="test.ledger.export")
    assert row.actor_id == org.political.pk and row.changes == {"rows": 2, "filters": {"kind": "police"}}


def test_chinese_filename_uses_rfc5987():
    header = content_disposition("人员台账_20260305.xlsx")
    assert header.startswith('attachment; filename="')
    assert "filename*=UTF-8''%E4%BA%BA%E5%91%98%E5%8F%B0%E8%B4%A6_20260305.xlsx" in header
    assert content_disposition("plain.xlsx") == 'attachment; filename="plain.xlsx"'


# --- Excel import --------------------------------------------------------------------------------


def _number(value):
    if not str(value).isdigit():
        raise ValidationError("应为数字 / digits only")
    return int(value)


COLUMNS = [
    Column("编号", "code", required=True, parser=_number),
    Column("名称", "name", required=True, parser=as_text(4), aliases=["姓名"]),
    Column("日期", "day", parser=as_date),
]


def test_header_is_found_below_a_title_in_any_order_with_extra_columns(db):
    data = workbook(
        [
            ["某某台账"],
            [],
            ["备注", "日期", "姓名", "编号"],
            ["x", "2024/3/5", "张三", 7],
            [None],
            ["", "2024年3月6日", "李四", "8"],
        ]
    )
    report = Importer(COLUMNS, area="test").read(data, "a.xlsx")
    assert report.ok, report.errors
    assert report.header_row == 3
    assert [(r.number, r.values) for r in report.rows] == [
        (4, {"code": 7, "name": "张三", "day": date(2024, 3, 5)}),
        (6, {"code": 8, "name": "李四", "day": date(2024, 3, 6)}),
    ]


def test_every_bad_cell_is_reported_with_row_column_value_reason(db):
    data = workbook([["编号", "名称", "日期"], ["a1", "很长很长的名字", "2024-02-30"], [3, None, "下周"]])
    report = Importer(COLUMNS, area="test").read(data, "a.xlsx")
    got = [(e.row, e.column, e.header, e.value) for e in report.errors]
    assert got == [
        (2, "A", "编号", "a1"),
        (2, "B", "名称", "很长很长的名字"),
        (2, "C", "日期", "2024-02-30"),
        (3, "B", "名称", ""),
        (3, "C", "日期", "下周"),
    ]
    assert "不存在" in report.errors[2].reason and "必填" in report.errors[3].reason


def test_row_validator_errors_land_on_the_named_column(db):
    def check(row):
        if row.values["code"] == 2:
            raise ValidationError({"name": "名称与编号不符", "__all__": "整行有误"})

    report = Importer(COLUMNS, area="test", row_validator=check).read(
        workbook([["编号", "名称"], [1, "甲"], [2, "乙"]]), "a"
    )
    assert [(e.row, e.column, e.reason) for e in report.errors] == [(3, "B", "名称与编号不符"), (3, "", "整行有误")]


def test_apply_runs_only_when_clean_and_rolls_back_everything_on_a_row_error(org):
    from jingwu.core import audit

    def apply(row):
        audit.record("test.row", actor=org.political, changes={"row": row.number})
        if row.values["code"] == 3:
            raise ValidationError({"name": "数据库中已有同名记录"})
        return "created"

    importer = Importer(COLUMNS, area="test")
    data = workbook([["编号", "名称"], [1, "甲"], [2, "乙"], [3, "丙"], [4, "丁"]])
    report = importer.run(data, filename="a.xlsx", actor=org.political, apply=apply)
    assert not report.applied
    assert [(e.row, e.column, e.reason) for e in report.errors] == [(4, "B", "数据库中已有同名记录")]
    assert not AuditLog.objects.filter(event="test.row").exists()  # rows 2 and 3 were rolled back
    rejected = AuditLog.objects.get(event="test.import")
    assert not rejected.success and rejected.changes["result"] == "rejected" and rejected.changes["file"] == "a.xlsx"

    bad = workbook([["编号", "名称"], [1, "甲"], ["x", "乙"]])
    report = importer.run(bad, filename="b.xlsx", actor=org.political, apply=apply)
    assert not report.applied and not AuditLog.objects.filter(event="test.row").exists()  # apply never ran

    good = workbook([["编号", "名称"], [1, "甲"], [2, "乙"]])
    report = importer.run(good, filename="c.xlsx", actor=org.political, apply=apply)
    assert report.applied and report.summary == {"created": 2}
    assert AuditLog.objects.filter(event="test.row").count() == 2
    assert AuditLog.objects.filter(event="test.import", success=True).get().changes["rows"] == 2


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "文件为空"),
        ("编号,名称\n1,甲".encode(), "不是有效的 Excel"),
        (b"PK\x03\x04 not really a zip", "不是有效的 Excel"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "另存为 .xlsx"),
        (workbook([["编号", "日期"], [1, "2024-01-01"]]), "缺少必需列:名称"),
        (workbook([["编号", "名称", "名称"], [1, "甲", "乙"]]), "出现多次"),
        (workbook([["随便"], [1]]), "找不到表头行"),
        (workbook([["编号", "名称"]]), "没有数据行"),
    ],
)
def test_unusable_files_are_rejected_with_a_clear_message(db, data, message):
    report = Importer(COLUMNS, area="test").read(data, "a.xlsx")
    assert not report.ok and message in report.file_errors[0].reason


def test_size_and_row_limits(db):
    data = workbook([["编号", "名称"], *[[i, "甲"] for i in range(1, 12)]])
    assert "上限" in Importer(COLUMNS, area="t", max_rows=10).read(data, "a").file_errors[0].reason
    assert Importer(COLUMNS, area="t", max_rows=11).read(data, "a").ok
    assert "MB 上限" in Importer(COLUMNS, area="t", max_bytes=len(data) - 1).read(data, "a").file_errors[0].reason


def test_report_renders_escaped_html_and_an_error_workbook(db):
    data = workbook([["编号", "名称", "备注"], ["<script>x</script>", "甲", "留着"], [2, "乙", ""]])
    report = Importer(COLUMNS, area="test").read(data, "a.xlsx")
    html = str(report.as_html())
    assert "&lt;script&gt;" in html and "<script>" not in html
    assert '<th scope="col">行</th>' in html and "<td>2</td><td>A 编号</td>" in html
    sheet = openpyxl.load_workbook(io.BytesIO(report.to_error_xlsx())).active
    assert [c.value for c in sheet[1]] == ["编号", "名称", "备注", "错误说明"]
    assert [c.value for c in sheet[2]][:3] == ["<script>x</script>", "甲", "留着"]
    assert "A列编号" in sheet["D2"].value and sheet["D3"].value is None
    assert sheet["A2"].fill.fgColor.rgb.endswith("F8CBAD")


# --- Word ------------------------------------------------------------------------------------------


def spec(actor=None) -> DocSpec:
    return DocSpec(
        title="关于一季度执法巡查情况的通报",
        doc_number="测试交警大队〔2026〕5号",
        recipient="各中队",
        body=[
            Heading("一、总体情况"),
            "一季度共巡查警情128起,发现问题12个,已全部整改。",
            Table(["单位", "巡查数", "问题数"], [["甲中队", 64, 7], ["乙中队", 64, 5]], caption="各中队巡查情况"),
            Heading("(一)存在问题", level=2),
        ],
        signature="测试交警大队",
        date=date(2026, 4, 2),
        actor=actor,
        when=datetime(2026, 4, 2, 9, 15, tzinfo=SHANGHAI),
    )


def test_word_document_has_title_number_table_signature_and_footer(org):
    document = docx.Document(io.BytesIO(render_docx(spec(org.political))))
    texts = [p.text for p in document.paragraphs]
    assert "关于一季度执法巡查情况的通报" in texts and "测试交警大队〔2026〕5号" in texts
    assert "各中队:" in texts and "2026年4月2日" in texts and "测试交警大队" in texts
    table = document.tables[0]
    assert [c.text for c in table.rows[0].cells] == ["单位", "巡查数", "问题数"]
    assert [c.text for c in table.rows[1].cells] == ["甲中队", "64", "7"]
    assert table.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None  # header repeats on each page
    footer = " ".join(p.text for p in document.sections[0].footer.paragraphs)
    assert "导出人:political(political) 导出时间:2026-04-02 09:15" in footer


def test_word_title_and_body_set_chinese_fonts_on_east_asia(db):
    data = render_docx(spec())
    document = docx.Document(io.BytesIO(data))
    title = next(p for p in document.paragraphs if p.text.startswith("关于"))
    fonts = title.runs[0]._element.rPr.find(qn("w:rFonts"))
    assert fonts.get(qn("w:eastAsia")) == "方正小标宋简体" and fonts.get(qn("w:ascii")) == "方正小标宋简体"
    assert title.runs[0].font.size.pt == 22
    body = next(p for p in document.paragraphs if p.text.startswith("一季度"))
    assert body.runs[0]._element.rPr.find(qn("w:rFonts")).get(qn("w:eastAsia")) == "仿宋_GB2312"
    font_table = zipfile.ZipFile(io.BytesIO(data)).read("word/fontTable.xml").decode()
    assert 'w:name="方正小标宋简体"' in font_table and 'w:altName w:val="宋体"' in font_table


# --- PDF -------------------------------------------------------------------------------------------


def test_pdf_contains_the_chinese_text_and_footer(org):
    reader = PdfReader(io.BytesIO(render_pdf(spec(org.political))))
    text = "".join(page.extract_text() for page in reader.pages)
    compact = "".join(text.split())
    assert "关于一季度执法巡查情况的通报" in compact
    assert "甲中队" in compact and "测试交警大队〔2026〕5号" in compact
    assert "导出人:political(political)" in compact


def test_pdf_from_html_loads_no_remote_or_local_resource(db, monkeypatch):
    import urllib.request

    opened = []
    monkeypatch.setattr(urllib.request.OpenerDirector, "open", lambda self, url, *a, **k: opened.append(url))
    html = (
        '<h1>警情日报</h1><img src="http://127.0.0.1:9/x.png"><img src="file:///etc/hostname">'
        '<link rel="stylesheet" href="file:///etc/passwd"><p>共处置警情 <b>42</b> 起</p>'
    )
    text = "".join(PdfReader(io.BytesIO(render_pdf(html, footer="页脚文字"))).pages[0].extract_text().split())
    assert "警情日报" in text and "共处置警情42起" in text and "页脚文字" in text
    assert opened == []


def test_pdf_without_a_chinese_font_raises_a_clear_error(db, monkeypatch):
    monkeypatch.setattr(pdf_module, "cjk_fonts", lambda: ())
    with pytest.raises(PdfUnavailable, match="中文字体"):
        render_pdf(spec())
    assert not pdf_module.pdf_available()
