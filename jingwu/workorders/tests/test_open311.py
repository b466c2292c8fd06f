"""Open311 GeoReport v2: discovery, services, POST → intake, GET back in JSON and XML, the spec's errors
with nothing saved, the key's scope, the public reader and open → closed after completion."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import timedelta
from unittest import mock

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from jingwu.core.models import AuditLog, TransitionEvent
from jingwu.workorders import services
from jingwu.workorders.models import Category, Open311Request, WorkOrder
from jingwu.workorders.open311.keys import api_key_create, api_key_disable

from .helpers import category, make_order, t

pytestmark = pytest.mark.django_db

BASE = "/open311/v2"
PHONE = "13912345678"


@pytest.fixture
def keys(org):
    brigade, brigade_raw = api_key_create(actor=None, name="随手拍", unit=org.brigade, organisation="市民服务中心")
    _, a_raw = api_key_create(actor=None, name="甲中队看板", unit=org.squadron_a, may_post=False)
    _, b_raw = api_key_create(actor=None, name="乙中队看板", unit=org.squadron_b, may_post=False)
    return {"brigade": brigade_raw, "a": a_raw, "b": b_raw, "brigade_key": brigade}


def post(client, fmt="json", **fields):
    data = {
        "service_code": "help",
        "lat": "40.812345",
        "long": "111.654321",
        "address_string": "幸福路88号",
        "description": "小区门口机动车乱停放,堵塞消防通道",
        "phone": PHONE,
        "first_name": "女士",
        "last_name": "王",
        "media_url": "https://example.org/p/1.jpg",
        "email": "wang@example.org",
        "device_id": "dev-1",
    } | fields
    data = {k: v for k, v in data.items() if v is not None}
    return client.post(f"{BASE}/requests.{fmt}", data)


def xml(response) -> ET.Element:
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    assert response.content.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    return ET.fromstring(response.content)


def nothing_saved():
    assert not WorkOrder.objects.exists()
    assert not Open311Request.objects.exists()
    assert not TransitionEvent.objects.filter(object_type="workorders.workorder").exists()
    assert not AuditLog.objects.filter(object_type="workorders.workorder").exists()


# --- discovery and services -----------------------------------------------------------------------


def test_discovery_in_json_and_xml(client, db):
    body = client.get(f"{BASE}/discovery.json").json()
    endpoint = body["endpoints"][0]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"] == "http://testserver/open311/v2"
    assert endpoint["formats"] == ["text/xml", "application/json"] and endpoint["type"] == "production"
    assert {"changeset", "contact", "key_service"} <= set(body)

    root = xml(client.get(f"{BASE}/discovery.xml"))
    assert root.tag == "discovery"
    assert [f.text for f in root.findall("endpoints/endpoint/formats/format")] == ["text/xml", "application/json"]


def test_services_list_every_active_category(client, db):
    Category.objects.filter(code="suggestion").update(active=False)
    services_json = client.get(f"{BASE}/services.json").json()
    by_code = {s["service_code"]: s for s in services_json}
    assert set(by_code) == {"consult", "help", "urgent_help", "complaint", "report"}
    urgent = by_code["urgent_help"]
    assert urgent["service_name"] == "紧急求助" and urgent["group"] == "求助"  # grouped under its parent
    assert urgent["metadata"] is False and urgent["type"] == "realtime" and "紧急" in urgent["keywords"]
    assert "3个工作日内办结" in by_code["help"]["description"]

    root = xml(client.get(f"{BASE}/services.xml"))
    assert root.tag == "services"
    service = next(s for s in root.findall("service") if s.findtext("service_code") == "help")
    assert [c.tag for c in service] == [
        "service_code",
        "service_name",
        "description",
        "metadata",
        "type",
        "keywords",
        "group",
    ]
    assert (service.findtext("service_name"), service.findtext("metadata")) == ("求助", "false")


def test_service_definition_and_unknown_service_code(client, db):
    assert client.get(f"{BASE}/services/help.json").json() == {"service_code": "help", "attributes": []}
    root = xml(client.get(f"{BASE}/services/help.xml"))
    assert root.tag == "service_definition" and root.findtext("service_code") == "help"
    assert root.find("attributes") is not None and len(root.find("attributes")) == 0

    missing = client.get(f"{BASE}/services/potholes.json")
    assert missing.status_code == 404
    assert missing.json()[0]["code"] == 404 and "potholes" in missing.json()[0]["description"]
    root = xml(client.get(f"{BASE}/services/potholes.xml"))
    assert root.tag == "errors" and root.findtext("error/code") == "404"


# --- POST, then GET it back -------------------------------------------------------------------------


def test_post_with_a_key_takes_in_an_order_and_it_can_be_read_back(client, org, keys):
    response = post(client, api_key=keys["brigade"])
    assert response.status_code == 201, response.content
    [created] = response.json()
    assert set(created) == {"service_request_id", "service_notice", "account_id"}
    assert created["account_id"] is None and "签收" in created["service_notice"]

    order = WorkOrder.objects.get(number=created["service_request_id"])
    assert (order.source, order.unit, order.intake_unit, order.category.code) == ("open311", *[org.brigade] * 2, "help")
    assert order.state == WorkOrder.State.RECEIVED
    assert (order.citizen_phone, order.citizen_name, order.address) == (PHONE, "王女士", "幸福路88号")
    assert str(order.latitude) == "40.812345" and str(order.longitude) == "111.654321"
    account = keys["brigade_key"].account
    assert order.received_by_id == account.pk and account.is_system and not account.has_usable_password()
    assert Open311Request.objects.get(order=order).media_url == "https://example.org/p/1.jpg"
    # The intake went through the service: its event and audit row, plus the Open311 audit row.
    assert TransitionEvent.objects.filter(object_id=str(order.pk), transition="intake", actor=account).exists()
    logged = set(AuditLog.objects.filter(object_id=str(order.pk), actor_id=account.pk).values_list("event", "origin"))
    assert logged == {("workflow.workorder.intake", "api"), ("workorders.open311_request", "api")}

    detail = client.get(f"{BASE}/requests/{order.number}.json", {"api_key": keys["brigade"]})
    [got] = detail.json()
    assert got["service_request_id"] == order.number and got["status"] == "open"
    assert (got["service_code"], got["service_name"], got["agency_responsible"]) == ("help", "求助", "测试大队")
    assert got["description"] == "小区门口机动车乱停放,堵塞消防通道" and got["address"] == "幸福路88号"
    assert (got["lat"], got["long"]) == (40.812345, 111.654321)
    assert got["media_url"] == "https://example.org/p/1.jpg" and got["requested_datetime"].endswith("+08:00")
    assert got["expected_datetime"] is None  # not dispatched yet: no completion deadline
    assert "待派单" in got["status_notes"]
    for secret in (PHONE.encode(), "王女士".encode(), b"wang@example.org"):
        assert secret not in detail.content

    root = xml(client.get(f"{BASE}/requests/{order.number}.xml", {"api_key": keys["brigade"]}))
    assert root.tag == "service_requests"
    request = root.find("request")
    assert request.findtext("service_request_id") == order.number and request.findtext("status") == "open"
    assert request.findtext("lat") == "40.812345" and request.findtext("long") == "111.654321"
    assert request.findtext("address") == "幸福路88号" and request.findtext("expected_datetime") == ""

    listed = client.get(f"{BASE}/requests.json", {"api_key": keys["brigade"]}).json()
    assert [r["service_request_id"] for r in listed] == [order.number]


def test_post_answers_in_xml_and_ignores_the_session_and_csrf(org, keys):
    client = Client(enforce_csrf_checks=True)
    client.force_login(org.nobody)  # a session is neither needed nor used
    response = post(client, fmt="xml", api_key=keys["brigade"], lat=None, long=None)
    assert response.status_code == 201
    root = xml(response)
    assert root.tag == "service_requests"
    number = root.findtext("request/service_request_id")
    assert [c.tag for c in root.find("request")] == ["service_request_id", "service_notice", "account_id"]
    order = WorkOrder.objects.get(number=number)
    assert order.received_by_id == keys["brigade_key"].account_id and order.latitude is None


def test_address_id_alone_is_a_location(client, keys):
    response = post(client, api_key=keys["brigade"], lat=None, long=None, address_string=None, address_id="A-77")
    assert response.status_code == 201
    assert WorkOrder.objects.get().address == "地址编号 A-77"


# --- bad POSTs: the specification's errors, nothing saved -----------------------------------------


@pytest.mark.parametrize(
    ("fields", "status", "words"),
    [
        ({"service_code": None}, 400, "service_code was not provided"),
        ({"service_code": ""}, 400, "service_code was not provided"),
        ({"service_code": "potholes"}, 404, "service_code 'potholes' not found"),
        ({"lat": "abc"}, 400, "lat must be a decimal number"),
        ({"long": "NaN"}, 400, "long must be a decimal number"),
        ({"lat": "95"}, 400, "lat: "),
        ({"long": None}, 400, "lat and long must be given together"),
        ({"lat": None, "long": None, "address_string": None}, 400, "a location is required"),
        ({"phone": "12345"}, 400, "phone: "),
        ({"description": "a\x00b"}, 400, "NUL"),
        ({"first_name": "王\x00"}, 400, "NUL"),
        ({"email": "not-an-email"}, 400, "email is not a valid address"),
        ({"email": "a" * 250 + "@x.cn"}, 400, "email is longer than 254"),
        ({"device_id": "d" * 101}, 400, "device_id is longer than 100"),
        ({"device_id": "dev\nice"}, 400, "device_id has unprintable"),
        ({"description": ""}, 400, "description: "),
        ({"description": "长" * 4001}, 400, "longer than 4000"),
        ({"media_url": "javascript:alert(1)"}, 400, "media_url"),
        ({"api_key": None}, 403, "api_key was not provided"),
        ({"api_key": "jw311_not-a-real-key"}, 403, "api_key is invalid"),
        ({"api_key": "a"}, 403, "api_key is invalid"),
        ({"api_key": "read_only"}, 403, "may not submit"),
    ],
)
def test_bad_post_gets_the_specification_error_and_saves_nothing(client, keys, fields, status, words):
    fields = {"api_key": keys["brigade"]} | fields
    if fields["api_key"] == "read_only":
        fields["api_key"] = keys["a"]
    response = post(client, **fields)
    assert response.status_code == status
    assert response["Content-Type"] == "application/json; charset=utf-8"
    errors = response.json()
    assert isinstance(errors, list) and errors and set(errors[0]) == {"code", "description"}
    assert errors[0]["code"] == status and words in errors[0]["description"]
    assert " / " in errors[0]["description"]  # Chinese, then English
    nothing_saved()


def test_a_request_without_phone_is_accepted_and_shown_everywhere(client, keys, org):
    """GeoReport v2 makes ``phone`` optional: the order has none, repeat detection by phone is
    skipped, and the pages, the ledger export and the callback work on it."""
    response = post(client, api_key=keys["brigade"], phone=None, email="citizen@example.cn", device_id="ios-42")
    assert response.status_code == 201, response.content
    order = WorkOrder.objects.get()
    assert (order.citizen_phone, order.phone_index, order.masked_phone) == ("", "", "")
    again = post(client, api_key=keys["brigade"], phone=None, address_string="别处1号")
    assert again.status_code == 201
    client.force_login(org.leader)
    assert client.get(f"/workorders/{order.pk}/").status_code == 200
    assert client.get(f"/workorders/{order.pk}/repeats/").status_code == 200
    assert client.get("/workorders/").status_code == 200
    export = client.get("/workorders/export/")
    assert export.status_code == 200 and export["Content-Type"].startswith("application/vnd.openxmlformats")


def test_received_time_and_text_checks_are_the_services_for_every_channel(org):
    """The intake service itself refuses a future or pre-2000 received time, NUL characters and a
    lone coordinate, whatever the channel (form, import, API, Open311)."""
    from django.core.exceptions import ValidationError

    base = {
        "actor": org.leader,
        "intake_unit": org.brigade,
        "category": category("help"),
        "content": "路灯不亮",
        "citizen_phone": PHONE,
    }
    cases = [
        ({"received_at": timezone.now() + timedelta(hours=1)}, "received_at"),
        ({"received_at": t("1999-12-31 23:00")}, "received_at"),
        ({"content": "a\x00b"}, "content"),
        ({"address": "幸福路\x00"}, "address"),
        ({"citizen_name": "\x00"}, "citizen_name"),
        ({"latitude": "40.1"}, "longitude"),
        ({"longitude": "116.3"}, "latitude"),
        ({"latitude": "NaN", "longitude": "1"}, "latitude"),
        ({"citizen_phone": ""}, "citizen_phone"),
    ]
    for fields, field in cases:
        with pytest.raises(ValidationError) as info:
            services.work_order_intake(**(base | fields))
        assert field in info.value.message_dict, (fields, info.value.message_dict)
    assert not WorkOrder.objects.exists()
    # a few minutes of clock skew are allowed
    services.work_order_intake(**base, received_at=timezone.now() + timedelta(minutes=2))


def test_bad_post_in_xml_and_a_disabled_key(client, keys):
    root = xml(post(client, fmt="xml", api_key=keys["brigade"], service_code=None))
    assert root.tag == "errors"
    assert (root.findtext("error/code"), "service_code" in root.findtext("error/description")) == ("400", True)

    api_key_disable(actor=None, key=keys["brigade_key"])
    response = post(client, fmt="xml", api_key=keys["brigade"])
    assert response.status_code == 403 and xml(response).findtext("error/code") == "403"
    nothing_saved()


def test_an_error_inside_the_intake_transaction_leaves_nothing(client, keys):
    failing = mock.patch.object(Open311Request.objects, "create", side_effect=RuntimeError("disk full"))
    with failing, pytest.raises(RuntimeError):
        post(client, api_key=keys["brigade"])
    nothing_saved()


# --- scope ------------------------------------------------------------------------------------------


def test_a_squadron_key_reads_only_its_squadrons_orders(client, org, keys):
    mine = make_order(org.squadron_a, received_at=timezone.now() - timedelta(days=1))
    theirs = make_order(org.squadron_b, received_at=timezone.now() - timedelta(days=1))

    def ids(key):
        return {r["service_request_id"] for r in client.get(f"{BASE}/requests.json", {"api_key": key}).json()}

    assert ids(keys["a"]) == {mine.number}
    assert ids(keys["b"]) == {theirs.number}
    assert ids(keys["brigade"]) == {mine.number, theirs.number}
    # Asking for it by id does not help either: out of scope answers as not found.
    assert client.get(f"{BASE}/requests.json", {"api_key": keys["a"], "service_request_id": theirs.number}).json() == []
    other = client.get(f"{BASE}/requests/{theirs.number}.json", {"api_key": keys["a"]})
    assert other.status_code == 404 and other.json()[0]["code"] == 404
    assert client.get(f"{BASE}/requests/{mine.number}.json", {"api_key": keys["a"]}).status_code == 200
    assert client.get(f"{BASE}/requests.json", {"api_key": "jw311_wrong"}).status_code == 403


def test_without_a_key_only_the_public_scope_and_public_fields(client, org, keys, settings):
    recent = timezone.now() - timedelta(days=1)
    order = make_order(org.squadron_a, received_at=recent, address="幸福路88号", citizen_phone=PHONE)
    make_order(org.squadron_a, received_at=recent, category=category("complaint"))
    assert client.get(f"{BASE}/requests.json").json() == []  # nothing is public by default
    assert client.get(f"{BASE}/requests/{order.number}.json").status_code == 404

    settings.WORKORDERS_OPEN311_PUBLIC_UNIT = org.brigade.code
    [public] = client.get(f"{BASE}/requests.json").json()  # the complaint is never public
    assert public["service_request_id"] == order.number and public["status"] == "open"
    assert public["agency_responsible"] == "甲中队" and public["service_code"] == "help"
    assert (public["description"], public["address"], public["lat"], public["status_notes"]) == (None,) * 4
    xml = client.get(f"{BASE}/requests/{order.number}.xml").content.decode()
    # neither the address nor the phone, in any element (the order number may contain any digits)
    assert "幸福路" not in xml and PHONE not in xml and PHONE[-4:] not in xml.replace(order.number, "")

    settings.WORKORDERS_OPEN311_PUBLIC_UNIT = org.squadron_b.code
    assert client.get(f"{BASE}/requests.json").json() == []


# --- filters ----------------------------------------------------------------------------------------


def test_request_filters(client, org, keys):
    now = timezone.now()
    a = make_order(org.squadron_a, received_at=now - timedelta(days=2))
    b = make_order(org.squadron_a, received_at=now - timedelta(days=1), category=category("consult"))
    closed = make_order(org.squadron_a, received_at=now - timedelta(days=3), state=WorkOrder.State.CLOSED)
    old = make_order(org.squadron_a, received_at=now - timedelta(days=120))
    key = keys["brigade"]

    def ids(**params):
        response = client.get(f"{BASE}/requests.json", {"api_key": key, **params})
        assert response.status_code == 200, response.content
        return [r["service_request_id"] for r in response.json()]

    assert ids() == [b.number, a.number, closed.number]  # the last 90 days, newest first
    assert ids(service_code="consult") == [b.number]
    assert ids(service_code="consult,help") == [b.number, a.number, closed.number]
    assert ids(status="closed") == [closed.number]
    assert ids(status="open") == [b.number, a.number]
    assert ids(service_request_id=f"{old.number}, {a.number}", status="closed") == [a.number, old.number]
    start = (now - timedelta(days=125)).isoformat()
    end = (now - timedelta(days=100)).isoformat()
    assert ids(start_date=start, end_date=end) == [old.number]
    assert ids(start_date=start) == [old.number]  # a start alone means the 90 days after it

    for params, words in [
        ({"status": "pending"}, "status must be open or closed"),
        ({"start_date": "yesterday"}, "start_date is not a W3C date-time"),
        ({"start_date": (now - timedelta(days=200)).isoformat(), "end_date": now.isoformat()}, "90 days"),
        ({"start_date": now.isoformat(), "end_date": (now - timedelta(days=1)).isoformat()}, "before"),
    ]:
        response = client.get(f"{BASE}/requests.json", {"api_key": key, **params})
        assert response.status_code == 400 and words in response.json()[0]["description"], params


def test_request_list_query_count_does_not_grow_with_rows(client, org, keys):
    def count(rows):
        WorkOrder.objects.all().delete()
        for i in range(rows):
            make_order(org.squadron_a if i % 2 else org.squadron_b, received_at=timezone.now() - timedelta(hours=i + 1))
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(f"{BASE}/requests.xml", {"api_key": keys["brigade"]})
        assert len(xml(response).findall("request")) == rows
        return len(ctx.captured_queries)

    count(1)  # the key's last_used_at is written at most once a minute: let this call write it
    assert count(5) == count(25) <= 3


def test_unknown_paths_and_methods_answer_in_the_specification_format(client, db):
    response = client.get(f"{BASE}/requests.html")
    assert response.status_code == 404 and xml(response).findtext("error/code") == "404"
    response = client.delete(f"{BASE}/requests.json")
    assert response.status_code == 405 and response.json()[0]["code"] == 405 and "GET" in response["Allow"]
    assert client.post(f"{BASE}/services.json").status_code == 405


# --- status mapping through the real lifecycle -----------------------------------------------------


def test_status_goes_from_open_to_closed_when_the_order_is_completed(client, org, keys):
    with mock.patch("django.utils.timezone.now", return_value=t("2023-05-08 09:00")):
        response = post(client, api_key=keys["brigade"])
    number = response.json()[0]["service_request_id"]
    window = {"start_date": "2023-05-01T00:00:00+08:00", "end_date": "2023-05-31"}

    def status(key="brigade", **params):
        response = client.get(f"{BASE}/requests/{number}.json", {"api_key": keys[key]})
        return response.status_code, (response.json()[0] if response.status_code == 200 else None)

    order = WorkOrder.objects.get(number=number)
    services.work_order_dispatch(actor=org.leader, order=order, unit=org.squadron_a, at=t("2023-05-08 09:10"))
    code, got = status()
    assert got["status"] == "open" and got["agency_responsible"] == "甲中队"
    assert got["expected_datetime"] == "2023-05-11T18:00:00+08:00"  # 3 working days
    assert status("a")[0] == 200 and status("b")[0] == 404  # now squadron A's, still not B's

    services.work_order_accept(actor=org.lead_a, order=order, at=t("2023-05-08 09:30"))
    services.work_order_contact(
        actor=org.lead_a, order=order, channel="phone", result="已联系", contacted_at=t("2023-05-08 10:00")
    )
    assert status()[1]["status"] == "open"
    open_ids = client.get(f"{BASE}/requests.json", {"api_key": keys["brigade"], "status": "open", **window}).json()
    assert [r["service_request_id"] for r in open_ids] == [number]

    services.work_order_complete(
        actor=org.lead_a, order=order, reply="已清理违停车辆", result="solved", at=t("2023-05-09 15:00")
    )
    code, got = status()
    assert got["status"] == "closed" and "已办结待回访" in got["status_notes"]
    closed_ids = client.get(f"{BASE}/requests.json", {"api_key": keys["brigade"], "status": "closed", **window})
    assert [r["service_request_id"] for r in closed_ids.json()] == [number]
    assert client.get(f"{BASE}/requests.json", {"api_key": keys["brigade"], "status": "open", **window}).json() == []
    root = xml(client.get(f"{BASE}/requests/{number}.xml", {"api_key": keys["brigade"]}))
    assert root.findtext("request/status") == "closed"


def test_a_merged_order_reads_as_closed_and_names_the_surviving_order(client, org, keys):
    now = timezone.now() - timedelta(hours=2)
    survivor = make_order(org.squadron_a, received_at=now)
    merged = make_order(org.squadron_a, received_at=now, state=WorkOrder.State.MERGED, merged_into=survivor)
    [got] = client.get(f"{BASE}/requests/{merged.number}.json", {"api_key": keys["a"]}).json()
    assert got["status"] == "closed" and survivor.number in got["status_notes"]
