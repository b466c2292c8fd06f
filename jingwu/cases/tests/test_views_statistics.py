"""案件统计 page: figures equal ``metrics.compute`` on a data set with known counts, each card links
to its drill-down, the sentence, the category breakdown, scope."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from jingwu.cases import services
from jingwu.cases.metrics import case_metric
from jingwu.cases.models import CaseCategory
from jingwu.core import metrics

from .conftest import World, approve, new_case, suspect

pytestmark = pytest.mark.django_db


def _build(w: World) -> None:
    """3 criminal 涉环食药 cases filed (2 solved, 1 transferred with 2 suspects, 1 person under a
    measure), amounts 1,000,000 + 2,000,000 + 500,000; 1 traffic case filed; 1 case not filed."""
    cases = []
    for amount in ("1000000", "2000000", "500000"):
        case = new_case(w, amount_involved=amount)
        approve(w, case, "file")
        services.case_file(actor=w.org.lead_a, case=case)
        cases.append(case)
    traffic = new_case(w, category=CaseCategory.objects.get(code="020102"), amount_involved="100")
    approve(w, traffic, "file")
    services.case_file(actor=w.org.lead_a, case=traffic)
    new_case(w, title="未立案")
    first, second = cases[0], cases[1]
    a, b = suspect(w, first, "甲"), suspect(w, first, "乙")
    measure = services.measure_request(actor=w.org.lead_a, case=first, party=a, kind="detention", reason="现行")
    review = measure.reviews.get()
    services.review_legal_opinion(actor=w.legal, review=review, opinion="同意")
    services.review_approve(actor=w.leader, review=review)
    measure.refresh_from_db()
    services.measure_start(actor=w.org.lead_a, measure=measure)
    for case in (first, second):
        services.case_investigate(actor=w.org.lead_a, case=case)
        services.case_solve(actor=w.org.lead_a, case=case)
    approve(w, first, "prosecution")
    services.transfer_for_prosecution(actor=w.org.lead_a, case=first, parties=[a, b], procuratorate="某检察院")


def _cards(html: str) -> dict[str, str]:
    found = re.findall(r'data-figure="([a-z_.]+)"[^>]*>\s*<div[^>]*>\s*<div>\s*<div class="value">([^<]+)</div>', html)
    return dict(found)


def test_statistics_figures_equal_metrics(client: Any, world: World) -> None:
    _build(world)
    today = timezone.localdate()
    start = today.replace(month=1, day=1)
    client.force_login(world.leader)
    url = reverse("cases:case-statistics")
    html = client.get(
        url, {"unit": world.org.brigade.code, "start": start, "end": today, "kind": "criminal", "tag": "env_food_drug"}
    ).content.decode()
    cards = _cards(html)
    expected_counts = {
        "cases.filed": 3,
        "cases.solved": 2,
        "cases.coercive_people": 1,
        "cases.prosecution_cases": 1,
        "cases.prosecution_people": 2,
    }
    for base, count in expected_counts.items():
        name = case_metric(base, kind="criminal", tag="env_food_drug")
        figure = metrics.compute(name, world.org.brigade, start, today, user=world.leader)
        assert figure.value == count
        assert cards[base] == figure.display
        assert f'href="/core/metrics/{name}/?unit={world.org.brigade.code}&amp;from={start}&amp;to={today}"' in html
    amount = metrics.compute("cases.amount.criminal.env_food_drug", world.org.brigade, start, today, user=world.leader)
    assert amount.value == 3500000 and cards["cases.amount"] == amount.display == "350万元"
    assert "共立涉环食药领域刑事案件3起,破案2起,采取强制措施1人,移送起诉1起2人,涉案金额350万元" in html
    assert 'data-category="060601"' in html and 'data-category="020102"' not in html
    # without the tag the traffic case counts too
    html = client.get(url, {"unit": world.org.brigade.code, "start": start, "end": today}).content.decode()
    assert _cards(html)["cases.filed"] == "4起"


def test_statistics_scope(client: Any, world: World) -> None:
    client.force_login(world.org.nobody)
    assert client.get(reverse("cases:case-statistics")).status_code == 403
    client.logout()
    assert client.get(reverse("cases:case-statistics")).status_code == 302
    # a squadron lead sees their squadron's figures; the brigade code is not in their choices
    client.force_login(world.org.lead_a)
    response = client.get(reverse("cases:case-statistics"), {"unit": world.org.brigade.code})
    assert response.status_code == 200
    assert world.org.squadron_a.name in response.content.decode()


def test_period_inputs_show_the_period_counted(client: Any, world: World) -> None:
    client.force_login(world.leader)
    today = timezone.localdate()
    html = client.get(reverse("cases:case-statistics")).content.decode()
    assert f'name="start" value="{today.replace(month=1, day=1).isoformat()}"' in html
    assert f'name="end" value="{today.isoformat()}"' in html
    assert f"{today.replace(month=1, day=1):%Y-%m-%d} — {today:%Y-%m-%d}" in html
    html = client.get(reverse("cases:case-statistics"), {"start": "2024-03-01"}).content.decode()
    assert 'name="start" value="2024-03-01"' in html and f'name="end" value="{today.isoformat()}"' in html
    assert f"2024-03-01 — {today:%Y-%m-%d}" in html
