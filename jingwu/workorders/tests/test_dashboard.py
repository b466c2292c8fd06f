"""接诉即办驾驶舱: the figures shown are the metric definitions' figures, the sentence is the
selector's, every figure links to its drill-down, and the unit picker stays inside the scope."""

from __future__ import annotations

import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from jingwu.core import metrics
from jingwu.testing.scope_suite import assert_scope_rules
from jingwu.workorders.selectors import period_summary

from .helpers import make_order, t
from .test_dashboard_data import MAY, build_dataset

pytestmark = pytest.mark.django_db

URL = "/workorders/dashboard/"
KEYS = (
    "response_rate",
    "resolution_rate",
    "satisfaction_rate",
    "composite",
    "completed",
    "overdue",
    "shirked",
    "returns",
    "urges",
    "notices",
    "reopen_rate",
)


@pytest.fixture
def data(org):
    return build_dataset(org)


def get(client, user, **params):
    client.force_login(user)
    return client.get(URL, params)


def kpi_values(html: str) -> dict[str, str]:
    cards = re.findall(r'data-kpi="([a-z_]+)".*?data-kpi-value>([^<]*)<', html, re.S)
    return dict(cards)


def test_kpi_cards_show_the_metric_figures_and_link_to_their_drill_down(client, org, data):
    response = get(client, org.leader, unit=org.brigade.code, period="month", month="2023-05")
    assert response.status_code == 200
    html = response.content.decode()
    shown = kpi_values(html)
    assert set(shown) == set(KEYS)
    for key in KEYS:
        figure = metrics.compute(f"workorders.{key}", org.brigade, *MAY, user=org.leader)
        assert shown[key] == figure.display, key
        link = f"/core/metrics/workorders.{key}/?unit={org.brigade.code}&amp;from=2023-05-01&amp;to=2023-05-31"
        assert f'href="{link}" data-kpi="{key}"' in html
    # Known by construction: brigade = A + B in May.
    assert (shown["response_rate"], shown["resolution_rate"], shown["satisfaction_rate"]) == ("60%", "75%", "70%")
    assert (shown["completed"], shown["overdue"], shown["shirked"]) == ("4件", "2件", "1件")


def test_in_english_counts_are_bare_numbers(client, org, data, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    shown = kpi_values(get(client, org.leader, unit=org.brigade.code, period="month", month="2023-05").content.decode())
    assert (shown["completed"], shown["overdue"], shown["shirked"]) == ("4", "2", "1")
    assert shown["response_rate"] == "60%"


def test_sentence_is_the_selectors_and_says_the_truth(client, org, data):
    response = get(client, org.leader, unit=org.squadron_a.code, period="month", month="2023-05")
    sentence = period_summary(org.squadron_a, *MAY, user=org.leader).sentence
    assert sentence in response.content.decode()
    assert sentence == (
        "5月份,累计办结“接诉即办”工单3件,响应率、解决率、满意率分别为50%、66.7%、60%,推诿工单1件、超期工单2件。"
    )
    perfect = get(client, org.leader, unit=org.squadron_b.code, period="month", month="2023-05").content.decode()
    assert "三率均达到100%,推诿、超期工单实现“零”发生" in perfect


def test_ranking_orders_child_units_by_composite_with_drill_down_cells(client, org, data):
    response = get(client, org.leader, unit=org.brigade.code, period="month", month="2023-05")
    ranking = response.context["ranking"]
    assert [r["unit"] for r in ranking] == [org.squadron_b, org.squadron_a]  # 100 vs 62
    assert [r["cells"][0]["display"] for r in ranking] == ["100", "62"]
    html = response.content.decode()
    assert html.index(f'data-rank-unit="{org.squadron_b.code}"') < html.index(f'data-rank-unit="{org.squadron_a.code}"')
    shirked_a = f"/core/metrics/workorders.shirked/?unit={org.squadron_a.code}&amp;from=2023-05-01&amp;to=2023-05-31"
    assert f'<a href="{shirked_a}">1件</a>' in html
    assert "第一党支部" not in html  # party branches are not ranked nor offered


def test_trend_and_categories_feed_the_charts(client, org, data):
    response = get(
        client, org.leader, unit=org.brigade.code, period="custom", **{"from": "2023-04-01", "to": "2023-05-31"}
    )
    html = response.content.decode()
    payload = json.loads(re.search(r'id="wo-dashboard-data" type="application/json">(.*?)</script>', html, re.S)[1])
    trend = payload["trend"]
    assert trend["months"] == ["2023-04", "2023-05"]
    assert trend["series"]["completed"] == [1, 4]
    assert trend["series"]["response_rate"] == [100.0, 60.0]
    assert trend["urls"]["completed"][0].endswith("from=2023-04-01&to=2023-04-30")
    cats = payload["categories"]
    # 派单数 (exempted left out): 6 dispatched in April–May, one of them a complaint.
    assert (
        sum(cats["dispatched"])
        == metrics.compute(
            "workorders.response_rate", org.brigade, "2023-04-01", "2023-05-31", user=org.leader
        ).denominator
    )
    assert dict(zip(cats["names"], cats["dispatched"], strict=True)) == {"求助": 5, "投诉": 1}
    assert sum(cats["completed"]) == 5


def test_exempted_orders_are_listed_with_their_appeal(client, org, data):
    html = get(client, org.leader, unit=org.brigade.code, period="month", month="2023-05").content.decode()
    section = html[html.index('id="wo-exempted"') :]
    assert data.a4.number in section and "不属于管辖范围:属铁路公安管辖" in section
    assert data.a1.number not in section


def test_default_is_this_year_for_the_users_top_unit(client, org, data):
    response = get(client, org.lead_a)
    assert response.status_code == 200
    assert response.context["unit"] == org.squadron_a
    period = response.context["period"]
    assert period.mode == "ytd" and period.start.month == 1 and period.start.day == 1
    picker = [code for code, _ in response.context["units"]]
    assert picker == [org.squadron_a.code]


def test_squadron_lead_cannot_pick_another_squadron(client, org, data):
    assert_scope_rules(
        client,
        url_for_own=f"{URL}?unit={org.squadron_a.code}",
        url_for_other_unit=f"{URL}?unit={org.squadron_b.code}",
        permitted_user=org.lead_a,
        no_permission_user=org.political,
        other_unit_user=org.lead_b,
    )
    assert get(client, org.lead_a, unit=org.brigade.code).status_code == 404  # the parent is out of scope too


def test_bad_period_falls_back_to_the_default_with_a_message(client, org, data):
    response = get(client, org.leader, period="month", month="2023-13")
    assert response.status_code == 200
    assert "月份格式应为 YYYY-MM" in response.content.decode()
    assert response.context["period"].mode == "ytd"
    reversed_dates = get(client, org.leader, period="custom", **{"from": "2023-05-31", "to": "2023-05-01"})
    assert "开始日期晚于结束日期" in reversed_dates.content.decode()


def test_quarter_period(client, org, data):
    response = get(client, org.leader, unit=org.squadron_b.code, period="quarter", quarter="2023-Q2")
    period = response.context["period"]
    assert (period.start.isoformat(), period.end.isoformat()) == ("2023-04-01", "2023-06-30")
    assert kpi_values(response.content.decode())["completed"] == "2件"


def test_navigation_shows_the_dashboard_only_with_the_capability(client, org):
    client.force_login(org.leader)
    assert 'href="/workorders/dashboard/"' in client.get("/").content.decode()
    client.force_login(org.political)
    assert 'href="/workorders/dashboard/"' not in client.get("/").content.decode()


def test_dashboard_queries_do_not_grow_with_the_orders(client, org, data):
    client.force_login(org.leader)
    params = {"unit": org.brigade.code, "period": "month", "month": "2023-05"}
    client.get(URL, params)  # warm caches (calendar, roles)
    with CaptureQueriesContext(connection) as few:
        client.get(URL, params)
    for n in range(20):
        make_order(org.squadron_a if n % 2 else org.squadron_b, exempted=n % 5 == 0, received_at=t("2023-05-10 08:00"))
    with CaptureQueriesContext(connection) as many:
        client.get(URL, params)
    assert len(many) == len(few)
