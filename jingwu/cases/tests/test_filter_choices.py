"""The case list's filter pickers: their choices come from a per-process cache that follows every
change of the units, 案由 and tags; the 案由 picker lists the 案由 and filters by them; and the
statistics page's tag picker says 全部标签."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from jingwu.cases.models import CaseCategory, CaseTag
from jingwu.org.models import Unit
from jingwu.org.services import unit_create, unit_move, unit_update

from .conftest import World, new_case

pytestmark = pytest.mark.django_db


def _page(client: Any, user: Any, **query: Any) -> str:
    client.force_login(user)
    response = client.get(reverse("cases:case-list"), query)
    assert response.status_code == 200
    return response.content.decode()


def _option(value: Any, label: str) -> str:
    return f'<option value="{value}">{label}</option>'


def test_category_picker_lists_the_categories_and_filters_by_them(client: Any, world: World) -> None:
    w = world
    env = new_case(w, title="污染环境甲案")
    other = CaseCategory.objects.filter(kind="criminal", active=True).exclude(code__startswith="0606").first()
    new_case(w, title="其他刑事乙案", category=other)
    html = _page(client, w.org.lead_a)
    assert _option(w.category.pk, "\u3000\u3000" + w.category.name) in html
    filtered = _page(client, w.org.lead_a, category=w.category.pk)
    assert env.title in filtered and "其他刑事乙案" not in filtered
    assert "jw-filter-errors" not in filtered
    # a parent 案由 takes everything below it
    parent = CaseCategory.objects.get(code=w.category.code[:4] + "00")
    assert env.title in _page(client, w.org.lead_a, category=parent.pk)


def test_pickers_are_cached_and_follow_units_categories_and_tags(client: Any, world: World) -> None:
    w = world
    new_case(w, title="污染环境甲案")
    _page(client, w.org.leader)
    with CaptureQueriesContext(connection) as ctx:
        html = _page(client, w.org.leader)
    read = " ".join(q["sql"] for q in ctx.captured_queries)
    for table in ('FROM "cases_casetag"', 'FROM "cases_casecategory"', 'FROM "org_unit" WHERE'):
        assert table not in read  # the pickers are served from the cache
    assert _option(w.org.squadron_b.pk, "\u3000乙中队") in html

    # a new unit, a renamed one, a retired one and a move show on the next request
    new = unit_create(actor=None, parent=w.org.brigade, code="150621000300", name="丙中队", kind=Unit.Kind.SQUADRON)
    unit_update(actor=None, unit=w.org.squadron_b, name="乙中队(新)")
    html = _page(client, w.org.leader)
    assert _option(new.pk, "\u3000丙中队") in html and _option(w.org.squadron_b.pk, "\u3000乙中队(新)") in html
    unit_move(actor=None, unit=new, new_parent=w.org.squadron_a)
    assert _option(new.pk, "\u3000\u3000丙中队") in _page(client, w.org.leader)
    unit_update(actor=None, unit=new, retired_on="2024-01-01")
    assert "丙中队" not in _page(client, w.org.leader)

    # a tag linked to one more 案由, a new tag, a deactivated 案由
    traffic = CaseTag.objects.get(code="traffic")
    assert "污染环境甲案" not in _page(client, w.org.leader, tag="traffic")
    traffic.categories.add(w.category)
    assert "污染环境甲案" in _page(client, w.org.leader, tag="traffic")
    CaseTag.objects.create(code="wildlife", name="野生动物")
    assert _option("wildlife", "野生动物") in _page(client, w.org.leader)
    other = CaseCategory.objects.filter(active=True).exclude(pk=w.category.pk).last()
    assert f'value="{other.pk}"' in _page(client, w.org.leader)
    CaseCategory.objects.filter(pk=other.pk).update(active=False)
    assert f'value="{other.pk}"' not in _page(client, w.org.leader)


def test_unit_picker_is_the_users_scope(client: Any, world: World) -> None:
    w = world
    html = _page(client, w.org.lead_b)
    assert _option(w.org.squadron_b.pk, "乙中队") in html and "甲中队" not in html
    # another unit's id in the query is no choice at all: refused as a filter error, nothing shown
    new_case(w, title="污染环境甲案")
    refused = _page(client, w.org.lead_b, unit=w.org.squadron_a.pk)
    assert "jw-filter-errors" in refused and "污染环境甲案" not in refused


def test_statistics_tag_picker_says_all_tags(client: Any, world: World) -> None:
    client.force_login(world.org.leader)
    html = client.get(reverse("cases:case-statistics")).content.decode()
    assert '<option value="" selected>全部标签</option>' in html or '<option value="">全部标签</option>' in html
    assert html.count("全部案由") == 0
