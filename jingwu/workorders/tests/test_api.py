"""接诉即办 REST API: scoped list and detail (phone masked), intake with field errors, each step a
POST calling its service, categories, the figures; 401/403/404 and a query budget."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from jingwu.core import metrics
from jingwu.testing.scope_suite import WriteCheck, assert_scope_rules
from jingwu.workorders.models import ReturnRequest, WorkOrder

from .helpers import make_order, t
from .test_dashboard_data import MAY, build_dataset

pytestmark = pytest.mark.django_db

API = "/api/v1/workorders"
S = WorkOrder.State


def call(client, user, method, url, payload=None):
    client.force_login(user)
    if method == "get":
        return client.get(url, payload or {})
    return client.post(url, data=json.dumps(payload or {}), content_type="application/json")


def numbers(response) -> set[str]:
    assert response.status_code == 200, response.content[:300]
    return {row["number"] for row in response.json()["results"]}


# --- list and detail -------------------------------------------------------------------------------


def test_list_is_scoped_and_filtered(client, org):
    data = build_dataset(org)
    everything = {o.number for o in WorkOrder.objects.all()}
    assert numbers(call(client, org.leader, "get", f"{API}/orders/")) == everything
    a_orders = {o.number for o in WorkOrder.objects.filter(unit=org.squadron_a)}
    assert numbers(call(client, org.lead_a, "get", f"{API}/orders/")) == a_orders
    # filters
    got = numbers(call(client, org.leader, "get", f"{API}/orders/", {"unit": org.squadron_b.code}))
    assert got == {data.b1.number, data.b_april.number}
    assert numbers(call(client, org.leader, "get", f"{API}/orders/", {"unit": org.brigade.code})) == set()
    subtree = call(client, org.leader, "get", f"{API}/orders/", {"unit": org.brigade.code, "subtree": "true"})
    assert numbers(subtree) == everything
    assert numbers(call(client, org.leader, "get", f"{API}/orders/", {"category": "complaint"})) == {data.a2.number}
    assert numbers(call(client, org.leader, "get", f"{API}/orders/", {"state": "dispatched"})) == {
        data.a4.number,
        data.a5.number,
    }
    overdue = numbers(call(client, org.leader, "get", f"{API}/orders/", {"overdue": "true"}))
    assert overdue == {data.a3.number, data.a4.number, data.a5.number}  # late, or open past the deadline
    april = make_order(org.squadron_b, received_at=t("2023-04-30 23:30"))
    in_may = call(
        client, org.leader, "get", f"{API}/orders/", {"received_from": "2023-05-01", "received_to": "2023-05-31"}
    )
    assert april.number not in numbers(in_may) and data.a1.number in numbers(in_may)
    bad = call(client, org.leader, "get", f"{API}/orders/", {"state": "nonsense"})
    assert bad.status_code == 400 and "state" in bad.json()["fields"]


def test_detail_masks_the_phone_and_name_and_obeys_the_scope(client, org):
    mine = make_order(org.squadron_a, citizen_phone="13812345678", citizen_name="李建国")
    theirs = make_order(org.squadron_b, citizen_phone="13912345678")
    body = call(client, org.lead_a, "get", f"{API}/orders/{mine.pk}/").json()
    assert body["citizen_phone"] == "138****5678" and "13812345678" not in json.dumps(body)
    assert body["citizen_name"] == "李**" and "建国" not in json.dumps(body, ensure_ascii=False)
    assert body["unit"] == org.squadron_a.code and body["state"] == "dispatched"
    assert_scope_rules(
        client,
        url_for_own=f"{API}/orders/{mine.pk}/",
        url_for_other_unit=f"{API}/orders/{theirs.pk}/",
        permitted_user=org.lead_a,
        no_permission_user=org.political,
        other_unit_user=org.lead_b,
        write=WriteCheck(
            "post",
            f"{API}/orders/{mine.pk}/accept/",
            {},
            lambda: WorkOrder.objects.values("state", "accepted_at").get(pk=mine.pk),
        ),
    )


def test_list_query_count_does_not_grow_with_rows(client, org):
    client.force_login(org.leader)

    def count_queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(f"{API}/orders/", {"page_size": 50})
        assert response.status_code == 200
        return len(ctx)

    for n in range(5):
        make_order(org.squadron_a if n % 2 else org.squadron_b)
    few = count_queries()
    for n in range(20):
        make_order(org.squadron_a if n % 2 else org.squadron_b)
    assert count_queries() == few <= 8


# --- intake ---------------------------------------------------------------------------------------

INTAKE = {
    "category": "help",
    "content": "小区门口机动车乱停放,堵塞消防通道",
    "citizen_phone": "13912345678",
    "citizen_name": "王女士",
    "address": "幸福路88号",
    "source_number": "API-0001",
    "intake_unit": "150621000000",
}


def test_intake_creates_an_api_order_and_shows_repeats(client, org):
    first = call(client, org.leader, "post", f"{API}/orders/", INTAKE)
    assert first.status_code == 201, first.content
    body = first.json()
    order = WorkOrder.objects.get(number=body["order"]["number"])
    assert order.source == "api" and order.source_number == "API-0001" and order.state == S.RECEIVED
    assert body["order"]["citizen_phone"] == "139****5678" and body["repeat_candidates"] == []
    second = call(client, org.leader, "post", f"{API}/orders/", {**INTAKE, "source_number": "API-0002"})
    assert second.json()["repeat_candidates"][0]["number"] == order.number
    assert second.json()["repeat_candidates"][0]["reason"] == "phone"
    again = call(client, org.leader, "post", f"{API}/orders/", INTAKE)
    assert again.status_code == 400 and "source_number" in again.json()["fields"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"citizen_phone": "12345"}, "citizen_phone"),
        ({"category": "no-such"}, "category"),
        ({"content": "   "}, "content"),
        ({"latitude": "123.5"}, "latitude"),
        ({"intake_unit": "150621000200"}, "intake_unit"),  # a unit the caller may not use: lead_a below
        ({"received_at": "2099-01-01T00:00:00+08:00"}, "received_at"),
    ],
)
def test_intake_errors_name_the_field_and_save_nothing(client, org, change, field):
    response = call(
        client, org.lead_a, "post", f"{API}/orders/", {**INTAKE, "intake_unit": org.squadron_a.code, **change}
    )
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["error"] == "invalid" and field in body["fields"], body
    assert not WorkOrder.objects.exists()


def test_intake_refusals(client, org):
    client.logout()
    anonymous = client.post(f"{API}/orders/", data=json.dumps(INTAKE), content_type="application/json")
    assert anonymous.status_code == 401
    assert call(client, org.political, "post", f"{API}/orders/", INTAKE).status_code == 403
    assert call(client, org.officer_a, "post", f"{API}/orders/", INTAKE).status_code == 403  # officers do not take in
    assert not WorkOrder.objects.exists()


# --- steps ----------------------------------------------------------------------------------------


def test_lifecycle_through_the_api(client, org):
    created = call(client, org.leader, "post", f"{API}/orders/", INTAKE).json()["order"]
    url = f"{API}/orders/{created['id']}"

    # lead_b cannot see a brigade order, nor dispatch it
    assert call(client, org.lead_b, "post", f"{url}/dispatch/", {"unit": org.squadron_a.code}).status_code == 404
    bad_unit = call(client, org.leader, "post", f"{url}/dispatch/", {"unit": "999999999999"})
    assert bad_unit.status_code == 400 and "unit" in bad_unit.json()["fields"]
    dispatched = call(client, org.leader, "post", f"{url}/dispatch/", {"unit": org.squadron_a.code})
    assert dispatched.status_code == 200, dispatched.content
    assert dispatched.json()["state"] == "dispatched" and dispatched.json()["unit"] == org.squadron_a.code

    assert call(client, org.lead_b, "post", f"{url}/accept/").status_code == 404  # another squadron
    assert call(client, org.lead_a, "post", f"{url}/accept/").json()["state"] == "accepted"
    again = call(client, org.lead_a, "post", f"{url}/accept/")
    assert again.status_code == 409 and again.json()["error"] == "state"

    no_reason = call(client, org.lead_a, "post", f"{url}/return/", {"reason_code": "not_our_duty"})
    assert no_reason.status_code == 400 and "reason" in no_reason.json()["fields"]
    returned = call(client, org.lead_a, "post", f"{url}/return/", {"reason_code": "not_our_duty", "reason": "应由城管"})
    assert returned.status_code == 200 and returned.json()["return_count"] == 1
    rejected = call(client, org.leader, "post", f"{url}/decide-return/", {"approve": False, "decision": "应予办理"})
    assert rejected.status_code == 200 and rejected.json()["rejected_return_count"] == 1
    assert ReturnRequest.objects.get().status == "rejected"
    nothing_pending = call(client, org.leader, "post", f"{url}/decide-return/", {"approve": True})
    assert nothing_pending.status_code == 409

    early = call(client, org.lead_a, "post", f"{url}/complete/", {"reply": "已处理", "result": "solved"})
    assert early.status_code == 409 and early.json()["error"] == "guard"  # no contact yet
    contact = call(client, org.lead_a, "post", f"{url}/contact/", {"channel": "phone", "result": "已联系王女士"})
    assert contact.json()["state"] == "handling" and contact.json()["first_contact_at"]
    bad_result = call(client, org.lead_a, "post", f"{url}/complete/", {"reply": "已处理", "result": "whatever"})
    assert bad_result.status_code == 400 and "result" in bad_result.json()["fields"]
    done = call(client, org.lead_a, "post", f"{url}/complete/", {"reply": "已清理通道", "result": "solved"})
    assert done.json()["state"] == "completed"

    answer = {"reached": True, "resolved": True, "satisfaction": "satisfied"}
    own_callback = call(client, org.lead_a, "post", f"{url}/callback/", answer)
    assert own_callback.status_code == 409 and own_callback.json()["error"] == "self_approval"
    missing = call(client, org.leader, "post", f"{url}/callback/", {"reached": True, "resolved": True})
    assert missing.status_code == 400 and "satisfaction" in missing.json()["fields"]
    closed = call(client, org.leader, "post", f"{url}/callback/", answer)
    assert closed.status_code == 200 and closed.json()["state"] == "closed"
    assert closed.json()["callback_satisfaction"] == "satisfied"


def test_officer_cannot_dispatch_and_nothing_changes(client, org):
    order = make_order(org.squadron_a, state=S.ACCEPTED, handler=org.person_a)
    response = call(client, org.officer_a, "post", f"{API}/orders/{order.pk}/dispatch/", {"unit": org.squadron_b.code})
    assert response.status_code == 403
    order.refresh_from_db()
    assert order.unit == org.squadron_a and order.state == S.ACCEPTED


# --- categories and figures ---------------------------------------------------------------------


def test_categories(client, org):
    response = call(client, org.officer_a, "get", f"{API}/categories/")
    assert response.status_code == 200
    rows = {c["code"]: c for c in response.json()}
    assert rows["help"]["name"] == "求助" and rows["urgent_help"]["parent"] == "help"
    assert call(client, org.political, "get", f"{API}/categories/").status_code == 403


def test_figures_are_the_metric_values_with_numerator_and_denominator(client, org):
    build_dataset(org)
    response = call(
        client, org.leader, "get", f"{API}/figures/", {"unit": org.squadron_a.code, "from": MAY[0], "to": MAY[1]}
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["unit"] == org.squadron_a.code and (body["start"], body["end"]) == MAY
    assert "推诿工单1件、超期工单2件" in body["sentence"]
    by_name = {f["metric"]: f for f in body["figures"]}
    assert len(by_name) == 8
    for name, shown in by_name.items():
        figure = metrics.compute(name, org.squadron_a, *MAY, user=org.leader)
        assert shown["display"] == figure.display
        assert shown["numerator"] == (None if figure.numerator is None else float(figure.numerator))
        assert shown["denominator"] == (None if figure.denominator is None else float(figure.denominator))
    response_rate = by_name["workorders.response_rate"]
    assert (response_rate["numerator"], response_rate["denominator"], response_rate["value"]) == (2, 4, 0.5)
    assert Decimal(str(by_name["workorders.satisfaction_rate"]["numerator"])) == Decimal("1.8")


def test_figures_scope_and_bad_input(client, org):
    other = call(client, org.lead_a, "get", f"{API}/figures/", {"unit": org.squadron_b.code})
    assert other.status_code == 404 and other.json()["error"] == "not_found"
    own = call(client, org.lead_a, "get", f"{API}/figures/")
    assert own.status_code == 200 and own.json()["unit"] == org.squadron_a.code
    bad = call(client, org.leader, "get", f"{API}/figures/", {"from": "2023-02-30"})
    assert bad.status_code == 400 and "from" in bad.json()["fields"]
    backwards = call(client, org.leader, "get", f"{API}/figures/", {"from": "2023-05-31", "to": "2023-05-01"})
    assert backwards.status_code == 400
    assert call(client, org.political, "get", f"{API}/figures/").status_code == 403
    client.logout()
    assert client.get(f"{API}/figures/").status_code == 401
