"""Issue 2 in a real browser: a unit lead searches people by pinyin initials and sees IDs masked;
a role allowed to reveal reveals one, and the reveal is audited."""

from __future__ import annotations

import re

import pytest

from jingwu.core.models import AuditLog
from jingwu.org.demo import DEMO_PASSWORD
from jingwu.org.models import Person, User

from .conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_unit_lead_searches_by_pinyin_and_sees_masked_id_then_political_reveals(page, live_server, demo):
    lead = User.objects.get(username="lead")
    squadron = lead.person.unit
    target = Person.objects.filter(unit=squadron).exclude(pk=lead.person_id).order_by("police_number").first()
    initials = target.name_initials

    login(page, live_server.url, "lead", DEMO_PASSWORD)
    assert "/login/" not in page.url
    page.goto(f"{live_server.url}/org/people/")
    # A squadron lead sees only the squadron: 28 people in 耳字壕中队.
    assert "共 28 人" in page.inner_text("#jw-person-count")
    page.fill("#jw-person-filter input[name=q]", initials)
    page.click("#jw-person-filter button[type=submit]")
    page.wait_for_load_state("networkidle")
    rows = page.locator("#jw-person-table tbody tr")
    names = rows.locator("td:nth-child(2) a").all_inner_texts()
    assert target.name in names
    assert all(Person.objects.get(unit=squadron, name=n).name_initials.startswith(initials) for n in names)

    page.click(f"#jw-person-table a:text-is('{target.name}')")
    page.wait_for_load_state("networkidle")
    masked = page.inner_text('.jw-masked[data-field="id_number"]')
    assert re.fullmatch(r"\d{6}\*{8}[\dX]{4}", masked)
    assert masked.startswith(target.id_number[:6]) and masked.endswith(target.id_number[-4:])
    assert target.id_number not in page.content()
    assert page.locator('button.jw-reveal[data-field="id_number"]').count() == 0  # a lead may not reveal

    # 政工 may reveal: the clear number appears after the click, and the reveal is in the audit log.
    page.context.clear_cookies()
    login(page, live_server.url, "political", DEMO_PASSWORD)
    page.goto(f"{live_server.url}/org/people/{target.pk}/")
    assert target.id_number not in page.content()
    page.click('button.jw-reveal[data-field="id_number"]')
    page.wait_for_selector(".jw-revealed .jw-clear")
    assert page.inner_text(".jw-revealed .jw-clear").strip() == target.id_number
    reveal = AuditLog.objects.filter(event="org.person.reveal", object_id=str(target.pk), success=True).get()
    assert reveal.actor_username == "political" and reveal.changes == {"field": "id_number"}


def test_people_list_is_usable_on_a_phone(page, live_server, demo):
    page.set_viewport_size({"width": 390, "height": 844})
    login(page, live_server.url, "leader", DEMO_PASSWORD)
    page.goto(f"{live_server.url}/org/people/")
    assert "共 327 人" in page.inner_text("#jw-person-count")
    # The sidebar is off-canvas on a phone and opens from the menu button.
    page.click("button[data-bs-target='#jw-sidebar']")
    page.wait_for_selector("#jw-sidebar.show")
    assert page.locator("#jw-sidebar a:has-text('人员')").is_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390 + 1  # no horizontal scrolling of the page itself
