"""12345 hotline Excel import: all or nothing, cell-level report, idempotent by platform order number."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook

from jingwu.core.models import AuditLog
from jingwu.workorders import services
from jingwu.workorders.models import OrderSource, WorkOrder
from jingwu.workorders.services.hotline import DEFAULT_PLATFORMS

pytestmark = pytest.mark.django_db

HEADERS = ["工单编号", "受理时间", "来电人", "联系电话", "诉求类型", "问题地址", "诉求内容"]
ROWS = [
    ["2023050800001", "2023-05-08 09:05", "王女士", "13912345678", "求助类", "幸福路88号", "小区门口车辆乱停"],
    ["2023050800002", "2023年5月8日 10时20分", "李先生", "010-62345678", "投诉类", "建设路1号", "夜间施工噪音"],
]


def xlsx(rows, headers=HEADERS) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(["12345热线工单导出"])  # a title above the header row
    ws.append(headers)
    for row in rows:
        ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def run(org, data, **extra):
    return services.hotline_import(actor=org.leader, data=data, filename="12345.xlsx", intake_unit=org.brigade, **extra)


def test_import_creates_orders_and_reimport_creates_no_duplicates(org):
    report = run(org, xlsx(ROWS))
    assert report.ok and report.applied and report.summary == {"created": 2}
    orders = WorkOrder.objects.order_by("source_number")
    assert [o.source_number for o in orders] == ["2023050800001", "2023050800002"]
    assert orders[1].category.code == "complaint" and orders[1].citizen_phone == "01062345678"
    assert orders[1].received_at.isoformat() == "2023-05-08T02:20:00+00:00"
    assert all(o.source == WorkOrder.Source.HOTLINE for o in orders)

    again = run(org, xlsx(ROWS))
    assert again.applied and again.summary == {"unchanged": 2}
    assert WorkOrder.objects.count() == 2


def test_any_bad_cell_rejects_the_whole_file_and_names_the_cell(org):
    rows = [*ROWS, ["2023050800003", "2023-05-08 11:00", "赵", "12345", "求助类", "x", "求助"]]
    rows.append(["2023050800004", "昨天", "钱", "13800001111", "不存在类", "x", "求助"])
    audits = AuditLog.objects.count()
    report = run(org, xlsx(rows))
    assert not report.applied and not WorkOrder.objects.exists()
    where = {(e.row, e.column) for e in report.errors}
    assert where == {(5, "D"), (6, "B"), (6, "E")}
    assert any("联系电话" in e.reason for e in report.errors if e.column == "D")
    assert AuditLog.objects.count() == audits + 1  # the refused import is audited, nothing else written


def test_duplicate_number_inside_the_file_is_an_error(org):
    report = run(org, xlsx([ROWS[0], ROWS[0]]))
    assert not report.applied and [(e.row, e.column) for e in report.errors] == [(4, "A")]
    assert not WorkOrder.objects.exists()


def test_import_needs_the_intake_capability(org):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.hotline_import(actor=org.political, data=xlsx(ROWS), filename="x.xlsx")
    assert not WorkOrder.objects.exists()


def test_a_repeated_number_is_reported_even_on_a_row_with_other_errors(org):
    bad_phone = [ROWS[0][0], "2023-05-08 11:00", "赵", "12345", "求助类", "x", "求助"]
    report = run(org, xlsx([ROWS[0], bad_phone]))
    assert not report.applied and not WorkOrder.objects.exists()
    assert {(e.row, e.column) for e in report.errors} == {(4, "A"), (4, "D")}
    assert any("与第3行的工单编号重复" in e.reason for e in report.errors if e.column == "A")


PLATFORM_COLUMNS = DEFAULT_PLATFORMS["12345"].columns
OTHER = {
    "name": "乌海12345",
    "columns": {field: [header, *aliases] for field, (header, aliases) in PLATFORM_COLUMNS.items()},
    "categories": dict(DEFAULT_PLATFORMS["12345"].categories),
}


def test_numbers_are_keyed_per_platform(org, settings):
    settings.WORKORDERS_HOTLINE_PLATFORMS = {"wuhai": OTHER}
    assert run(org, xlsx(ROWS)).summary == {"created": 2}
    # the same numbers from another platform are other orders; again from that platform: unchanged
    assert run(org, xlsx(ROWS), platform="wuhai").summary == {"created": 2}
    assert run(org, xlsx(ROWS), platform="wuhai").summary == {"unchanged": 2}
    assert run(org, xlsx(ROWS)).summary == {"unchanged": 2}
    assert sorted(OrderSource.objects.values_list("platform", flat=True)) == ["12345", "12345", "wuhai", "wuhai"]
    assert sorted(WorkOrder.objects.values_list("source_platform", flat=True)) == ["12345", "12345", "wuhai", "wuhai"]


def test_the_import_lists_the_created_orders_with_possible_repeats(org):
    same_phone = ["2023050800009", "2023-05-09 09:00", "王女士", "13912345678", "求助类", "别处", "还是乱停车"]
    repeats: list = []
    report = run(org, xlsx([*ROWS, same_phone]), repeats=repeats)
    assert report.applied
    assert [(r.order.source_number, r.count) for r in repeats] == [("2023050800009", 1)]
    # an older demand imported after a newer one sees it too (the window runs both ways)
    older = ["2023050100001", "2023-05-01 09:00", "王女士", "13912345678", "求助类", "幸福路88号", "车辆乱停"]
    later: list = []
    run(org, xlsx([older]), repeats=later)
    assert [(r.order.source_number, r.count) for r in later] == [("2023050100001", 2)]
