"""签收提醒与超时上报: unsigned dispatch legs (主办 and 协办) are reminded once at the configured share of
their sign-for limit, counted on the working calendar, then escalated once to the dispatcher."""

from __future__ import annotations

import pytest

from jingwu.core import jobs
from jingwu.core.models import AuditLog, Notification, TransitionEvent
from jingwu.workorders import services
from jingwu.workorders.models import Assignment, WorkOrder

from .helpers import category, t

pytestmark = pytest.mark.django_db


def dispatched(org, at: str, unit=None, code: str = "help") -> WorkOrder:
    order = services.work_order_intake(
        actor=org.leader,
        category=category(code),
        content="路口信号灯损坏",
        citizen_phone="13912345678",
        received_at=t(at),
        intake_unit=org.brigade,
    ).order
    services.work_order_dispatch(actor=org.leader, order=order, unit=unit or org.squadron_a, at=t(at))
    order.refresh_from_db()
    return order


def notified(kind: str) -> list[str]:
    return sorted(Notification.objects.filter(kind=kind).values_list("recipient__username", flat=True))


def events(order: WorkOrder, name: str) -> int:
    return TransitionEvent.objects.filter(object_id=str(order.pk), transition=name).count()


def test_unsigned_leg_is_reminded_once_then_escalated_once_to_the_dispatcher(org):
    order = dispatched(org, "2023-05-04 09:00")  # 求助: sign for within 2 working hours → 11:00
    leg = order.legs.get()
    assert leg.sign_due_at == t("2023-05-04 11:00")

    assert services.sign_watch(t("2023-05-04 09:40")) == {"reminded": 0, "escalated": 0}  # a third of it
    assert services.sign_watch(t("2023-05-04 10:00")) == {"reminded": 1, "escalated": 0}  # half
    assert services.sign_watch(t("2023-05-04 10:30")) == {"reminded": 0, "escalated": 0}  # only once
    assert notified("workorders.sign_remind") == ["lead_a"]  # who signs for squadron A; not the officer
    assert notified("workorders.sign_overdue") == []
    leg.refresh_from_db()
    assert leg.reminded_at == t("2023-05-04 10:00") and leg.escalated_at is None

    assert services.sign_watch(t("2023-05-04 11:00")) == {"reminded": 0, "escalated": 1}
    assert services.sign_watch(t("2023-05-04 11:10")) == {"reminded": 0, "escalated": 0}  # idempotent
    assert services.sign_watch(t("2023-05-05 09:00")) == {"reminded": 0, "escalated": 0}
    assert notified("workorders.sign_overdue") == ["leader"]  # the dispatcher over the brigade
    order.refresh_from_db()
    leg.refresh_from_db()
    assert leg.escalated_at == t("2023-05-04 11:00")
    assert order.sign_overdue_count == 1 and order.state == WorkOrder.State.DISPATCHED
    assert events(order, "sign_remind") == 1 and events(order, "sign_overdue") == 1
    assert AuditLog.objects.filter(event="workflow.workorder.sign_overdue", object_id=str(order.pk)).count() == 1
    body = Notification.objects.get(kind="workorders.sign_overdue").body
    assert "甲中队" in body and order.number in body


def test_the_escalation_shows_on_the_timeline_and_in_the_counts(client, org):
    order = dispatched(org, "2023-05-04 09:00")
    services.sign_watch(t("2023-05-04 11:30"))
    client.force_login(org.leader)
    page = client.get(f"/workorders/{order.pk}/").content.decode()
    assert "签收超时 1" in page and "签收超时上报" in page


def test_a_signed_leg_is_left_alone(org):
    order = dispatched(org, "2023-05-04 09:00")
    services.work_order_accept(actor=org.lead_a, order=order, at=t("2023-05-04 09:30"))
    assert services.sign_watch(t("2023-05-04 12:00")) == {"reminded": 0, "escalated": 0}
    assert not Notification.objects.filter(kind__startswith="workorders.sign_").exists()


def test_a_pending_return_waits_for_the_dispatcher_not_for_a_sign_for(org):
    order = dispatched(org, "2023-05-04 09:00")
    services.work_order_return(
        actor=org.lead_a, order=order, reason_code="not_our_duty", reason="非本中队辖区", at=t("2023-05-04 09:10")
    )
    assert services.sign_watch(t("2023-05-04 12:00")) == {"reminded": 0, "escalated": 0}


def test_the_limit_is_counted_on_the_working_calendar_across_may_day(org):
    # Friday 28 April 2023, 17:00: one working hour that day, then 29 April – 3 May is the holiday,
    # so the two working hours end on Thursday 4 May at 09:30.
    order = dispatched(org, "2023-04-28 17:00")
    leg = order.legs.get()
    assert leg.sign_due_at == t("2023-05-04 09:30")
    assert services.sign_watch(t("2023-04-28 17:20")) == {"reminded": 0, "escalated": 0}
    # Days later in clock time, but only half the working time has passed: reminded, not escalated.
    assert services.sign_watch(t("2023-05-02 10:00")) == {"reminded": 1, "escalated": 0}
    assert services.sign_watch(t("2023-05-04 09:00")) == {"reminded": 0, "escalated": 0}
    assert services.sign_watch(t("2023-05-04 09:31")) == {"reminded": 0, "escalated": 1}


def test_the_share_is_configurable(org, settings):
    settings.WORKORDERS_SIGN_REMIND_SHARE = 0.75
    dispatched(org, "2023-05-04 09:00")
    assert services.sign_watch(t("2023-05-04 10:15")) == {"reminded": 0, "escalated": 0}
    assert services.sign_watch(t("2023-05-04 10:31")) == {"reminded": 1, "escalated": 0}


def test_a_natural_hour_limit_counts_clock_time(org):
    order = dispatched(org, "2023-05-04 17:50", code="urgent_help")  # 紧急求助: within 1 hour
    assert order.legs.get().sign_due_at == t("2023-05-04 18:50")
    assert services.sign_watch(t("2023-05-04 18:20")) == {"reminded": 1, "escalated": 0}
    assert services.sign_watch(t("2023-05-04 18:51")) == {"reminded": 0, "escalated": 1}


def test_an_unsigned_assist_leg_reminds_its_unit_and_escalates_to_the_dispatcher_of_the_order(org):
    order = dispatched(org, "2023-05-04 09:00")
    services.work_order_accept(actor=org.lead_a, order=order, at=t("2023-05-04 09:10"))
    leg = services.work_order_assist(
        actor=org.leader, order=order, unit=org.squadron_b, task="协助调取监控", at=t("2023-05-04 09:20")
    )
    assert services.sign_watch(t("2023-05-04 10:30")) == {"reminded": 1, "escalated": 0}
    assert notified("workorders.sign_remind") == ["lead_b"]
    assert services.sign_watch(t("2023-05-04 11:30")) == {"reminded": 0, "escalated": 1}
    # the leg comes from where the lead leg came from (the brigade's dispatcher), not from squadron A
    assert notified("workorders.sign_overdue") == ["leader"]
    leg.refresh_from_db()
    assert leg.escalated_at == t("2023-05-04 11:30")
    order.refresh_from_db()
    assert order.sign_overdue_count == 1 and order.state == WorkOrder.State.ACCEPTED


def test_the_periodic_job_runs_the_watch(org):
    order = dispatched(org, "2023-05-04 09:00")
    job = jobs.get("workorders.sign_watch")
    assert job.every is not None
    assert jobs.run("workorders.sign_watch", now=t("2023-05-04 11:05")) == {"reminded": 0, "escalated": 1}
    assert jobs.run("workorders.sign_watch", now=t("2023-05-04 11:15")) == {"reminded": 0, "escalated": 0}
    assert Assignment.objects.get(order=order).escalated_at == t("2023-05-04 11:05")
