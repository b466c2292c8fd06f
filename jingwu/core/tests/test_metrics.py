"""The metrics framework and the org definitions, on a data set whose figures are known by construction.

Period 2026-01-01..2026-06-30. People in post at its end (besides build_org_tree's four police):

  甲中队  police: 张三丰, 王中队 (masses), 党甲一 (cpc, joined 2025-06), 党甲二 (cpc), 预甲 (probationary)
          auxiliaries: 辅甲一, 辅甲二, 辅甲党 (cpc)
          not counted: 调甲 (cpc, transferred), 新甲 (cpc, joins 2026-07-01, after the period)
  乙中队  police: 李四海, 赵中队, 党乙 (cpc); auxiliary: 辅乙
  丙中队  auxiliary: 辅丙 only (no police: the party-member rate has a zero denominator)
  大队本级 police: 党队 (cpc)
  另一大队 (outside 测试大队): police 外人 (cpc)
"""

from __future__ import annotations

import datetime as dt
import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from jingwu.core import metrics
from jingwu.core.metrics import SYSTEM, MetricScopeError
from jingwu.org.models import Person, Unit
from jingwu.testing.factories import make_person, make_unit, make_user

START, END = dt.date(2026, 1, 1), dt.date(2026, 6, 30)
CPC = Person.PoliticalStatus.CPC
AUX = Person.Kind.AUXILIARY


@pytest.fixture
def data(org):
    a, b = org.squadron_a, org.squadron_b
    c = make_unit(org.brigade, "150621000300", "丙中队")
    other = make_unit(org.detachment, "150622000000", "另一大队", Unit.Kind.BRIGADE)
    make_person(a, "党甲一", political_status=CPC, joined_on=dt.date(2025, 6, 1))
    make_person(a, "党甲二", political_status=CPC)
    make_person(a, "预甲", political_status=Person.PoliticalStatus.PROBATIONARY)
    make_person(a, "辅甲一", kind=AUX)
    make_person(a, "辅甲二", kind=AUX, political_status=Person.PoliticalStatus.LEAGUE)
    make_person(a, "辅甲党", kind=AUX, political_status=CPC)
    make_person(a, "调甲", political_status=CPC, status=Person.Status.TRANSFERRED)
    make_person(a, "新甲", political_status=CPC, joined_on=dt.date(2026, 7, 1))
    make_person(b, "党乙", political_status=CPC)
    make_person(b, "辅乙", kind=AUX)
    make_person(c, "辅丙", kind=AUX)
    make_person(org.brigade, "党队", political_status=CPC)
    make_person(other, "外人", political_status=CPC)
    org.squadron_c = c
    org.other_brigade = other
    return org


def names(qs) -> set[str]:
    return set(qs.values_list("name", flat=True))


def figure(name, unit, user):
    return metrics.compute(name, unit, START, END, user=user)


@pytest.mark.parametrize(
    ("name", "squadron", "brigade"),
    [
        ("org.police_count", 5, 9),
        ("org.auxiliary_count", 3, 5),
        ("org.people_count", 8, 14),
        ("org.party_member_count", 4, 6),
    ],
)
def test_counts_for_squadron_and_brigade(data, name, squadron, brigade):
    assert figure(name, data.squadron_a, data.leader).value == squadron
    assert figure(name, data.brigade, data.leader).value == brigade
    assert figure(name, data.brigade, data.leader).display == f"{brigade}人"


def test_party_member_rate_for_squadron_and_brigade(data):
    squadron = figure("org.party_member_rate", data.squadron_a, data.leader)
    assert (squadron.numerator, squadron.denominator, squadron.display) == (3, 5, "60%")
    brigade = figure("org.party_member_rate", data.brigade, data.leader)
    assert (brigade.numerator, brigade.denominator, brigade.display) == (5, 9, "55.6%")
    assert brigade.version == "1" and brigade.as_dict()["version"] == "1"


def test_period_end_decides_who_is_counted(data):
    # 新甲 joins on 2026-07-01: counted for a period ending then, not for one ending the day before.
    assert metrics.compute("org.police_count", data.squadron_a, START, "2026-07-01", user=data.leader).value == 6
    assert metrics.compute("org.police_count", data.squadron_a, START, "2026-06-30", user=data.leader).value == 5


def test_zero_denominator_shows_dash_never_100_percent(data):
    result = figure("org.party_member_rate", data.squadron_c, data.leader)
    assert result.denominator == 0 and result.value is None
    assert result.display == "—"


def test_drill_down_rows_equal_counted_rows(data):
    leader, a = data.leader, data.squadron_a
    num = metrics.rows("org.party_member_rate", a, START, END, user=leader, which="numerator")
    den = metrics.rows("org.party_member_rate", a, START, END, user=leader, which="denominator")
    assert names(num) == {"党甲一", "党甲二", "预甲"}
    assert names(den) == {"张三丰", "王中队", "党甲一", "党甲二", "预甲"}
    result = figure("org.party_member_rate", a, leader)
    assert (num.count(), den.count()) == (result.numerator, result.denominator)
    people = metrics.rows("org.people_count", data.brigade, START, END, user=leader)
    assert people.count() == figure("org.people_count", data.brigade, leader).value
    assert "外人" not in names(people) and "调甲" not in names(people)


def test_rank_orders_squadrons_with_bounded_queries(data, django_assert_max_num_queries):
    for i in range(4, 10):  # more squadrons must not mean more queries
        make_person(make_unit(data.brigade, f"15062100{i:02d}00", f"第{i}中队"), f"民警{i}")
    leader = type(data.leader).objects.get(pk=data.leader.pk)  # nothing cached
    with django_assert_max_num_queries(5):
        ranking = metrics.rank("org.party_member_rate", data.brigade, START, END, leader)
    assert [r.unit.name for r in ranking[:2]] == ["甲中队", "乙中队"]
    assert [r.figure.display for r in ranking[:2]] == ["60%", "33.3%"]
    assert ranking[-1].unit.name == "丙中队" and ranking[-1].figure.display == "—"
    assert "第一党支部" not in [r.unit.name for r in ranking]  # party branches are not squadrons

    with django_assert_max_num_queries(5):
        counts = metrics.rank("org.police_count", data.brigade, START, END, leader)
    assert [(r.unit.name, r.figure.value) for r in counts[:2]] == [("甲中队", 5), ("乙中队", 3)]
    # Six squadrons of one police officer each share third place; 丙中队 (0) comes last.
    assert {r.position for r in counts[2:8]} == {3} and counts[-1].figure.value == 0


def test_user_cannot_compute_or_drill_outside_scope(data):
    lead_a = data.lead_a  # 中队长 of 甲中队
    assert figure("org.police_count", data.squadron_a, lead_a).value == 5
    for unit in (data.squadron_b, data.brigade, data.other_brigade):
        with pytest.raises(MetricScopeError):
            figure("org.police_count", unit, lead_a)
        with pytest.raises(MetricScopeError):
            metrics.rows("org.police_count", unit, START, END, user=lead_a)
    # Roles without the metric's capability (审计管理员 has no org.view_person) see nothing either.
    with pytest.raises(MetricScopeError):
        figure("org.police_count", data.brigade, data.auditadmin)
    with pytest.raises(MetricScopeError):
        figure("org.police_count", data.brigade, None)


def test_figures_and_rows_count_only_visible_rows(data):
    # A leader anchored at the brigade with scope "unit" sees the brigade's own people only.
    office = make_user("office", "leadership", data.brigade, scope="unit")
    assert figure("org.police_count", data.brigade, office).value == 1
    assert names(metrics.rows("org.police_count", data.brigade, START, END, user=office)) == {"党队"}
    assert figure("org.police_count", data.brigade, SYSTEM).value == 9


def test_sum_trend_and_amount_format_on_a_flow_model(data):
    """A metric with a datetime period field: months are cut in Asia/Shanghai, sums format as 万元/亿元."""
    from jingwu.testing.workflowapp.models import Ticket

    metric = metrics.Metric(
        name="test.ticket_amount",
        label="申请金额",
        kind="sum",
        model=Ticket,
        numerator=lambda qs, period: qs.exclude(state=Ticket.State.REJECTED),
        value_field="amount",
        period_field="opened_at",
        format="amount_yuan",
        version="2",
    )
    metrics.register(metric)
    try:
        utc = dt.UTC

        def ticket(unit, amount, at, state=Ticket.State.SUBMITTED):
            return Ticket.objects.create(unit=unit, requester=data.officer_a, amount=amount, opened_at=at, state=state)

        ticket(data.squadron_a, 300_000_000, dt.datetime(2026, 1, 10, 2, 0, tzinfo=utc))
        ticket(data.squadron_a, 282_000_000, dt.datetime(2026, 1, 31, 16, 30, tzinfo=utc))  # 2月1日 00:30 北京时间
        ticket(data.squadron_b, 36_500, dt.datetime(2026, 3, 5, tzinfo=utc))
        ticket(data.squadron_b, 999, dt.datetime(2026, 3, 6, tzinfo=utc), Ticket.State.REJECTED)
        ticket(data.squadron_b, 1, dt.datetime(2025, 12, 31, 15, 59, tzinfo=utc))  # 2025-12-31 23:59 北京时间

        total = figure("test.ticket_amount", data.brigade, data.leader)
        assert total.value == 582_036_500 and total.display == "5.82亿元" and total.version == "2"
        assert figure("test.ticket_amount", data.squadron_b, data.leader).display == "3.65万元"

        points = metrics.trend("test.ticket_amount", data.brigade, START, dt.date(2026, 4, 30), data.leader)
        assert [(p.month, p.figure.value) for p in points] == [
            (dt.date(2026, 1, 1), 300_000_000),
            (dt.date(2026, 2, 1), 282_000_000),
            (dt.date(2026, 3, 1), 36_500),
            (dt.date(2026, 4, 1), 0),
        ]
    finally:
        metrics.unregister("test.ticket_amount")


def test_trend_of_a_stock_is_the_stock_at_each_month_end(data):
    points = metrics.trend("org.police_count", data.squadron_a, "2026-05-01", "2026-07-31", data.leader)
    assert [(p.month.month, p.figure.value) for p in points] == [(5, 5), (6, 5), (7, 6)]


def test_trend_groups_months_in_one_query_per_side(data, django_assert_max_num_queries):
    from jingwu.testing.workflowapp.models import Ticket

    metric = metrics.Metric(
        name="test.ticket_approval_rate",
        label="批准率",
        kind="rate",
        model=Ticket,
        numerator=lambda qs, period: qs.filter(state=Ticket.State.APPROVED),
        denominator=lambda qs, period: qs.exclude(state=Ticket.State.DRAFT),
        period_field="opened_at",
    )
    metrics.register(metric)
    try:
        for month, state in [(1, "approved"), (1, "rejected"), (2, "approved"), (3, "draft")]:
            Ticket.objects.create(
                unit=data.squadron_a,
                requester=data.officer_a,
                state=state,
                opened_at=dt.datetime(2026, month, 10, tzinfo=dt.UTC),
            )
        leader = type(data.leader).objects.get(pk=data.leader.pk)
        with django_assert_max_num_queries(4):
            points = metrics.trend("test.ticket_approval_rate", data.squadron_a, START, "2026-03-31", leader)
        assert [p.figure.display for p in points] == ["50%", "100%", "—"]
    finally:
        metrics.unregister("test.ticket_approval_rate")


def test_composite_score_weights_component_rates(data):
    metrics.register(
        metrics.Metric(
            name="test.score",
            label="综合得分",
            kind="score",
            components=(("org.party_member_rate", 0.5), ("org.police_count", 1)),
        )
    )
    try:
        result = figure("test.score", data.squadron_a, data.leader)
        assert result.value == 35  # 60 (percent) × 0.5 + 5 × 1
        assert result.display == "35"
        assert figure("test.score", data.squadron_c, data.leader).display == "—"
        ranking = metrics.rank("test.score", data.brigade, START, END, data.leader)
        assert [r.unit.name for r in ranking] == ["甲中队", "乙中队", "丙中队"]
    finally:
        metrics.unregister("test.score")


def test_formatting_helpers():
    assert metrics.format_amount_yuan(582_000_000) == "5.82亿元"
    assert metrics.format_amount_yuan(100_000_000) == "1亿元"
    assert metrics.format_amount_yuan(36_500) == "3.65万元"
    assert metrics.format_amount_yuan(999) == "999元"
    assert metrics.format_percent(0.985) == "98.5%"
    assert metrics.format_percent(1) == "100%"
    assert metrics.format_percent(2 / 3) == "66.7%"
    assert metrics.format_percent(None) == "—"


def test_invalid_definitions_and_inputs_are_refused(data):
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured):
        metrics.Metric(name="x.rate", label="x", kind="rate", model="org.Person", numerator=lambda q, p: q)
    with pytest.raises(ImproperlyConfigured):
        metrics.register(
            metrics.Metric(
                name="org.police_count", label="x", kind="count", model="org.Person", numerator=lambda q, p: q
            )
        )
    with pytest.raises(metrics.UnknownMetric):
        figure("no.such_metric", data.brigade, data.leader)
    with pytest.raises(ValueError, match="开始日期晚于结束日期"):
        metrics.compute("org.police_count", data.brigade, END, START, user=data.leader)


def test_definitions_are_discovered_from_app_modules():
    assert {"org.police_count", "org.party_member_rate"} <= {m.name for m in metrics.all_metrics()}
    assert "jingwu.org.metrics" in metrics.autodiscover()


# --- command --------------------------------------------------------------------------------------


def run(*args) -> str:
    out = StringIO()
    call_command("metrics", *args, stdout=out)
    return out.getvalue()


def test_command_prints_figure(data):
    text = run("org.party_member_rate", "--unit", data.squadron_a.code, "--from", "2026-01-01", "--to", "2026-06-30")
    assert "党员占比" in text and "v1" in text
    assert "60%" in text and "党员民警):3" in text and "在岗民警):5" in text


def test_command_json_is_valid(data):
    text = run("org.police_count", "--unit", data.brigade.code, "--from", "2026-01-01", "--to", "2026-06-30", "--json")
    payload = json.loads(text)
    assert payload["value"] == 9 and payload["numerator"] == 9 and payload["denominator"] is None
    assert payload["version"] == "1" and payload["unit"] == data.brigade.code


def test_command_within_a_users_scope(data):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="数据权限"):
        run("org.police_count", "--unit", data.brigade.code, "--user", "lead_a")


def test_command_lists_definitions(db):
    text = run("--list")
    assert "org.party_member_rate" in text and "党员占比" in text
    listed = json.loads(run("--list", "--json"))
    assert {"org.police_count", "org.auxiliary_count", "org.people_count"} <= {m["name"] for m in listed}


# --- drill-down page ------------------------------------------------------------------------------


def url(name, **params) -> str:
    from urllib.parse import urlencode

    return f"/core/metrics/{name}/?" + urlencode(params)


def test_drill_down_page_shows_figure_and_rows(client, data):
    client.force_login(data.leader)
    response = client.get(
        url("org.party_member_rate", unit=data.squadron_a.code, **{"from": "2026-01-01", "to": "2026-06-30"})
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "60%" in html and "v1" in html
    for name in ("党甲一", "党甲二", "预甲"):
        assert name in html
    assert "张三丰" not in html  # not a party member: not in the numerator's rows

    response = client.get(
        url(
            "org.party_member_rate",
            unit=data.squadron_a.code,
            which="denominator",
            **{"from": "2026-01-01", "to": "2026-06-30"},
        )
    )
    html = response.content.decode()
    assert "张三丰" in html and "王中队" in html and "辅甲党" not in html


def test_drill_down_page_lists_child_units(client, data):
    client.force_login(data.leader)
    html = client.get(url("org.police_count", unit=data.brigade.code, to="2026-06-30")).content.decode()
    assert "甲中队" in html and "丙中队" in html and "外人" not in html


def test_drill_down_page_paginates_with_bounded_queries(client, data):
    for i in range(60):
        make_person(data.squadron_b, f"批量{i:02d}")
    client.force_login(data.leader)
    with CaptureQueriesContext(connection) as first:
        page1 = client.get(url("org.police_count", unit=data.squadron_b.code, to="2026-06-30"))
    html = page1.content.decode()
    assert "共 63 条" in html and "第 1/2 页" in html
    page2 = client.get(url("org.police_count", unit=data.squadron_b.code, to="2026-06-30", page=2))
    assert "第 2/2 页" in page2.content.decode()
    assert len(first.captured_queries) <= 20


def test_drill_down_out_of_scope_is_404(client, data):
    client.force_login(data.lead_a)
    for unit in (data.squadron_b, data.brigade, data.other_brigade):
        assert client.get(url("org.police_count", unit=unit.code)).status_code == 404
    assert client.get(url("org.police_count", unit=data.squadron_a.code)).status_code == 200
    assert client.get(url("no.such_metric", unit=data.squadron_a.code)).status_code == 404


def test_drill_down_lists_only_visible_rows(client, data):
    make_user("office", "leadership", data.brigade, scope="unit")
    office = type(data.leader).objects.get(username="office")
    client.force_login(office)
    html = client.get(url("org.police_count", unit=data.brigade.code, to="2026-06-30")).content.decode()
    assert "党队" in html
    assert "张三丰" not in html and "党乙" not in html


def test_drill_down_needs_login_and_some_scope(client, data):
    response = client.get(url("org.police_count", unit=data.brigade.code))
    assert response.status_code == 302 and "/login/" in response["Location"]
    client.force_login(data.nobody)
    assert client.get(url("org.police_count")).status_code == 404


def test_metric_list_page(client, data):
    client.force_login(data.leader)
    html = client.get("/core/metrics/").content.decode()
    assert "党员占比" in html and "org.party_member_rate" in html


def test_drill_down_child_table_shows_numerator_and_denominator(client, data):
    import re

    client.force_login(data.leader)
    html = client.get(url("org.party_member_rate", unit=data.brigade.code, to="2026-06-30")).content.decode()
    row = re.search(r"甲中队</a></td>\s*<td>([^<]*)</td>\s*<td>([^<]*)</td>\s*<td>([^<]*)</td>", html)
    assert row is not None and row.groups() == ("60%", "3", "5")


def test_drill_down_with_no_rows_says_so(client, data):
    client.force_login(data.leader)
    html = client.get(url("org.party_member_rate", unit=data.squadron_c.code, to="2026-06-30")).content.decode()
    assert "data-metric-rows" in html and "没有记录" in html and "共 0 条" in html
