"""REST API of people: scope, masking, reveal audit, validation, tokens, query budget."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from jingwu.core.models import AuditLog
from jingwu.org.models import Person
from jingwu.testing.factories import PASSWORD, make_id_number, make_person, make_user
from jingwu.testing.scope_suite import WriteCheck, assert_scope_rules

PEOPLE = "/api/v1/org/people/"
TOKEN = "/api/v1/auth/token/"


def client_for(user=None, *, token: bool = False) -> APIClient:
    client = APIClient()
    if user is not None:
        if token:
            client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
        else:
            client.force_login(user)
    return client


def person_state(person: Person) -> dict:
    return Person.objects.values().get(pk=person.pk)


def valid_id_number() -> str:
    # A division code python-stdnum knows (it rejects some of the demo's Ordos codes).
    return make_id_number(division="110101")


def wrong_check_char(id_number: str) -> str:
    last = "0" if id_number[-1] != "0" else "1"
    return id_number[:-1] + last


def new_person_payload(unit_code: str, **extra) -> dict:
    return {
        "police_number": "123456",
        "kind": "police",
        "name": "孙新警",
        "id_number": valid_id_number(),
        "phone": "13912345678",
        "unit": unit_code,
        **extra,
    }


def test_person_detail_obeys_the_scope_rules(org):
    assert_scope_rules(
        APIClient(),
        url_for_own=f"{PEOPLE}{org.person_a.pk}/",
        url_for_other_unit=f"{PEOPLE}{org.person_b.pk}/",
        permitted_user=org.lead_a,
        no_permission_user=org.nobody,
        other_unit_user=org.lead_b,
        write=WriteCheck(
            "patch",
            f"{PEOPLE}{org.person_a.pk}/",
            {"name": "改名", "position": "副中队长"},
            lambda: person_state(org.person_a),
        ),
    )


def test_person_list_obeys_the_scope_rules(org):
    assert_scope_rules(
        APIClient(),
        url_for_own=PEOPLE,
        url_for_other_unit=f"{PEOPLE}{org.person_b.pk}/",
        permitted_user=org.lead_a,
        no_permission_user=org.secadmin,
        write=("post", PEOPLE, new_person_payload(org.squadron_a.code), lambda: Person.objects.count()),
    )
    # secadmin has an "all" scope for units but no org.view_person: 403, not everyone
    assert client_for(org.secadmin).get(PEOPLE).status_code == 403
    assert client_for(org.nobody).get(PEOPLE).status_code == 403
    names = {p["name"] for p in client_for(org.lead_a).get(PEOPLE).json()["results"]}
    assert names == {"张三丰", "王中队"}
    names = {p["name"] for p in client_for(org.officer_a).get(PEOPLE).json()["results"]}
    assert names == {"张三丰"}  # an officer sees only themself


def test_lead_a_cannot_see_squadron_b_people(org):
    client = client_for(org.lead_a, token=True)
    assert client.get(f"{PEOPLE}{org.person_b.pk}/").status_code == 404
    assert client.post(f"{PEOPLE}{org.person_b.pk}/reveal/", {"field": "phone"}, format="json").status_code == 404
    assert client.get(f"{PEOPLE}?search=李四海").json()["count"] == 0
    assert client.get(f"{PEOPLE}?unit={org.squadron_b.code}").json()["count"] == 0


def test_clear_id_number_and_phone_never_appear_in_list_or_detail(org):
    secret_phone = "13987654321"
    person = make_person(org.squadron_a, "钱多多", phone=secret_phone)
    client = client_for(org.political)
    bodies = [
        client.get(PEOPLE).content.decode(),
        client.get(f"{PEOPLE}{person.pk}/").content.decode(),
        client.get(f"{PEOPLE}?search={person.id_number}").content.decode(),
        client_for(org.lead_a).get("/api/v1/org/me/").content.decode(),
    ]
    everyone = Person.objects.all()
    for body in bodies:
        for p in everyone:
            assert p.id_number not in body
            assert p.birth_date.strftime("%Y%m%d") not in body.replace("-", "")  # masked ID + birth date = ID
        assert secret_phone not in body
    detail = json.loads(bodies[1])
    assert detail["id_number_masked"] == person.id_number[:6] + "********" + person.id_number[-4:]
    assert detail["phone_masked"] == "139****4321"
    assert "id_number" not in detail and "phone" not in detail
    # searching by the full ID number finds the person
    assert [p["id"] for p in json.loads(bodies[2])["results"]] == [person.pk]


def test_reveal_is_audited_and_needs_the_capability(org):
    client = client_for(org.political, token=True)
    response = client.post(f"{PEOPLE}{org.person_a.pk}/reveal/", {"field": "id_number"}, format="json")
    assert response.status_code == 200
    assert response.json() == {"field": "id_number", "value": org.person_a.id_number}
    row = AuditLog.objects.get(event="org.person.reveal", object_id=str(org.person_a.pk), success=True)
    assert row.actor_username == "political" and row.changes == {"field": "id_number"}

    response = client_for(org.lead_a).post(f"{PEOPLE}{org.person_a.pk}/reveal/", {"field": "phone"}, format="json")
    assert response.status_code == 403
    assert response.json()["error"] == "permission_denied"
    assert org.person_a.phone not in response.content.decode()
    refused = AuditLog.objects.get(event="org.person.reveal", success=False)
    assert refused.actor_username == "lead_a" and refused.changes == {"field": "phone"}

    response = client.post(f"{PEOPLE}{org.person_a.pk}/reveal/", {"field": "name"}, format="json")
    assert response.status_code == 400 and "field" in response.json()["fields"]


def test_create_person_is_audited_and_derives_birth_date_and_gender(org):
    payload = new_person_payload(org.squadron_a.code, political_status="cpc", party_branch=org.branch.code)
    response = client_for(org.political).post(PEOPLE, payload, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["unit"] == org.squadron_a.code and body["party_branch"] == org.branch.code
    assert payload["id_number"] not in response.content.decode()
    person = Person.objects.get(pk=body["id"])
    assert person.id_number == payload["id_number"] and person.gender == "M"
    row = AuditLog.objects.get(event="org.person.create", object_id=str(person.pk))
    assert row.actor_username == "political"
    assert row.changes["id_number"] == ["***", "***"]  # the audit log never holds the clear value


def test_wrong_check_character_is_a_field_error(org):
    payload = new_person_payload(org.squadron_a.code, id_number=wrong_check_char(valid_id_number()))
    before = Person.objects.count()
    response = client_for(org.political).post(PEOPLE, payload, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "invalid"
    assert body["fields"]["id_number"] == ["身份证号校验码错误 / wrong check character"]
    assert Person.objects.count() == before


def test_several_field_errors_come_back_together(org):
    payload = new_person_payload(org.squadron_a.code, police_number="12", phone="12345", kind="police")
    response = client_for(org.political).post(PEOPLE, payload, format="json")
    assert response.status_code == 400
    assert {"police_number", "phone"} <= set(response.json()["fields"])

    response = client_for(org.political).post(PEOPLE, {"name": "缺字段"}, format="json")
    assert {"police_number", "kind", "id_number", "unit"} <= set(response.json()["fields"])


def test_unit_outside_scope_is_unknown_and_nothing_is_created(org):
    before = Person.objects.count()
    response = client_for(org.lead_a).post(PEOPLE, new_person_payload(org.squadron_b.code), format="json")
    assert response.status_code == 400
    assert "unit" in response.json()["fields"]
    assert Person.objects.count() == before


def test_patch_updates_through_the_service(org):
    person = make_person(org.squadron_a, "郑可改", id_number=valid_id_number())
    response = client_for(org.lead_a, token=True).patch(
        f"{PEOPLE}{person.pk}/", {"position": "副中队长", "phone": "13700001111"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["position"] == "副中队长" and response.json()["phone_masked"] == "137****1111"
    row = AuditLog.objects.get(event="org.person.update", object_id=str(person.pk))
    assert row.actor_username == "lead_a" and row.changes["phone"] == ["***", "***"]
    assert row.changes["position"] == ["", "副中队长"]


def test_denied_patch_leaves_the_database_unchanged(org):
    person = make_person(org.squadron_a, "郑可改", id_number=valid_id_number())
    officer = make_user("officer_z", "officer", org.squadron_a, person=person)
    lead_a, officer_client = client_for(org.lead_a), client_for(officer)
    before = person_state(person)
    changes = AuditLog.objects.filter(event__startswith="org.person").count()
    # an officer may see themself but not change the register
    response = officer_client.patch(f"{PEOPLE}{person.pk}/", {"name": "自改"}, format="json")
    assert response.status_code == 403
    # a lead may not move their person into another squadron (unit outside their scope)
    response = lead_a.patch(f"{PEOPLE}{person.pk}/", {"unit": org.squadron_b.code}, format="json")
    assert response.status_code == 400 and "unit" in response.json()["fields"]
    # an invalid ID number rolls back the whole change, the valid name included
    response = lead_a.patch(
        f"{PEOPLE}{person.pk}/", {"name": "新名字", "id_number": wrong_check_char(person.id_number)}, format="json"
    )
    assert response.status_code == 400 and "id_number" in response.json()["fields"]
    assert person_state(person) == before
    assert AuditLog.objects.filter(event__startswith="org.person").count() == changes


def test_filters_search_and_ordering(org):
    aux = make_person(org.squadron_a, "周辅警", kind=Person.Kind.AUXILIARY, political_status="league")
    make_person(org.squadron_b, "吴退休", status=Person.Status.RETIRED)
    client = client_for(org.leader)

    def names(query: str) -> list[str]:
        response = client.get(PEOPLE + query)
        assert response.status_code == 200, response.content
        return [p["name"] for p in response.json()["results"]]

    assert names(f"?unit={org.squadron_a.code}&kind=auxiliary") == ["周辅警"]
    assert names(f"?unit={org.brigade.code}") == []
    assert len(names(f"?unit={org.brigade.code}&subtree=true")) == 6
    assert names("?status=retired") == ["吴退休"]
    assert names("?political_status=league") == ["周辅警"]
    assert names("?search=zsf") == ["张三丰"]
    assert names("?search=zhangsan") == ["张三丰"]
    assert names(f"?search={aux.police_number}") == ["周辅警"]
    ordered = names("?ordering=-police_number")
    assert ordered == sorted(ordered, key=lambda n: Person.objects.get(name=n).police_number, reverse=True)

    response = client.get(PEOPLE + "?status=sleeping")
    assert response.status_code == 400 and "status" in response.json()["fields"]
    assert client.get(PEOPLE + "?search=%00").status_code == 400
    assert client.get(PEOPLE + "?page=999").status_code == 404


def test_me_lists_roles_with_scope_and_anchor(org):
    data = client_for(org.lead_a, token=True).get("/api/v1/org/me/").json()
    assert data["username"] == "lead_a" and data["person"]["name"] == "王中队"
    assert data["roles"] == [
        {
            "role": "unit_lead",
            "role_name": "中队长/科室负责人",
            "scope": "subtree",
            "scope_display": "本单位及下级",
            "unit": {"id": org.squadron_a.pk, "code": org.squadron_a.code, "name": "甲中队"},
        }
    ]
    assert "org.change_person" in data["capabilities"] and "org.reveal_sensitive" not in data["capabilities"]
    sysadmin = client_for(org.sysadmin).get("/api/v1/org/me/").json()
    assert sysadmin["person"] is None and sysadmin["roles"][0]["unit"] is None


def test_token_auth_round_trip(org):
    client = APIClient()
    response = client.post(TOKEN, {"username": "lead_a", "password": PASSWORD}, format="json")
    assert response.status_code == 200
    token = response.json()["token"]
    assert AuditLog.objects.filter(event="auth.token.issue", actor_username="lead_a").exists()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get("/api/v1/org/me/").json()["username"] == "lead_a"

    client.credentials(HTTP_AUTHORIZATION="Token not-a-token")
    response = client.get("/api/v1/org/me/")
    assert response.status_code == 401 and response.json()["error"] == "authentication_failed"


def test_bad_credentials_give_our_json_error(org):
    response = APIClient().post(TOKEN, {"username": "lead_a", "password": "wrong"}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "invalid"
    assert body["fields"]["non_field_errors"] == ["用户名或密码错误 / wrong username or password"]
    response = APIClient().post(TOKEN, {"username": "lead_a"}, format="json")
    assert "password" in response.json()["fields"]


def test_token_endpoint_honours_account_lockout(org):
    client = APIClient()
    for _ in range(5):
        client.post(TOKEN, {"username": "lead_a", "password": "wrong"}, format="json")
    response = client.post(TOKEN, {"username": "lead_a", "password": PASSWORD}, format="json")
    assert response.status_code == 429
    assert response.json()["error"] == "locked"
    assert not Token.objects.filter(user=org.lead_a).exists()


def test_token_for_admin_roles_needs_a_one_time_code(org, settings):
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    settings.OTP_REQUIRED = True
    client = APIClient()
    response = client.post(TOKEN, {"username": "sysadmin", "password": PASSWORD}, format="json")
    assert response.status_code == 400 and "otp_token" in response.json()["fields"]
    device = TOTPDevice.objects.create(user=org.sysadmin, name="phone", confirmed=True)
    code = f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"
    response = client.post(TOKEN, {"username": "sysadmin", "password": PASSWORD, "otp_token": code}, format="json")
    assert response.status_code == 200 and response.json()["token"]
    # the same code cannot be used twice
    again = client.post(TOKEN, {"username": "sysadmin", "password": PASSWORD, "otp_token": code}, format="json")
    assert again.status_code == 400 and "otp_token" in again.json()["fields"]


@pytest.mark.parametrize("auth", ["token", "session"])
def test_list_query_count_does_not_grow_with_rows(org, auth):
    client = client_for(org.political, token=auth == "token")

    def count_queries() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(PEOPLE + "?page_size=100")
        assert response.status_code == 200
        return len(ctx.captured_queries), response.json()["count"]

    Person.objects.filter(name__in=["王中队", "赵中队"]).update(party_branch=org.branch)
    make_person(org.squadron_a, "补一人", party_branch=org.branch)
    few, rows_few = count_queries()
    for n in range(20):
        make_person(org.squadron_b if n % 2 else org.squadron_a, f"民警{n}", party_branch=org.branch)
    many, rows_many = count_queries()
    assert (rows_few, rows_many) == (5, 25)
    assert few == many


def test_other_unit_user_with_the_same_role_gets_404_on_write(org):
    lead_b2 = make_user("lead_b2", "unit_lead", org.squadron_b)
    before = person_state(org.person_a)
    response = client_for(lead_b2).patch(f"{PEOPLE}{org.person_a.pk}/", {"name": "越权"}, format="json")
    assert response.status_code == 404
    assert person_state(org.person_a) == before
