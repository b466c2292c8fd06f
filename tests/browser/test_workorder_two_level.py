"""Issue 4 in a real browser: routing rules kept on their page, then a two-level dispatch by those
rules — the 支队 desk sends the order to the brigade with a leg deadline, the brigade signs for it and
sends it on to the squadron with an earlier one, and the squadron sees its own (本级) deadlines and no
派单 button it could not use."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from jingwu.core.calendar import TZ
from jingwu.org.demo import DEMO_PASSWORD
from jingwu.org.models import User
from jingwu.workorders.models import Assignment, Category, RoutingRule, WorkOrder

from .conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def as_user(page, base: str, username: str) -> None:
    page.context.clear_cookies()
    login(page, base, username, DEMO_PASSWORD)
    assert "/login/" not in page.url


def new_rule(page, base: str, keyword: str, unit_name: str, priority: str = "100") -> None:
    page.goto(f"{base}/workorders/config/rules/")
    page.click("#jw-rule-new")
    page.fill("#id_area_keyword", keyword)
    option = page.locator("#id_unit option", has_text=unit_name).first
    page.select_option("#id_unit", option.get_attribute("value"))
    page.fill("#id_priority", priority)
    page.click("#jw-rule-submit")
    page.wait_for_load_state("networkidle")
    assert page.url.endswith("/workorders/config/rules/"), [
        e.inner_text() for e in page.locator(".invalid-feedback, .alert-danger").all()
    ]


def dispatch_by_rule(page, due: str, expect_unit: str) -> None:
    """Open 派单, read the rule's suggestion, tick 按派单规则派单 with a leg deadline and send it."""
    panel = page.locator("details[data-action='dispatch']")
    if panel.get_attribute("open") is None:
        panel.locator("summary").click()
    assert expect_unit in panel.locator(".jw-wo-suggestion").inner_text()
    panel.locator("[name='dispatch-by_rule']").check()
    panel.locator("[name='dispatch-due_at']").fill(due)
    panel.locator("button[data-submit='dispatch']").click()
    page.wait_for_load_state("networkidle")


def dispatched(page, unit_name: str) -> None:
    assert page.locator("#jw-wo-action-error").count() == 0, page.inner_text("#jw-wo-action-error")
    assert unit_name in page.inner_text(".alert-success")


def test_two_level_dispatch_by_routing_rules(page, live_server, demo):
    Category.objects.get_or_create(code="help", defaults={"name": "求助"})  # flushed data migration
    base = live_server.url
    lead = User.objects.get(username="lead")
    squadron = lead.person.unit  # 耳字壕中队
    brigade = User.objects.get(username="leader").person.unit  # 达拉特旗大队

    # 1. The 支队 desk keeps the rules: a field error next to its field, then one rule per level.
    as_user(page, base, "dispatcher")
    page.goto(f"{base}/workorders/config/rules/new/")
    page.click("#jw-rule-submit")
    page.wait_for_load_state("networkidle")
    assert page.locator("#id_unit.is-invalid").count() == 1
    assert page.locator("#id_unit ~ .invalid-feedback, #id_unit + .invalid-feedback").count() >= 1
    new_rule(page, base, "达拉特旗", brigade.name)  # the county → its brigade
    new_rule(page, base, "耳字壕镇", squadron.name)  # the town → its squadron
    assert page.locator("#jw-rule-table tr.jw-rule").count() == 2
    assert RoutingRule.objects.filter(active=True).count() == 2

    # 2. Intake at the 支队 desk.
    page.goto(f"{base}/workorders/intake/")
    page.fill("#id_citizen_name", "刘先生")
    page.fill("#id_citizen_phone", "13912345678")
    page.fill("#id_address", "达拉特旗耳字壕镇耳字壕村村委会门口")
    page.select_option("#id_category", label="求助")
    page.fill("#id_content", "村口路段夜间货车违停,影响村民通行,请求处理")
    page.click("#jw-wo-intake-submit")
    page.wait_for_load_state("networkidle")
    order = WorkOrder.objects.get()

    # 3. Level 1 by rule: the nearest level below the 支队 is the brigade. A leg deadline after the
    # order's is refused next to its field, nothing changed; left empty, the leg takes the order's.
    far = (timezone.now() + dt.timedelta(days=90)).astimezone(TZ).strftime("%Y-%m-%dT%H:%M")
    dispatch_by_rule(page, far, brigade.name)
    assert page.locator("[name='dispatch-due_at'].is-invalid").count() == 1
    assert "不能晚于工单办结时限" in page.locator("details[data-action='dispatch'] .invalid-feedback").inner_text()
    assert WorkOrder.objects.get().state == WorkOrder.State.RECEIVED and not Assignment.objects.exists()
    dispatch_by_rule(page, "", brigade.name)
    dispatched(page, brigade.name)
    order.refresh_from_db()
    assert order.state == WorkOrder.State.DISPATCHED and order.unit_id == brigade.pk
    leg1 = order.legs.get(level=1, role=Assignment.Role.LEAD)
    assert leg1.by_rule is not None and leg1.due_at == order.due_at
    legs = page.inner_text("#jw-wo-legs")
    assert "第1级" in legs and "按规则" in legs

    # 4. The brigade signs for it (我的工作 → 待签收) and sends it on by rule, with an earlier deadline.
    as_user(page, base, "leader")
    page.goto(f"{base}/workorders/mine/")
    page.click(f"#jw-mywork-sign a:text-is('{order.number}')")
    page.wait_for_load_state("networkidle")
    page.locator("details[data-action='accept'] summary").click()
    page.click("button[data-submit='accept']")
    page.wait_for_load_state("networkidle")
    leg2_due = (order.due_at - dt.timedelta(days=1)).astimezone(TZ).replace(second=0, microsecond=0)
    dispatch_by_rule(page, leg2_due.strftime("%Y-%m-%dT%H:%M"), squadron.name)
    dispatched(page, squadron.name)
    order.refresh_from_db()
    assert order.unit_id == squadron.pk and order.state == WorkOrder.State.DISPATCHED
    leg2 = order.legs.get(level=2)
    assert leg2.from_unit_id == brigade.pk and leg2.by_rule is not None and leg2.due_at == leg2_due

    # 5. The squadron sees its own leg's deadlines (本级时限), not the brigade's met sign-for.
    as_user(page, base, "lead")
    page.goto(f"{base}/workorders/mine/")
    page.click(f"#jw-mywork-sign a:text-is('{order.number}')")
    page.wait_for_load_state("networkidle")
    own = page.inner_text("#jw-wo-leg-deadlines")
    assert squadron.name in own and "第2级" in own
    assert leg2_due.strftime("%Y-%m-%d %H:%M") in own
    assert "已签收" not in own  # the squadron has not signed for yet
    page.locator("details[data-action='accept'] summary").click()
    page.click("button[data-submit='accept']")
    page.wait_for_load_state("networkidle")
    assert "已签收" in page.inner_text("#jw-wo-leg-deadlines")
    # A squadron has no unit below it: no 派单 button that could do nothing.
    assert page.locator("details[data-action='dispatch']").count() == 0
    assert "第2级" in page.inner_text("#jw-wo-legs")
