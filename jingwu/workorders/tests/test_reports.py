"""The monthly 通报 (Word): opened with python-docx, it says the computed sentence, ranks the units
with their figures and lists the overdue, shirked and exempted orders; the export is audited."""

from __future__ import annotations

import io

import docx
import pytest

from jingwu.core import metrics
from jingwu.core.models import AuditLog
from jingwu.workorders.reports import month_bounds, quarter_bounds
from jingwu.workorders.selectors import period_summary

from .test_dashboard_data import MAY, build_dataset

pytestmark = pytest.mark.django_db

URL = "/workorders/dashboard/report.docx"


@pytest.fixture
def data(org):
    return build_dataset(org)


def download(client, user, **params):
    client.force_login(user)
    return client.get(URL, params)


def open_docx(response):
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.wordprocessingml")
    assert "attachment" in response["Content-Disposition"]
    return docx.Document(io.BytesIO(response.content))


def table_rows(table):
    return [[cell.text for cell in row.cells] for row in table.rows]


def test_monthly_report_says_the_figures_of_the_month(client, org, data):
    document = open_docx(download(client, org.leader, unit=org.brigade.code, month="2023-05"))
    paragraphs = [p.text for p in document.paragraphs]
    assert "接诉即办工作通报" in paragraphs
    assert "测试大队接诉通〔2023〕5号" in paragraphs
    sentence = period_summary(org.brigade, *MAY, user=org.leader).sentence
    assert sentence in paragraphs
    assert "推诿工单1件、超期工单2件" in sentence

    ranking, overdue, shirked, exempted = document.tables
    rows = table_rows(ranking)
    assert rows[0] == [
        "排名",
        "单位",
        "综合得分",
        "响应率",
        "解决率",
        "满意率",
        "办结数",
        "超期件",
        "推诿件",
        "退单次数",
        "催办",
        "通报",
        "重办率",
    ]
    assert rows[1][:2] == ["1", "乙中队"] and rows[2][:2] == ["2", "甲中队"]
    a = {
        key: metrics.compute(f"workorders.{key}", org.squadron_a, *MAY, user=org.leader).display
        for key in (
            "composite",
            "response_rate",
            "resolution_rate",
            "satisfaction_rate",
            "completed",
            "overdue",
            "shirked",
            "returns",
            "urges",
            "notices",
            "reopen_rate",
        )
    }
    assert rows[2][2:] == list(a.values())
    assert list(a.values()) == ["62", "50%", "66.7%", "60%", "3件", "2件", "1件", "2次", "0次", "0次", "33.3%"]
    assert rows[3][1] == "测试大队(合计)" and rows[3][2:5] == ["71.25", "60%", "75%"]  # 6 + 33.75 + 31.5

    overdue_numbers = {r[0] for r in table_rows(overdue)[1:]}
    assert overdue_numbers == {data.a3.number, data.a5.number}
    assert table_rows(overdue)[1:][[r[0] for r in table_rows(overdue)[1:]].index(data.a5.number)][5] == "未办结"
    assert [r[0] for r in table_rows(shirked)[1:]] == [data.a5.number]
    assert table_rows(shirked)[1][2:5] == ["甲中队", "2", "0"]  # the unit that bounced it, twice
    assert table_rows(exempted)[1][0] == data.a4.number
    assert table_rows(exempted)[1][4] == "不属于管辖范围:属铁路公安管辖"
    assert table_rows(exempted)[1][5] == "2023-05-07 09:00"  # Beijing time


def test_report_export_is_audited(client, org, data):
    download(client, org.leader, unit=org.squadron_a.code, month="2023-05")
    row = AuditLog.objects.get(event="workorders.report.export")
    assert row.actor_id == org.leader.pk
    assert row.changes["unit"] == org.squadron_a.code and row.changes["month"] == "2023-05"


def test_a_quiet_month_says_there_is_nothing_to_report(client, org, data):
    document = open_docx(download(client, org.lead_b, month="2023-05"))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "三率均达到100%" in text
    assert "本月无超期工单。" in text and "本月无推诿工单。" in text and "本月无免考核工单。" in text
    assert len(document.tables) == 1  # only the ranking: a squadron is ranked among its siblings
    rows = table_rows(document.tables[0])
    assert [r[:2] for r in rows[1:]] == [["1", "乙中队(本单位)"], ["2", "甲中队"]]
    assert "测试大队所属各单位排名" in text


def test_report_scope_and_bad_input(client, org, data):
    assert download(client, org.lead_a, unit=org.squadron_b.code, month="2023-05").status_code == 404
    assert download(client, org.political, month="2023-05").status_code == 403
    bad = download(client, org.leader, month="2023-5x")
    assert bad.status_code == 400 and "YYYY-MM" in bad.content.decode()
    client.logout()
    assert client.get(URL, {"month": "2023-05"}).status_code == 302
    assert not AuditLog.objects.filter(event="workorders.report.export").exists()


def test_period_parsing():
    assert [d.isoformat() for d in month_bounds("2024-02")] == ["2024-02-01", "2024-02-29"]
    assert [d.isoformat() for d in quarter_bounds("2023-q4")] == ["2023-10-01", "2023-12-31"]
    for bad in ("2023-00", "23-05", "2023-05-01", ""):
        with pytest.raises(ValueError):
            month_bounds(bad)
    with pytest.raises(ValueError):
        quarter_bounds("2023-Q5")
