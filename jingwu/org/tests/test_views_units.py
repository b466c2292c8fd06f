"""Unit pages: tree, detail with history, and the 系统管理员's create / edit / move / retire."""

from __future__ import annotations

import pytest
from django.urls import reverse

from jingwu.core.models import AuditLog
from jingwu.org.models import Person, Unit
from jingwu.testing.factories import make_person, make_user

pytestmark = pytest.mark.django_db


def _get(client, user, url):
    client.force_login(user)
    return client.get(url)


# --- Tree --------------------------------------------------------------------------------------


def test_unit_tree_anonymous_goes_to_login(client, org):
    response = client.get(reverse("org:unit-list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_unit_tree_without_role_is_forbidden(client, org):
    assert _get(client, org.nobody, reverse("org:unit-list")).status_code == 403


def test_unit_tree_shows_visible_units_with_people_counts(client, org):
    make_person(org.squadron_a, "钱党员", political_status=Person.PoliticalStatus.CPC, party_branch=org.branch)
    response = _get(client, org.political, reverse("org:unit-list"))
    html = response.content.decode()
    assert response.status_code == 200
    for name in ("测试大队", "甲中队", "乙中队", "第一党支部"):
        assert name in html
    assert "测试支队" not in html  # above the political officer's brigade
    # 甲中队: 张三丰, 王中队, 钱党员 → 3; brigade subtree: 3 + 2 in 乙中队 = 5
    assert f'?unit={org.squadron_a.pk}&amp;sub=on&amp;status=active" title="本单位及下级在岗人数">3 人' in html
    assert f'?unit={org.brigade.pk}&amp;sub=on&amp;status=active" title="本单位及下级在岗人数">5 人' in html
    assert f'?branch={org.branch.pk}&amp;status=active" title="在岗人员中所在党支部为本支部的人数">党员 1 人' in html


def test_unit_tree_of_a_squadron_lead_is_their_squadron_only(client, org):
    html = _get(client, org.lead_a, reverse("org:unit-list")).content.decode()
    assert "甲中队" in html
    assert "乙中队" not in html and "测试大队" not in html


def test_unit_tree_counts_in_constant_queries(client, org, django_assert_max_num_queries):
    for i in range(6):
        parent = org.squadron_a if i % 2 else org.squadron_b
        unit = Unit.objects.add_child(
            Unit.objects.get(pk=parent.pk), instance=Unit(code=f"15062100{i + 3:02d}00", name=f"组{i}", kind="office")
        )
        make_person(unit, f"人员{i}")
    client.force_login(org.political)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("org:unit-list"))
    assert "组5" in response.content.decode()


def test_party_branch_view_lists_branches(client, org):
    html = _get(client, org.political, reverse("org:unit-list") + "?kind=party_branch").content.decode()
    assert "第一党支部" in html and "甲中队" not in html


# --- Detail ------------------------------------------------------------------------------------


def test_unit_detail_other_unit_is_404(client, org):
    assert _get(client, org.lead_a, reverse("org:unit-detail", args=[org.squadron_b.pk])).status_code == 404


def test_unit_detail_without_role_is_forbidden(client, org):
    assert _get(client, org.nobody, reverse("org:unit-detail", args=[org.squadron_a.pk])).status_code == 403


def test_unit_detail_anonymous_goes_to_login(client, org):
    response = client.get(reverse("org:unit-detail", args=[org.squadron_a.pk]))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_unit_detail_shows_fields_children_counts_and_history(client, org):
    from jingwu.org import services

    services.unit_update(actor=org.sysadmin, unit=org.brigade, name="测试交警大队")
    response = _get(client, org.political, reverse("org:unit-detail", args=[org.brigade.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "150621000000" in html and "测试交警大队" in html
    assert "甲中队" in html and "乙中队" in html  # children
    assert '<div class="value">4</div><div class="label">含下级在岗</div>' in html
    # history from the audit log: who renamed it and from what to what
    assert "sysadmin" in html and "<del>测试大队</del> → 测试交警大队" in html
    assert "jw-unit-actions" not in html  # 政工 does not manage units


def test_unit_management_buttons_only_for_manage_unit(client, org):
    html = _get(client, org.sysadmin, reverse("org:unit-detail", args=[org.squadron_a.pk])).content.decode()
    assert reverse("org:unit-edit", args=[org.squadron_a.pk]) in html
    assert reverse("org:unit-move", args=[org.squadron_a.pk]) in html
    html = _get(client, org.lead_a, reverse("org:unit-detail", args=[org.squadron_a.pk])).content.decode()
    assert reverse("org:unit-edit", args=[org.squadron_a.pk]) not in html


# --- Writes ------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["unit-create", "unit-edit", "unit-move", "unit-retire"])
def test_unit_writes_refused_without_manage_unit(client, org, name):
    client.force_login(org.political)
    url = reverse(f"org:{name}", args=[org.squadron_a.pk])
    assert client.get(url).status_code == 403
    before = list(Unit.objects.order_by("pk").values_list("path", "name", "code", "retired_on"))
    response = client.post(url, {"name": "改名", "code": "150621000900", "kind": "squadron", "order": 1})
    assert response.status_code == 403
    assert list(Unit.objects.order_by("pk").values_list("path", "name", "code", "retired_on")) == before


def test_unit_writes_out_of_scope_are_404(client, org):
    # A unit manager anchored in 甲中队 cannot even see 乙中队.
    manager = make_user("mgr_a", "sysadmin", org.squadron_a, scope="subtree")
    client.force_login(manager)
    response = client.post(reverse("org:unit-edit", args=[org.squadron_b.pk]), {"name": "改名"})
    assert response.status_code == 404
    assert Unit.objects.get(pk=org.squadron_b.pk).name == "乙中队"


def test_create_child_unit(client, org):
    client.force_login(org.sysadmin)
    response = client.post(
        reverse("org:unit-create", args=[org.squadron_a.pk]),
        {"name": "甲中队一组", "short_name": "", "code": "150621000101", "kind": "office", "order": 0},
    )
    child = Unit.objects.get(code="150621000101")
    assert response.status_code == 302 and response["Location"] == reverse("org:unit-detail", args=[child.pk])
    assert child.path[: -child.steplen] == org.squadron_a.path
    assert AuditLog.objects.filter(event="org.unit.create", object_id=str(child.pk)).exists()


def test_create_child_unit_shows_chinese_errors_per_field(client, org):
    client.force_login(org.sysadmin)
    response = client.post(
        reverse("org:unit-create", args=[org.squadron_a.pk]),
        {"name": "重复代码", "code": org.squadron_b.code, "kind": "office", "order": 0},
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert "机构代码已存在" in " ".join(form.errors["code"])
    assert "机构代码已存在" in response.content.decode()
    assert not Unit.objects.filter(name="重复代码").exists()


def test_bad_unit_code_error_is_on_the_code_field(client, org):
    client.force_login(org.sysadmin)
    response = client.post(
        reverse("org:unit-edit", args=[org.squadron_a.pk]),
        {"name": "甲中队", "code": "ABC", "kind": "squadron", "order": 0},
    )
    assert "机构代码应为12位" in " ".join(response.context["form"].errors["code"])
    assert Unit.objects.get(pk=org.squadron_a.pk).code == "150621000100"


def test_rename_and_reorder_unit(client, org):
    client.force_login(org.sysadmin)
    response = client.post(
        reverse("org:unit-edit", args=[org.squadron_a.pk]),
        {"name": "甲中队(新)", "short_name": "甲队", "code": "150621000100", "kind": "squadron", "order": 5},
    )
    assert response.status_code == 302
    unit = Unit.objects.get(pk=org.squadron_a.pk)
    assert (unit.name, unit.short_name, unit.order) == ("甲中队(新)", "甲队", 5)


def test_move_unit_under_another_parent(client, org):
    client.force_login(org.sysadmin)
    form_html = client.get(reverse("org:unit-move", args=[org.squadron_a.pk])).content.decode()
    assert "乙中队" in form_html and "第一党支部" not in form_html  # never under a party branch
    response = client.post(reverse("org:unit-move", args=[org.squadron_a.pk]), {"parent": org.squadron_b.pk})
    assert response.status_code == 302
    moved = Unit.objects.get(pk=org.squadron_a.pk)
    assert moved.path[: -moved.steplen] == Unit.objects.get(pk=org.squadron_b.pk).path
    assert AuditLog.objects.filter(event="org.unit.move", object_id=str(moved.pk)).exists()


def test_move_below_itself_is_refused(client, org):
    client.force_login(org.sysadmin)
    response = client.post(reverse("org:unit-move", args=[org.brigade.pk]), {"parent": org.squadron_a.pk})
    assert response.status_code == 200
    assert response.context["form"].errors["parent"]
    assert Unit.objects.get(pk=org.brigade.pk).path == org.brigade.path


def test_retire_refused_while_people_are_active(client, org):
    client.force_login(org.sysadmin)
    response = client.post(
        reverse("org:unit-retire", args=[org.squadron_a.pk]), {"retired_on": "2026-01-05", "confirm": "on"}
    )
    assert response.status_code == 200
    assert "仍有2名在岗人员" in " ".join(response.context["form"].errors["retired_on"])
    assert Unit.objects.get(pk=org.squadron_a.pk).retired_on is None


def test_retire_empty_unit(client, org):
    empty = Unit.objects.add_child(
        Unit.objects.get(pk=org.brigade.pk), instance=Unit(code="150621000900", name="空科室", kind="office")
    )
    client.force_login(org.sysadmin)
    response = client.post(reverse("org:unit-retire", args=[empty.pk]), {"retired_on": "2026-01-05", "confirm": "on"})
    assert response.status_code == 302
    assert str(Unit.objects.get(pk=empty.pk).retired_on) == "2026-01-05"
    html = client.get(reverse("org:unit-detail", args=[empty.pk])).content.decode()
    assert "已撤销" in html and "撤销日期" in html
