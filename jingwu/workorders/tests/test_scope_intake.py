"""Data scope, complaints hidden from the accused unit, repeat detection, merge/link, urging."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from jingwu.core.models import Notification
from jingwu.org.roles import Cap
from jingwu.testing.factories import make_person, make_user
from jingwu.workorders import services
from jingwu.workorders.models import OrderSource, SupervisionNotice, WorkOrder
from jingwu.workorders.selectors import similarity

from .helpers import category, make_order, t

pytestmark = pytest.mark.django_db


def visible(user):
    return set(WorkOrder.objects.visible_to(user, Cap.VIEW_WORKORDER))


def test_squadron_users_see_only_their_orders(org):
    mine = make_order(org.squadron_a)
    theirs = make_order(org.squadron_b)
    handled = make_order(org.squadron_a, handler=org.person_a)
    assert visible(org.lead_a) == {mine, handled}
    assert visible(org.lead_b) == {theirs}
    assert visible(org.officer_a) == {handled}  # an officer sees the orders they handle
    assert visible(org.leader) == {mine, theirs, handled}
    assert visible(org.political) == set() and visible(org.nobody) == set()


def test_complaint_about_a_unit_goes_to_discipline_and_is_hidden_from_the_accused(org):
    inspector = make_user("inspector", "discipline", org.brigade)
    # A brigade deputy who belongs to squadron A: sees the whole brigade, but not complaints about A.
    deputy = make_user("deputy", "leadership", org.brigade, person=make_person(org.squadron_a, "钱副队"))
    result = services.work_order_intake(
        actor=org.leader,
        category=category("complaint"),
        content="甲中队民警执法态度恶劣",
        citizen_phone="13800001111",
        received_at=t("2023-05-08 09:00"),
        intake_unit=org.brigade,
        accused_unit=org.squadron_a,
    )
    order = result.order
    order.refresh_from_db()
    assert order.unit == org.brigade and order.accused_unit == org.squadron_a and order.complaint_about_officer
    assert order.state == WorkOrder.State.DISPATCHED
    assert order in visible(inspector) and order in visible(org.leader)
    assert order not in visible(deputy) and order not in visible(org.lead_a) and order not in visible(org.officer_a)
    services.work_order_accept(actor=inspector, order=order, at=t("2023-05-08 09:30"))


def test_complaint_without_a_discipline_unit_is_refused(org):
    with pytest.raises(ValidationError) as info:
        services.work_order_intake(
            actor=org.leader,
            category=category("complaint"),
            content="投诉民警",
            citizen_phone="13800001111",
            intake_unit=org.brigade,
            accused_unit=org.squadron_a,
        )
    assert "accused_unit" in info.value.message_dict
    assert not WorkOrder.objects.exists()


@pytest.mark.parametrize("phone", ["12345", "1381234567", "23812345678", "abc", ""])
def test_intake_validates_the_phone_and_saves_nothing(org, phone):
    with pytest.raises(ValidationError) as info:
        services.work_order_intake(
            actor=org.leader, category=category(), content="求助", citizen_phone=phone, intake_unit=org.brigade
        )
    assert "citizen_phone" in info.value.message_dict
    assert not WorkOrder.objects.exists()


def test_intake_needs_content_and_the_intake_capability(org):
    with pytest.raises(ValidationError):
        services.work_order_intake(
            actor=org.leader, category=category(), content="  ", citizen_phone="13800001111", intake_unit=org.brigade
        )
    with pytest.raises(Exception):  # noqa: B017 - PermissionDenied: an officer does not take in orders
        services.work_order_intake(
            actor=org.officer_a, category=category(), content="求助", citizen_phone="13800001111"
        )
    assert not WorkOrder.objects.exists()


def test_similarity_of_chinese_text():
    assert similarity("幸福小区门口机动车乱停放", "幸福小区门口机动车乱停放严重") > 0.8
    assert similarity("幸福小区门口机动车乱停放", "询问驾驶证换证需要哪些材料") < 0.1


def test_repeat_candidates_by_phone_and_by_address_with_similar_content(org):
    def take(content, phone, address="幸福路88号", at="2023-05-08 09:00"):
        return services.work_order_intake(
            actor=org.leader,
            category=category(),
            content=content,
            citizen_phone=phone,
            address=address,
            received_at=t(at),
            intake_unit=org.brigade,
        )

    first = take("幸福小区门口机动车乱停放堵塞通道", "13900000001").order
    old = take("幸福小区门口机动车乱停放堵塞通道", "13900000009", at="2023-03-01 09:00").order
    by_phone = take("咨询驾驶证换证材料", "139 0000 0001", address="别处")
    assert [(c.order, c.reason) for c in by_phone.candidates] == [(first, "phone")]
    by_address = take("幸福小区门口机动车乱停放,堵塞消防通道", "13900000002", address="幸福路 88 号")
    assert [(c.order, c.reason) for c in by_address.candidates] == [(first, "address")]
    assert old not in [c.order for c in by_address.candidates]  # older than 30 days
    unrelated = take("询问驾驶证换证需要哪些材料", "13900000003")
    assert unrelated.candidates == []

    services.work_order_merge(actor=org.leader, order=by_address.order, into=first)
    merged = WorkOrder.objects.get(pk=by_address.order.pk)
    assert merged.state == WorkOrder.State.MERGED and merged.merged_into == first
    link = services.work_order_link(actor=org.leader, order=first, other=unrelated.order, reason="同一小区")
    assert link.kind == "link"


def test_merged_order_keeps_every_source_number(org):
    def take(number):
        return services.work_order_intake(
            actor=org.leader,
            category=category(),
            content="噪音扰民",
            citizen_phone="13900000001",
            source=WorkOrder.Source.HOTLINE,
            source_number=number,
            intake_unit=org.brigade,
        ).order

    a, b = take("H001"), take("H002")
    with pytest.raises(ValidationError):
        take("H001")
    services.work_order_merge(actor=org.leader, order=b, into=a)
    assert set(OrderSource.objects.filter(order=a).values_list("number", flat=True)) == {"H001", "H002"}


def test_overdue_orders_are_urged_once_then_noticed(org):
    order = make_order(org.squadron_a, state=WorkOrder.State.ACCEPTED, due_at=t("2023-05-10 18:00"))
    assert services.urge_overdue(t("2023-05-10 20:00")) == {"urged": 0, "noticed": 0}  # not yet a day late
    assert services.urge_overdue(t("2023-05-11 08:40")) == {"urged": 1, "noticed": 0}
    assert services.urge_overdue(t("2023-05-11 09:40")) == {"urged": 0, "noticed": 0}  # idempotent
    assert services.urge_overdue(t("2023-05-13 08:40")) == {"urged": 0, "noticed": 0}  # a Saturday
    assert services.urge_overdue(t("2023-05-12 08:40")) == {"urged": 0, "noticed": 0}  # 1 working day later
    assert services.urge_overdue(t("2023-05-15 08:40")) == {"urged": 0, "noticed": 1}  # 2 working days later
    assert services.urge_overdue(t("2023-05-15 10:00")) == {"urged": 0, "noticed": 0}
    order.refresh_from_db()
    assert (order.urge_count, order.notice_count) == (1, 1)
    assert SupervisionNotice.objects.filter(order=order).count() == 2
    assert Notification.objects.filter(recipient=org.lead_a, kind="workorders.urge").count() == 1


def test_appeal_exempts_only_when_approved_by_someone_else(org):
    order = make_order(org.squadron_a, state=WorkOrder.State.ACCEPTED)
    appeal = services.appeal_request(
        actor=org.lead_a, order=order, reason_code="out_of_jurisdiction", reason="事发地属邻区"
    )
    services.appeal_decide(actor=org.leader, appeal=appeal, approve=True, decision="同意免考核")
    order.refresh_from_db()
    assert order.exempted
