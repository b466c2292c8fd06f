"""The metric page renders the figure month by month, each month linking to its own rows."""

import json
import re

import pytest

from jingwu.testing.factories import make_person


@pytest.mark.django_db
def test_metric_page_shows_monthly_trend_matching_compute(client, org):
    from datetime import date

    from jingwu.core import metrics

    make_person(org.squadron_a, "新入职", joined_on=date(2026, 3, 10))
    client.force_login(org.leader)
    response = client.get(
        "/core/metrics/org.police_count/", {"unit": org.brigade.code, "from": "2026-01-01", "to": "2026-04-30"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    data = json.loads(
        re.search(r'<script id="jw-trend-data" type="application/json">(.*?)</script>', html, re.S).group(1)
    )
    assert data["months"] == ["2026-01", "2026-02", "2026-03", "2026-04"]
    expected = [
        metrics.compute("org.police_count", org.brigade, start, end, user=org.leader).value
        for start, end in [
            ("2026-01-01", "2026-01-31"),
            ("2026-02-01", "2026-02-28"),
            ("2026-03-01", "2026-03-31"),
            ("2026-04-01", "2026-04-30"),
        ]
    ]
    assert data["values"] == expected
    assert data["values"][2] == data["values"][1] + 1  # the March joiner counts from March on
    # Each month links to the rows of that month.
    assert "from=2026-03-01&amp;to=2026-03-31" in html


@pytest.mark.django_db
def test_metric_trend_of_another_unit_is_not_found(client, org):
    client.force_login(org.lead_a)
    response = client.get("/core/metrics/org.police_count/", {"unit": org.squadron_b.code})
    assert response.status_code == 404
