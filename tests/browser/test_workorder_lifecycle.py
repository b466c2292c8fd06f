"""Issue 4 in a real browser: one citizen demand from the intake form to the satisfied callback,
each step by the demo user the rules require, then the unit's 三率 as METRICS.md defines them."""

from __future__ import annotations

import datetime as dt

import pytest

from jingwu.core import metrics
from jingwu.core.calendar import TZ
from jingwu.org.demo import DEMO_PASSWORD
from jingwu.org.models import User
from jingwu.workorders.models import Category, RequestStatus, WorkOrder

from .conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def as_user(page, base: str, username: str) -> None:
    page.context.clear_cookies()
    login(page, base, username, DEMO_PASSWORD)
    assert "/login/" not in page.url


def act(page, action: str, fields: dict[str, str] | None = None, selects: dict[str, str] | None = None) -> None:
    """Open the action's panel entry, fill it, submit and expect the success message."""
    panel = page.locator(f"details[data-action='{action}']").first
    panel.locator("summary").click()
    for name, value in (selects or {}).items():
        panel.locator(f"[name='{action}-{name}']").select_option(value)
    for name, value in (fields or {}).items():
        target = panel.locator(f"[name='{action}-{name}']")
        if target.first.get_attribute("type") == "radio":
            panel.locator(f"[name='{action}-{name}'][value='{value}']").check()
        else:
            target.fill(value)
    panel.locator(f"button[data-submit='{action}']").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("#jw-wo-action-error").count() == 0, page.inner_text("#jw-wo-action-error")
    assert page.locator(".alert-success").count() == 1


def state_of(order: WorkOrder) -> str:
    order.refresh_from_db()
    return order.state


def test_lifecycle_from_intake_form_to_satisfied_callback(page, live_server, demo):
    Category.objects.get_or_create(code="help", defaults={"name": "求助"})  # flushed data migration
    base = live_server.url
    lead = User.objects.get(username="lead")
    officer = User.objects.get(username="officer")
    squadron = lead.person.unit

    # 1. Intake by form (大队领导 taking a call).
    as_user(page, base, "leader")
    page.goto(f"{base}/workorders/intake/")
    page.fill("#id_citizen_name", "王女士")
    page.fill("#id_citizen_phone", "139 1234 5678")
    page.fill("#id_address", "树林召镇幸福路88号幸福小区")
    page.select_option("#id_category", label="求助")
    page.fill("#id_content", "小区门口机动车乱停放,堵塞消防通道,请尽快处理")
    page.click("#jw-wo-intake-submit")
    page.wait_for_load_state("networkidle")
    order = WorkOrder.objects.get()
    assert page.url.endswith(f"/workorders/{order.pk}/")
    assert page.inner_text("#jw-wo-number") == order.number
    assert "139****5678" in page.inner_text("#jw-wo-fields") and "13912345678" not in page.content()
    assert order.source == WorkOrder.Source.FORM and order.state == WorkOrder.State.RECEIVED

    # 2. Dispatch to the squadron (dispatcher = leader).
    act(page, "dispatch", selects={"unit": str(squadron.pk)})
    assert state_of(order) == WorkOrder.State.DISPATCHED and order.unit_id == squadron.pk

    # 3. Sign for, then ask to return (中队长).
    as_user(page, base, "lead")
    page.goto(f"{base}/workorders/mine/")
    page.click(f"#jw-mywork-sign a:text-is('{order.number}')")
    page.wait_for_load_state("networkidle")
    act(page, "accept")
    assert state_of(order) == WorkOrder.State.ACCEPTED
    act(page, "return_order", {"reason": "应由城管部门处理"}, {"reason_code": "not_our_duty"})
    assert order.return_requests.get().status == RequestStatus.PENDING

    # 4. The dispatcher rejects the return; the squadron stays responsible (首接负责).
    as_user(page, base, "leader")
    page.goto(f"{base}/workorders/{order.pk}/")
    act(page, "decide_return", {"approve": "0", "decision": "属于交通秩序管理,应予办理"})
    assert order.return_requests.get().status == RequestStatus.REJECTED
    assert state_of(order) == WorkOrder.State.ACCEPTED and order.unit_id == squadron.pk

    # 5. The lead names the handler; the officer contacts the citizen and completes.
    as_user(page, base, "lead")
    page.goto(f"{base}/workorders/{order.pk}/")
    act(page, "assign_handler", selects={"person": str(officer.person_id)})
    as_user(page, base, "officer")
    page.goto(f"{base}/workorders/{order.pk}/")
    act(page, "contact", {"result": "已电话联系,约定现场查看"}, {"channel": "phone"})
    act(page, "complete", {"reply": "已清理违停车辆"}, {"result": "solved"})
    assert state_of(order) == WorkOrder.State.COMPLETED
    assert page.locator("details[data-action='callback']").count() == 0  # the handler never calls back

    # 6. Callback by someone else: unsatisfied → reopened (重办).
    as_user(page, base, "leader")
    page.goto(f"{base}/workorders/{order.pk}/")
    act(
        page,
        "callback",
        {"reached": "1", "comment": "车辆仍有乱停"},
        {"resolved": "0", "satisfaction": "unsatisfied"},
    )
    assert state_of(order) == WorkOrder.State.HANDLING and order.reopen_count == 1
    assert "重办" in page.inner_text("#jw-wo-timeline")

    # 7. The officer completes again; 8. the callback is satisfied and the order closes.
    as_user(page, base, "officer")
    page.goto(f"{base}/workorders/{order.pk}/")
    act(page, "complete", {"reply": "加装隔离桩,安排巡逻"}, {"result": "solved"})
    as_user(page, base, "leader")
    page.goto(f"{base}/workorders/{order.pk}/")
    act(page, "callback", {"reached": "1", "comment": "满意"}, {"resolved": "1", "satisfaction": "satisfied"})
    assert state_of(order) == WorkOrder.State.CLOSED
    timeline = page.inner_text("#jw-wo-timeline")
    for step in ("受理", "派单", "签收", "退单", "驳回退单", "联系诉求人", "办结", "回访", "重办", "回访办结"):
        assert step in timeline, step

    # The figures of the squadron for the day of dispatch, as METRICS.md defines them.
    leader = User.objects.get(username="leader")
    day = order.dispatched_at.astimezone(TZ).date()
    end = max(day, dt.datetime.now(TZ).date())

    def figure(name: str) -> metrics.Figure:
        return metrics.compute(f"workorders.{name}", squadron, day, end, user=leader)

    # 响应率: signed for and first contact within the response limit → 1/1.
    response = figure("response_rate")
    assert (response.numerator, response.denominator) == (1, 1)
    # 解决率 / 满意率 read the latest callback of the order: resolved and satisfied after the reopen.
    resolution, satisfaction = figure("resolution_rate"), figure("satisfaction_rate")
    assert (resolution.numerator, resolution.denominator) == (1, 1)
    assert satisfaction.value == 1 and satisfaction.display == "100%"
    assert figure("reopen_rate").value == 1  # the first callback sent it back
    assert figure("shirked").value == 1  # the rejected return counts as 推诿
    assert figure("completed").value == 1
    assert figure("overdue").value == 0

    # The same figure, traced to its rows on the drill-down page.
    page.goto(f"{base}/core/metrics/workorders.satisfaction_rate/?unit={squadron.code}&from={day}&to={end}")
    assert order.number in page.content()

    # The dashboard, opened as the leader, shows those figures for the squadron and the period.
    page.goto(f"{base}/workorders/dashboard/?unit={squadron.code}&period=custom&from={day}&to={end}")
    page.wait_for_load_state("networkidle")

    def card(key: str) -> tuple[str, str]:
        tile = page.locator(f"[data-kpi='{key}']")
        detail = tile.locator("[data-kpi-detail]")
        return tile.locator("[data-kpi-value]").inner_text().strip(), (
            detail.inner_text().strip() if detail.count() else ""
        )

    expected = {
        "response_rate": ("100%", "1 / 1"),
        "resolution_rate": ("100%", "1 / 1"),
        "satisfaction_rate": ("100%", "1 / 1"),
        "composite": ("100", ""),
        "completed": ("1件", ""),
        "overdue": ("0件", ""),
        "shirked": ("1件", ""),
        "returns": ("1次", ""),
        "reopen_rate": ("100%", "1 / 1"),
    }
    for key, shown in expected.items():
        assert card(key) == shown, key
        assert card(key)[0] == figure(key).display, key
    explain = page.locator("[data-kpi='satisfaction_rate'] [data-kpi-explain]").inner_text()
    assert explain == "满意1×1 + 基本满意0×0.8 = 1"
    sentence = page.inner_text("[data-wo-sentence]")
    assert "累计办结“接诉即办”工单1件" in sentence and "三率均达到100%" in sentence
    assert "推诿工单1件" in sentence  # the rejected return, said truthfully
    # a squadron is ranked among its siblings, its own row marked
    assert page.locator(f"tr[data-rank-unit='{squadron.code}'][data-rank-own]").count() == 1
    # the 求助 row of the category table opens exactly its rows; so does the response card
    page.locator("#wo-category-table tr[data-category='help'] a[data-cell='dispatched']").click()
    page.wait_for_load_state("networkidle")
    assert page.inner_text("[data-rows-total]") == "1" and order.number in page.inner_text("#wo-rows-table")
    page.go_back()
    page.wait_for_load_state("networkidle")
    page.locator("[data-kpi='response_rate']").click()
    page.wait_for_load_state("networkidle")
    assert "/core/metrics/workorders.response_rate/" in page.url and order.number in page.content()
