"""Junk that used to answer a server error or Django's HTML page: periods in years whose instants
overflow (9999-12-31 + 1 day, 0001-01-01 in UTC) on the dashboard, its rows page and the 通报, and
paths with a newline under the API and Open311 (the catch-alls' ``.`` did not match it). Also the
scope of the dashboard's rows and sibling ranking: figures of a sibling squadron without links,
its rows refused."""

from __future__ import annotations

import pytest

from jingwu.core import metrics
from jingwu.workorders.models import WorkOrder

from .helpers import make_order

pytestmark = pytest.mark.django_db

ROWS = "/workorders/dashboard/rows/"


def rows_params(org, **changes):
    params = {
        "metric": "completed",
        "which": "numerator",
        "category": "help",
        "unit": org.squadron_a.code,
        "from": "2023-01-01",
        "to": "2023-12-31",
    }
    params.update(changes)
    return params


@pytest.mark.parametrize(
    "start,end",
    [
        ("2023-01-01", "9999-12-31"),
        ("0001-01-01", "2023-12-31"),
        ("1899-12-31", "2023-01-01"),
        ("9999-01-01", "9999-12-31"),
    ],
)
def test_a_period_out_of_range_is_a_bad_request_not_a_server_error(client, org, start, end):
    make_order(org.squadron_a)
    client.force_login(org.lead_a)
    r = client.get(ROWS, rows_params(org, **{"from": start, "to": end}))
    assert r.status_code == 400 and "1900" in r.content.decode()
    with pytest.raises(ValueError):
        metrics.Period.of(start, end)


def test_the_dashboard_falls_back_from_a_month_or_period_out_of_range(client, org):
    make_order(org.squadron_a)
    client.force_login(org.lead_a)
    for params in (
        {"period": "month", "month": "9999-12"},
        {"period": "quarter", "quarter": "9999-Q4"},
        {"period": "custom", "from": "0001-01-01", "to": "2023-05-01"},
        {"period": "custom", "from": "2023-05-01", "to": "9999-12-31"},
        {"period": "custom", "from": "1900-01-01", "to": "9998-12-31"},  # a trend of 97,000 months
    ):
        r = client.get("/workorders/dashboard/", params)
        assert r.status_code == 200, params
        assert r.context["period"].mode == "ytd" and r.context["period"].error, params
    r = client.get("/workorders/dashboard/", {"period": "custom", "from": "2016-01-01", "to": "2025-12-31"})
    assert r.context["period"].mode == "custom" and not r.context["period"].error  # ten years are fine
    r = client.get("/workorders/dashboard/report.docx", {"month": "9999-12"})
    assert r.status_code == 400


def test_paths_with_a_newline_answer_the_apis_own_404(client, org):
    client.force_login(org.leader)
    for path in ("/api/v1/workorders/orders/a\nb/assist/", "/api/v1/workorders/orders/\n/legs/"):
        r = client.post(path, {})
        assert r.status_code == 404 and r["Content-Type"].startswith("application/json"), path
        assert r.json()["error"] == "not_found"
    r = client.get("/open311/v2/discovery.x\ny")
    assert r.status_code == 404 and b"<errors>" in r.content and b"<code>404</code>" in r.content
    r = client.get("/open311/v2/services/help.x\njson")
    assert r.status_code == 404 and b"<errors>" in r.content


def test_a_squadron_sees_its_siblings_figures_but_never_their_rows(client, org):
    from .test_dashboard_data import build_dataset

    build_dataset(org)
    client.force_login(org.lead_a)
    page = client.get("/workorders/dashboard/", {"unit": org.squadron_a.code, "period": "custom", "from": "2023-01-01"})
    assert page.status_code == 200
    ranked = {row["unit"].pk: row for row in page.context["ranking"]}
    assert set(ranked) == {org.squadron_a.pk, org.squadron_b.pk}  # the sibling's figures are shown …
    assert not ranked[org.squadron_b.pk]["linked"]
    assert all(cell["url"] == "" for cell in ranked[org.squadron_b.pk]["cells"])  # … without links
    assert all(cell["url"] for cell in ranked[org.squadron_a.pk]["cells"])
    assert f"unit={org.squadron_b.code}" not in page.content.decode()
    # its rows: refused on the rows page and on the figures' own drill-down
    assert client.get(ROWS, rows_params(org, unit=org.squadron_b.code)).status_code == 404
    assert client.get("/core/metrics/workorders.completed/", {"unit": org.squadron_b.code}).status_code == 404
    mine = client.get(ROWS, rows_params(org, **{"from": "2023-01-01", "to": "2023-12-31"}))
    numbers = {o.number for o in WorkOrder.objects.filter(unit=org.squadron_b)}
    assert mine.status_code == 200 and not any(n in mine.content.decode() for n in numbers)


def test_the_openapi_description_refuses_in_json(client):
    r = client.post("/open311/v2/openapi.json")
    assert r.status_code == 405 and r.json()[0]["code"] == 405 and r["Allow"] == "GET, HEAD"
    r = client.get("/open311/v2/openapi.json", {"x": "a\x00b"})
    assert r.status_code == 400 and r.json()[0]["code"] == 400
    assert client.get("/open311/v2/openapi.json").json()["openapi"].startswith("3.")
