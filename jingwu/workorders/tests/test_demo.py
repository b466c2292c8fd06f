"""The 接诉即办 demo: the brief's January–April figures, later imperfections, open work for the demo logins."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from jingwu.core.metrics import compute
from jingwu.core.metrics.compute import SYSTEM
from jingwu.core.models import TransitionEvent
from jingwu.org import demo as org_demo
from jingwu.org.models import Unit, User
from jingwu.testing.fixtures import rolled_back
from jingwu.workorders import demo, mywork
from jingwu.workorders.models import Assignment, ReturnRequest, WorkOrder

pytestmark = pytest.mark.django_db


# The demo builds 2026 up to a week before "now" and open orders from "now": load it, and run the
# module, at a fixed date, so the test does not depend on today's date (its open orders' deadlines
# must stay in a year the working calendar covers; late December would reach 2027).
DEMO_NOW = datetime(2026, 11, 20, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture(scope="module")
def loaded(django_db_setup, django_db_blocker):
    """Load once for the module (the demo takes a few seconds); rolled back at the end."""
    with time_machine.travel(DEMO_NOW, tick=True), rolled_back(django_db_blocker):
        org_demo.load(seed=3)
        yield demo.load(seed=3)


def brigade() -> Unit:
    return Unit.objects.get(code=org_demo.BRIGADE_CODE)


def figure(name: str, start: str, end: str):
    return compute(f"workorders.{name}", brigade(), start, end, user=SYSTEM)


def test_january_to_april_reproduce_the_brief(loaded):
    assert figure("completed", "2026-01-01", "2026-04-30").value == 256
    for rate in ("response_rate", "resolution_rate", "satisfaction_rate"):
        f = figure(rate, "2026-01-01", "2026-04-30")
        assert f.denominator == 256 and f.value == 1, (rate, f)
    assert figure("overdue", "2026-01-01", "2026-04-30").value == 0
    assert figure("shirked", "2026-01-01", "2026-04-30").value == 0


def test_later_months_carry_the_imperfections_of_real_work(loaded):
    b = brigade()
    later = WorkOrder.objects.filter(unit__path__startswith=b.path, dispatched_at__date__gte="2026-05-01")
    assert 80 * 4 <= later.count() <= 130 * 7  # about 80–120 a month from May on
    assert figure("overdue", "2026-05-01", "2026-10-31").value >= 1
    assert figure("shirked", "2026-05-01", "2026-10-31").value >= 1
    assert figure("response_rate", "2026-05-01", "2026-10-31").value < 1
    assert figure("satisfaction_rate", "2026-05-01", "2026-10-31").value < 1
    reopened = later.filter(reopen_count__gte=1, state=WorkOrder.State.CLOSED, callback_satisfaction="satisfied")
    assert reopened.exists()
    order = reopened.first()
    assert order is not None
    steps = list(
        TransitionEvent.objects.filter(object_type="workorders.workorder", object_id=str(order.pk))
        .order_by("occurred_at", "id")
        .values_list("transition", "from_state", "to_state", "payload")
    )
    names = [s[0] for s in steps]
    assert names.index("reopen") < len(names) - 1 and names[-2:] == ["callback", "close"]
    assert ("reopen", "completed", "handling") in [s[:3] for s in steps]
    unsatisfied = [s for s in steps if s[0] == "callback" and s[3]["satisfaction"] == "unsatisfied"]
    assert unsatisfied  # the first callback was 不满意
    assert later.filter(exempted=True).count() == 2
    assert ReturnRequest.objects.filter(order__in=later, status="rejected").count() == 1


def test_every_order_has_a_consistent_history(loaded):
    b = brigade()
    closed = WorkOrder.objects.filter(unit__path__startswith=b.path, state=WorkOrder.State.CLOSED)
    assert closed.count() > 800
    for order in closed:  # every one, so a rare ordering slip cannot hide behind a random sample
        events = list(
            TransitionEvent.objects.filter(object_type="workorders.workorder", object_id=str(order.pk)).order_by(
                "occurred_at", "id"
            )
        )
        assert events[0].transition == "intake" and events[-1].transition == "close"
        for before, after in zip(events, events[1:], strict=False):  # each step starts where the last ended
            assert after.from_state == before.to_state
        assert events[-1].to_state == order.state
        assert order.completions.exists() and order.callbacks.exists()
        assert Assignment.objects.filter(order=order, closed_at__isnull=True).count() == 1
        if order.accepted_at and order.response_due_at and order.accepted_at <= order.response_due_at:
            assert order.first_contact_at is not None


def test_open_orders_are_in_the_demo_logins_work(loaded):
    lead = User.objects.get(username="lead")
    officer = User.objects.get(username="officer")
    b = brigade()
    open_orders = WorkOrder.objects.filter(unit__path__startswith=b.path).open()
    assert 8 <= open_orders.count() <= 12
    visible = WorkOrder.objects.visible_to(lead).open()
    assert visible.filter(state=WorkOrder.State.DISPATCHED).exists()  # awaiting 签收
    assert visible.filter(state=WorkOrder.State.HANDLING).exists()
    assert WorkOrder.objects.visible_to(officer).filter(state=WorkOrder.State.HANDLING).exists()
    assert WorkOrder.objects.filter(unit__path__startswith=b.path, state=WorkOrder.State.COMPLETED).exists()
    assert ReturnRequest.objects.filter(status="pending", order__unit__path__startswith=b.path).exists()


def test_loading_twice_adds_nothing(loaded):
    assert loaded["workorders_created"] > 800
    before = (WorkOrder.objects.count(), TransitionEvent.objects.count())
    again = demo.load(seed=3)
    assert again["workorders_created"] == 0
    assert (WorkOrder.objects.count(), TransitionEvent.objects.count()) == before


def test_the_demo_shows_assisting_work_both_ways(loaded):
    lead = User.objects.get(username="lead")
    tasks = {s.key: s for s in mywork.my_work(lead)}["assist"].items
    assert [t.verb for t in tasks] == ["协办待签收"]  # another squadron's order, assisted by 耳字壕中队
    assert tasks[0].order.unit != lead.person.unit
    answered = Assignment.objects.filter(role="assist", done_at__isnull=False).select_related("order")
    assert answered.count() == 1 and answered[0].order.unit == lead.person.unit and answered[0].reply


def test_the_demo_has_two_level_orders_and_routing_rules(loaded):
    from jingwu.workorders import services
    from jingwu.workorders.models import RoutingRule

    b = brigade()
    dispatcher, leader, lead = (User.objects.get(username=u) for u in ("dispatcher", "leader", "lead"))
    detachment = Unit.objects.get(code=org_demo.DETACHMENT_CODE)
    two_level = WorkOrder.objects.filter(intake_unit=detachment)
    assert two_level.count() == 3
    for order in two_level:
        first = order.legs.get(level=1)
        assert (first.from_unit, first.to_unit, first.due_at) == (detachment, b, order.due_at)
        second = order.legs.filter(level=2).first()
        if second is not None:  # dispatched on by the brigade, with its own deadlines
            assert second.from_unit == b and first.accepted_at is not None
            assert second.sign_due_at >= first.sign_due_at and second.due_at <= order.due_at
    # the leader signs for what the 支队 sent; the lead signs for the brigade's leg by its deadline
    sign = {s.key: s for s in mywork.my_work(leader)}["sign"].items
    assert [i.order.intake_unit for i in sign] == [detachment]
    lead_sign = {s.key: s for s in mywork.my_work(lead)}["sign"].items
    onward = next(i for i in lead_sign if i.order.intake_unit == detachment)
    assert onward.due == onward.order.legs.get(level=2).sign_due_at  # the current leg's, not the order's
    assert [i.due for i in lead_sign] == sorted(i.due for i in lead_sign)
    # routing rules for the brigade's towns: 按派单规则派单 works on the order awaiting 派单
    assert RoutingRule.objects.filter(unit__path__startswith=b.path, active=True).count() >= 10
    waiting = WorkOrder.objects.get(unit=b, state=WorkOrder.State.RECEIVED)
    assert services.route_for(waiting, leader).unit.name == "耳字壕中队"
    at_detachment = WorkOrder(category=waiting.category, address=waiting.address, unit=detachment)
    assert services.route_for(at_detachment, dispatcher).unit == b  # the 支队's rule: nearest level first


def test_demo_hotline_orders_belong_to_the_12345_platform(loaded):
    """Re-importing a demo order's 12345 number finds it: the platform is part of the key."""
    hotline = WorkOrder.objects.filter(source=WorkOrder.Source.HOTLINE)
    assert hotline.exists()
    assert set(hotline.values_list("source_platform", flat=True)) == {"12345"}
