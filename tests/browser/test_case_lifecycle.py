"""Issue 5 in a real browser: a criminal case from a 110 incident to the transfer for prosecution.

中队长 (lead) registers the incident and opens the case with the officer as lead officer; the
officer asks for the filing review; 法制 (legal) returns it once with a reason; the officer
resubmits; 法制 agrees and 大队领导 (leader) approves; the lead files the case and asks for a
detention, which 法制 and the leader approve; the lead starts it, solves the case, the officer asks
for the prosecution review, 法制 and the leader approve, and the lead transfers the suspect. The
case timeline shows every step."""

from __future__ import annotations

import pytest

from jingwu.cases.demo import seed_module_apply
from jingwu.cases.models import Case, CaseCategory, IncidentCategory, Review
from jingwu.org.demo import DEMO_PASSWORD
from jingwu.org.models import User
from jingwu.testing.factories import make_id_number

from .conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _as(page, base: str, username: str) -> None:
    page.context.clear_cookies()
    login(page, base, username, DEMO_PASSWORD)
    assert "/login/" not in page.url, f"{username} could not log in"


def _submit(page) -> None:
    page.click("#jw-action-submit")
    page.wait_for_load_state("networkidle")


def _review_action(page, base: str, case: Case, decision: str, action: str, text: str = "") -> None:
    page.goto(f"{base}/cases/{case.pk}/")
    page.click(f'li[data-decision="{decision}"] a[data-action="{action}"]')
    page.wait_for_load_state("networkidle")
    if text:
        page.fill("#jw-action-form textarea", text)
    _submit(page)
    assert f"/cases/{case.pk}/" in page.url and "/reviews/" not in page.url, page.inner_text("#jw-action-form")


def _case_action(page, base: str, case: Case, action: str) -> None:
    page.goto(f"{base}/cases/{case.pk}/")
    page.click(f'#jw-case-actions a[data-action="{action}"]')
    page.wait_for_load_state("networkidle")


def test_criminal_case_from_incident_to_prosecution(page, live_server, demo):
    seed_module_apply()  # the code tables (a transactional test may follow one that flushed them)
    base = live_server.url
    lead = User.objects.get(username="lead")
    officer = User.objects.get(username="officer")
    squadron = lead.person.unit
    category = CaseCategory.objects.get(code="060601")  # 污染环境案 (涉环食药)
    incident_category = IncidentCategory.objects.filter(active=True).order_by("code").first()
    id_number = make_id_number()

    # 1. 中队长 registers the 110 incident and opens a case from it (受案).
    _as(page, base, "lead")
    page.goto(f"{base}/cases/incidents/new/")
    page.select_option("#id_unit", str(squadron.pk))
    page.fill("#id_number", "J1506212026000001")
    page.select_option("#id_category", str(incident_category.pk))
    page.fill("#id_location", "黄河达拉特段")
    page.fill("#id_summary", "群众报警称有工厂向黄河排放污水")
    _submit(page)
    assert "J1506212026000001" in page.inner_text("#jw-incident-number")
    page.click("#jw-incident-convert")
    page.wait_for_load_state("networkidle")
    page.select_option("#id_kind", "criminal")
    page.select_option("#id_category", str(category.pk))
    page.fill("#id_title", "某化工厂污染环境案")
    page.fill("#id_amount_involved", "1250000")
    page.select_option("#id_lead_officer", str(officer.person_id))
    page.select_option("#id_handling_officers", [str(lead.person_id)])
    _submit(page)
    case = Case.objects.get(title="某化工厂污染环境案")
    assert page.url.endswith(f"/cases/{case.pk}/")
    assert page.inner_text("#jw-case-state") == "受案"
    assert "J1506212026000001" in page.inner_text("#jw-case-incidents")

    # the suspect, with a checked ID number shown masked
    page.click("#jw-party-add")
    page.wait_for_load_state("networkidle")
    page.select_option("#id_role", "suspect")
    page.fill("#id_name", "赵某")
    page.fill("#id_id_number", id_number)
    _submit(page)
    assert id_number not in page.content()

    # 2. The officer (主办) asks for the filing review.
    _as(page, base, "officer")
    page.goto(f"{base}/cases/{case.pk}/")
    page.click("#jw-review-submit")
    page.wait_for_load_state("networkidle")
    page.select_option("#id_decision", "file")
    page.fill("#id_summary", "呈请对某化工厂污染环境案立案侦查")
    _submit(page)

    # 3. 法制 returns it once with the reason; the officer resubmits.
    _as(page, base, "legal")
    _review_action(page, base, case, "file", "return_review", "缺少监测报告,请补充")
    assert "缺少监测报告,请补充" in page.inner_text("#jw-reviews")
    _as(page, base, "officer")
    _review_action(page, base, case, "file", "resubmit", "已补充环境监测报告,呈请立案")

    # 4. 法制 agrees, the leader approves, the lead files the case.
    _as(page, base, "legal")
    _review_action(page, base, case, "file", "legal_opinion", "事实清楚,同意立案")
    _as(page, base, "leader")
    _review_action(page, base, case, "file", "approve", "同意")
    assert Review.objects.get(case=case, decision="file").state == Review.State.APPROVED
    _as(page, base, "lead")
    _case_action(page, base, case, "file")
    _submit(page)
    assert page.inner_text("#jw-case-state") == "立案"

    # 5. A detention (刑事拘留): requested by the lead, reviewed, approved, started.
    page.click("#jw-measure-request")
    page.wait_for_load_state("networkidle")
    page.select_option("#id_party", label="赵某")
    page.select_option("#id_kind", "detention")
    page.fill("#id_reason", "有证据证明其实施了污染环境犯罪")
    _submit(page)
    assert "刑事拘留" in page.inner_text("#jw-measures")
    _as(page, base, "legal")
    _review_action(page, base, case, "measure", "legal_opinion", "符合刑事拘留条件")
    _as(page, base, "leader")
    _review_action(page, base, case, "measure", "approve", "同意拘留")
    _as(page, base, "lead")
    page.goto(f"{base}/cases/{case.pk}/")
    page.click('#jw-measures a[data-action="start"]')
    page.wait_for_load_state("networkidle")
    _submit(page)
    assert "执行中" in page.inner_text("#jw-measures")

    # 6. Investigation and 破案.
    _case_action(page, base, case, "investigate")
    _submit(page)
    _case_action(page, base, case, "solve")
    _submit(page)
    assert page.inner_text("#jw-case-state") == "破案"

    # 7. Review for 移送起诉: asked by the officer, agreed by 法制, approved by the leader.
    _as(page, base, "officer")
    page.goto(f"{base}/cases/{case.pk}/")
    page.click("#jw-review-submit")
    page.wait_for_load_state("networkidle")
    page.select_option("#id_decision", "prosecution")
    page.fill("#id_summary", "呈请将赵某移送审查起诉")
    _submit(page)
    _as(page, base, "legal")
    _review_action(page, base, case, "prosecution", "legal_opinion", "证据确实充分,同意移送")
    _as(page, base, "leader")
    _review_action(page, base, case, "prosecution", "approve", "同意")

    # 8. The lead transfers the suspect to the procuratorate.
    _as(page, base, "lead")
    _case_action(page, base, case, "transfer_for_prosecution")
    page.check("#jw-action-form input[name=parties]")
    page.fill("#id_procuratorate", "达拉特旗人民检察院")
    _submit(page)
    assert page.inner_text("#jw-case-state") == "移送审查起诉"
    assert "达拉特旗人民检察院" in page.inner_text("#jw-transfers")

    # The timeline shows the whole story, in order.
    timeline = page.inner_text("#jw-case-timeline")
    steps = [
        "受案",
        "立案审核:呈请",
        "立案审核:退回",
        "立案审核:修改后重新呈请",
        "立案审核:法制审核通过",
        "立案审核:领导审批通过",
        "立案",
        "刑事拘留·赵某:提请",
        "开始侦查/调查",
        "破案",
        "移送起诉审核:领导审批通过",
        "移送审查起诉",
    ]
    positions = [timeline.find(step) for step in steps]
    assert all(p >= 0 for p in positions), dict(zip(steps, positions, strict=True))
    assert "缺少监测报告,请补充" in timeline
    case.refresh_from_db()
    assert case.state == Case.State.TRANSFERRED and case.transfers.get().parties.get().name == "赵某"
