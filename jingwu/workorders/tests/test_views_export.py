"""The Excel ledger of the list: 12345 columns, masked citizen data, scope, audit row."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from jingwu.core.models import AuditLog

from .helpers import make_order, t

pytestmark = pytest.mark.django_db

HEADERS = [
    "工单编号", "来源", "来源编号", "受理时间", "诉求人", "联系电话", "地址", "类别", "诉求内容",
    "承办单位", "状态", "派单时间", "签收时限", "签收时间", "首次联系时间", "办结时限", "办结时间",
    "答复内容", "办理结果", "回访时间", "回访次数", "回访结果", "是否解决", "满意度", "是否超期",
    "是否推诿", "免考核", "重办次数", "退单次数", "催办次数",
]  # fmt: skip


def rows_of(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    ws = load_workbook(io.BytesIO(response.content)).active
    values = [[c.value for c in row] for row in ws.iter_rows()]
    assert values[1] == HEADERS
    return [dict(zip(HEADERS, r, strict=False)) for r in values[2:] if r[0] and str(r[0]).startswith("T")]


def test_export_has_ledger_columns_masked_and_scoped(client, org):
    mine = make_order(
        org.squadron_a,
        citizen_name="王小明",
        citizen_phone="13912345678",
        address="幸福路1号",
        rejected_return_count=1,
        completed_at=t("2023-05-12 10:00"),
        state="closed",
        callback_reached=True,
        callback_resolved=True,
        callback_satisfaction="satisfied",
    )
    theirs = make_order(org.squadron_b, citizen_phone="13800000000")
    client.force_login(org.lead_a)
    rows = rows_of(client.get("/workorders/export/"))
    assert [r["工单编号"] for r in rows] == [mine.number]
    row = rows[0]
    assert row["联系电话"] == "139****5678" and row["诉求人"] == "王**"
    assert row["承办单位"] == "甲中队" and row["状态"] == "已回访办结"
    assert row["回访结果"] == "已解决" and row["满意度"] == "满意"
    assert row["是否超期"] == "是"  # completed 05-12 after the 05-10 deadline
    assert row["是否推诿"] == "是"  # a rejected return
    assert theirs.number.encode() not in client.get("/workorders/export/").content
    audit = AuditLog.objects.filter(event="workorders.export", actor_username="lead_a").latest("id")
    assert audit.changes["rows"] == 1

    client.force_login(org.leader)
    rows = rows_of(client.get("/workorders/export/?q=幸福路"))
    assert [r["工单编号"] for r in rows] == [mine.number]
    assert AuditLog.objects.filter(event="workorders.export", actor_username="leader").latest("id").changes[
        "filters"
    ] == {"q": "幸福路"}
    assert len(rows_of(client.get("/workorders/export/"))) == 2


def test_an_export_over_the_limit_is_refused_with_a_message_not_cut_short(client, org, monkeypatch):
    from jingwu.workorders.views import pages

    monkeypatch.setattr(pages, "EXPORT_LIMIT", 2)
    for n in range(3):
        make_order(org.squadron_a, number=f"T{n:03d}", received_at=t(f"2023-05-0{n + 1} 10:00"))
    client.force_login(org.leader)
    before = AuditLog.objects.filter(event="workorders.export").count()
    response = client.get("/workorders/export/", {"q": ""})
    assert response.status_code == 302 and response["Location"].startswith("/workorders/")
    page = client.get(response["Location"])
    assert "导出超过 2 条,请缩小筛选范围" in page.content.decode()
    assert AuditLog.objects.filter(event="workorders.export").count() == before  # nothing exported
    monkeypatch.setattr(pages, "EXPORT_LIMIT", 3)
    assert len(rows_of(client.get("/workorders/export/"))) == 3
