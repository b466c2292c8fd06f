"""What one row and the sort headers of the work-order list show (rows are built in Python, not by
the template: the same cells, escaped, in the user's language)."""

from __future__ import annotations

import re

import pytest
from django.utils.text import add_truncation_text

from jingwu.workorders.models import WorkOrder

from .helpers import make_order, t

pytestmark = pytest.mark.django_db


def _row(html: str, number: str) -> str:
    match = re.search(rf'<tr data-number="{number}">(.*?)</tr>', html, re.S)
    assert match, number
    return match.group(1)


def test_a_row_shows_number_link_category_state_deadline_and_times(client, org):
    late = make_order(
        org.squadron_a,
        content="路灯不亮<script>alert(1)</script>" + "很长的内容" * 20,
        address="幸福路1号",
        received_at=t("2023-05-04 09:30"),
        due_at=t("2023-05-05 18:00"),
    )
    done = make_order(
        org.squadron_a,
        state=WorkOrder.State.CLOSED,
        completed_at=t("2023-05-06 10:00"),
        due_at=t("2023-05-08 18:00"),
        exempted=True,
    )
    client.force_login(org.leader)
    html = client.get("/workorders/").content.decode()

    row = _row(html, late.number)
    assert f'href="/workorders/{late.pk}/"' in row
    assert "<script>" not in row and "&lt;script&gt;" in row  # content is escaped
    assert "很长的内容" * 20 not in row and add_truncation_text("") + "<div" in row  # shortened, with the mark
    assert "幸福路1号" in row and "2023-05-04 09:30" in row and "2023-05-05 18:00" in row
    assert str(WorkOrder.State(late.state).label) in row
    assert 'data-state="overdue"' in row and ">超期</span>" in row
    assert "免考核" not in row

    # below md the stylesheet lays the same cells out as a card: the deadline cell stays shown there,
    # labelled (data-label), while the unit, received time and content columns are desktop-only
    due = re.search(r'<td class="small jw-wo-c-due" data-label="([^"]*)">([^<]*)</td>', row)
    assert due and due.group(1) == "办结时限" and due.group(2) == "2023-05-05 18:00"
    assert '<td class="jw-wo-c-state">' in row and 'class="small jw-wo-c-cat"' in row
    assert re.search(r'class="small text-muted d-lg-none text-truncate jw-wo-snippet">路灯不亮', row)

    other = _row(html, done.number)
    assert "免考核" in other and "已回访办结" in other
    assert 'data-state="met"' in other


def test_sort_headers_mark_the_current_order(client, org):
    make_order(org.squadron_a)
    client.force_login(org.leader)
    html = client.get("/workorders/?o=-due&state=dispatched").content.decode()
    due = re.search(r'<th scope="col"[^>]*><a class="jw-sort[^"]*" href="([^"]*)" data-sort="due">', html)
    assert due and 'aria-sort="descending"' in due.group(0) and "active" in due.group(0)
    assert "o=due" in due.group(1) and "state=dispatched" in due.group(1) and "&amp;" in due.group(1)
    number = re.search(r'<th scope="col"><a class="jw-sort" href="[^"]*o=number[^"]*" data-sort="number">', html)
    assert number, "an inactive column sorts ascending first"
    assert len(re.findall(r'class="d-none d-md-table-cell"[^>]*><a class="jw-sort', html)) == 3  # unit, received, due
