"""The whole life of an order through the services, with its events, audit rows and deadlines."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from jingwu.core.models import AuditLog, TransitionEvent
from jingwu.core.workflow import TransitionNotAllowed
from jingwu.testing.factories import make_user
from jingwu.workorders import selectors, services
from jingwu.workorders.models import ExtensionRequest, RequestStatus, ReturnRequest, WorkOrder

from .helpers import category, grant, t

pytestmark = pytest.mark.django_db


def events(order: WorkOrder) -> list[str]:
    return list(
        TransitionEvent.objects.filter(object_type="workorders.workorder", object_id=str(order.pk))
        .order_by("occurred_at", "id")
        .values_list("transition", flat=True)
    )


def intake(org, code: str = "help", at: str = "2023-05-08 09:00", **extra) -> WorkOrder:
    return services.work_order_intake(
        actor=org.leader,
        category=category(code),
        content=extra.pop("content", "小区门口机动车乱停放,堵塞消防通道"),
        citizen_phone=extra.pop("citizen_phone", "13912345678"),
        citizen_name="王女士",
        address=extra.pop("address", "幸福路88号幸福小区"),
        received_at=t(at),
        intake_unit=org.brigade,
        **extra,
    ).order


def test_full_lifecycle_with_rejected_return_and_reopen(org):
    order = intake(org)
    assert order.state == WorkOrder.State.RECEIVED and order.unit == org.brigade
    assert order.citizen_phone == "13912345678" and order.masked_phone == "139****5678"

    services.work_order_dispatch(actor=org.leader, order=order, unit=org.squadron_a, at=t("2023-05-08 09:10"))
    order.refresh_from_db()
    assert order.state == WorkOrder.State.DISPATCHED and order.unit == org.squadron_a
    assert order.response_due_at == t("2023-05-08 11:10")  # 2 working hours
    assert order.due_at == t("2023-05-11 18:00")  # 3 working days

    services.work_order_accept(actor=org.lead_a, order=order, at=t("2023-05-08 09:30"))
    request = services.work_order_return(
        actor=org.lead_a, order=order, reason_code="not_our_duty", reason="应由城管处理", at=t("2023-05-08 09:40")
    )
    order.refresh_from_db()
    assert order.return_count == 1 and order.unit == org.squadron_a  # 首接负责 until approved
    with pytest.raises(TransitionNotAllowed):  # cannot complete while a return awaits a decision
        services.work_order_complete(actor=org.lead_a, order=order, reply="x", result="solved")
    services.return_decide(actor=org.leader, request=request, approve=False, decision="属于交通秩序管理,应予办理")
    order.refresh_from_db()
    assert order.state == WorkOrder.State.ACCEPTED and order.unit == org.squadron_a
    assert order.rejected_return_count == 1
    assert ReturnRequest.objects.get(pk=request.pk).status == RequestStatus.REJECTED

    services.work_order_assign_handler(actor=org.lead_a, order=order, person=org.person_a)
    services.work_order_contact(
        actor=org.officer_a,
        order=order,
        channel="phone",
        result="已联系,约定现场查看",
        contacted_at=t("2023-05-08 10:00"),
        recorded_at=t("2023-05-08 10:05"),
    )
    services.work_order_complete(
        actor=org.officer_a, order=order, reply="已清理违停车辆", result="solved", at=t("2023-05-09 15:00")
    )
    order.refresh_from_db()
    assert order.state == WorkOrder.State.COMPLETED and order.callback_due_at == t("2023-05-10 18:00")

    services.work_order_callback(
        actor=org.leader,
        order=order,
        reached=True,
        resolved=False,
        satisfaction="unsatisfied",
        comment="仍有车辆停放",
        at=t("2023-05-10 10:00"),
    )
    order.refresh_from_db()
    assert order.state == WorkOrder.State.HANDLING and order.reopen_count == 1
    assert order.completed_at is None and order.due_at == t(
        "2023-05-15 18:00"
    )  # 3 working days after reopening (11, 12, 15 May)

    services.work_order_complete(
        actor=org.officer_a, order=order, reply="已设置隔离桩", result="solved", at=t("2023-05-11 16:00")
    )
    services.work_order_callback(
        actor=org.leader, order=order, reached=True, resolved=True, satisfaction="satisfied", at=t("2023-05-12 09:00")
    )
    order.refresh_from_db()
    assert order.state == WorkOrder.State.CLOSED
    assert (order.callback_resolved, order.callback_satisfaction) == (True, "satisfied")

    assert events(order) == [
        "intake",
        "dispatch",
        "accept",
        "return_order",
        "reject_return",
        "assign_handler",
        "contact",
        "complete",
        "callback",
        "reopen",
        "complete",
        "callback",
        "close",
    ]
    logged = list(
        AuditLog.objects.filter(object_type="workorders.workorder", object_id=str(order.pk))
        .order_by("id")
        .values_list("event", flat=True)
    )
    assert logged == [f"workflow.workorder.{name}" for name in events(order)]
    timeline = selectors.order_timeline(order)
    assert [e.transition_label for e in timeline][:3] == ["受理", "派单", "签收"]
    assert timeline[-1].to_label == "已回访办结"


def test_two_level_dispatch_keeps_the_clock_and_each_leg_has_its_deadline(org, client):
    """支队 → 大队 (level 1) → 中队 (level 2): the brigade signs for its leg and dispatches it on; each
    leg has its own sign-for and handling deadlines; the order's clock never moves."""
    desk = make_user("zhidui", "leadership", org.detachment)  # the 支队's dispatcher
    order = services.work_order_intake(
        actor=desk,
        category=category("help"),
        content="国道货车侧滑占道,请求疏导",
        citizen_phone="13912345678",
        address="幸福路88号",
        received_at=t("2023-04-28 16:00"),
        intake_unit=org.detachment,
    ).order
    first = services.work_order_dispatch(actor=desk, order=order, unit=org.brigade, at=t("2023-04-28 17:00"))
    order.refresh_from_db()
    # 1 working hour on Friday, the May Day break skipped, the second hour on Thursday 4 May.
    assert order.response_due_at == t("2023-05-04 09:30")
    # 3 working days: 4 May, 5 May, Saturday 6 May (a 调休 workday).
    assert order.due_at == t("2023-05-06 18:00")
    assert (first.level, first.from_unit, first.to_unit) == (1, org.detachment, org.brigade)
    assert (first.sign_due_at, first.due_at) == (t("2023-05-04 09:30"), t("2023-05-06 18:00"))
    assert order.state == WorkOrder.State.DISPATCHED and order.unit == org.brigade

    # The brigade's leadership signs for it (the first 签收: what the response rate measures) …
    assert [i.order for i in mywork_section(org.leader, "sign", t("2023-05-04 08:40"))] == [order]
    services.work_order_accept(actor=org.leader, order=order, at=t("2023-05-04 09:00"))
    relay = mywork_section(org.leader, "dispatch", t("2023-05-04 09:10"))
    assert [(i.order, i.verb, i.due) for i in relay] == [(order, "待转派", t("2023-05-06 18:00"))]
    assert mywork_section(org.leader, "handle", t("2023-05-04 09:10")) == []
    # … and dispatches it on, with a deadline of its own: never later than the order's,
    with pytest.raises(ValidationError) as info:
        services.work_order_dispatch(
            actor=org.leader, order=order, unit=org.squadron_a, at=t("2023-05-04 10:00"), due_at=t("2023-05-08 18:00")
        )
    assert "due_at" in info.value.message_dict
    # only to a unit below it (the 支队 cannot pull it sideways while the brigade holds it),
    with pytest.raises(ValidationError) as info:
        services.work_order_dispatch(actor=desk, order=order, unit=org.detachment, at=t("2023-05-04 10:00"))
    assert "下级单位" in info.value.message_dict["unit"][0]
    second = services.work_order_dispatch(
        actor=org.leader, order=order, unit=org.squadron_a, at=t("2023-05-04 10:00"), due_at=t("2023-05-05 18:00")
    )
    assert (second.level, second.from_unit, second.to_unit) == (2, org.brigade, org.squadron_a)
    assert second.sign_due_at == t("2023-05-04 12:00")  # its own 2 working hours from 10:00
    assert second.due_at == t("2023-05-05 18:00")
    order.refresh_from_db()
    # The order's clock is where the first dispatch set it.
    assert (order.dispatched_at, order.response_due_at, order.due_at) == (
        t("2023-04-28 17:00"),
        t("2023-05-04 09:30"),
        t("2023-05-06 18:00"),
    )
    assert order.accepted_at == t("2023-05-04 09:00") and order.unit == org.squadron_a
    first.refresh_from_db()
    assert first.closed_at is None and first.accepted_at == t("2023-05-04 09:00")

    # The squadron signs for its leg by the leg's deadline (我的工作 sorts by it), then handles it
    # by the leg's own handling deadline.
    sign = mywork_section(org.lead_a, "sign", t("2023-05-04 10:30"))
    assert [(i.order, i.due) for i in sign] == [(order, t("2023-05-04 12:00"))]
    assert mywork_section(org.leader, "sign", t("2023-05-04 10:30")) == []
    with pytest.raises(TransitionNotAllowed) as denied:  # the brigade signs for its own leg only
        services.work_order_accept(actor=org.leader, order=order, at=t("2023-05-04 10:40"))
    assert denied.value.code == "guard"
    services.work_order_accept(actor=org.lead_a, order=order, at=t("2023-05-04 11:00"))
    second.refresh_from_db()
    order.refresh_from_db()
    assert second.accepted_at == t("2023-05-04 11:00") and order.accepted_at == t("2023-05-04 09:00")
    work = mywork_section(org.lead_a, "handle", t("2023-05-04 11:30"))
    assert [(i.order, i.due) for i in work] == [(order, t("2023-05-05 18:00"))]

    # The order page's 派单记录 shows both legs with their deadlines.
    client.force_login(org.leader)
    response = client.get(f"/workorders/{order.pk}/")
    assert not {"accept", "contact", "complete"} & {e["action"].key for e in response.context["panel"]}
    page = response.content.decode()
    legs = page[page.index('id="jw-wo-legs"') :]
    for leg, sign_due, due in ((first, "05-04 09:30", "05-06 18:00"), (second, "05-04 12:00", "05-05 18:00")):
        assert f'jw-wo-leg-sign-due" data-leg="{leg.pk}">{sign_due}<' in legs
        assert f'jw-wo-leg-due" data-leg="{leg.pk}">{due}<' in legs
    assert "第1级" in legs and "第2级" in legs
    assert events(order).count("dispatch") == 2 and events(order).count("accept") == 2


def mywork_section(user, key, now):
    from jingwu.workorders import mywork

    return {s.key: s for s in mywork.my_work(user, now)}[key].items


def test_complaint_limit_across_may_day_and_extension_without_self_approval(org):
    order = intake(org, code="complaint", at="2023-04-28 15:00")
    services.work_order_dispatch(actor=org.leader, order=order, unit=org.squadron_a, at=t("2023-04-28 16:00"))
    order.refresh_from_db()
    assert order.response_due_at == t("2023-04-28 18:00")
    assert order.due_at == t("2023-05-19 18:00")  # 13 working days, 6 May worked, 29 Apr – 3 May off

    # Someone who both handles (中队长) and approves (大队领导) may not approve their own request.
    both = grant(make_user("both", "unit_lead", org.squadron_a), "leadership", org.brigade)
    services.work_order_accept(actor=both, order=order, at=t("2023-05-04 09:00"))
    request = services.extension_request(
        actor=both, order=order, reason="需协调路政部门", new_due_at=t("2023-05-26 18:00"), at=t("2023-05-05 09:00")
    )
    before = events(order)
    with pytest.raises(TransitionNotAllowed) as info:
        services.extension_decide(actor=both, request=request, approve=True, at=t("2023-05-05 10:00"))
    assert info.value.code == "guard" and "本人" in info.value.message
    order.refresh_from_db()
    assert order.due_at == t("2023-05-19 18:00") and events(order) == before
    assert ExtensionRequest.objects.get(pk=request.pk).status == RequestStatus.PENDING

    services.extension_decide(actor=org.leader, request=request, approve=True, at=t("2023-05-05 10:00"))
    order.refresh_from_db()
    assert order.due_at == t("2023-05-26 18:00") and order.original_due_at == t("2023-05-19 18:00")
    assert events(order)[-1] == "approve_extension"


def test_suspension_moves_the_due_time_by_the_paused_working_time(org):
    order = intake(org, at="2023-04-28 15:00")
    services.work_order_dispatch(actor=org.leader, order=order, unit=org.squadron_a, at=t("2023-04-28 16:00"))
    services.work_order_accept(actor=org.lead_a, order=order, at=t("2023-04-28 16:30"))
    with pytest.raises(ValidationError) as info:  # a suspension says until when
        services.suspension_request(
            actor=org.lead_a, order=order, reason="诉求人出差,无法核实", at=t("2023-05-04 08:00")
        )
    assert "resume_by" in info.value.message_dict
    request = services.suspension_request(
        actor=org.lead_a,
        order=order,
        reason="诉求人出差,无法核实",
        resume_by=t("2023-05-05 09:00"),
        at=t("2023-05-04 08:00"),
    )
    asked = TransitionEvent.objects.filter(object_id=str(order.pk), transition="request_suspension").get()
    assert asked.payload["resume_by"] == t("2023-05-05 09:00").isoformat()
    with pytest.raises(TransitionNotAllowed):
        services.suspension_decide(  # no approve capability
            actor=org.lead_a, request=request, approve=True, at=t("2023-05-04 09:00")
        )
    services.suspension_decide(actor=org.leader, request=request, approve=True, at=t("2023-05-04 09:00"))
    order.refresh_from_db()
    # Paused 7 working hours (4 May 09:00 – 5 May 09:00): due 6 May 18:00 → Monday 8 May 18:00, the
    # deadline from the approval on.
    assert order.state == WorkOrder.State.SUSPENDED and order.due_at == t("2023-05-08 18:00")
    approved = TransitionEvent.objects.filter(object_id=str(order.pk), transition="approve_suspension").get()
    assert approved.payload["new_due_at"] == t("2023-05-08 18:00").isoformat()
    assert approved.payload["resume_by"] == t("2023-05-05 09:00").isoformat()
    services.work_order_resume(actor=org.lead_a, order=order, at=t("2023-05-05 09:00"))
    order.refresh_from_db()
    assert order.state == WorkOrder.State.HANDLING and order.due_at == t("2023-05-08 18:00")


def test_an_approved_suspension_resumes_by_itself_at_resume_by(org):
    from jingwu.core import jobs

    order = intake(org, at="2023-04-28 15:00")
    services.work_order_dispatch(actor=org.leader, order=order, unit=org.squadron_a, at=t("2023-04-28 16:00"))
    services.work_order_accept(actor=org.lead_a, order=order, at=t("2023-04-28 16:30"))
    request = services.suspension_request(
        actor=org.lead_a, order=order, reason="等待鉴定结论", resume_by=t("2023-05-05 09:00"), at=t("2023-05-04 08:00")
    )
    with pytest.raises(ValidationError) as info:  # the suspension would already be over
        services.suspension_decide(actor=org.leader, request=request, approve=True, at=t("2023-05-05 10:00"))
    assert "resume_by" in info.value.message_dict
    services.suspension_decide(actor=org.leader, request=request, approve=True, at=t("2023-05-04 09:00"))
    assert jobs.run("workorders.resume_suspended", now=t("2023-05-05 08:50")) == {"resumed": 0}
    assert jobs.run("workorders.resume_suspended", now=t("2023-05-05 09:05")) == {"resumed": 1}
    order.refresh_from_db()
    assert order.state == WorkOrder.State.HANDLING and order.due_at == t("2023-05-08 18:00")
    assert order.suspensions.get().resumed_at == t("2023-05-05 09:00")
    assert jobs.run("workorders.resume_suspended", now=t("2023-05-05 09:15")) == {"resumed": 0}


def test_deadlines_in_a_year_without_a_working_calendar_are_refused(org):
    """2027's calendar is not published (nor entered): a new deadline there is refused on its field."""
    order = intake(org, at="2023-04-28 15:00")
    services.work_order_dispatch(actor=org.leader, order=order, unit=org.squadron_a, at=t("2023-04-28 16:00"))
    services.work_order_accept(actor=org.lead_a, order=order, at=t("2023-04-28 16:30"))
    for call, field in [
        (
            lambda: services.extension_request(
                actor=org.lead_a, order=order, reason="需要调查", new_due_at=t("2099-01-05 18:00")
            ),
            "new_due_at",
        ),
        (
            lambda: services.suspension_request(
                actor=org.lead_a, order=order, reason="等待鉴定", resume_by=t("2099-01-05 18:00")
            ),
            "resume_by",
        ),
    ]:
        with pytest.raises(ValidationError) as info:
            call()
        assert field in info.value.message_dict and "2027" in info.value.message_dict[field][0]
    assert not order.extensions.exists() and not order.suspensions.exists()


def test_callback_by_the_handler_is_refused_and_three_failed_attempts_close_as_unreachable(org):
    order = intake(org)
    services.work_order_dispatch(actor=org.leader, order=order, unit=org.squadron_a, at=t("2023-05-08 09:10"))
    services.work_order_accept(actor=org.lead_a, order=order, at=t("2023-05-08 09:20"))
    services.work_order_contact(
        actor=org.lead_a,
        order=order,
        channel="visit",
        result="现场核实",
        contacted_at=t("2023-05-08 10:00"),
        recorded_at=t("2023-05-08 10:00"),
    )
    services.work_order_complete(
        actor=org.lead_a, order=order, reply="已处理", result="solved", at=t("2023-05-08 16:00")
    )
    with pytest.raises(TransitionNotAllowed) as info:
        services.work_order_callback(
            actor=org.lead_a, order=order, reached=True, resolved=True, satisfaction="satisfied"
        )
    assert info.value.code == "self_approval"
    for attempt in range(3):
        services.work_order_callback(actor=org.leader, order=order, reached=False, at=t(f"2023-05-09 1{attempt}:00"))
    order.refresh_from_db()
    assert order.state == WorkOrder.State.CLOSED and order.callback_reached is False
    assert order.callbacks.count() == 3 and order.callback_resolved is None


def test_denied_actions_change_nothing(org):
    order = intake(org)
    services.work_order_dispatch(actor=org.leader, order=order, unit=org.squadron_a, at=t("2023-05-08 09:10"))
    before = (events(order), AuditLog.objects.count())
    with pytest.raises(TransitionNotAllowed) as info:
        services.work_order_accept(actor=org.lead_b, order=order)  # another squadron
    assert info.value.code == "scope"
    with pytest.raises((TransitionNotAllowed, PermissionDenied)):
        services.work_order_dispatch(actor=org.officer_a, order=order, unit=org.squadron_b)
    with pytest.raises(ValidationError):
        services.work_order_return(actor=org.lead_a, order=order, reason_code="bogus", reason="x")
    order.refresh_from_db()
    assert order.state == WorkOrder.State.DISPATCHED and order.unit == org.squadron_a and order.return_count == 0
    assert (events(order), AuditLog.objects.count()) == before


def test_approved_return_goes_back_to_the_dispatcher_and_counts_as_a_bounce(org):
    order = intake(org)
    services.work_order_dispatch(actor=org.leader, order=order, unit=org.squadron_a, at=t("2023-05-08 09:10"))
    request = services.work_order_return(
        actor=org.lead_a, order=order, reason_code="not_our_area", reason="属乙中队辖区"
    )
    services.return_decide(actor=org.leader, request=request, approve=True)
    order.refresh_from_db()
    assert order.state == WorkOrder.State.RECEIVED and order.unit == org.brigade and order.return_count == 1
    services.work_order_dispatch(actor=org.leader, order=order, unit=org.squadron_b, at=t("2023-05-08 10:00"))
    order.refresh_from_db()
    assert order.response_due_at == t("2023-05-08 11:10")  # the clock did not restart
    assert order.due_at == t("2023-05-11 18:00")


def test_contact_without_a_time_is_recorded_now(org):
    """Regression: a contact sent with no explicit time was refused as "in the future"."""
    from django.utils import timezone

    order = intake(org, at="2023-05-08 09:00")
    services.work_order_dispatch(actor=org.leader, order=order, unit=org.squadron_a, at=t("2023-05-08 09:10"))
    services.work_order_accept(actor=org.lead_a, order=order, at=t("2023-05-08 09:30"))
    before = timezone.now()
    contact = services.work_order_contact(actor=org.lead_a, order=order, channel="phone", result="已联系")
    assert before <= contact.contacted_at <= timezone.now()


def test_an_order_waiting_for_dispatch_cannot_be_urged_or_appealed(org):
    from jingwu.core.workflow import available_transitions

    order = intake(org)
    names = {t.name for t in available_transitions(order, org.leader)}
    assert {"urge", "notice", "appeal"}.isdisjoint(names) and "dispatch" in names
    with pytest.raises(TransitionNotAllowed):
        services.work_order_urge(actor=org.leader, order=order, content="请抓紧办理")
    order.refresh_from_db()
    assert order.urge_count == 0 and "urge" not in events(order)
