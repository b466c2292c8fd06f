"""涉警投诉 on the intake form in a real browser: the box is offered only for complaint categories,
the accused-unit picker only once it is ticked; the complaint is then hidden from the accused squadron."""

from __future__ import annotations

import pytest

from jingwu.testing.factories import PASSWORD, build_org_tree, make_user
from jingwu.workorders.models import Category, WorkOrder

from .conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_accused_unit_is_asked_for_complaints_only_and_the_complaint_is_hidden_from_it(page, live_server):
    # the data migration's categories may have been flushed by an earlier browser test
    Category.objects.update_or_create(code="help", defaults={"name": "求助", "is_complaint": False})
    Category.objects.update_or_create(code="complaint", defaults={"name": "投诉", "is_complaint": True})
    org = build_org_tree()
    make_user("inspector", "discipline", org.brigade)
    base = live_server.url
    login(page, base, "leader", PASSWORD)
    page.goto(f"{base}/workorders/intake/")
    box = page.locator("[name='complaint_about_officer']")
    unit = page.locator("[name='accused_unit']")

    page.select_option("#id_category", label="求助")
    assert not box.is_visible() and not unit.is_visible()
    page.select_option("#id_category", label="投诉")
    assert box.is_visible() and not unit.is_visible()
    box.check()
    assert unit.is_visible()

    page.fill("#id_citizen_phone", "13912345678")
    page.fill("#id_content", "投诉甲中队民警执勤时态度恶劣")
    unit.select_option(str(org.squadron_a.pk))
    page.click("#jw-wo-intake-submit")
    page.wait_for_load_state("networkidle")
    order = WorkOrder.objects.get()
    assert order.accused_unit == org.squadron_a and order.complaint_about_officer

    page.context.clear_cookies()
    login(page, base, "lead_a", PASSWORD)  # the accused squadron's lead
    response = page.goto(f"{base}/workorders/{order.pk}/")
    assert response is not None and response.status == 404
