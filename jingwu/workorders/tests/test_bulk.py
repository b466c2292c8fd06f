"""``jingwu demo --orders``: generated work orders carry a consistent history and realistic figures."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from jingwu.core.metrics import compute
from jingwu.core.metrics.compute import SYSTEM
from jingwu.core.models import AuditLog, TransitionEvent
from jingwu.org import demo as org_demo
from jingwu.org.models import Unit, User
from jingwu.testing.fixtures import rolled_back
from jingwu.workorders import bulk
from jingwu.workorders.models import Assignment, ReturnRequest, WorkOrder

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def generated(django_db_setup, django_db_blocker):
    with rolled_back(django_db_blocker):
        org_demo.load(seed=3)
        yield bulk.generate(orders=2500, years=1, seed=5)


def _generated():
    return WorkOrder.objects.filter(number__startswith=bulk.MARK)


def test_orders_spread_over_every_squadron_with_a_consistent_timeline(generated):
    orders = list(_generated())
    assert len(orders) == 2500 == generated["orders"]
    units = {o.unit_id for o in orders}
    squadrons = Unit.objects.filter(kind__in=[Unit.Kind.SQUADRON, Unit.Kind.OFFICE], depth__gt=0)
    assert len(units) > 0.8 * squadrons.count()
    events: dict[str, list[TransitionEvent]] = {}
    for event in TransitionEvent.objects.filter(object_type="workorders.workorder").order_by("occurred_at", "id"):
        events.setdefault(event.object_id, []).append(event)
    for order in orders:
        mine = events[str(order.pk)]
        assert mine[0].transition == "intake"
        for before, after in zip(mine, mine[1:], strict=False):  # each step starts where the last ended
            assert after.from_state == before.to_state, (order.number, before.transition, after.transition)
        assert mine[-1].to_state == order.state
        assert order.received_at <= order.dispatched_at
        if order.state == WorkOrder.State.CLOSED:
            assert mine[-1].transition == "close"
            assert order.completions.count() == 1 + order.reopen_count
            assert order.callbacks.filter(reached=True).exists()
            assert order.completed_at <= order.called_back_at
    open_legs = Assignment.objects.filter(order__number__startswith=bulk.MARK, closed_at__isnull=True)
    assert open_legs.count() == 2500  # one current lead leg each; returned legs are closed
    returned = _generated().filter(return_count__gt=0)
    assert returned.exists()
    for order in returned:
        assert ReturnRequest.objects.filter(order=order).count() == order.return_count


def test_figures_are_those_of_real_work(generated):
    detachment = Unit.objects.get(code=org_demo.DETACHMENT_CODE)  # every brigade's orders
    end = bulk._first_of_month().date()
    start = end.replace(year=end.year - 1)
    figures = {
        name: compute(f"workorders.{name}", detachment, start.isoformat(), end.isoformat(), user=SYSTEM)
        for name in ("response_rate", "resolution_rate", "satisfaction_rate", "overdue", "completed")
    }
    assert 0.9 < figures["response_rate"].value < 1  # ~2 % signed for late
    assert 0.95 < figures["resolution_rate"].value <= 1
    assert 0.9 < figures["satisfaction_rate"].value < 1
    assert 0 < figures["overdue"].value < 0.1 * figures["completed"].value


def test_running_again_appends_only_what_is_missing(generated):
    assert bulk.generate(orders=2500, years=1)["orders"] == 0
    out = io.StringIO()
    call_command("demo", "--no-serve", "--orders", "2600", "--years", "1", stdout=out)
    assert _generated().count() == 2600
    assert "2,500 → 2,600" in out.getvalue()
    numbers = list(_generated().values_list("number", flat=True))
    assert len(numbers) == len(set(numbers))
    assert AuditLog.objects.filter(event="workorders.bulk.load").count() == 2
    # the accounts acting in the history cannot log in
    assert not any(u.has_usable_password() for u in User.objects.filter(username__startswith="wo_desk_"))


def test_a_generated_order_opens_with_its_timeline(generated, client):
    order = _generated().filter(state=WorkOrder.State.CLOSED).first()
    leader = User.objects.get(username="leader")
    client.force_login(leader)
    page = client.get(f"/workorders/{order.pk}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert order.number in text and "派单" in text and "回访" in text
