"""接诉即办 API, the last steps a page had and the API lacked: a leg's own handling deadline
(两级派单), 合并/关联 of repeats, and the "疑似涉警投诉" hint in the intake answer."""

from __future__ import annotations

import json

import pytest

from jingwu.core.models import TransitionEvent
from jingwu.workorders import services
from jingwu.workorders.models import OrderSource, RepeatLink, WorkOrder

from .helpers import category, t

pytestmark = pytest.mark.django_db

API = "/api/v1/workorders/orders"


def post(client, user, url, payload=None):
    client.force_login(user)
    return client.post(url, data=json.dumps(payload or {}), content_type="application/json")


def intake(client, org, **extra):
    payload = {
        "category": "help",
        "content": "小区门口机动车乱停放,堵塞消防通道",
        "citizen_phone": "13912345678",
        "address": "幸福路88号",
        "intake_unit": org.brigade.code,
        "received_at": "2026-06-10T09:00:00+08:00",
        **extra,
    }
    answer = post(client, org.leader, f"{API}/", payload)
    assert answer.status_code == 201, answer.content
    return answer.json()


def test_a_leg_gets_its_own_handling_deadline_through_the_api(client, org, fixed_now):
    order_id = intake(client, org)["order"]["id"]
    order = WorkOrder.objects.get(pk=order_id)
    url = f"{API}/{order_id}/dispatch/"
    too_late = post(client, org.leader, url, {"unit": org.squadron_a.code, "due_at": "2026-12-30T18:00:00+08:00"})
    assert too_late.status_code == 400 and "due_at" in too_late.json()["fields"]
    assert WorkOrder.objects.get(pk=order_id).state == WorkOrder.State.RECEIVED  # nothing changed
    done = post(client, org.leader, url, {"unit": org.squadron_a.code, "due_at": "2026-06-11T18:00:00+08:00"})
    assert done.status_code == 200, done.content
    order.refresh_from_db()
    legs = client.get(f"{API}/{order_id}/legs/").json()
    lead = [leg for leg in (legs["results"] if isinstance(legs, dict) else legs) if leg["role"] == "lead"][-1]
    assert lead["to_unit"] == org.squadron_a.code
    assert lead["due_at"].startswith("2026-06-11T") and order.due_at > t("2026-06-11 18:00")


def test_repeats_are_merged_or_linked_through_the_api(client, org, fixed_now):
    first = intake(client, org, source_number="API-1")["order"]
    second = intake(client, org, source_number="API-2")
    assert [c["number"] for c in second["repeat_candidates"]] == [first["number"]]
    url = f"{API}/{second['order']['id']}/repeat/"
    unknown = post(client, org.leader, url, {"kind": "merge", "other": "NOPE"})
    assert unknown.status_code == 400 and "other" in unknown.json()["fields"]
    assert post(client, org.lead_a, url, {"kind": "link", "other": first["number"]}).status_code in (403, 404)
    assert not RepeatLink.objects.exists()
    linked = post(client, org.leader, url, {"kind": "link", "other": first["number"]})
    assert linked.status_code == 200 and RepeatLink.objects.count() == 1
    merged = post(client, org.leader, url, {"kind": "merge", "other": first["number"]})
    assert merged.status_code == 200 and merged.json()["number"] == first["number"]
    assert WorkOrder.objects.get(pk=second["order"]["id"]).state == WorkOrder.State.MERGED
    assert set(OrderSource.objects.filter(order_id=first["id"]).values_list("number", flat=True)) >= {"API-1", "API-2"}


def test_the_intake_answer_warns_of_a_suspected_complaint_about_the_police(client, org, fixed_now):
    plain = intake(client, org)
    assert plain["police_complaint_hint"] == []
    suspect = intake(client, org, category="complaint", content="甲中队民警执勤态度恶劣,不作为")
    assert "民警" in suspect["police_complaint_hint"]


def test_resuming_a_suspension_shows_the_deadline_on_the_timeline(org):
    order = services.work_order_intake(
        actor=org.leader,
        category=category("help"),
        content="车辆被堵",
        citizen_phone="13912345678",
        address="幸福路88号",
        received_at=t("2023-05-08 09:00"),
        intake_unit=org.brigade,
    ).order
    services.work_order_dispatch(actor=org.leader, order=order, unit=org.squadron_a, at=t("2023-05-08 09:10"))
    services.work_order_accept(actor=org.lead_a, order=order, at=t("2023-05-08 09:20"))
    request = services.suspension_request(
        actor=org.lead_a, order=order, reason="等待鉴定", resume_by=t("2023-05-15 09:00"), at=t("2023-05-08 10:00")
    )
    services.suspension_decide(
        actor=org.leader, request=request, approve=True, decision="同意", at=t("2023-05-08 11:00")
    )
    services.work_order_resume(actor=org.lead_a, order=order, at=t("2023-05-09 11:00"))
    order.refresh_from_db()
    event = TransitionEvent.objects.filter(object_id=str(order.pk), transition="resume").get()
    from jingwu.workorders.timeline import describe

    describe([event])
    assert event.detail.startswith("办结时限 ")
    assert event.payload["new_due_at"].startswith(
        order.due_at.astimezone(t("2023-05-08 09:00").tzinfo).date().isoformat()
    )
