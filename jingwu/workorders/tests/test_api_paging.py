"""The API's order pages, newest first, are read from the last month's orders when those fill the
page (``paging.OrderPagination``): the same pages, in the same order, with the exact count, as
reading every order; and the whole list when they do not fill it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from jingwu.workorders.models import WorkOrder

from .helpers import make_order

pytestmark = pytest.mark.django_db


def _numbers(client, url: str) -> tuple[int, list[str]]:  # noqa: ANN001
    body = client.get(url).json()
    return body["count"], [row["number"] for row in body["results"]]


def test_pages_are_the_same_as_reading_every_order(client, org):
    now = timezone.now()
    for days in (1, 2, 3, 5, 8, 13, 40, 41, 70, 400):  # six in the last month, four before
        make_order(org.squadron_a, received_at=now - timedelta(days=days))
    expected = list(WorkOrder.objects.order_by("-received_at", "pk").values_list("number", flat=True))
    client.force_login(org.leader)
    pages = [_numbers(client, f"/api/v1/workorders/orders/?page_size=4&page={n}") for n in (1, 2, 3)]
    assert [count for count, _ in pages] == [10, 10, 10]
    assert [number for _, rows in pages for number in rows] == expected
    oldest_first = _numbers(client, "/api/v1/workorders/orders/?ordering=received_at&page_size=4")[1]
    assert oldest_first == expected[::-1][:4]


def test_first_page_reads_only_the_last_month(client, org):
    now = timezone.now()
    for days in range(1, 6):
        make_order(org.squadron_a, received_at=now - timedelta(days=days))
    make_order(org.squadron_a, received_at=now - timedelta(days=90))
    client.force_login(org.leader)
    with CaptureQueriesContext(connection) as queries:
        count, rows = _numbers(client, "/api/v1/workorders/orders/?page_size=5")
    assert count == 6 and len(rows) == 5
    pages = [q["sql"] for q in queries.captured_queries if "LIMIT 5" in q["sql"] and "workorders_workorder" in q["sql"]]
    assert len(pages) == 1 and 'received_at" >=' in pages[0]
