"""The action panel: only available actions are shown; each POST goes through the service; refusals
show in Chinese and change nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from jingwu.core.models import TransitionEvent
from jingwu.testing.factories import make_user
from jingwu.workorders import services
from jingwu.workorders.models import RequestStatus, ReturnRequest, WorkOrder

from .helpers import category

pytestmark = pytest.mark.django_db


def intake(org) -> WorkOrder:
    return services.work_order_intake(
        actor=org.leader,
        category=category(),
        content="小区门口机动车乱停放",
        citizen_phone="13912345678",
        address="幸福路88号",
        intake_unit=org.brigade,
    ).order


def actions_shown(client, order) -> set[str]:
    return {e["action"].key for e in client.get(f"/workorders/{order.pk}/").context["panel"]}


def snapshot(order):
    return (
        WorkOrder.objects.values().get(pk=order.pk),
        TransitionEvent.objects.filter(object_id=str(order.pk)).count(),
    )


def test_lifecycle_through_the_action_panel(client, org):
    order = intake(org)
    client.force_login(org.leader)
    assert "dispatch" in actions_shown(client, order)
    r = client.post(f"/workorders/{order.pk}/act/dispatch/", {"dispatch-unit": org.squadron_a.pk})
    assert r.status_code == 302
    order.refresh_from_db()
    assert order.state == WorkOrder.State.DISPATCHED and order.unit == org.squadron_a

    client.force_login(org.lead_a)
    assert {"accept", "return_order"} <= actions_shown(client, order)
    assert "complete" not in actions_shown(client, order)
    assert client.post(f"/workorders/{order.pk}/act/accept/").status_code == 302
    r = client.post(
        f"/workorders/{order.pk}/act/return_order/",
        {"return_order-reason_code": "not_our_duty", "return_order-reason": "应由城管处理"},
    )
    assert r.status_code == 302
    request = ReturnRequest.objects.get(order=order)

    # the requester may not decide; the service's refusal shows, nothing changes
    before = snapshot(order)
    r = client.post(
        f"/workorders/{order.pk}/act/decide_return/",
        {"decide_return-approve": "0", "decide_return-decision": "x", "decide_return-request_id": request.pk},
    )
    assert r.status_code in (403, 409)
    assert snapshot(order) == before

    client.force_login(org.leader)
    r = client.post(
        f"/workorders/{order.pk}/act/decide_return/",
        {
            "decide_return-approve": "0",
            "decide_return-decision": "属于本单位职责",
            "decide_return-request_id": request.pk,
        },
    )
    assert r.status_code == 302
    request.refresh_from_db()
    assert request.status == RequestStatus.REJECTED

    client.force_login(org.lead_a)
    r = client.post(f"/workorders/{order.pk}/act/complete/", {"complete-result": "solved", "complete-reply": "已处理"})
    assert r.status_code == 409 and "办结前须记录与诉求人的联系" in r.content.decode()
    order.refresh_from_db()
    assert order.state == WorkOrder.State.ACCEPTED
    r = client.post(f"/workorders/{order.pk}/act/contact/", {"contact-channel": "phone", "contact-result": "已联系"})
    assert r.status_code == 302, r.context.get("action_error")
    r = client.post(f"/workorders/{order.pk}/act/complete/", {"complete-result": "solved", "complete-reply": "已处理"})
    assert r.status_code == 302
    order.refresh_from_db()
    assert order.state == WorkOrder.State.COMPLETED
    assert "callback" not in actions_shown(client, order)  # the handler may not call back

    client.force_login(org.leader)
    r = client.post(
        f"/workorders/{order.pk}/act/callback/",
        {
            "callback-reached": "1",
            "callback-resolved": "1",
            "callback-satisfaction": "unsatisfied",
            "callback-comment": "不满意",
        },
    )
    assert r.status_code == 302
    order.refresh_from_db()
    assert order.state == WorkOrder.State.HANDLING and order.reopen_count == 1


def test_service_validation_errors_show_on_the_field(client, org):
    order = intake(org)
    client.force_login(org.leader)
    before = snapshot(order)
    r = client.post(f"/workorders/{order.pk}/act/dispatch/", {})
    assert r.status_code == 400 and "请选择承办单位" in r.content.decode()
    r = client.post(f"/workorders/{order.pk}/act/dispatch/", {"dispatch-by_rule": "on"})
    assert r.status_code == 400 and "没有匹配的派单规则" in r.content.decode()
    assert snapshot(order) == before


def test_denied_actions_change_nothing(client, org):
    order = intake(org)
    services.work_order_dispatch(actor=org.leader, order=order, unit=org.squadron_a)
    order.refresh_from_db()
    before = snapshot(order)
    client.force_login(org.lead_b)  # other squadron: the order does not exist for them
    assert client.post(f"/workorders/{order.pk}/act/accept/").status_code == 404
    client.force_login(org.officer_a)  # sees nothing that is not handed to them
    assert client.post(f"/workorders/{order.pk}/act/accept/").status_code == 404
    client.force_login(org.lead_a)  # may not urge (supervision role)
    r = client.post(f"/workorders/{order.pk}/act/supervise/", {"supervise-kind": "urge", "supervise-content": "快"})
    assert r.status_code == 403
    client.force_login(make_user("legal_a", "legal", org.brigade))  # may not sign for (no handle capability)
    assert client.post(f"/workorders/{order.pk}/act/accept/").status_code == 403
    assert client.post(f"/workorders/{order.pk}/act/nonsense/").status_code == 404
    assert snapshot(order) == before


def test_suspension_cannot_be_self_approved_and_urge_is_counted(client, org):
    order = intake(org)
    services.work_order_dispatch(actor=org.leader, order=order, unit=org.squadron_a)
    services.work_order_accept(actor=org.lead_a, order=order)
    client.force_login(org.leader)
    r = client.post(f"/workorders/{order.pk}/act/supervise/", {"supervise-kind": "urge", "supervise-content": "请加快"})
    assert r.status_code == 302
    order.refresh_from_db()
    assert order.urge_count == 1
    client.force_login(org.lead_a)
    r = client.post(f"/workorders/{order.pk}/act/request_suspension/", {"request_suspension-reason": "等待鉴定"})
    assert r.status_code == 400 and not order.suspensions.exists()  # a suspension says until when
    resume_by = timezone.localtime(timezone.now() + dt.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    r = client.post(
        f"/workorders/{order.pk}/act/request_suspension/",
        {"request_suspension-reason": "等待鉴定", "request_suspension-resume_by": resume_by},
    )
    assert r.status_code == 302
    pending = order.suspensions.get()
    client.force_login(org.leader)
    page = client.get(f"/workorders/{order.pk}/")
    shown = page.context["panel"]
    assert any(e["action"].key == "decide_suspension" and e["pending"].pk == pending.pk for e in shown)
    entry = next(e for e in shown if e["action"].key == "decide_suspension")
    assert entry["new_due"] is not None and entry["new_due"] > order.due_at  # the deadline after the pause
    assert "挂起至" in page.content.decode() and "批准后办结期限" in page.content.decode()
    r = client.post(
        f"/workorders/{order.pk}/act/decide_suspension/",
        {"decide_suspension-approve": "1", "decide_suspension-request_id": pending.pk},
    )
    assert r.status_code == 302
    order.refresh_from_db()
    assert order.state == WorkOrder.State.SUSPENDED
