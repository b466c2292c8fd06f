"""Intake writes the order, its 受理 event and its audit row without re-reading what it wrote, and the
repeat search still finds only what the operator may see (the phone and address indexes first)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from jingwu.core import audit, workflow
from jingwu.core.models import AuditLog, TransitionEvent
from jingwu.core.workflow import TransitionNotAllowed
from jingwu.workorders import services
from jingwu.workorders.models import WorkOrder

from .helpers import category, make_order, t

pytestmark = pytest.mark.django_db


def intake(org, **extra):
    fields = {
        "actor": org.leader,
        "category": category("help"),
        "content": "幸福小区门口机动车乱停放堵塞通道",
        "citizen_phone": "13900000001",
        "address": "幸福路88号",
        "received_at": t("2023-05-08 09:00"),
        "intake_unit": org.brigade,
        **extra,
    }
    return services.work_order_intake(**fields)


def test_intake_event_and_audit_row(org):
    with CaptureQueriesContext(connection) as queries:
        order = intake(org, source_number="12345-0001", source=WorkOrder.Source.HOTLINE).order
    event = TransitionEvent.objects.get(object_id=str(order.pk))
    assert (event.object_type, event.transition, event.from_state, event.to_state) == (
        "workorders.workorder",
        "intake",
        "received",
        "received",
    )
    assert event.actor == org.leader
    assert event.payload == {"source": "hotline_import", "source_number": "12345-0001", "category": "help"}
    log = AuditLog.objects.get(event="workflow.workorder.intake")
    assert log.object_id == str(order.pk) and log.object_repr == f"{order.number} {category('help').name}"
    assert log.changes == {
        "state": ["received", "received"],
        "reason": "",
        "payload": {"source": "hotline_import", "source_number": "12345-0001", "category": "help"},
        "event": event.pk,
    }
    assert audit.verify() == []
    order_sql = [q["sql"] for q in queries.captured_queries if "workorders_workorder" in q["sql"]]
    # one INSERT of the order, then only the repeat search (ids by phone/address; nothing matched)
    assert [q.split()[0] for q in order_sql] == ["INSERT", "SELECT"]
    assert WorkOrder.objects.get(pk=order.pk).state == WorkOrder.State.RECEIVED


def test_later_transitions_still_lock_and_check(org):
    order = intake(org).order
    stale = WorkOrder.objects.get(pk=order.pk)
    services.work_order_dispatch(actor=org.leader, order=order, unit=org.squadron_a)
    with pytest.raises(TransitionNotAllowed) as info:  # a copy loaded before the dispatch: refused
        workflow.perform(stale, "intake", actor=org.leader)
    assert info.value.code == "stale"
    assert WorkOrder.objects.get(pk=order.pk).state == WorkOrder.State.DISPATCHED


def test_repeat_search_finds_visible_matches_only(org):
    first = intake(org).order
    other_squadron = make_order(org.squadron_b, received_at=t("2023-05-07 09:00"))
    WorkOrder.objects.filter(pk=other_squadron.pk).update(phone_index=first.phone_index)
    merged = intake(org, content="幸福小区门口机动车乱停放", received_at=t("2023-05-08 10:00")).order
    WorkOrder.objects.filter(pk=merged.pk).update(state=WorkOrder.State.MERGED, merged_into=first)

    # 甲中队's lead sees neither the brigade's orders nor 乙中队's: nothing to show
    assert intake(org, actor=org.lead_a, intake_unit=org.squadron_a).candidates == []
    by_leader = intake(org, received_at=t("2023-05-09 09:00")).candidates
    found = {(c.order.pk, c.reason) for c in by_leader}
    assert (first.pk, "phone") in found and (other_squadron.pk, "phone") in found
    assert merged.pk not in {pk for pk, _ in found}  # merged orders are never offered


def test_the_intake_step_is_dated_when_the_demand_came_in_and_later_steps_when_recorded(org):
    order = intake(org, received_at=t("2023-05-08 09:00")).order  # e.g. a 12345 order imported days later
    services.work_order_dispatch(actor=org.leader, order=order, unit=org.squadron_a)
    events = list(TransitionEvent.objects.filter(object_id=str(order.pk)).order_by("occurred_at", "id"))
    assert [e.transition for e in events] == ["intake", "dispatch"]
    assert events[0].occurred_at == t("2023-05-08 09:00")
    assert events[1].occurred_at > events[0].occurred_at  # recorded now: never before the intake
    assert AuditLog.objects.filter(event="workflow.workorder.intake").latest("id").occurred_at > events[0].occurred_at


def test_numbers_have_room_for_a_busy_day_and_a_collision_saves_nothing(org, monkeypatch):
    from django.core.exceptions import ValidationError

    from jingwu.workorders.services import intake as intake_module

    first = intake(org).order
    assert first.number.startswith("GD20230508") and len(first.number) == 22  # 12 random hex digits
    counts = (WorkOrder.objects.count(), TransitionEvent.objects.count(), AuditLog.objects.count())
    monkeypatch.setattr(intake_module, "_number", lambda received_at: first.number)
    with pytest.raises(ValidationError) as info:
        intake(org, content="另一件诉求", citizen_phone="13900000002")
    assert "__all__" in info.value.message_dict and "工单号" in info.value.message_dict["__all__"][0]
    assert (WorkOrder.objects.count(), TransitionEvent.objects.count(), AuditLog.objects.count()) == counts
    monkeypatch.undo()
    intake(org, source_number="S-1", source=WorkOrder.Source.HOTLINE, citizen_phone="13900000003")
    with pytest.raises(ValidationError) as info:  # a known source number still says so
        intake(org, source_number="S-1", source=WorkOrder.Source.HOTLINE, citizen_phone="13900000004")
    assert "source_number" in info.value.message_dict


def test_the_citizens_name_and_phone_are_encrypted_at_rest_and_masked_when_shown(org):
    order = intake(org, citizen_name="王秀英", citizen_phone="13900000009").order
    with connection.cursor() as cursor:
        cursor.execute("SELECT citizen_name, citizen_phone FROM workorders_workorder WHERE id = %s", [order.pk])
        name, phone = cursor.fetchone()
    assert name.startswith("sm4g1:") and "王" not in name
    assert phone.startswith("sm4g1:") and "13900000009" not in phone
    stored = WorkOrder.objects.get(pk=order.pk)
    assert (stored.citizen_name, stored.masked_name) == ("王秀英", "王**")
    assert stored.masked_phone == "139****0009"
