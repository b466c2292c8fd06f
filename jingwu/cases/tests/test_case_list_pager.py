"""The case list's pager: newest 受案 first on every page (also through the filtered path that pages
by ids), a count that stops at its limit and says "more than", and no lead officer's encrypted
fields loaded for the table."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from jingwu.cases.views.cases import BoundedPaginator

from .conftest import World, new_case


def _titles(html: str) -> list[str]:
    return re.findall(r'class="fw-semibold text-decoration-none" href="[^"]+">([^<]+)</a>', html)


def _cases(w: World, count: int) -> None:
    now = timezone.now()
    for n in range(count):  # 受案 an hour apart, the last one newest; two share a time (ordered by id)
        at = now - timedelta(hours=count - n) if n != 1 else now - timedelta(hours=count)
        new_case(w, title=f"排序案件{n:02d}", accepted_at=at)


def test_pages_keep_the_newest_accepted_first(client: Any, world: World, monkeypatch: Any) -> None:
    client.force_login(world.org.lead_a)
    _cases(world, 45)
    expected = [f"排序案件{n:02d}" for n in range(44, 1, -1)] + ["排序案件01", "排序案件00"]
    for query in ("", "?kind=criminal&tag=env_food_drug"):  # unfiltered, and a tag filter
        seen = []
        for page in (1, 2, 3):
            url = reverse("cases:case-list") + (query or "?") + f"&page={page}"
            seen += _titles(client.get(url).content.decode())
        assert seen == expected, query
    # the same order when the set is larger than the id-paging threshold
    monkeypatch.setattr(BoundedPaginator, "SMALL", 10)
    html = client.get(reverse("cases:case-list") + "?kind=criminal&page=2").content.decode()
    assert _titles(html) == expected[20:40]


def test_count_stops_at_its_limit_and_says_more_than(client: Any, world: World, monkeypatch: Any) -> None:
    client.force_login(world.org.lead_a)
    _cases(world, 25)
    html = client.get(reverse("cases:case-list")).content.decode()
    assert "共 25 起" in html
    monkeypatch.setattr(BoundedPaginator, "LIMIT", 21)
    html = client.get(reverse("cases:case-list")).content.decode()
    assert "超过 21 起" in html and "共 25 起" not in html
    assert 'id="jw-case-pager-capped"' in html and 'rel="next"' in html
    assert len(_titles(client.get(reverse("cases:case-list") + "?page=2").content.decode())) == 1


def test_table_reads_no_encrypted_officer_fields(client: Any, world: World) -> None:
    client.force_login(world.org.lead_a)
    _cases(world, 3)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("cases:case-list")).status_code == 200
    listing = [q["sql"] for q in queries if 'FROM "cases_case"' in q["sql"] and "org_person" in q["sql"]]
    assert listing and all("id_number" not in sql and '"phone"' not in sql for sql in listing)
