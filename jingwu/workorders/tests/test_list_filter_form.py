"""The work-order list's filter form is rendered once per query string, language and pickers and
then kept (``views/pages.py`` ``_filter_form_html``): every request must still see its own values,
its own scope's units, its language, its errors, and a changed category or unit at once."""

from __future__ import annotations

import re

import pytest
from django.conf import settings

from jingwu.org import services as org_services
from jingwu.org.models import User
from jingwu.workorders.services.config import category_save

from .helpers import grant, make_order

pytestmark = pytest.mark.django_db


def _form(html: str) -> str:
    match = re.search(r'<form method="get"[^>]*id="jw-wo-filter".*?</form>', html, re.S)
    assert match, "filter form missing"
    return match.group(0)


def _selected(form: str, name: str) -> list[str]:
    select = re.search(rf'<select[^>]*name="{name}".*?</select>', form, re.S)
    assert select, name
    return re.findall(r'<option value="([^"]*)" selected>', select.group(0))


def _options(form: str, name: str) -> str:
    select = re.search(rf'<select[^>]*name="{name}".*?</select>', form, re.S)
    assert select, name
    return select.group(0)


def test_each_query_string_shows_its_own_values(client, org):
    make_order(org.squadron_a)
    client.force_login(org.leader)
    first = _form(client.get("/workorders/?state=dispatched").content.decode())
    second = _form(client.get("/workorders/?state=closed&q=路灯").content.decode())
    again = _form(client.get("/workorders/?state=dispatched").content.decode())
    assert _selected(first, "state") == ["dispatched"] and _selected(again, "state") == ["dispatched"]
    assert _selected(second, "state") == ["closed"] and 'value="路灯"' in second and 'value="路灯"' not in again
    assert first == again


def test_the_page_number_does_not_change_the_form(client, org):
    for _ in range(25):
        make_order(org.squadron_a)
    client.force_login(org.leader)
    one = client.get("/workorders/?state=dispatched").content.decode()
    two = client.get("/workorders/?state=dispatched&page=2").content.decode()
    assert _form(one) == _form(two)
    assert one.count('<tr data-number="') == 20 and two.count('<tr data-number="') == 5


def test_unit_picker_follows_each_users_scope(client, org):
    client.force_login(org.leader)
    brigade = _options(_form(client.get("/workorders/").content.decode()), "unit")
    assert "甲中队" in brigade and "乙中队" in brigade

    client.force_login(org.lead_a)  # same URL, right after: the squadron's own units only
    squadron = _options(_form(client.get("/workorders/").content.decode()), "unit")
    assert "甲中队" in squadron and "乙中队" not in squadron


def test_invalid_filter_shows_its_error_and_no_rows(client, org):
    make_order(org.squadron_a)
    client.force_login(org.leader)
    html = client.get("/workorders/?received_from=2023-13-45").content.decode()
    assert 'id="jw-filter-errors"' in _form(html)
    assert '<tr data-number="' not in html
    fine = client.get("/workorders/").content.decode()
    assert 'id="jw-filter-errors"' not in _form(fine) and '<tr data-number="' in fine


def test_form_follows_the_language(client, org):
    client.force_login(org.leader)
    chinese = _form(client.get("/workorders/").content.decode())
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = _form(client.get("/workorders/").content.decode())
    assert "全部状态" in chinese and "All statuses" not in chinese
    assert "All statuses" in english and "All units" in english and "全部状态" not in english


def test_new_category_shows_at_once(client, org):
    client.force_login(org.leader)
    assert "噪音扰民专项" not in _form(client.get("/workorders/").content.decode())
    category_save(actor=org.leader, code="noise_x", name="噪音扰民专项")
    assert "噪音扰民专项" in _options(_form(client.get("/workorders/").content.decode()), "category")


def test_renamed_unit_shows_at_once(client, org, django_capture_on_commit_callbacks):
    admin = User.objects.create_user("sysadmin_ff", password="x")  # noqa: S106
    grant(admin, "sysadmin", org.detachment)
    client.force_login(org.leader)
    assert "甲中队(一)" not in _form(client.get("/workorders/").content.decode())
    with django_capture_on_commit_callbacks(execute=True):
        org_services.unit_update(actor=admin, unit=org.squadron_a, name="甲中队(一)")
    assert "甲中队(一)" in _options(_form(client.get("/workorders/").content.decode()), "unit")
