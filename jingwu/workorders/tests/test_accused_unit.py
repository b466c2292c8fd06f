"""涉警投诉 on intake: the operator form and the API take the accused unit, the complaint goes to 督察
and the accused unit never sees it (404 on page and API); bad input names the field and saves nothing."""

from __future__ import annotations

import json

import pytest

from jingwu.testing.factories import make_user
from jingwu.workorders.models import WorkOrder

from .helpers import category

pytestmark = pytest.mark.django_db

API = "/api/v1/workorders"


@pytest.fixture
def inspector(org):
    return make_user("inspector", "discipline", org.brigade)


def form_data(org, **changes):
    data = {
        "citizen_name": "王女士",
        "citizen_phone": "13800001111",
        "category": category("complaint").pk,
        "complaint_about_officer": "on",
        "accused_unit": org.squadron_a.pk,
        "content": "甲中队民警执法态度恶劣",
        "received_at": "2023-05-08T09:00",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_the_intake_form_offers_the_accused_unit_picker(client, org):
    client.force_login(org.leader)
    page = client.get("/workorders/intake/").content.decode()
    assert 'name="complaint_about_officer"' in page and 'name="accused_unit"' in page
    complaint_ids = {str(category("complaint").pk), str(category("report").pk)}
    attribute = page.split('data-complaint-categories="')[1].split('"')[0]
    assert set(attribute.split(",")) == complaint_ids
    assert "workorders-intake.js" in page


def test_a_complaint_about_a_squadron_taken_by_form_goes_to_discipline_and_is_hidden_from_it(client, org, inspector):
    client.force_login(org.leader)
    r = client.post("/workorders/intake/", form_data(org))
    assert r.status_code == 302, r.content.decode()[:2000]
    order = WorkOrder.objects.get()
    assert order.accused_unit == org.squadron_a and order.complaint_about_officer
    assert order.unit == org.brigade and order.state == WorkOrder.State.DISPATCHED  # routed to 督察
    assert order.legs.get().to_unit == org.brigade

    client.force_login(inspector)
    assert client.get(f"/workorders/{order.pk}/").status_code == 200
    client.force_login(org.lead_a)  # the accused squadron: as if it did not exist
    assert client.get(f"/workorders/{order.pk}/").status_code == 404
    assert client.get(f"{API}/orders/{order.pk}/").status_code == 404
    assert order.number not in client.get("/workorders/").content.decode()


def test_the_api_takes_the_accused_unit_and_hides_the_order_from_it(fixed_now, client, org, inspector):
    client.force_login(org.leader)
    payload = {
        "category": "complaint",
        "content": "甲中队民警执法态度恶劣",
        "citizen_phone": "13800001111",
        "accused_unit": org.squadron_a.code,
    }
    r = client.post(f"{API}/orders/", data=json.dumps(payload), content_type="application/json")
    assert r.status_code == 201, r.content
    order = WorkOrder.objects.get()
    assert order.accused_unit == org.squadron_a and order.unit == org.brigade
    client.force_login(org.lead_a)
    assert client.get(f"{API}/orders/{order.pk}/").status_code == 404
    assert client.get(f"/workorders/{order.pk}/").status_code == 404


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"accused_unit": ""}, "accused_unit", "须选择被投诉单位"),
        ({"category": "help"}, "complaint_about_officer", "投诉或举报类"),
        ({"complaint_about_officer": None}, "accused_unit", "勾选“涉警投诉”"),
        ({"accused_unit": 999999}, "accused_unit", ""),
    ],
)
def test_the_form_refuses_a_bad_accused_unit_and_saves_nothing(client, org, inspector, changes, field, words):
    if changes.get("category") == "help":
        changes = {"category": category("help").pk}
    client.force_login(org.leader)
    r = client.post("/workorders/intake/", form_data(org, **changes))
    assert r.status_code == 400
    errors = r.context["form"].errors
    assert field in errors and words in " ".join(errors[field])
    assert not WorkOrder.objects.exists()


def test_the_party_branch_is_not_an_accused_unit(client, org, inspector):
    client.force_login(org.leader)
    r = client.post("/workorders/intake/", form_data(org, accused_unit=org.branch.pk))
    assert r.status_code == 400 and "accused_unit" in r.context["form"].errors
    assert not WorkOrder.objects.exists()


@pytest.mark.parametrize(
    ("payload", "words"),
    [
        ({"accused_unit": "999999999999"}, "不存在"),
        ({"category": "help"}, "投诉或举报类"),
    ],
)
def test_the_api_refuses_a_bad_accused_unit_with_the_field(client, org, inspector, payload, words):
    client.force_login(org.leader)
    body = {"category": "complaint", "content": "投诉民警", "citizen_phone": "13800001111"}
    body["accused_unit"] = org.squadron_a.code
    body.update(payload)
    r = client.post(f"{API}/orders/", data=json.dumps(body), content_type="application/json")
    assert r.status_code == 400
    assert words in json.dumps(r.json(), ensure_ascii=False)
    assert "accused_unit" in json.dumps(r.json())
    assert not WorkOrder.objects.exists()
