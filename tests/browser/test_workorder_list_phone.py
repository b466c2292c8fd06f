"""The work-order list on a phone (390 px) shows each row as a compact block — number, state and
deadline badges, snippet, category and deadline all inside the screen — and stays a table on a
desktop (1366 px)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from jingwu.testing.factories import PASSWORD
from jingwu.workorders.models import Category
from jingwu.workorders.tests.helpers import make_order

from .conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PARTS = (
    ".jw-wo-num",
    ".jw-wo-c-state .badge >> nth=0",
    ".jw-wo-deadline",
    ".jw-wo-snippet",
    ".jw-wo-c-cat",
    ".jw-wo-c-due",
)


def _orders(org):
    Category.objects.get_or_create(code="help", defaults={"name": "求助"})  # flushed data migration
    now = timezone.now()
    for n in range(3):
        make_order(
            org.squadron_a,
            content=f"小区门口机动车乱停放,堵塞消防通道,请尽快处理{n}" * 3,
            received_at=now - dt.timedelta(hours=n + 1),
            due_at=now - dt.timedelta(hours=1),  # overdue: a deadline badge on every row
        )


def test_list_rows_fit_a_phone_and_stay_a_table_on_a_desktop(browser, live_server, org):
    _orders(org)
    phone = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})
    page = phone.new_page()
    login(page, live_server.url, "leader", PASSWORD)
    page.goto(f"{live_server.url}/workorders/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert not page.locator("#jw-wo-table thead").is_visible()
    row = page.locator("#jw-wo-table tbody tr").first
    for part in PARTS:
        box = row.locator(part).bounding_box()
        assert box is not None and box["width"] > 0, part
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390, (part, box)
    assert "超期" in row.locator(".jw-wo-deadline").inner_text()
    due = row.locator(".jw-wo-c-due")
    assert "办结时限" in due.evaluate("el => getComputedStyle(el, '::before').content")  # labelled on a phone
    row_box = row.bounding_box()
    assert row_box is not None and row_box["height"] < 140  # a compact block, not a tall squeezed table row
    phone.close()

    desktop = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
    page = desktop.new_page()
    login(page, live_server.url, "leader", PASSWORD)
    page.goto(f"{live_server.url}/workorders/")
    assert page.locator("#jw-wo-table thead").is_visible()
    row = page.locator("#jw-wo-table tbody tr").first
    assert row.evaluate("el => getComputedStyle(el).display") == "table-row"
    assert row.locator("td:visible").count() == 7
    assert not row.locator(".jw-wo-snippet").is_visible()  # the content column shows it at this width
    desktop.close()
