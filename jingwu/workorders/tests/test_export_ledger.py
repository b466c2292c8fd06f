"""The Excel ledger carries the columns of a 12345 ledger — the step times and deadlines, the latest
reply and result, the callback count and answer, the counters — read without a query per row."""

from __future__ import annotations

import io
from datetime import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from jingwu.workorders.models import Callback, Completion

from .helpers import make_order, t

pytestmark = pytest.mark.django_db

NEW_COLUMNS = [
    "派单时间", "签收时限", "签收时间", "首次联系时间", "办结时限", "答复内容", "办理结果",
    "回访时间", "回访次数", "是否解决", "免考核", "重办次数", "退单次数", "催办次数",
]  # fmt: skip


def sheet(response) -> tuple[list[str], dict[str, dict[str, object]]]:
    assert response.status_code == 200
    ws = load_workbook(io.BytesIO(response.content)).active
    values = [[c.value for c in row] for row in ws.iter_rows()]
    headers = [str(v) for v in values[1]]
    rows = {str(r[0]): dict(zip(headers, r, strict=False)) for r in values[2:] if r[0] and str(r[0]).startswith("T")}
    return headers, rows


def as_text(value: object) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if isinstance(value, datetime) else str(value)


def reopened_then_closed(org):
    order = make_order(
        org.squadron_a,
        state="closed",
        accepted_at=t("2023-05-04 09:40"),
        first_contact_at=t("2023-05-04 10:15"),
        completed_at=t("2023-05-09 16:00"),
        called_back_at=t("2023-05-10 09:00"),
        callback_reached=True,
        callback_resolved=True,
        callback_satisfaction="satisfied",
        reopen_count=1,
        return_count=2,
        urge_count=3,
        exempted=True,
    )
    first = Completion.objects.create(
        order=order,
        round=0,
        reply="已劝离",
        result="explained",
        completed_by=org.lead_a,
        completed_at=t("2023-05-05 16:00"),
    )
    Completion.objects.create(
        order=order,
        round=1,
        reply="已清理通道并设置隔离桩",
        result="solved",
        completed_by=org.lead_a,
        completed_at=t("2023-05-09 16:00"),
    )
    for attempt, at, reached in (
        (1, "2023-05-06 09:00", True),
        (1, "2023-05-10 08:00", False),
        (2, "2023-05-10 09:00", True),
    ):
        Callback.objects.create(
            order=order,
            round=0 if at < "2023-05-09" else 1,
            attempt=attempt,
            called_at=t(at),
            called_by=org.leader,
            reached=reached,
        )
    assert first.pk
    return order


def test_ledger_has_the_12345_columns_with_values(client, org):
    order = reopened_then_closed(org)
    open_one = make_order(org.squadron_a)
    client.force_login(org.lead_a)
    headers, rows = sheet(client.get("/workorders/export/"))
    for column in NEW_COLUMNS:
        assert column in headers, column
    row = rows[order.number]
    assert as_text(row["派单时间"]) == "2023-05-04 09:00"
    assert as_text(row["签收时限"]) == "2023-05-04 11:00"
    assert as_text(row["签收时间"]) == "2023-05-04 09:40"
    assert as_text(row["首次联系时间"]) == "2023-05-04 10:15"
    assert as_text(row["办结时限"]) == "2023-05-10 18:00"
    assert as_text(row["回访时间"]) == "2023-05-10 09:00"
    assert row["答复内容"] == "已清理通道并设置隔离桩"  # the latest reply, not the first round's
    assert row["办理结果"] == "已解决"
    assert row["回访次数"] == 3
    assert row["是否解决"] == "是" and row["免考核"] == "是"
    assert (row["重办次数"], row["退单次数"], row["催办次数"]) == (1, 2, 3)
    blank = rows[open_one.number]
    assert blank["答复内容"] in ("", None) and blank["回访次数"] == 0 and blank["是否解决"] == "—"
    assert blank["免考核"] == "否" and blank["重办次数"] == 0


def test_ledger_queries_do_not_grow_with_rows(client, org):
    client.force_login(org.leader)

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get("/workorders/export/")
        assert response.status_code == 200
        return len(ctx)

    for _ in range(5):
        reopened_then_closed(org)
    count()  # the first request warms the per-process caches (session, roles)
    few = count()
    for _ in range(45):
        reopened_then_closed(org)
    many = count()
    _, rows = sheet(client.get("/workorders/export/"))
    assert len(rows) == 50 and all(r["回访次数"] == 3 for r in rows.values())
    assert many == few
