"""Bad input around deadlines and repeats: a deadline in a year without a published working
calendar (refused on intake of the step, shown as 日历未公布 on the pages, never a server error),
and merging orders that are not repeats of each other."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from jingwu.workorders import services
from jingwu.workorders.models import Category, ExtensionRequest, RequestStatus, WorkOrder

from .helpers import category, make_order, t

pytestmark = pytest.mark.django_db
FAR = t("2099-01-05 18:00")  # no working calendar for 2099 (nor for 2027, the first year without one)


def test_a_deadline_beyond_the_calendar_shows_unknown_on_every_page(client, org):
    """An approved 延期 to 2099 (made before the service refused it) must not break the list, the
    detail page or my work: the deadline state is "日历未公布"."""
    order = make_order(org.squadron_a, state=WorkOrder.State.ACCEPTED, accepted_at=t("2023-05-04 09:30"), due_at=FAR)
    ExtensionRequest.objects.create(
        order=order,
        reason="等待",
        new_due_at=FAR,
        requested_by=org.lead_a,
        requested_at=timezone.now(),
        status=RequestStatus.APPROVED,
        decided_by=org.leader,
        decided_at=timezone.now(),
    )
    client.force_login(org.leader)
    listed = client.get("/workorders/")
    assert listed.status_code == 200 and 'data-state="unknown"' in listed.content.decode()
    detail = client.get(f"/workorders/{order.pk}/")
    assert detail.status_code == 200 and "日历未公布" in detail.content.decode()
    client.force_login(org.lead_a)
    mine = client.get("/workorders/mine/")
    assert mine.status_code == 200 and "日历未公布" in mine.content.decode()


def test_steps_that_would_set_a_deadline_beyond_the_calendar_are_refused_clearly(client, org):
    order = make_order(org.squadron_a, state=WorkOrder.State.ACCEPTED, due_at=t("2026-12-10 18:00"))
    with pytest.raises(ValidationError) as info:
        services.extension_request(actor=org.lead_a, order=order, reason="需要调查", new_due_at=FAR)
    assert "2027" in info.value.message_dict["new_due_at"][0]
    # a pending request made before the check is refused at approval, with the same field
    pending = ExtensionRequest.objects.create(
        order=order, reason="等待", new_due_at=FAR, requested_by=org.lead_a, requested_at=timezone.now()
    )
    with pytest.raises(ValidationError) as info:
        services.extension_decide(actor=org.leader, request=pending, approve=True)
    assert "new_due_at" in info.value.message_dict
    order.refresh_from_db()
    assert order.due_at == t("2026-12-10 18:00")
    # through the page: a form error (400), not a server error
    client.force_login(org.lead_a)
    response = client.post(
        f"/workorders/{order.pk}/act/request_extension/",
        {"request_extension-reason": "需要调查", "request_extension-new_due_at": "2099-01-05T18:00"},
    )
    assert response.status_code == 400 and "2027" in response.content.decode()


def test_a_dispatch_whose_deadline_falls_in_next_years_missing_calendar_is_a_clear_error(client, org):
    """Late in the year, a limit that runs into a year whose calendar is not published yet: the
    dispatch is refused with the calendar's message (the administrator must enter the year)."""
    Category.objects.filter(code="help").update(complete_amount=60)  # 60 working days: into 2027
    order = services.work_order_intake(
        actor=org.leader,
        category=category("help"),
        content="路灯不亮",
        citizen_phone="13912345678",
        intake_unit=org.brigade,
        received_at=t("2026-11-20 09:00"),
    ).order
    with pytest.raises(ValidationError) as info:
        services.work_order_dispatch(actor=org.leader, order=order, unit=org.squadron_a, at=t("2026-11-20 10:00"))
    assert "2027" in " ".join(info.value.messages)
    client.force_login(org.leader)
    response = client.post(f"/workorders/{order.pk}/act/dispatch/", {"dispatch-unit": org.squadron_a.pk})
    assert response.status_code == 400
    assert "2027 年的工作日历尚未公布" in response.content.decode()
    order.refresh_from_db()
    assert order.state == WorkOrder.State.RECEIVED and order.dispatched_at is None


def test_merging_orders_that_are_not_repeats_needs_a_reason(org):
    a = make_order(org.brigade, state=WorkOrder.State.RECEIVED, phone_index="p1", content="路灯不亮")
    other = make_order(org.brigade, state=WorkOrder.State.RECEIVED, phone_index="p2", content="噪音扰民")
    with pytest.raises(ValidationError) as info:
        services.work_order_merge(actor=org.leader, order=a, into=other)
    assert "reason" in info.value.message_dict
    a.refresh_from_db()
    assert a.state == WorkOrder.State.RECEIVED
    services.work_order_merge(actor=org.leader, order=a, into=other, reason="同一诉求人电话更换,经核实为同一事项")
    a.refresh_from_db()
    assert a.state == WorkOrder.State.MERGED
    # possible repeats (same phone, within 30 days) merge without one
    b = make_order(org.brigade, state=WorkOrder.State.RECEIVED, phone_index="p3", received_at=t("2023-05-01 09:00"))
    c = make_order(org.brigade, state=WorkOrder.State.RECEIVED, phone_index="p3", received_at=t("2023-05-20 09:00"))
    services.work_order_merge(actor=org.leader, order=c, into=b)
    c.refresh_from_db()
    assert c.state == WorkOrder.State.MERGED


def test_repeat_candidates_look_both_ways(org):
    from jingwu.workorders import selectors

    newer = make_order(
        org.brigade, state=WorkOrder.State.RECEIVED, address_key="幸福路88号", content="小区门口车辆乱停放",
        received_at=t("2023-05-20 09:00"),
    )  # fmt: skip
    found = selectors.repeat_candidates(
        user=org.leader, address_key="幸福路88号", content="小区门口车辆乱停放堵路", received_at=t("2023-05-01 09:00")
    )
    assert [c.order.pk for c in found] == [newer.pk]
    assert not selectors.repeat_candidates(
        user=org.leader, address_key="幸福路88号", content="小区门口车辆乱停放堵路", received_at=t("2023-04-01 09:00")
    )
