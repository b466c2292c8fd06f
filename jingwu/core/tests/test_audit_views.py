"""The audit log pages: only the 审计管理员 reads them; filters, pages, detail, audited export."""

from __future__ import annotations

import io
from datetime import timedelta
from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from jingwu.core import audit, context
from jingwu.core.models import AuditLog

pytestmark = pytest.mark.django_db


@pytest.fixture
def auditor(client, org):
    client.force_login(org.auditadmin)
    return client


def _rows(org) -> None:
    with context.acting(origin="web", ip="10.0.0.8", user=org.lead_a):
        audit.record(
            "org.person.update", obj=org.person_a, changes={"position": ["民警", "警长"], "phone": ["***", "***"]}
        )
        audit.record("org.person.reveal", obj=org.person_b, success=False, message="无权查看敏感信息")
    with context.acting(origin="web", user=org.sysadmin):
        audit.record("org.unit.update", obj=org.squadron_a, changes={"name": ["甲中队", "一中队"]})


@pytest.mark.parametrize("username", ["lead_a", "leader", "sysadmin", "secadmin", "political", "nobody"])
def test_other_roles_are_refused(client, org, username):
    _rows(org)
    client.force_login(getattr(org, username))
    first = AuditLog.objects.first()
    for url in ("/core/audit/", f"/core/audit/{first.pk}/", "/core/audit/export/"):
        assert client.get(url).status_code == 403, url
    assert not AuditLog.objects.filter(event="core.audit.export").exists()


def test_anonymous_is_sent_to_login(client, org):
    response = client.get("/core/audit/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_auditor_sees_the_log_newest_first_with_labels(auditor, org):
    _rows(org)
    response = auditor.get("/core/audit/")
    assert response.status_code == 200
    page = response.context["page"]
    assert [r.event for r in page.object_list] == [
        "org.unit.update",
        "org.person.reveal",
        "org.person.update",
        "auth.login",  # the auditor's own login, written by the login signal
    ]
    html = response.content.decode()
    assert "审计日志" in html and "lead_a" in html and "10.0.0.8" in html and "失败" in html


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"event": "org.person"}, {"org.person.update", "org.person.reveal"}),
        ({"actor": "sysadm"}, {"org.unit.update"}),
        ({"object_type": "org.unit"}, {"org.unit.update"}),
        ({"success": "0"}, {"org.person.reveal"}),
        ({"success": "1", "event": "org."}, {"org.person.update", "org.unit.update"}),
    ],
)
def test_filters(auditor, org, query, expected):
    _rows(org)
    page = auditor.get("/core/audit/", query).context["page"]
    assert {r.event for r in page.object_list} == expected


def test_date_range_filter_uses_beijing_days(auditor, org):
    old = timezone.now() - timedelta(days=40)
    with mock.patch.object(audit.timezone, "now", return_value=old):
        audit.record("test.old")
    audit.record("test.today")
    today = timezone.localdate().isoformat()
    query = {"date_from": today, "event": "test."}
    events = {r.event for r in auditor.get("/core/audit/", query).context["page"].object_list}
    assert events == {"test.today"}
    old_day = timezone.localdate(old).isoformat()
    events = {
        r.event
        for r in auditor.get("/core/audit/", {"date_from": old_day, "date_to": old_day}).context["page"].object_list
    }
    assert events == {"test.old"}


def test_reversed_date_range_is_an_error_not_a_silent_empty_list(auditor, org):
    response = auditor.get("/core/audit/", {"date_from": "2026-03-02", "date_to": "2026-03-01"})
    assert "起始日期不能晚于截止日期" in response.content.decode()


def test_pagination_keeps_the_filters(auditor, org):
    for i in range(60):
        audit.record("test.many", object_id=str(i))
    audit.record("other.event")
    first = auditor.get("/core/audit/", {"event": "test."})
    assert len(first.context["page"].object_list) == 50
    assert "event=test.&amp;page=2" in first.content.decode()
    second = auditor.get("/core/audit/", {"event": "test.", "page": 2})
    assert len(second.context["page"].object_list) == 10


def test_list_query_count_does_not_grow_with_rows(auditor, org):
    audit.record("test.one")
    with CaptureQueriesContext(connection) as few:
        auditor.get("/core/audit/")
    for i in range(40):
        audit.record("test.more", object_id=str(i))
    with CaptureQueriesContext(connection) as many:
        auditor.get("/core/audit/")
    assert len(many) == len(few)


def test_detail_shows_changes_as_a_table_and_the_row_hash_check(auditor, org):
    _rows(org)
    row = AuditLog.objects.get(event="org.person.update")
    html = auditor.get(f"/core/audit/{row.pk}/").content.decode()
    assert "<code>position</code></td><td>民警</td><td>警长</td>" in html
    assert "内容与哈希一致" in html
    assert row.hash in html


def test_the_log_is_read_only(auditor, org):
    _rows(org)
    row = AuditLog.objects.first()
    for url in ("/core/audit/", f"/core/audit/{row.pk}/", "/core/audit/export/"):
        assert auditor.post(url, {"message": "x"}).status_code == 405
        assert auditor.delete(url).status_code == 405
    row.refresh_from_db()
    assert audit.verify() == []


def test_export_writes_the_filtered_rows_and_is_itself_audited(auditor, org):
    _rows(org)
    response = auditor.get("/core/audit/export/", {"event": "org.person"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    header = values[1]
    assert header[:2] == ["时间", "事件"]
    events = [row[1] for row in values[2:] if row[1]]
    assert sorted(events) == ["org.person.reveal", "org.person.update"]
    assert "***" in str(values) and "13800138000" not in str(values)

    export_row = AuditLog.objects.get(event="core.audit.export")
    assert export_row.actor_username == "auditadmin"
    assert export_row.changes["rows"] == 2
    assert export_row.changes["filters"] == {"event": "org.person"}
    assert audit.verify() == []


def test_an_unreadable_filter_never_widens_the_export(auditor, org):
    _rows(org)
    response = auditor.get("/core/audit/export/", {"date_from": "not-a-date", "event": "org.person"})
    assert response.status_code == 302 and response["Location"].startswith("/core/audit/?")
    assert not AuditLog.objects.filter(event="core.audit.export").exists()
    listed = auditor.get("/core/audit/", {"date_from": "not-a-date"})
    assert list(listed.context["page"].object_list) == []


def test_an_export_beyond_the_limit_is_refused_with_a_message(auditor, org, monkeypatch):
    from jingwu.core import views_audit

    _rows(org)
    monkeypatch.setattr(views_audit, "EXPORT_LIMIT", 2)
    response = auditor.get("/core/audit/export/", follow=True)
    assert "请缩小筛选范围" in response.content.decode()
    assert not AuditLog.objects.filter(event="core.audit.export").exists()
