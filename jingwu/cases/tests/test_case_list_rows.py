"""What one row of the case list shows (rows are built in Python by ``views.cases.table_rows``)."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from django.urls import reverse

from .conftest import World, new_case


def _row(html: str, title: str) -> str:
    match = re.search(r"<tr>((?:(?!</tr>).)*?" + re.escape(title) + r".*?)</tr>", html, re.S)
    assert match, title
    return match.group(1)


def test_a_row_shows_link_number_kind_category_unit_officer_state_and_amount(client: Any, world: World) -> None:
    client.force_login(world.org.lead_a)
    case = new_case(world, title="某化工厂<污染>环境案", amount_involved=Decimal("1234567.5"))
    html = client.get(reverse("cases:case-list")).content.decode()
    row = _row(html, "某化工厂&lt;污染&gt;环境案")  # the title is escaped
    assert f'href="{reverse("cases:case-detail", args=[case.pk])}"' in row
    assert row.count(case.number) == 2  # the number column and its small-screen copy
    assert '<span class="badge jw-badge-criminal">刑事</span>' in row
    assert world.category.name in row and world.org.person_a.name in row
    assert (world.org.squadron_a.short_name or world.org.squadron_a.name) in row
    assert f"jw-case-state-{case.state}" in row and str(case.get_state_display()) in row
    assert "1,234,567.50" in row
    assert '<td class="d-none d-md-table-cell small text-nowrap">—</td>' in row  # not filed yet
