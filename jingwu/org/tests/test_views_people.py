"""People pages: list (filters, search, sort, pagination, query budget), detail with masked values and
audited reveal, create and edit through the services, and the data scope on every path."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.http import HttpResponse
from django.urls import include, path, reverse

from jingwu import urls as root_urls
from jingwu.core.models import AuditLog
from jingwu.org import urls as org_urls
from jingwu.org.models import Person, Unit
from jingwu.testing.factories import make_id_number, make_person

pytestmark = pytest.mark.django_db


@pytest.fixture
def editable(org):
    """A person in 甲中队 whose stored ID number passes today's validation (the factory's 150621 codes
    are refused by python-stdnum for births before 2001, when 达拉特旗 was 152722)."""
    return make_person(org.squadron_a, "钱编辑", id_number=make_id_number(date(1990, 5, 6), division="110101"))


def _person_values(pk):
    return Person.objects.filter(pk=pk).values().get()


def _names(response):
    return [p.name for p in response.context["page"].object_list]


def _edit_data(person, **changes):
    data = {
        "name": person.name,
        "kind": person.kind,
        "police_number": person.police_number,
        "id_number": "",
        "phone": "",
        "unit": person.unit_id,
        "position": person.position,
        "rank": person.rank,
        "political_status": person.political_status,
        "party_branch": person.party_branch_id or "",
        "joined_on": person.joined_on.isoformat() if person.joined_on else "",
        "status": person.status,
    }
    data.update(changes)
    return data


# --- Access --------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["person-list", "person-create"])
def test_anonymous_goes_to_login(client, org, name):
    response = client.get(reverse(f"org:{name}"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("name", ["person-detail", "person-edit"])
def test_anonymous_goes_to_login_on_a_person(client, org, name):
    response = client.get(reverse(f"org:{name}", args=[org.person_a.pk]))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_no_role_is_forbidden(client, org):
    client.force_login(org.nobody)
    assert client.get(reverse("org:person-list")).status_code == 403
    assert client.get(reverse("org:person-detail", args=[org.person_a.pk])).status_code == 403


def test_other_units_person_is_404(client, org):
    client.force_login(org.lead_a)
    assert client.get(reverse("org:person-detail", args=[org.person_b.pk])).status_code == 404
    assert client.get(reverse("org:person-edit", args=[org.person_b.pk])).status_code == 404


def test_officer_sees_only_themself(client, org):
    client.force_login(org.officer_a)
    response = client.get(reverse("org:person-list"))
    assert _names(response) == ["张三丰"]
    assert client.get(reverse("org:person-detail", args=[org.person_a.pk])).status_code == 200
    lead_person = org.lead_a.person
    assert client.get(reverse("org:person-detail", args=[lead_person.pk])).status_code == 404


# --- List ----------------------------------------------------------------------------------------


def test_list_shows_scope_only(client, org):
    client.force_login(org.lead_a)
    response = client.get(reverse("org:person-list"))
    assert response.status_code == 200
    assert sorted(_names(response)) == sorted(["张三丰", "王中队"])
    assert "李四海" not in response.content.decode()


def test_search_by_pinyin_initials(client, org):
    make_person(org.squadron_a, "赵思远")  # zsy: shares the z and s
    client.force_login(org.political)
    response = client.get(reverse("org:person-list"), {"q": "zsf"})
    assert _names(response) == ["张三丰"]
    assert 'name="q"' in response.content.decode() and 'value="zsf"' in response.content.decode()


def test_search_by_full_pinyin_police_number_and_exact_id_number(client, org):
    client.force_login(org.political)
    assert _names(client.get(reverse("org:person-list"), {"q": "lisihai"})) == ["李四海"]
    assert _names(client.get(reverse("org:person-list"), {"q": org.person_b.police_number})) == ["李四海"]
    assert _names(client.get(reverse("org:person-list"), {"q": org.person_b.id_number})) == ["李四海"]
    # a partial ID number finds nobody: ID numbers are matched exactly, never by fragment
    assert _names(client.get(reverse("org:person-list"), {"q": org.person_b.id_number[:10]})) == []


def test_search_cannot_reach_outside_scope(client, org):
    client.force_login(org.lead_a)
    assert _names(client.get(reverse("org:person-list"), {"q": org.person_b.id_number})) == []


def test_filters_unit_with_and_without_sub_units(client, org):
    office = Unit.objects.add_child(
        Unit.objects.get(pk=org.squadron_a.pk), instance=Unit(code="150621000101", name="甲中队一组", kind="office")
    )
    make_person(office, "孙一组")
    client.force_login(org.political)
    url = reverse("org:person-list")
    assert sorted(_names(client.get(url, {"unit": org.squadron_a.pk}))) == sorted(["张三丰", "王中队"])
    assert sorted(_names(client.get(url, {"unit": org.squadron_a.pk, "sub": "on"}))) == sorted(
        ["张三丰", "王中队", "孙一组"]
    )


def test_filters_kind_status_political_status_and_position(client, org):
    make_person(org.squadron_a, "周辅警", kind=Person.Kind.AUXILIARY)
    make_person(org.squadron_a, "吴退休", status=Person.Status.RETIRED)
    make_person(org.squadron_b, "郑党员", political_status=Person.PoliticalStatus.CPC, party_branch=org.branch)
    client.force_login(org.political)
    url = reverse("org:person-list")
    assert _names(client.get(url, {"kind": "auxiliary"})) == ["周辅警"]
    assert _names(client.get(url, {"status": "retired"})) == ["吴退休"]
    assert _names(client.get(url, {"political_status": "cpc"})) == ["郑党员"]
    assert _names(client.get(url, {"branch": org.branch.pk})) == ["郑党员"]
    assert sorted(_names(client.get(url, {"position": "中队长"}))) == sorted(["王中队", "赵中队"])


def test_filter_by_out_of_scope_unit_shows_error_and_nobody(client, org):
    client.force_login(org.lead_a)
    response = client.get(reverse("org:person-list"), {"unit": org.squadron_b.pk})
    assert _names(response) == []
    assert "jw-filter-errors" in response.content.decode()


def test_sort_by_column_headers(client, org):
    make_person(org.squadron_a, "阿大", joined_on=date(2001, 1, 1))
    make_person(org.squadron_a, "钟末", joined_on=date(2020, 1, 1))
    client.force_login(org.political)
    url = reverse("org:person-list")
    names = _names(client.get(url, {"o": "name"}))
    assert names[0] == "阿大" and names[-1] == "钟末"  # by pinyin: a… first, zhong… last
    assert _names(client.get(url, {"o": "-name"}))[0] == "钟末"
    joined = _names(client.get(url, {"o": "joined_on"}))
    assert joined.index("阿大") < joined.index("钟末")
    joined = _names(client.get(url, {"o": "-joined_on"}))
    assert joined.index("钟末") < joined.index("阿大")
    numbers = [p.police_number for p in client.get(url, {"o": "-police_number"}).context["page"].object_list]
    assert numbers == sorted(numbers, reverse=True)
    # the header link toggles the direction and keeps the filters
    html = client.get(url, {"o": "name", "kind": "police"}).content.decode()
    assert 'href="?o=-name&amp;kind=police"' in html or 'href="?kind=police&amp;o=-name"' in html


def test_pagination_keeps_filters(client, org):
    for i in range(25):
        make_person(org.squadron_a, f"批量{i:02d}")
    client.force_login(org.political)
    url = reverse("org:person-list")
    first = client.get(url, {"unit": org.squadron_a.pk, "o": "police_number"})
    assert len(first.context["page"].object_list) == 20
    assert first.context["page"].paginator.count == 27
    html = first.content.decode()
    assert f"unit={org.squadron_a.pk}&amp;o=police_number&amp;page=2" in html
    second = client.get(url, {"unit": org.squadron_a.pk, "o": "police_number", "page": 2})
    assert len(second.context["page"].object_list) == 7
    assert not set(_names(first)) & set(_names(second))


def _list_queries(client, user, n):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(user)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("org:person-list"), {"o": "name"})
    assert len(response.context["page"].object_list) >= n
    return len(ctx.captured_queries)


def test_list_query_count_does_not_grow_with_rows(client, org):
    for i in range(3):
        make_person(org.squadron_a, f"少{i}", party_branch=org.branch)
    with_5 = _list_queries(client, org.political, 5)
    for i in range(20):
        make_person(org.squadron_b, f"多{i}", party_branch=org.branch)
    with_25 = _list_queries(client, org.political, 20)
    assert with_25 == with_5


# --- Export / import buttons ---------------------------------------------------------------------


def _ledger_view(request):
    return HttpResponse("ledger")


def _urlconf(extra):
    patterns = []
    for entry in root_urls.urlpatterns:
        if getattr(entry, "namespace", None) == "org":
            own = [p for p in org_urls.urlpatterns if p.name not in ("person-export", "person-import")]
            patterns.append(path("org/", include((own + extra, "org"))))
        else:
            patterns.append(entry)
    return patterns


class WithLedgerRoutes:
    urlpatterns = _urlconf(
        [
            path("people/export/", _ledger_view, name="person-export"),
            path("people/import/", _ledger_view, name="person-import"),
        ]
    )


class WithoutLedgerRoutes:
    urlpatterns = _urlconf([])


def test_export_and_import_buttons_carry_filters(client, org, settings):
    settings.ROOT_URLCONF = WithLedgerRoutes
    client.force_login(org.political)
    html = client.get("/org/people/", {"kind": "police", "q": "张"}).content.decode()
    assert 'href="/org/people/export/?kind=police&amp;q=%E5%BC%A0"' in html
    assert 'href="/org/people/import/"' in html


def test_export_button_needs_export_capability(client, org, settings):
    settings.ROOT_URLCONF = WithLedgerRoutes
    client.force_login(org.officer_a)
    html = client.get("/org/people/").content.decode()
    assert "导出Excel" not in html and "/org/people/import/" not in html


def test_no_ledger_buttons_while_routes_do_not_exist(client, org, settings):
    settings.ROOT_URLCONF = WithoutLedgerRoutes
    client.force_login(org.political)
    response = client.get("/org/people/")
    assert response.status_code == 200
    assert "导出Excel" not in response.content.decode()


# --- Detail and reveal ---------------------------------------------------------------------------


def test_detail_masks_id_number_and_phone(client, org):
    person = org.person_a
    client.force_login(org.political)
    html = client.get(reverse("org:person-detail", args=[person.pk])).content.decode()
    assert person.id_number_masked in html and "jw-masked" in html
    assert person.id_number not in html
    assert person.phone not in html and person.phone_masked in html
    assert re.search(r'<button[^>]*class="[^"]*jw-reveal[^"]*" data-field="id_number"', html)
    assert reverse("org:person-reveal", args=[person.pk, "id_number"]) in html


def test_no_reveal_button_without_capability(client, org):
    client.force_login(org.lead_a)
    html = client.get(reverse("org:person-detail", args=[org.person_a.pk])).content.decode()
    assert org.person_a.id_number_masked in html
    assert org.person_a.id_number not in html
    assert "jw-reveal" not in html and "查看完整" not in html


def test_reveal_by_political_returns_clear_value_and_is_audited(client, org):
    client.force_login(org.political)
    response = client.post(reverse("org:person-reveal", args=[org.person_a.pk, "id_number"]), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert org.person_a.id_number in response.content.decode()
    assert response["Cache-Control"] == "no-store"
    row = AuditLog.objects.get(event="org.person.reveal", object_id=str(org.person_a.pk))
    assert row.success and row.actor_username == "political" and row.changes == {"field": "id_number"}


def test_reveal_phone(client, org):
    client.force_login(org.political)
    response = client.post(reverse("org:person-reveal", args=[org.person_a.pk, "phone"]))
    assert "13800138000" in response.content.decode()


def test_reveal_without_capability_is_403_and_leaks_nothing(client, org):
    client.force_login(org.lead_a)
    response = client.post(reverse("org:person-reveal", args=[org.person_a.pk, "id_number"]))
    assert response.status_code == 403
    assert org.person_a.id_number not in response.content.decode()


def test_refused_reveal_leaves_a_failed_audit_row(client, org):
    client.force_login(org.lead_a)
    client.post(reverse("org:person-reveal", args=[org.person_a.pk, "id_number"]))
    row = AuditLog.objects.get(event="org.person.reveal", object_id=str(org.person_a.pk))
    assert row.success is False and row.actor_username == "lead_a"


def test_reveal_other_units_person_is_404_and_get_is_refused(client, org):
    client.force_login(org.political)
    assert client.get(reverse("org:person-reveal", args=[org.person_a.pk, "id_number"])).status_code == 405
    client.force_login(org.lead_b)
    assert client.post(reverse("org:person-reveal", args=[org.person_a.pk, "id_number"])).status_code == 404
    assert not AuditLog.objects.filter(event="org.person.reveal", success=True).exists()


def test_reveal_of_an_ordinary_field_is_refused(client, org):
    client.force_login(org.political)
    assert client.post(reverse("org:person-reveal", args=[org.person_a.pk, "name"])).status_code == 400


# --- Edit and create -----------------------------------------------------------------------------


def test_edit_form_never_contains_the_clear_id_number(client, org):
    client.force_login(org.political)
    html = client.get(reverse("org:person-edit", args=[org.person_a.pk])).content.decode()
    assert org.person_a.id_number not in html and org.person_a.phone not in html
    assert re.search(r'<input[^>]*name="id_number"(?![^>]*value=)[^>]*>', html)
    assert "留空表示不修改" in html


def test_edit_by_political_changes_person_and_keeps_blank_id(client, org, editable):
    person = editable
    client.force_login(org.political)
    response = client.post(
        reverse("org:person-edit", args=[person.pk]),
        _edit_data(
            person, position="副中队长", unit=org.squadron_b.pk, political_status="cpc", party_branch=org.branch.pk
        ),
    )
    assert response.status_code == 302
    person.refresh_from_db()
    assert (person.position, person.unit_id, person.party_branch_id) == ("副中队长", org.squadron_b.pk, org.branch.pk)
    assert person.id_number == editable.id_number and person.phone == "13800138000"
    assert AuditLog.objects.filter(event="org.person.update", object_id=str(person.pk)).exists()


def test_edit_with_new_id_number_derives_birth_date_and_gender(client, org):
    person = org.person_a
    old_birth_date = person.birth_date
    new_id = make_id_number(date(1985, 6, 1), female=True, division="110101")
    client.force_login(org.political)
    response = client.post(reverse("org:person-edit", args=[person.pk]), _edit_data(person, id_number=new_id))
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.id_number == new_id and person.gender == "F"
    assert person.birth_date == date(int(new_id[6:10]), int(new_id[10:12]), int(new_id[12:14]))
    assert person.birth_date != old_birth_date


def test_edit_errors_are_shown_per_field_in_chinese(client, org):
    before = _person_values(org.person_a.pk)
    client.force_login(org.political)
    response = client.post(
        reverse("org:person-edit", args=[org.person_a.pk]),
        _edit_data(
            org.person_a, id_number="150621199001011230", phone="12345", police_number=org.person_b.police_number
        ),
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "身份证号校验码错误" in " ".join(errors["id_number"])
    assert "手机号应为11位" in " ".join(errors["phone"])
    assert "警号已存在" in " ".join(errors["police_number"])
    assert 'class="form-control is-invalid"' in response.content.decode()
    assert _person_values(org.person_a.pk) == before


def test_lead_cannot_edit_other_units_person(client, org):
    before = _person_values(org.person_b.pk)
    client.force_login(org.lead_a)
    response = client.post(reverse("org:person-edit", args=[org.person_b.pk]), _edit_data(org.person_b, name="改名"))
    assert response.status_code == 404
    assert _person_values(org.person_b.pk) == before


def test_officer_cannot_edit(client, org):
    before = _person_values(org.person_a.pk)
    client.force_login(org.officer_a)
    response = client.post(reverse("org:person-edit", args=[org.person_a.pk]), _edit_data(org.person_a, name="改名"))
    assert response.status_code == 403
    assert _person_values(org.person_a.pk) == before
    assert "jw-person-edit" not in client.get(reverse("org:person-detail", args=[org.person_a.pk])).content.decode()


def test_moving_a_person_outside_the_editors_scope_is_refused(client, org):
    before = _person_values(org.person_a.pk)
    client.force_login(org.lead_a)
    form_html = client.get(reverse("org:person-edit", args=[org.person_a.pk])).content.decode()
    assert "乙中队" not in form_html  # unit choices are the editor's scope
    response = client.post(
        reverse("org:person-edit", args=[org.person_a.pk]), _edit_data(org.person_a, unit=org.squadron_b.pk)
    )
    assert response.status_code == 200
    assert response.context["form"].errors["unit"]
    assert _person_values(org.person_a.pk) == before
    assert not AuditLog.objects.filter(event="org.person.update").exists()


def test_create_person(client, org):
    id_number = make_id_number(date(1995, 3, 4), division="110101")
    client.force_login(org.lead_a)
    assert "甲中队" in client.get(reverse("org:person-create")).content.decode()
    response = client.post(
        reverse("org:person-create"),
        {
            "name": "新民警",
            "kind": "police",
            "police_number": "123456",
            "id_number": id_number,
            "phone": "139 0000 0000",
            "unit": org.squadron_a.pk,
            "political_status": "masses",
            "status": "active",
            "joined_on": "2020-07-01",
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    person = Person.objects.get(police_number="123456")
    assert response.status_code == 302 and response["Location"] == reverse("org:person-detail", args=[person.pk])
    assert person.birth_date == date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))
    assert person.birth_date.year == 1995 and person.phone == "13900000000" and person.name_initials == "xmj"


def test_create_person_outside_scope_is_refused(client, org):
    client.force_login(org.lead_a)
    response = client.post(
        reverse("org:person-create"),
        {
            "name": "越权",
            "kind": "police",
            "police_number": "223456",
            "id_number": make_id_number(),
            "unit": org.squadron_b.pk,
            "political_status": "masses",
            "status": "active",
        },
    )
    assert response.status_code == 200 and response.context["form"].errors["unit"]
    assert not Person.objects.filter(name="越权").exists()


def test_create_requires_change_capability(client, org):
    client.force_login(org.officer_a)
    assert client.get(reverse("org:person-create")).status_code == 403
    assert "jw-person-create" not in client.get(reverse("org:person-list")).content.decode()
