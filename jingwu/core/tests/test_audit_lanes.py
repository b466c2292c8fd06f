"""Audit lanes: concurrent writers spread over the chain heads instead of queueing behind one."""

from __future__ import annotations

import contextlib
import threading

import pytest
from django.db import connection, transaction

from jingwu.core import audit
from jingwu.core.models import AuditLane, AuditLog


@pytest.mark.django_db
def test_a_writer_keeps_its_lane_across_transactions():
    for i in range(5):
        with transaction.atomic():
            audit.record("test.lane", object_type="test.thing", object_id=str(i))
            audit.record("test.lane.second", object_type="test.thing", object_id=str(i))
    lanes = set(AuditLog.objects.filter(event__startswith="test.lane").values_list("lane", flat=True))
    assert lanes == {audit._lane_for_writer()}
    assert AuditLane.objects.count() == 1
    assert audit.verify() == []


@pytest.mark.django_db(transaction=True)
def test_writers_holding_their_transactions_open_at_once_each_get_their_own_lane():
    """Four writers that all start from the same lane and keep their transactions open until every
    one has written: on PostgreSQL none waits for another (a 2 s lock timeout would fail it) and
    they end on four different lanes. SQLite serialises writers, so there they take turns."""
    writers = 4
    holding = threading.Barrier(writers) if connection.vendor == "postgresql" else None
    turns = threading.Lock() if holding is None else contextlib.nullcontext()
    lanes: dict[int, int] = {}
    errors: list[str] = []

    def writer(t: int) -> None:
        try:
            audit._writer.lane = 0  # every writer would first try the same lane
            with turns, transaction.atomic():
                if holding is not None:
                    with connection.cursor() as cursor:
                        cursor.execute("SET LOCAL lock_timeout = '2s'")
                row = audit.record("test.parallel", object_type="test.thread", object_id=str(t))
                lanes[t] = row.lane
                if holding is not None:
                    holding.wait(timeout=10)  # every writer holds its lane here at the same time
        except Exception as exc:  # any failure must fail the test, with its cause
            errors.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=writer, args=(t,)) for t in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert AuditLog.objects.filter(event="test.parallel").count() == writers
    if holding is not None:
        assert len(set(lanes.values())) == writers
    assert audit.verify() == []
