"""协办: the assisting unit sees the orders it assists (read only), signs for and answers its own task,
finds it in 我的工作 and on the home page, never gets the lead unit's actions or its other orders,
never sees a complaint about itself, and is never scored on an order it only assists."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from jingwu.core import metrics
from jingwu.core.models import TransitionEvent
from jingwu.org.roles import Cap
from jingwu.testing.factories import make_user
from jingwu.workorders import mywork, services
from jingwu.workorders.models import Assignment, WorkOrder
from jingwu.workorders.open311.keys import PublicReader

from .helpers import category, t

pytestmark = pytest.mark.django_db

API = "/api/v1/workorders"


def accepted_order(org, at: str = "2023-05-04 09:00", content: str = "小区门口机动车乱停放") -> WorkOrder:
    order = services.work_order_intake(
        actor=org.leader,
        category=category(),
        content=content,
        citizen_phone="13912345678",
        received_at=t(at),
        intake_unit=org.brigade,
    ).order
    services.work_order_dispatch(actor=org.leader, order=order, unit=org.squadron_a, at=t(at))
    services.work_order_accept(actor=org.lead_a, order=order, at=t(at))
    order.refresh_from_db()
    return order


def assist(org, order: WorkOrder, at: str = "2023-05-04 09:30") -> Assignment:
    return services.work_order_assist(
        actor=org.leader, order=order, unit=org.squadron_b, task="协助调取路口监控", at=t(at)
    )


def visible(user, capability=Cap.VIEW_WORKORDER) -> set[WorkOrder]:
    return set(WorkOrder.objects.visible_to(user, capability))


def panel(client, order) -> list[str]:
    return [e["action"].key for e in client.get(f"/workorders/{order.pk}/").context["panel"]]


def test_the_assisting_unit_sees_the_order_it_assists_and_nothing_else_of_the_lead_unit(client, org):
    order = accepted_order(org)
    other = accepted_order(org, content="另一件甲中队的工单")
    assist(org, order)
    assert visible(org.lead_b) == {order}
    assert visible(org.lead_b, Cap.WORKORDER_HANDLE) == set()  # no step of the lead unit through 协办
    assert visible(org.officer_a) == set() and other in visible(org.lead_a)

    client.force_login(org.lead_b)
    assert client.get(f"/workorders/{order.pk}/").status_code == 200
    assert client.get(f"/workorders/{other.pk}/").status_code == 404
    listed = {o.number for o in client.get("/workorders/").context["page"].object_list}
    assert listed == {order.number}
    assert client.get(f"{API}/orders/{order.pk}/").status_code == 200
    assert client.get(f"{API}/orders/{other.pk}/").status_code == 404
    assert {r["number"] for r in client.get(f"{API}/orders/").json()["results"]} == {order.number}


def test_an_officer_or_an_api_key_of_the_assisting_unit_does_not_see_it_through_the_unit(org):
    order = accepted_order(org)
    assist(org, order)
    officer_b = make_user("officer_b", "officer", org.squadron_b, person=org.person_b)
    assert visible(officer_b) == set()  # an officer sees only what they handle
    reader = PublicReader(unit_id=org.squadron_b.pk, unit_path=org.squadron_b.path)
    assert visible(reader) == set()  # keys and the public scope see by their unit alone


def test_the_assisting_unit_gets_only_its_own_task_and_no_lead_action(client, org):
    order = accepted_order(org)
    leg = assist(org, order)
    client.force_login(org.lead_b)
    assert panel(client, order) == ["assist_accept", "assist_reply"]

    # A lead step posted anyway: the order does not exist for that step, nothing changes.
    before = WorkOrder.objects.values().get(pk=order.pk)
    r = client.post(f"/workorders/{order.pk}/act/contact/", {"contact-channel": "phone", "contact-result": "已联系"})
    assert r.status_code == 404
    assert client.post(f"{API}/orders/{order.pk}/accept/").status_code == 404
    assert WorkOrder.objects.values().get(pk=order.pk) == before

    r = client.post(f"/workorders/{order.pk}/act/assist_accept/", {"assist_accept-leg_id": leg.pk})
    assert r.status_code == 302
    leg.refresh_from_db()
    assert leg.accepted_at is not None and leg.accepted_by == org.lead_b
    assert panel(client, order) == ["assist_reply"]
    r = client.post(
        f"/workorders/{order.pk}/act/assist_reply/",
        {"assist_reply-leg_id": leg.pk, "assist_reply-reply": "已调取监控并移交主办单位"},
    )
    assert r.status_code == 302
    leg.refresh_from_db()
    assert leg.done_at is not None and leg.reply == "已调取监控并移交主办单位"
    assert panel(client, order) == []
    names = set(TransitionEvent.objects.filter(object_id=str(order.pk)).values_list("transition", flat=True))
    assert {"assist", "assist_accept", "assist_reply"} <= names
    order.refresh_from_db()
    assert order.unit == org.squadron_a and order.state == WorkOrder.State.ACCEPTED  # still the lead's


def test_another_unit_cannot_sign_for_the_assist_leg(client, org):
    order = accepted_order(org)
    leg = assist(org, order)
    client.force_login(org.lead_a)  # the lead unit sees the order, but the task is squadron B's
    assert "assist_accept" not in panel(client, order)
    r = client.post(f"/workorders/{order.pk}/act/assist_accept/", {"assist_accept-leg_id": leg.pk})
    assert r.status_code == 403
    leg.refresh_from_db()
    assert leg.accepted_at is None


def test_my_work_lists_the_assist_tasks_by_the_legs_deadline(client, org):
    late = accepted_order(org, "2023-05-04 09:00", "第一件")
    soon = accepted_order(org, "2023-05-04 09:05", "第二件")
    late_leg = assist(org, late, "2023-05-04 14:40")  # sign for by 16:40
    assist(org, soon, "2023-05-04 09:30")  # sign for by 11:30
    now = t("2023-05-04 15:00")
    section = {s.key: s for s in mywork.my_work(org.lead_b, now)}["assist"]
    assert section.title == "协办任务"
    assert [(i.order, i.verb) for i in section.items] == [(soon, "协办待签收"), (late, "协办待签收")]
    assert section.items[0].state == "overdue"
    services.assist_accept(actor=org.lead_b, leg=late_leg, at=t("2023-05-04 15:10"))
    items = {s.key: s for s in mywork.my_work(org.lead_b, now)}["assist"].items
    assert [(i.order, i.verb) for i in items] == [(soon, "协办待签收"), (late, "协办待反馈")]
    assert {s.key: s for s in mywork.my_work(org.lead_a, now)}["assist"].items == []
    # the brigade sees its squadrons' assist legs on the orders, not as its own work
    assert mywork.assist_tasks(org.leader, now) == []

    client.force_login(org.lead_b)
    titles = [item["title"] for item in mywork.pending_items(org.lead_b)]
    assert f"协办待签收:{soon.number} 求助" in titles
    page = client.get("/workorders/mine/").content.decode()
    assert "协办任务" in page and soon.number in page
    assert f"协办待签收:{soon.number}" in client.get("/").content.decode()  # the home page's 待办


def test_a_complaint_about_the_assisting_unit_stays_hidden_from_it(org):
    make_user("inspector", "discipline", org.brigade)
    order = services.work_order_intake(
        actor=org.leader,
        category=category("complaint"),
        content="乙中队民警执法态度恶劣",
        citizen_phone="13800001111",
        received_at=t("2023-05-08 09:00"),
        intake_unit=org.brigade,
        accused_unit=org.squadron_b,
    ).order
    with pytest.raises(ValidationError) as info:  # never a task for the accused unit: it may not see it
        services.work_order_assist(actor=org.leader, order=order, unit=org.squadron_b, task="提供执勤记录")
    assert "被投诉单位" in str(info.value) and not order.legs.filter(role="assist").exists()
    assert visible(org.lead_b) == set()
    assert mywork.assist_tasks(org.lead_b, t("2023-05-08 10:00")) == []


def test_assisted_orders_are_scored_on_the_lead_unit_only(org):
    order = accepted_order(org)
    assist(org, order)
    services.work_order_contact(
        actor=org.lead_a,
        order=order,
        channel="phone",
        result="已联系",
        contacted_at=t("2023-05-04 09:40"),
        recorded_at=t("2023-05-04 09:40"),
    )
    b = metrics.compute("workorders.response_rate", org.squadron_b, "2023-05-01", "2023-05-31", user=org.lead_b)
    assert b.denominator == 0 and b.value is None  # squadron B sees the order but is not scored on it
    a = metrics.compute("workorders.response_rate", org.squadron_a, "2023-05-01", "2023-05-31", user=org.leader)
    assert a.denominator == 1 and Decimal(a.value) == 1


def test_the_scope_with_assisted_orders_is_one_query(org):
    order = accepted_order(org)
    assist(org, order)
    user = org.lead_b
    list(WorkOrder.objects.visible_to(user, Cap.VIEW_WORKORDER))  # the user's roles are read once
    with CaptureQueriesContext(connection) as queries:
        assert list(WorkOrder.objects.visible_to(user, Cap.VIEW_WORKORDER)) == [order]
    assert len(queries) == 1 and "EXISTS" in queries[0]["sql"].upper()


def test_users_who_see_the_assisted_orders_anyway_keep_the_plain_unit_scope(org):
    order = accepted_order(org)
    assist(org, order)
    # The brigade sees the order through its lead unit: no EXISTS, the plan the unit index serves.
    assert "EXISTS" not in str(WorkOrder.objects.visible_to(org.leader, Cap.VIEW_WORKORDER).query).upper()
    assert "EXISTS" not in str(WorkOrder.objects.visible_to(org.lead_a, Cap.VIEW_WORKORDER).query).upper()
    assert "EXISTS" in str(WorkOrder.objects.visible_to(org.lead_b, Cap.VIEW_WORKORDER).query).upper()
    assert order in visible(org.leader) and order in visible(org.lead_a)


def test_the_assisting_unit_works_its_task_through_the_api(client, org):
    order = accepted_order(org)
    leg = assist(org, order)
    other = accepted_order(org, content="另一条工单")
    client.force_login(org.lead_b)
    legs = client.get(f"{API}/orders/{order.pk}/legs/").json()
    assert [(x["role"], x["to_unit"]) for x in legs] == [("lead", org.squadron_a.code), ("assist", org.squadron_b.code)]

    # a leg of the order that is not an assist task, or no leg at all: 400 naming the field
    lead_leg = legs[0]["id"]
    r = client.post(f"{API}/orders/{order.pk}/assist-accept/", {"leg": lead_leg}, content_type="application/json")
    assert r.status_code == 400 and "leg" in r.json()["fields"]
    r = client.post(f"{API}/orders/{order.pk}/assist-accept/", {}, content_type="application/json")
    assert r.status_code == 400 and "leg" in r.json()["fields"]
    # the lead unit's other order does not exist for the assisting unit
    r = client.post(f"{API}/orders/{other.pk}/assist-accept/", {"leg": leg.pk}, content_type="application/json")
    assert r.status_code == 404

    r = client.post(f"{API}/orders/{order.pk}/assist-accept/", {"leg": leg.pk}, content_type="application/json")
    assert r.status_code == 200 and r.json()["state"] == WorkOrder.State.ACCEPTED
    leg.refresh_from_db()
    assert leg.accepted_by == org.lead_b
    r = client.post(
        f"{API}/orders/{order.pk}/assist-reply/",
        {"leg": leg.pk, "reply": "已调取监控"},
        content_type="application/json",
    )
    assert r.status_code == 200
    leg.refresh_from_db()
    assert leg.done_at is not None and leg.reply == "已调取监控"


def test_the_lead_unit_cannot_answer_the_assisting_units_task_through_the_api(client, org):
    order = accepted_order(org)
    leg = assist(org, order)
    client.force_login(org.lead_a)
    r = client.post(
        f"{API}/orders/{order.pk}/assist-reply/", {"leg": leg.pk, "reply": "代为反馈"}, content_type="application/json"
    )
    assert r.status_code == 403
    leg.refresh_from_db()
    assert leg.done_at is None and leg.reply == ""
