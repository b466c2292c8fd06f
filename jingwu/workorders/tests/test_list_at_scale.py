"""The work-order list stays cheap on a province's data: bounded count when unfiltered, a unit picker
that does not list every unit, rows that read only what they show, the category tree cached."""

from __future__ import annotations

import re

import pytest

from jingwu.testing.factories import make_unit
from jingwu.workorders import filters
from jingwu.workorders.models import Category, WorkOrder
from jingwu.workorders.views import pages

from .helpers import make_order, t

pytestmark = pytest.mark.django_db


def _options(html: str) -> list[str]:
    select = re.search(r'<select[^>]*name="unit".*?</select>', html, re.S)
    assert select, "unit picker missing"
    return [label.strip("\u3000") for label in re.findall(r"<option [^>]*>([^<]*)</option>", select.group(0))]


def test_unfiltered_list_counts_up_to_the_cap_and_a_filtered_one_exactly(client, org, monkeypatch):
    monkeypatch.setattr(pages, "COUNT_CAP", 3)
    for _ in range(5):
        make_order(org.squadron_a)
    make_order(org.squadron_b, state=WorkOrder.State.CLOSED, completed_at=t("2023-05-06 10:00"))
    client.force_login(org.leader)

    html = client.get("/workorders/").content.decode()
    assert "共 3+ 件" in html

    response = client.get(f"/workorders/?unit={org.squadron_a.pk}")
    assert "共 5 件" in response.content.decode()
    assert response.context["page"].paginator.count == 5
    assert "共 1 件" in client.get("/workorders/?state=closed").content.decode()


def test_capped_pager_offers_next_but_no_last_page(client, org, monkeypatch):
    monkeypatch.setattr(pages, "COUNT_CAP", 25)
    monkeypatch.setattr(pages, "PAGE_SIZE", 10)
    for _ in range(30):
        make_order(org.squadron_a)
    client.force_login(org.leader)
    html = client.get("/workorders/").content.decode()
    assert "共 25+ 条" in html and 'rel="next"' in html and "末页" not in html
    exact = client.get(f"/workorders/?unit={org.squadron_a.pk}").content.decode()
    assert "共 30 条" in exact and "末页" in exact


def test_rows_show_their_values_without_decrypting_the_phone(client, org):
    order = make_order(
        org.squadron_a,
        content="路口信号灯损坏" * 10,
        address="幸福路1号",
        citizen_phone="13912345678",
        due_at=t("2023-05-10 18:00"),
    )
    client.force_login(org.leader)
    response = client.get("/workorders/")
    shown = response.context["page"].object_list[0]
    assert "citizen_phone" in shown.get_deferred_fields()
    html = response.content.decode()
    assert f'href="/workorders/{order.pk}/"' in html
    assert "2023-05-04 08:30" in html and "2023-05-10 18:00" in html  # received and due, Beijing time
    row = html[html.index("<tbody>") : html.index("</tbody>")]
    assert "路口信号灯损坏" in row and "路口信号灯损坏" * 10 not in row  # long content cut
    assert 'data-state="overdue"' in html  # the fixture's deadline is long past
    assert "甲中队" in html


def test_a_big_scope_lists_the_top_levels_and_the_chosen_units_lineage(client, org, monkeypatch):
    group = make_unit(org.squadron_a, "150621000101", "甲一组")
    make_order(group, content="组内工单")
    monkeypatch.setattr(filters, "UNIT_PICKER_LIMIT", 2)
    client.force_login(org.leader)

    options = _options(client.get("/workorders/").content.decode())
    assert options == ["全部单位", "测试大队", "甲中队", "乙中队"]

    response = client.get(f"/workorders/?unit={org.squadron_a.pk}")
    assert _options(response.content.decode()) == ["全部单位", "测试大队", "甲中队", "甲一组", "乙中队"]

    # a unit not listed is still a valid filter (bookmarks, links from figures)
    response = client.get(f"/workorders/?unit={group.pk}")
    assert [o.content for o in response.context["page"].object_list] == ["组内工单"]
    assert "甲一组" in _options(response.content.decode())


def test_small_scope_lists_every_unit(client, org):
    client.force_login(org.lead_a)
    assert _options(client.get("/workorders/").content.decode()) == ["全部单位", "甲中队"]


def test_a_new_category_can_be_filtered_at_once_despite_the_cache(client, org):
    client.force_login(org.leader)
    client.get("/workorders/")  # fills the cache
    new = Category.objects.create(code="noise", name="噪音扰民", order=99)
    make_order(org.squadron_a, category=new, content="夜间施工")
    response = client.get(f"/workorders/?category={new.pk}")
    assert "筛选条件有误" not in response.content.decode()
    assert [o.content for o in response.context["page"].object_list] == ["夜间施工"]


def test_newest_first_pages_read_from_the_last_month_are_the_same_as_the_full_list(client, org, monkeypatch):
    from datetime import timedelta

    from django.utils import timezone

    monkeypatch.setattr(pages, "PAGE_SIZE", 3)
    now = timezone.now()
    ages = [1, 2, 5, 10, 40, 41, 90, 400]  # days: four inside the last month, four before it
    made = [make_order(org.squadron_a, received_at=now - timedelta(days=d, hours=i)) for i, d in enumerate(ages)]
    client.force_login(org.leader)

    shown = []
    for number in (1, 2, 3):
        page = client.get(f"/workorders/?page={number}").context["page"]
        shown += [o.number for o in page.object_list]
    assert shown == [o.number for o in made]  # newest first, across the month's edge, nothing twice
    sorted_by_age = client.get("/workorders/?o=-received").context["page"]
    assert [o.number for o in sorted_by_age.object_list] == shown[:3]
