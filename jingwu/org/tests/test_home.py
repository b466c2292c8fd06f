"""Home page (工作台): greeting, pending items from the registry, headline figures of the user's scope."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from jingwu.core import home
from jingwu.org.models import Person
from jingwu.org.selectors import headline_figures
from jingwu.testing.factories import make_person

pytestmark = pytest.mark.django_db


def _figures(response):
    return {f.key: f for f in response.context["figures"]}


def test_anonymous_goes_to_login(client, org):
    response = client.get(reverse("home"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_user_without_role_sees_empty_home(client, org):
    client.force_login(org.nobody)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert {k: f.value for k, f in _figures(response).items()} == {
        "police": 0,
        "auxiliary": 0,
        "units": 0,
        "branches": 0,
    }
    html = response.content.decode()
    assert "未授权角色" in html and html.count("暂无待办") == 2


def test_greeting_names_the_user_and_unit(client, org):
    client.force_login(org.lead_a)
    html = client.get(reverse("home")).content.decode()
    assert "王中队" in html and "甲中队" in html and "中队长/科室负责人" in html


def test_system_account_greeting_uses_role_unit(client, org):
    client.force_login(org.political)
    html = client.get(reverse("home")).content.decode()
    assert "political" in html and "测试大队" in html


def test_headline_figures_follow_the_scope(client, org):
    make_person(org.squadron_a, "周辅警", kind=Person.Kind.AUXILIARY)
    make_person(org.squadron_b, "吴退休", status=Person.Status.RETIRED)  # not counted: not 在岗
    client.force_login(org.political)
    figures = _figures(client.get(reverse("home")))
    assert (figures["police"].value, figures["auxiliary"].value) == (4, 1)
    assert (figures["units"].value, figures["branches"].value) == (3, 1)  # brigade + 2 squadrons; 1 branch
    lead = {f.key: f.value for f in headline_figures(org.lead_a)}
    assert lead == {"police": 2, "auxiliary": 1, "units": 1, "branches": 0}


def test_each_figure_links_to_the_rows_it_counts(client, org):
    make_person(org.squadron_a, "周辅警", kind=Person.Kind.AUXILIARY)
    client.force_login(org.political)
    response = client.get(reverse("home"))
    figures = _figures(response)
    for key in ("police", "auxiliary"):
        listed = client.get(figures[key].url)
        assert listed.context["page"].paginator.count == figures[key].value
        assert f'href="{figures[key].url.replace("&", "&amp;")}"' in response.content.decode()
    branches = client.get(figures["branches"].url).content.decode()
    assert "第一党支部" in branches and "甲中队" not in branches
    unit_page = client.get(figures["units"].url)
    assert "甲中队" in unit_page.content.decode()


@pytest.fixture
def provider():
    now = timezone.now()

    def items(user):
        if user.username != "lead_a":
            return []
        return [
            {"title": "工单 A 待签收", "url": "/x/1", "due": now + timedelta(hours=5), "state": "on_time"},
            {"title": "工单 B 即将超期", "url": "/x/2", "due": now + timedelta(hours=1), "state": "due_soon"},
            {"title": "工单 C 已超期", "url": "/x/3", "due": now - timedelta(hours=2), "state": "overdue"},
        ]

    home.register_pending(items)
    yield items
    home.unregister_pending(items)


def test_registered_pending_items_appear_soonest_first(client, org, provider):
    client.force_login(org.lead_a)
    response = client.get(reverse("home"))
    pending = response.context["pending"]
    assert [i.title for i in pending.items] == ["工单 C 已超期", "工单 B 即将超期", "工单 A 待签收"]
    assert [i.title for i in pending.due] == ["工单 C 已超期", "工单 B 即将超期"]
    html = response.content.decode()
    assert "暂无待办" not in html and 'href="/x/3"' in html and "超期" in html
    client.force_login(org.lead_b)
    assert client.get(reverse("home")).content.decode().count("暂无待办") == 2


def test_a_failing_provider_does_not_break_home(client, org, provider):
    def broken(user):
        raise RuntimeError("boom")

    home.register_pending(broken)
    try:
        client.force_login(org.lead_a)
        response = client.get(reverse("home"))
    finally:
        home.unregister_pending(broken)
    assert response.status_code == 200
    assert "有 1 个模块的待办暂时无法加载" in response.content.decode()
    assert len(response.context["pending"].items) == 3
