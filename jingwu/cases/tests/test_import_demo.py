"""The 110 incident import (all or nothing, keyed by number) and the demo loader."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook

from jingwu.cases import demo, selectors
from jingwu.cases.models import Case, Incident
from jingwu.cases.services.importing import import_incidents
from jingwu.core.models import AuditLog
from jingwu.org.models import Unit, User

pytestmark = pytest.mark.django_db
HEADERS = ["警情编号", "接警时间", "警情类别", "管辖单位", "发生地点", "报警人", "报警电话", "处置结果", "处置时间"]


def workbook(rows):
    wb = Workbook()
    ws = wb.active
    ws.append(["110接处警数据导出"])
    ws.append(HEADERS)
    for row in rows:
        ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def test_import_all_or_nothing_then_update_by_number(world):
    org = world.org
    good = ["J150621202403050001", "2024-03-05 14:30", "0301", "150621000100", "某路口", "张某", "13800138000", "", ""]
    bad_unit = ["J150621202403050002", "2024-03-05 15:00", "交通事故", "150621000200", "", "", "", "", ""]
    bad_time = ["J150621202403050003", "2024-03-05 25:00", "0301", "150621000100", "", "", "", "", ""]
    report = import_incidents(workbook([good, bad_unit, bad_time]), filename="110.xlsx", actor=org.lead_a)
    assert not report.applied and not Incident.objects.exists()
    located = {(e.row, e.header) for e in report.errors}
    assert (4, "管辖单位") in located and (5, "接警时间") in located
    report = import_incidents(workbook([good]), filename="110.xlsx", actor=org.lead_a)
    assert report.applied and report.summary == {"created": 1}
    incident = Incident.objects.get()
    assert incident.caller_phone == "13800138000" and incident.state == Incident.State.RECEIVED
    disposed = [*good[:7], "双方协商解决", "2024-03-05 16:00"]
    report = import_incidents(workbook([disposed]), filename="110-2.xlsx", actor=org.lead_a)
    assert report.summary == {"updated": 1}
    incident.refresh_from_db()
    assert incident.state == Incident.State.DISPOSED and incident.disposal_result == "双方协商解决"
    results = list(
        AuditLog.objects.filter(event="cases.incident.import")
        .order_by("occurred_at")
        .values_list("changes__result", flat=True)
    )
    assert results == ["rejected", "applied", "applied"]


def test_demo_is_deterministic_and_idempotent(db):
    from jingwu.org import demo as org_demo

    org_demo.load(seed=5)
    first = demo.load(seed=5)
    assert first["cases_created"] == demo.ENV_CASES + demo.TRAFFIC_CASES
    numbers = sorted(Case.objects.values_list("number", "amount_involved"))
    assert demo.load(seed=5)["cases_created"] == 0
    assert sorted(Case.objects.values_list("number", "amount_involved")) == numbers
    bureau = Unit.objects.get(code=demo.BUREAU_CODE)
    leader = User.objects.get(username="city_leader")
    text = selectors.case_summary(bureau, "2022-01-01", demo.LAST_DAY, user=leader).text
    assert text.startswith(f"2022年1月1日至{demo.LAST_DAY.year}年") or text.startswith("2022年以来")
    assert "全市公安机关共立涉环食药领域刑事案件200起" in text
    # the traffic brigade's own leader sees its traffic cases and none of the bureau's
    brigade_leader = User.objects.get(username="leader")
    assert selectors.case_list(brigade_leader).count() == demo.TRAFFIC_CASES
