"""Incident and case pages: scope rules, actions through the services, refusals that change nothing,
query budgets, the import page and the Excel export."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from jingwu.cases import services
from jingwu.cases.models import Case, Incident, Review
from jingwu.cases.services import importing
from jingwu.core.documents.importing import build_template
from jingwu.core.models import AuditLog
from jingwu.testing.factories import make_id_number
from jingwu.testing.scope_suite import WriteCheck, assert_scope_rules

from .conftest import World, approve, new_case, suspect

pytestmark = pytest.mark.django_db


def _incident(w: World, unit: Any = None, number: str = "J2024000001", **extra: Any) -> Incident:
    return services.incident_create(
        actor=extra.pop("actor", w.org.lead_a if unit is None else w.org.lead_b),
        unit=unit or w.org.squadron_a,
        number=number,
        received_at=timezone.now() - timedelta(hours=2),
        category=w.incident_category,
        caller_name="王小明",
        caller_phone="13800138000",
        **extra,
    )


def test_case_detail_scope_and_denied_action(client: Any, world: World) -> None:
    own = new_case(world)
    other = new_case(
        world,
        unit=world.org.squadron_b,
        actor=world.org.lead_b,
        lead_officer=world.org.person_b,
        handling_officers=[world.org.person_b, world.officer_b.person],
    )
    assert_scope_rules(
        client,
        url_for_own=reverse("cases:case-detail", args=[own.pk]),
        url_for_other_unit=reverse("cases:case-detail", args=[other.pk]),
        permitted_user=world.org.lead_a,
        no_permission_user=world.org.nobody,
        other_unit_user=world.org.lead_b,
        write=WriteCheck(
            "post",
            reverse("cases:case-action", args=[own.pk, "refuse_filing"]),
            {"reason": "不构成犯罪"},
            lambda: Case.objects.values("state", "closed_at").get(pk=own.pk),
        ),
    )


def test_incident_detail_scope_and_caller_masked(client: Any, world: World) -> None:
    own = _incident(world)
    other = _incident(world, unit=world.org.squadron_b, number="J2024000002")
    assert_scope_rules(
        client,
        url_for_own=reverse("cases:incident-detail", args=[own.pk]),
        url_for_other_unit=reverse("cases:incident-detail", args=[other.pk]),
        permitted_user=world.org.lead_a,
        no_permission_user=world.org.nobody,
        other_unit_user=world.org.lead_b,
        write=WriteCheck(
            "post",
            reverse("cases:incident-dispose", args=[own.pk]),
            {"disposal_result": "已处理"},
            lambda: Incident.objects.values("state", "disposal_result").get(pk=own.pk),
        ),
    )
    client.force_login(world.org.lead_a)
    html = client.get(reverse("cases:incident-detail", args=[own.pk])).content.decode()
    assert "13800138000" not in html and "王小明" not in html
    assert "138****8000" in html


def test_incident_create_dispose_convert(client: Any, world: World) -> None:
    client.force_login(world.org.lead_a)
    received = (timezone.localtime() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    bad = client.post(
        reverse("cases:incident-create"),
        {
            "unit": world.org.squadron_a.pk,
            "number": "bad number!",
            "received_at": received,
            "category": world.incident_category.pk,
            "caller_phone": "12",
        },
    )
    assert bad.status_code == 200 and not Incident.objects.exists()
    assert "警情编号应为6至40位" in bad.content.decode()
    response = client.post(
        reverse("cases:incident-create"),
        {
            "unit": world.org.squadron_a.pk,
            "number": "J2024000009",
            "received_at": received,
            "category": world.incident_category.pk,
            "location": "黄河大桥",
        },
    )
    incident = Incident.objects.get(number="J2024000009")
    assert response.status_code == 302 and response["Location"] == reverse("cases:incident-detail", args=[incident.pk])
    response = client.post(
        reverse("cases:incident-convert", args=[incident.pk]),
        {
            "kind": "criminal",
            "category": world.category.pk,
            "title": "黄河排污案",
            "lead_officer": world.org.person_a.pk,
            "handling_officers": [],
        },
    )
    assert response.status_code == 200, "one officer only: refused"
    assert "不得少于2人" in response.content.decode()
    assert not Case.objects.exists()
    response = client.post(
        reverse("cases:incident-convert", args=[incident.pk]),
        {
            "kind": "criminal",
            "category": world.category.pk,
            "title": "黄河排污案",
            "lead_officer": world.org.person_a.pk,
            "handling_officers": [world.partner_a.pk],
        },
    )
    case = Case.objects.get()
    assert response["Location"] == reverse("cases:case-detail", args=[case.pk])
    incident.refresh_from_db()
    assert incident.state == Incident.State.DISPOSED
    page = client.get(reverse("cases:incident-detail", args=[incident.pk])).content.decode()
    assert case.number in page


def test_case_review_flow_pages_and_self_approval(client: Any, world: World) -> None:
    case = new_case(world)
    client.force_login(world.org.officer_a)
    client.post(reverse("cases:review-submit", args=[case.pk]), {"decision": "file", "summary": "呈请立案"})
    review = Review.objects.get(case=case)
    # 法制 returns it with a reason; the handler resubmits; 法制 agrees; a leader approves.
    client.force_login(world.legal)
    empty = client.post(reverse("cases:review-action", args=[review.pk, "return_review"]), {"reason": ""})
    assert empty.status_code == 200
    review.refresh_from_db()
    assert review.state == Review.State.SUBMITTED
    client.post(reverse("cases:review-action", args=[review.pk, "return_review"]), {"reason": "证据不足"})
    review.refresh_from_db()
    assert review.state == Review.State.RETURNED and review.return_reason == "证据不足"
    client.force_login(world.org.officer_a)
    client.post(reverse("cases:review-action", args=[review.pk, "resubmit"]), {"summary": "补充证据后呈请"})
    client.force_login(world.legal)
    client.post(reverse("cases:review-action", args=[review.pk, "legal_opinion"]), {"opinion": "同意立案"})
    # a leader who handles the case may not approve it: the service's message, nothing changes
    case.handling_officers.add(world.leader_handler.person)
    client.force_login(world.leader_handler)
    refused = client.post(reverse("cases:review-action", args=[review.pk, "approve"]), {"opinion": "同意"})
    assert refused.status_code == 200
    assert "办案民警不得审批本人承办的案件" in refused.content.decode()
    review.refresh_from_db()
    assert review.state == Review.State.LEGAL_REVIEWED
    # the officer lacks cases.approve: 403, nothing changes
    client.force_login(world.org.officer_a)
    assert client.post(reverse("cases:review-action", args=[review.pk, "approve"]), {}).status_code == 403
    client.force_login(world.leader)
    client.post(reverse("cases:review-action", args=[review.pk, "approve"]), {"opinion": "同意"})
    review.refresh_from_db()
    assert review.state == Review.State.APPROVED
    client.force_login(world.org.lead_a)
    client.post(reverse("cases:case-action", args=[case.pk, "file"]), {})
    case.refresh_from_db()
    assert case.state == Case.State.FILED
    page = client.get(reverse("cases:case-detail", args=[case.pk])).content.decode()
    assert "证据不足" in page and "立案审核:退回" in page and "立案审核:领导审批通过" in page


def test_file_without_review_refused_with_reason(client: Any, world: World) -> None:
    case = new_case(world)
    client.force_login(world.org.lead_a)
    response = client.post(reverse("cases:case-action", args=[case.pk, "file"]), {})
    assert response.status_code == 200
    assert "须经法制审核和领导审批通过" in response.content.decode()
    case.refresh_from_db()
    assert case.state == Case.State.ACCEPTED


def test_party_add_errors_per_field_and_audited_reveal(client: Any, world: World) -> None:
    case = new_case(world)
    client.force_login(world.org.lead_a)
    response = client.post(
        reverse("cases:party-add", args=[case.pk]),
        {"role": "suspect", "kind": "person", "name": "张三", "id_number": "110101199001011234"},
    )
    assert response.status_code == 200 and not case.parties.exists()
    assert "is-invalid" in response.content.decode()
    response = client.post(
        reverse("cases:party-add", args=[case.pk]),
        {"role": "suspect", "kind": "company", "name": "某化工公司", "uscc": "91110000000000000X"},
    )
    assert response.status_code == 200 and "统一社会信用代码" in response.content.decode()
    number = make_id_number()
    client.post(
        reverse("cases:party-add", args=[case.pk]),
        {"role": "suspect", "kind": "person", "name": "张三", "id_number": number},
    )
    party = case.parties.get()
    page = client.get(reverse("cases:case-detail", args=[case.pk])).content.decode()
    assert number not in page
    # lead_a may not reveal (no org.reveal_sensitive): refused and audited
    assert client.post(reverse("cases:party-reveal", args=[party.pk, "id_number"])).status_code == 403
    client.force_login(world.leader)
    response = client.post(reverse("cases:party-reveal", args=[party.pk, "id_number"]))
    assert response.status_code == 200 and number in response.content.decode()
    rows = AuditLog.objects.filter(event="cases.party.reveal", object_id=str(party.pk))
    assert sorted(rows.values_list("success", flat=True)) == [False, True]


def test_measure_and_transfer_pages(client: Any, world: World) -> None:
    case = new_case(world)
    approve(world, case, "file")
    services.case_file(actor=world.org.lead_a, case=case)
    party = suspect(world, case)
    client.force_login(world.org.lead_a)
    client.post(
        reverse("cases:measure-request", args=[case.pk]), {"party": party.pk, "kind": "detention", "reason": "现行犯"}
    )
    measure = case.measures.get()
    review = measure.reviews.get()
    services.review_legal_opinion(actor=world.legal, review=review, opinion="同意")
    services.review_approve(actor=world.leader, review=review)
    client.post(reverse("cases:measure-action", args=[measure.pk, "start"]), {})
    measure.refresh_from_db()
    assert measure.state == "active" and measure.started_at is not None
    client.post(reverse("cases:case-action", args=[case.pk, "investigate"]), {})
    client.post(reverse("cases:case-action", args=[case.pk, "solve"]), {})
    refused = client.post(
        reverse("cases:case-action", args=[case.pk, "transfer_for_prosecution"]),
        {"parties": [party.pk], "procuratorate": "达拉特旗人民检察院"},
    )
    assert "移送起诉”须经法制审核" in refused.content.decode()
    approve(world, case, "prosecution")
    client.post(
        reverse("cases:case-action", args=[case.pk, "transfer_for_prosecution"]),
        {"parties": [party.pk], "procuratorate": "达拉特旗人民检察院"},
    )
    case.refresh_from_db()
    assert case.state == Case.State.TRANSFERRED and case.transfers.count() == 1
    page = client.get(reverse("cases:case-detail", args=[case.pk])).content.decode()
    assert "达拉特旗人民检察院" in page and "刑事拘留" in page
    # centre: no visit yet → listed; after an entry → gone
    missing = client.get(reverse("cases:centre-missing")).content.decode()
    assert case.number in missing
    client.post(
        reverse("cases:centre-entry", args=[case.pk]),
        {"party": party.pk, "reason": "讯问", "safety_check_done": ""},
    )
    assert not case.centre_visits.exists(), "the safety check is mandatory"
    client.post(
        reverse("cases:centre-entry", args=[case.pk]),
        {"party": party.pk, "reason": "讯问", "safety_check_done": "on", "rooms": "讯问室1"},
    )
    assert case.centre_visits.count() == 1
    assert case.number not in client.get(reverse("cases:centre-missing")).content.decode()


def _make_cases(w: World, count: int) -> None:
    for _ in range(count):
        new_case(w, title="批量案件")


def test_case_list_query_budget(client: Any, world: World) -> None:
    client.force_login(world.org.lead_a)
    _make_cases(world, 5)
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse("cases:case-list")).status_code == 200
    _make_cases(world, 20)
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("cases:case-list"))
    assert response.content.decode().count("批量案件") == 20
    assert len(many) <= len(few)


def test_incident_list_query_budget_and_filters(client: Any, world: World) -> None:
    client.force_login(world.org.lead_a)
    for n in range(5):
        _incident(world, number=f"J20240001{n:02d}")
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("cases:incident-list"))
    for n in range(5, 25):
        _incident(world, number=f"J20240001{n:02d}")
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("cases:incident-list"))
    assert response.content.decode().count("J20240001") == 20
    assert len(many) <= len(few)
    services.incident_dispose(actor=world.org.lead_a, incident=Incident.objects.get(number="J2024000100"), result="ok")
    html = client.get(reverse("cases:incident-list") + "?disposed=yes").content.decode()
    assert "J2024000100" in html and "J2024000101" not in html


def test_case_list_filters_and_export(client: Any, world: World) -> None:
    a = new_case(world, title="甲案", amount_involved="5000")
    new_case(world, title="乙案", amount_involved="900000")
    new_case(world, kind=Case.Kind.ADMINISTRATIVE, title="丙案")
    client.force_login(world.org.lead_a)
    html = client.get(reverse("cases:case-list") + "?kind=criminal&amount_max=10000").content.decode()
    assert "甲案" in html and "乙案" not in html and "丙案" not in html
    html = client.get(reverse("cases:case-list") + f"?q={a.number}").content.decode()
    assert "甲案" in html and "乙案" not in html
    response = client.get(reverse("cases:case-export") + "?kind=criminal")
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    titles = {row[1] for row in sheet.iter_rows(min_row=3, values_only=True) if row[0] and row[1]}
    assert titles == {"甲案", "乙案"}
    log = AuditLog.objects.get(event="cases.case.export")
    assert log.changes["rows"] == 2 and log.changes["filters"] == {"kind": "criminal"}


def test_incident_import_all_or_nothing(client: Any, world: World) -> None:
    client.force_login(world.org.lead_a)
    good = build_template(importing.COLUMNS)
    book = openpyxl.load_workbook(io.BytesIO(good))
    sheet = book.active
    header_row = next(i for i, row in enumerate(sheet.iter_rows(values_only=True), 1) if row and "警情编号" in row)
    headers = [c.value for c in sheet[header_row]]
    for r in range(header_row + 1, sheet.max_row + 1):
        for c in range(1, sheet.max_column + 1):
            sheet.cell(row=r, column=c).value = None
    when = (timezone.localtime() - timedelta(hours=3)).strftime("%Y-%m-%d %H:%M")
    rows = [
        {
            "警情编号": "J2024100001",
            "接警时间": when,
            "警情类别": world.incident_category.code,
            "管辖单位": world.org.squadron_a.code,
        },
        {
            "警情编号": "J2024100002",
            "接警时间": when,
            "警情类别": world.incident_category.code,
            "管辖单位": world.org.squadron_b.code,
        },
    ]
    for offset, values in enumerate(rows, 1):
        for col, header in enumerate(headers, 1):
            sheet.cell(row=header_row + offset, column=col).value = values.get(str(header).rstrip("*"))
    buffer = io.BytesIO()
    book.save(buffer)
    upload = io.BytesIO(buffer.getvalue())
    upload.name = "110.xlsx"
    response = client.post(reverse("cases:incident-import"), {"file": upload, "action": "import"})
    assert response.status_code == 422
    assert "不在您的数据权限范围内" in response.content.decode()
    assert not Incident.objects.exists()
