"""接诉即办 API: the steps beyond the main line — 协办派单, 指定承办人, 挂起/恢复, 延期, 申诉 (免考核),
督办/通报 — each a POST calling the same service as the page action: success, bad input (400 with the
field), out of scope (404) and a missing capability (403), with nothing changed when refused."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone

from jingwu.workorders.models import (
    Appeal,
    Assignment,
    ExtensionRequest,
    SupervisionNotice,
    SuspensionRequest,
    WorkOrder,
)

from .helpers import grant, make_order

pytestmark = pytest.mark.django_db

API = "/api/v1/workorders/orders"
S = WorkOrder.State


def post(client, user, url, payload=None):
    client.force_login(user)
    return client.post(url, data=json.dumps(payload or {}), content_type="application/json")


def working_order(org, unit=None, **fields):
    now = timezone.now()
    defaults = {
        "state": S.ACCEPTED,
        "received_at": now - dt.timedelta(hours=3),
        "dispatched_at": now - dt.timedelta(hours=2),
        "response_due_at": now - dt.timedelta(hours=1),
        "clock_started_at": now - dt.timedelta(hours=2),
        "accepted_at": now - dt.timedelta(hours=1),
        "due_at": now + dt.timedelta(days=3),
        "original_due_at": now + dt.timedelta(days=3),
    }
    defaults.update(fields)
    return make_order(unit or org.squadron_a, **defaults)


def snapshot(order: WorkOrder) -> dict:
    return WorkOrder.objects.values().get(pk=order.pk)


def test_assign_handler(client, org):
    order = working_order(org)
    url = f"{API}/{order.pk}/assign-handler/"
    done = post(client, org.lead_a, url, {"person": org.person_a.police_number})
    assert done.status_code == 200, done.content
    assert done.json()["handler"] == org.person_a.police_number
    order.refresh_from_db()
    assert order.handler_id == org.person_a.pk

    before = snapshot(order)
    unknown = post(client, org.lead_a, url, {"person": "999999"})
    assert unknown.status_code == 400 and "person" in unknown.json()["fields"]
    assert "不存在" in unknown.json()["fields"]["person"][0] and "not found" in unknown.json()["fields"]["person"][0]
    missing = post(client, org.lead_a, url, {})
    assert missing.status_code == 400 and "person" in missing.json()["fields"]
    other_unit = post(client, org.leader, url, {"person": org.person_b.police_number})  # 乙中队's officer
    assert other_unit.status_code == 400 and "person" in other_unit.json()["fields"]
    assert post(client, org.lead_b, url, {"person": org.person_a.police_number}).status_code == 404
    assert post(client, org.officer_a, url, {"person": org.person_a.police_number}).status_code == 403
    assert snapshot(order) == before


def test_assist(client, org):
    order = working_order(org)
    url = f"{API}/{order.pk}/assist/"
    done = post(client, org.leader, url, {"unit": org.squadron_b.code, "task": "协助调取监控"})
    assert done.status_code == 200, done.content
    leg = Assignment.objects.get(order=order, role=Assignment.Role.ASSIST)
    assert leg.to_unit == org.squadron_b and leg.task == "协助调取监控"

    no_task = post(client, org.leader, url, {"unit": org.squadron_b.code})
    assert no_task.status_code == 400 and "task" in no_task.json()["fields"]
    assert post(client, org.lead_b, url, {"unit": org.squadron_b.code, "task": "x"}).status_code == 404
    assert post(client, org.officer_a, url, {"unit": org.squadron_b.code, "task": "x"}).status_code == 403
    assert Assignment.objects.filter(order=order, role=Assignment.Role.ASSIST).count() == 1


def test_suspension_request_decide_and_resume(fixed_now, client, org):
    order = working_order(org)
    url = f"{API}/{order.pk}"
    resume_by = (timezone.now() + dt.timedelta(days=5)).isoformat()

    no_reason = post(client, org.lead_a, f"{url}/request-suspension/", {"resume_by": resume_by})
    assert no_reason.status_code == 400 and "reason" in no_reason.json()["fields"]
    bad_time = post(client, org.lead_a, f"{url}/request-suspension/", {"reason": "等待鉴定", "resume_by": "soon"})
    assert bad_time.status_code == 400 and "resume_by" in bad_time.json()["fields"]
    no_until = post(client, org.lead_a, f"{url}/request-suspension/", {"reason": "等待鉴定"})
    assert no_until.status_code == 400 and "resume_by" in no_until.json()["fields"]
    assert post(client, org.lead_b, f"{url}/request-suspension/", {"reason": "x"}).status_code == 404
    assert not SuspensionRequest.objects.exists()

    asked = post(client, org.lead_a, f"{url}/request-suspension/", {"reason": "等待鉴定结论", "resume_by": resume_by})
    assert asked.status_code == 200, asked.content
    assert SuspensionRequest.objects.get().status == "pending"

    before = snapshot(order)
    assert post(client, org.lead_a, f"{url}/decide-suspension/", {"approve": True}).status_code == 403  # no approve
    outsider = grant(org.nobody, "leadership", org.squadron_b)
    assert post(client, outsider, f"{url}/decide-suspension/", {"approve": True}).status_code == 404
    bad = post(client, org.leader, f"{url}/decide-suspension/", {"approve": "perhaps"})
    assert bad.status_code == 400 and "approve" in bad.json()["fields"]
    assert snapshot(order) == before

    approved = post(client, org.leader, f"{url}/decide-suspension/", {"approve": True, "decision": "同意"})
    assert approved.status_code == 200, approved.content
    assert approved.json()["state"] == "suspended" and approved.json()["suspended_at"]
    nothing = post(client, org.leader, f"{url}/decide-suspension/", {"approve": True})
    assert nothing.status_code == 409

    resumed = post(client, org.lead_a, f"{url}/resume/")
    assert resumed.status_code == 200 and resumed.json()["state"] == "handling"
    assert post(client, org.lead_b, f"{url}/resume/").status_code == 404


def test_extension_request_and_decide(fixed_now, client, org):
    order = working_order(org)
    url = f"{API}/{order.pk}"
    later = timezone.now() + dt.timedelta(days=10)

    missing = post(client, org.lead_a, f"{url}/request-extension/", {"reason": "需补充材料"})
    assert missing.status_code == 400 and "new_due_at" in missing.json()["fields"]
    earlier = post(
        client,
        org.lead_a,
        f"{url}/request-extension/",
        {"reason": "需补充材料", "new_due_at": (order.due_at - dt.timedelta(days=1)).isoformat()},
    )
    assert earlier.status_code == 400 and "new_due_at" in earlier.json()["fields"]
    message = earlier.json()["fields"]["new_due_at"][0]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in message) and "/" in message  # Chinese / English
    body = {"reason": "需补充材料", "new_due_at": later.isoformat()}
    assert post(client, org.lead_b, f"{url}/request-extension/", body).status_code == 404
    assert not ExtensionRequest.objects.exists()

    asked = post(client, org.lead_a, f"{url}/request-extension/", body)
    assert asked.status_code == 200, asked.content
    outsider = grant(org.nobody, "leadership", org.squadron_b)
    assert post(client, outsider, f"{url}/decide-extension/", {"approve": True}).status_code == 404
    assert post(client, org.officer_a, f"{url}/decide-extension/", {"approve": True}).status_code == 403
    assert ExtensionRequest.objects.get().status == "pending"

    approved = post(client, org.leader, f"{url}/decide-extension/", {"approve": True, "decision": "同意延期"})
    assert approved.status_code == 200, approved.content
    order.refresh_from_db()
    assert ExtensionRequest.objects.get().status == "approved"
    assert abs((order.due_at - later).total_seconds()) < 60 * 60 * 24  # moved to (about) the requested time
    assert post(client, org.leader, f"{url}/decide-extension/", {"approve": False}).status_code == 409


def test_appeal_and_decide(client, org):
    order = working_order(org)
    url = f"{API}/{order.pk}"
    bad_code = post(client, org.lead_a, f"{url}/appeal/", {"reason_code": "bored", "reason": "x"})
    assert bad_code.status_code == 400 and "reason_code" in bad_code.json()["fields"]
    no_reason = post(client, org.lead_a, f"{url}/appeal/", {"reason_code": "out_of_jurisdiction"})
    assert no_reason.status_code == 400 and "reason" in no_reason.json()["fields"]
    body = {"reason_code": "out_of_jurisdiction", "reason": "事发地属邻县"}
    assert post(client, org.lead_b, f"{url}/appeal/", body).status_code == 404
    assert not Appeal.objects.exists()

    assert post(client, org.lead_a, f"{url}/appeal/", body).status_code == 200
    again = post(client, org.lead_a, f"{url}/appeal/", body)
    assert again.status_code == 400 and "order" in again.json()["fields"]  # one pending appeal at a time

    outsider = grant(org.nobody, "leadership", org.squadron_b)
    assert post(client, outsider, f"{url}/decide-appeal/", {"approve": True}).status_code == 404
    assert post(client, org.lead_a, f"{url}/decide-appeal/", {"approve": True}).status_code == 403
    assert not WorkOrder.objects.get(pk=order.pk).exempted
    decided = post(client, org.leader, f"{url}/decide-appeal/", {"approve": True, "decision": "属实"})
    assert decided.status_code == 200, decided.content
    assert decided.json()["exempted"] is True
    assert Appeal.objects.get().status == "approved"


@pytest.mark.parametrize(
    ("step", "kind", "counter"), [("urge", "urge", "urge_count"), ("notice", "notice", "notice_count")]
)
def test_urge_and_notice(client, org, step, kind, counter):
    order = working_order(org, due_at=timezone.now() - dt.timedelta(days=1))
    url = f"{API}/{order.pk}/{step}/"
    empty = post(client, org.leader, url, {"content": ""})
    assert empty.status_code == 400 and "content" in empty.json()["fields"]
    assert post(client, org.lead_a, url, {"content": "请抓紧"}).status_code == 403  # no supervise capability
    supervisor_b = grant(org.nobody, "legal", org.squadron_b)
    assert post(client, supervisor_b, url, {"content": "请抓紧"}).status_code == 404
    assert not SupervisionNotice.objects.exists()

    done = post(client, org.leader, url, {"content": "已超期,请当日办结"})
    assert done.status_code == 200, done.content
    assert done.json()[counter] == 1
    notice = SupervisionNotice.objects.get()
    assert notice.kind == kind and notice.unit == org.squadron_a and notice.content == "已超期,请当日办结"


def test_new_steps_are_in_the_schema(client, org):
    client.force_login(org.leader)
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert schema.status_code == 200
    text = schema.content.decode()
    for step in (
        "assist",
        "assign-handler",
        "request-suspension",
        "decide-suspension",
        "resume",
        "request-extension",
        "decide-extension",
        "appeal",
        "decide-appeal",
        "urge",
        "notice",
    ):
        assert f"/api/v1/workorders/orders/{{id}}/{step}/" in text, step
