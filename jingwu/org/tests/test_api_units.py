"""REST API of the unit tree: scope, filters, writes through services, errors, query budget."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from jingwu.core.models import AuditLog
from jingwu.org.models import Unit
from jingwu.testing.factories import make_unit, make_user
from jingwu.testing.scope_suite import WriteCheck, assert_scope_rules

UNITS = "/api/v1/org/units/"


def client_for(user=None, *, token: bool = False) -> APIClient:
    client = APIClient()
    if user is not None:
        if token:
            client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
        else:
            client.force_login(user)
    return client


def unit_state(unit: Unit) -> dict:
    return Unit.objects.values("code", "name", "kind", "path", "retired_on").get(pk=unit.pk)


def test_unit_detail_obeys_the_scope_rules(org):
    admin_b = make_user("unitadmin_b", "sysadmin", org.squadron_b, scope="subtree")
    assert_scope_rules(
        APIClient(),
        url_for_own=f"{UNITS}{org.squadron_a.pk}/",
        url_for_other_unit=f"{UNITS}{org.squadron_b.pk}/",
        permitted_user=org.lead_a,
        no_permission_user=org.nobody,
        other_unit_user=admin_b,
        write=WriteCheck(
            "patch", f"{UNITS}{org.squadron_a.pk}/", {"name": "改名中队"}, lambda: unit_state(org.squadron_a)
        ),
    )


def test_anonymous_gets_401_with_challenge_and_json(db):
    response = APIClient().get(UNITS)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response.json()["error"] == "not_authenticated"


def test_list_shows_only_units_in_scope_with_parent_codes(org):
    data = client_for(org.lead_a).get(UNITS).json()
    assert [u["code"] for u in data["results"]] == [org.squadron_a.code]
    row = data["results"][0]
    assert row["parent"] == org.brigade.code
    assert row["kind"] == "squadron" and row["kind_display"] == "中队"
    assert row["depth"] == org.squadron_a.depth and row["retired_on"] is None

    codes = [u["code"] for u in client_for(org.leader).get(UNITS).json()["results"]]
    assert set(codes) == {org.brigade.code, org.squadron_a.code, org.squadron_b.code, org.branch.code}
    assert org.detachment.code not in codes


def test_filters_kind_parent_and_active(org):
    org.squadron_b.retired_on = "2026-01-01"
    org.squadron_b.save()
    client = client_for(org.sysadmin)

    def codes(query: str) -> list[str]:
        response = client.get(UNITS + query)
        assert response.status_code == 200, response.content
        return [u["code"] for u in response.json()["results"]]

    assert codes("?kind=party_branch") == [org.branch.code]
    assert set(codes(f"?parent={org.brigade.code}")) == {org.squadron_a.code, org.squadron_b.code, org.branch.code}
    assert codes(f"?parent={org.detachment.code}") == [org.brigade.code]
    assert codes("?parent=999999999999") == []
    assert org.squadron_b.code not in codes("?active=true")
    assert codes("?active=false") == [org.squadron_b.code]
    assert codes("?ordering=-code")[0] == org.branch.code


def test_bad_filter_value_is_a_field_error(org):
    response = client_for(org.sysadmin).get(UNITS + "?kind=castle")
    assert response.status_code == 400
    assert "kind" in response.json()["fields"]


def test_sysadmin_creates_a_unit_and_it_is_audited(org):
    response = client_for(org.sysadmin).post(
        UNITS, {"code": "150621000300", "name": "丙中队", "kind": "squadron", "parent": org.brigade.code}, format="json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["parent"] == org.brigade.code and body["depth"] == org.brigade.depth + 1
    unit = Unit.objects.get(code="150621000300")
    assert Unit.objects.get_parent(unit) == org.brigade
    row = AuditLog.objects.get(event="org.unit.create", object_id=str(unit.pk))
    assert row.actor_username == "sysadmin"


def test_create_errors_name_the_field(org):
    response = client_for(org.sysadmin).post(
        UNITS, {"code": "ABC", "name": "", "kind": "squadron", "parent": org.brigade.code}, format="json"
    )
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "invalid" and set(body["fields"]) >= {"name"}

    response = client_for(org.sysadmin).post(
        UNITS, {"code": "990621000300", "name": "丙中队", "kind": "squadron", "parent": org.brigade.code}, format="json"
    )
    assert response.status_code == 400
    assert "行政区划" in response.json()["fields"]["code"][0]


def test_create_needs_manage_unit_and_changes_nothing_when_refused(org):
    before = Unit.objects.count()
    response = client_for(org.leader).post(
        UNITS, {"code": "150621000300", "name": "丙中队", "kind": "squadron", "parent": org.brigade.code}, format="json"
    )
    assert response.status_code == 403
    assert response.json()["error"] == "permission_denied"
    assert Unit.objects.count() == before


def test_parent_outside_scope_reads_as_unknown(org):
    admin_b = make_user("unitadmin_b", "sysadmin", org.squadron_b, scope="subtree")
    response = client_for(admin_b).post(
        UNITS,
        {"code": "150621000300", "name": "丙中队", "kind": "squadron", "parent": org.squadron_a.code},
        format="json",
    )
    assert response.status_code == 400
    assert "parent" in response.json()["fields"]
    assert not Unit.objects.filter(code="150621000300").exists()
    # and a subtree admin may not create top-level units
    response = client_for(admin_b).post(
        UNITS, {"code": "150621000300", "name": "丙", "kind": "squadron"}, format="json"
    )
    assert response.status_code == 403


def test_move_unit_with_its_subtree(org):
    child = make_unit(org.squadron_b, "150621000201", "乙中队一组", Unit.Kind.OFFICE)
    response = client_for(org.sysadmin).post(
        f"{UNITS}{org.squadron_b.pk}/move/", {"parent": org.squadron_a.code}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["parent"] == org.squadron_a.code
    child.refresh_from_db()
    org.squadron_a.refresh_from_db()
    assert child.path.startswith(org.squadron_a.path)
    assert AuditLog.objects.filter(event="org.unit.move", object_id=str(org.squadron_b.pk)).exists()

    response = client_for(org.sysadmin).post(f"{UNITS}{org.squadron_a.pk}/move/", {"parent": child.code}, format="json")
    assert response.status_code == 400
    assert "parent" in response.json()["fields"]


def test_retiring_a_unit_with_active_people_is_refused(org):
    response = client_for(org.sysadmin).patch(
        f"{UNITS}{org.squadron_a.pk}/", {"retired_on": "2026-02-01"}, format="json"
    )
    assert response.status_code == 400
    assert "在岗人员" in response.json()["fields"]["retired_on"][0]
    org.squadron_a.refresh_from_db()
    assert org.squadron_a.retired_on is None


def test_rename_through_patch(org):
    response = client_for(org.sysadmin, token=True).patch(
        f"{UNITS}{org.squadron_a.pk}/", {"name": "甲中队(新)", "short_name": "甲"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["name"] == "甲中队(新)" and response.json()["parent"] == org.brigade.code
    row = AuditLog.objects.get(event="org.unit.update", object_id=str(org.squadron_a.pk))
    assert row.changes["name"] == ["甲中队", "甲中队(新)"]
    assert row.origin == "api"


def test_messages_follow_accept_language(org):
    client = client_for(org.sysadmin)
    zh = client.post(UNITS, {"code": "150621000300", "kind": "squadron"}, format="json")
    en = client.post(UNITS, {"code": "150621000300", "kind": "squadron"}, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert zh.json()["fields"]["name"] == ["该字段是必填项。"]
    assert en.json()["fields"]["name"] == ["This field is required."]


def test_unknown_api_path_is_json_404(db):
    response = APIClient().get("/api/v1/org/castles/")
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"


def test_non_numeric_or_huge_ids_are_404(org):
    client = client_for(org.sysadmin)
    assert client.get(f"{UNITS}{10**30}/").status_code == 404
    assert client.get(f"{UNITS}abc/").status_code == 404


@pytest.mark.parametrize("user", ["token", "session"])
def test_list_query_count_does_not_grow_with_rows(org, user):
    client = client_for(org.sysadmin, token=user == "token")

    def count_queries() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(UNITS + "?page_size=100")
        assert response.status_code == 200
        return len(ctx.captured_queries), response.json()["count"]

    for n in range(5 - Unit.objects.count()):
        make_unit(org.squadron_a, f"1506210001{n:02d}", f"组{n}", Unit.Kind.OFFICE)
    few, rows_few = count_queries()
    for n in range(5, 25):
        make_unit(org.squadron_a, f"1506210001{n:02d}", f"组{n}", Unit.Kind.OFFICE)
    many, rows_many = count_queries()
    assert (rows_few, rows_many) == (5, 25)
    assert few == many


def test_unsupported_methods_and_bad_page_size_answer_in_json(org):
    client = client_for(org.sysadmin)
    for response in (client.put(f"{UNITS}{org.squadron_a.pk}/", {}, format="json"), client.delete(UNITS)):
        assert response.status_code == 405
        assert response.json()["error"] == "method_not_allowed"
    assert Unit.objects.filter(pk=org.squadron_a.pk).exists()
    response = client.get(UNITS + "?page_size=abc")
    assert response.status_code == 400 and "page_size" in response.json()["fields"]
    assert len(client.get(UNITS + "?page_size=1").json()["results"]) == 1


def test_scope_suite_catches_a_leak_and_a_side_effect(org):
    own, other = f"{UNITS}{org.squadron_a.pk}/", f"{UNITS}{org.squadron_b.pk}/"
    # lead_b does not see squadron_a: "permitted" would get 404, so the suite must complain
    with pytest.raises(AssertionError, match="permitted user"):
        assert_scope_rules(
            APIClient(),
            url_for_own=own,
            url_for_other_unit=other,
            permitted_user=org.lead_b,
            no_permission_user=org.nobody,
        )
    # the leader sees both squadrons: treating squadron_b as "other unit" must fail
    with pytest.raises(AssertionError, match="other unit"):
        assert_scope_rules(
            APIClient(),
            url_for_own=own,
            url_for_other_unit=other,
            permitted_user=org.leader,
            no_permission_user=org.nobody,
        )
    # a state that differs after the refused write is reported
    ticks = iter(range(100))
    with pytest.raises(AssertionError, match="changed the data"):
        assert_scope_rules(
            APIClient(),
            url_for_own=own,
            url_for_other_unit=other,
            permitted_user=org.lead_a,
            no_permission_user=org.nobody,
            write=("patch", own, {"name": "x"}, lambda: next(ticks)),
        )
