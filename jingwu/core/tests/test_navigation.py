"""The sidebar is rendered once per role set and active entry, and follows a role change at once."""

from __future__ import annotations

import pytest
from django.utils import translation

from jingwu.core import navigation
from jingwu.org.models import RoleAssignment
from jingwu.testing.factories import make_user

pytestmark = pytest.mark.django_db


def sidebar(client, user, path="/workorders/"):
    client.force_login(user)
    response = client.get(path)
    assert response.status_code == 200
    html = response.content.decode()
    return html[html.index('id="jw-sidebar"') : html.index("</nav>")]


def test_a_granted_role_shows_its_entries_on_the_next_page(client, org):
    user = make_user("clerk", "unit_lead", org.squadron_a)
    before = sidebar(client, user)
    assert 'href="/workorders/"' in before and "审计日志" not in before
    RoleAssignment.objects.create(user=user, role="auditadmin", unit=None, scope="all")
    after = sidebar(client, user, "/")
    assert "审计日志" in after
    RoleAssignment.objects.filter(user=user, role="auditadmin").delete()
    assert "审计日志" not in sidebar(client, user, "/")


def test_active_entry_is_the_longest_matching_one(client, org):
    html = sidebar(client, org.leader, "/workorders/mine/")
    active = [line for line in html.splitlines() if "jw-nav-link active" in line]
    assert len(active) == 1 and 'href="/workorders/mine/"' in active[0]
    groups = navigation.navigation_for(org.leader, "/workorders/12345/")
    assert [i.url for g in groups for i in g.items if i.active] == ["/workorders/"]
    assert not [i for g in navigation.navigation_for(org.leader, "/nowhere/") for i in g.items if i.active]


def test_rendered_once_per_role_set_language_and_entry(org, monkeypatch):
    navigation._HTML.clear()
    calls = []
    real = navigation._render
    monkeypatch.setattr(navigation, "_render", lambda groups: calls.append(1) or real(groups))
    with translation.override("zh-hans"):
        first = navigation.navigation_html(org.leader, "/workorders/")
        assert navigation.navigation_html(org.leader, "/workorders/?state=closed") == first
        navigation.navigation_html(org.leader, "/workorders/777/")  # same active entry: same HTML
    assert len(calls) == 1
    with translation.override("en"):
        english = navigation.navigation_html(org.leader, "/workorders/")
    assert len(calls) == 2 and english != first
