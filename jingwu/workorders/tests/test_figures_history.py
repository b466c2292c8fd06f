"""Figures that must not be gamed nor forget: 推诿件 charged to the unit that bounced, 超期件 kept
across a 重办 and judged at the period's end, back-dated contacts (补录), rates below 100% never
printed as 100%, the dashboard's category cells, urges/notices and the sibling ranking."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from jingwu.core import metrics
from jingwu.workorders import services
from jingwu.workorders.models import Contact, SupervisionNotice, WorkOrder
from jingwu.workorders.selectors import period_summary

from .helpers import add_returns, category, make_order, t
from .test_dashboard_data import MAY, build_dataset

pytestmark = pytest.mark.django_db

S = WorkOrder.State


def fig(name, unit, user, period=MAY):
    return metrics.compute(f"workorders.{name}", unit, *period, user=user)


def intake(org, at="2023-05-08 09:00", code="help"):
    return services.work_order_intake(
        actor=org.leader,
        category=category(code),
        content="小区门口机动车乱停放,堵塞消防通道",
        citizen_phone="13912345678",
        citizen_name="王女士",
        address="幸福路88号幸福小区",
        received_at=t(at),
        intake_unit=org.brigade,
    ).order


# --- 推诿件: the unit that bounced ------------------------------------------------------------------


def test_shirked_is_charged_to_the_unit_that_bounced_not_the_current_one(client, org):
    order = intake(org)
    for hour in ("09:10", "10:10"):  # squadron A bounces it twice; each return approved
        services.work_order_dispatch(actor=org.leader, order=order, unit=org.squadron_a, at=t(f"2023-05-08 {hour}"))
        request = services.work_order_return(
            actor=org.lead_a,
            order=order,
            reason_code="not_our_area",
            reason="不属于本中队辖区",
            at=t("2023-05-08 11:00"),
        )
        services.return_decide(actor=org.leader, request=request, approve=True, decision="同意")
    services.work_order_dispatch(actor=org.leader, order=order, unit=org.squadron_b, at=t("2023-05-08 12:00"))
    order.refresh_from_db()
    assert order.unit == org.squadron_b and order.return_count == 2

    assert fig("shirked", org.squadron_a, org.leader).value == 1  # A bounced it twice
    assert fig("shirked", org.squadron_b, org.leader).value == 0  # B holds it, never bounced it
    assert fig("shirked", org.brigade, org.leader).value == 1  # counted once for the parent
    assert fig("returns", org.squadron_a, org.leader).value == 2
    assert fig("returns", org.squadron_b, org.leader).value == 0
    assert fig("returns", org.brigade, org.leader).display == "2次"
    rows = metrics.rows("workorders.shirked", org.squadron_a, *MAY, user=org.leader)
    assert [(r.order_id, r.unit_id) for r in rows] == [(order.pk, org.squadron_a.pk)]
    ranking = {r.unit.pk: r.figure.value for r in metrics.rank("workorders.shirked", org.brigade, *MAY, org.leader)}
    assert ranking[org.squadron_a.pk] == 1 and ranking[org.squadron_b.pk] == 0
    client.force_login(org.leader)
    for name in ("shirked", "returns", "urges"):  # the drill-down pages (rows, trend, children)
        page = client.get(
            f"/core/metrics/workorders.{name}/", {"unit": org.squadron_a.code, "from": MAY[0], "to": MAY[1]}
        )
        assert page.status_code == 200, name
        assert (order.number in page.content.decode()) == (name != "urges"), name


def test_one_rejected_return_is_shirking_one_approved_is_not(org):
    a_order, b_order = make_order(org.squadron_a), make_order(org.squadron_b)
    add_returns(a_order, org.squadron_a, org.lead_a, count=1)  # approved once: not shirking
    add_returns(b_order, org.squadron_b, org.lead_b, count=1, rejected=1)  # rejected: shirking
    assert fig("shirked", org.squadron_a, org.leader).value == 0
    assert fig("shirked", org.squadron_b, org.leader).value == 1
    assert fig("shirked", org.brigade, org.leader).value == 1
    # one return each by A and B of the same order: neither unit bounced it twice
    shared = make_order(org.squadron_b)
    add_returns(shared, org.squadron_a, org.lead_a)
    add_returns(shared, org.squadron_b, org.lead_b)
    assert fig("shirked", org.brigade, org.leader).value == 1


# --- 超期件 across 重办 and at the period's end -------------------------------------------------------


def _handled(org, order, contact_at):
    services.work_order_accept(actor=org.lead_a, order=order, at=t(contact_at))
    services.work_order_contact(
        actor=org.lead_a,
        order=order,
        channel="phone",
        result="已联系",
        contacted_at=t(contact_at),
        recorded_at=t(contact_at),
    )


def test_a_late_completion_stays_late_for_its_period_after_reopen(org):
    order = intake(org, "2023-05-04 08:30")
    services.work_order_dispatch(actor=org.leader, order=order, unit=org.squadron_a, at=t("2023-05-04 09:00"))
    _handled(org, order, "2023-05-04 09:30")
    order.refresh_from_db()
    first_due = order.due_at
    assert first_due < t("2023-05-15 10:00")
    services.work_order_complete(
        actor=org.lead_a, order=order, reply="已处理", result="solved", at=t("2023-05-15 10:00")
    )
    assert fig("overdue", org.squadron_a, org.leader).value == 1  # completed after its deadline
    services.work_order_callback(
        actor=org.leader,
        order=order,
        reached=True,
        resolved=False,
        satisfaction="unsatisfied",
        at=t("2023-06-01 10:00"),
    )
    order.refresh_from_db()
    assert order.state == S.HANDLING and order.completed_at is None and order.due_at > t("2023-06-01 10:00")
    # the reopen started a new round; May's late completion still counts for May
    assert fig("overdue", org.squadron_a, org.leader).value == 1
    rows = metrics.rows("workorders.overdue", org.squadron_a, *MAY, user=org.leader)
    assert [r.pk for r in rows] == [order.pk]
    # early June: the new round is within its deadline, May's late completion is not June's
    assert fig("overdue", org.squadron_a, org.leader, ("2023-06-01", "2023-06-02")).value == 0


def test_open_past_deadline_at_a_periods_end_counts_even_after_reopen_and_later_suspension(org):
    order = intake(org, "2023-05-22 08:30")
    services.work_order_dispatch(actor=org.leader, order=order, unit=org.squadron_a, at=t("2023-05-22 09:00"))
    _handled(org, order, "2023-05-22 09:30")
    order.refresh_from_db()
    assert order.due_at < t("2023-05-31 18:00")  # 3 working days: due in May, open at May's end
    services.work_order_complete(
        actor=org.lead_a, order=order, reply="已处理", result="solved", at=t("2023-06-05 10:00")
    )
    services.work_order_callback(
        actor=org.leader,
        order=order,
        reached=True,
        resolved=False,
        satisfaction="unsatisfied",
        at=t("2023-06-06 10:00"),
    )
    assert fig("overdue", org.squadron_a, org.leader).value == 1  # May: open past its deadline at May's end
    # the new round is suspended now (June): May's figure does not change
    request = services.suspension_request(
        actor=org.lead_a, order=order, reason="等待鉴定结果", resume_by=t("2023-06-20 09:00"), at=t("2023-06-07 09:00")
    )
    services.suspension_decide(actor=org.leader, request=request, approve=True, at=t("2023-06-07 10:00"))
    order.refresh_from_db()
    assert order.state == S.SUSPENDED
    assert fig("overdue", org.squadron_a, org.leader).value == 1
    # June: completed late in June (round 1) — counted once
    assert fig("overdue", org.squadron_a, org.leader, ("2023-06-01", "2023-06-30")).value == 1


def test_an_order_suspended_after_the_period_still_counts_for_it(org):
    order = make_order(org.squadron_a, state=S.HANDLING, accepted_at=t("2023-05-04 09:30"))  # due 10 May
    assert fig("overdue", org.squadron_a, org.leader).value == 1
    WorkOrder.objects.filter(pk=order.pk).update(state=S.SUSPENDED, suspended_at=t("2023-06-02 09:00"))
    assert fig("overdue", org.squadron_a, org.leader).value == 1  # not paused at May's end
    WorkOrder.objects.filter(pk=order.pk).update(suspended_at=t("2023-05-20 09:00"))
    assert fig("overdue", org.squadron_a, org.leader).value == 0  # paused at May's end


# --- 响应率: a back-dated contact (补录) -------------------------------------------------------------


def _dispatched(org):
    order = intake(org, "2023-05-08 08:50")
    services.work_order_dispatch(actor=org.leader, order=order, unit=org.squadron_a, at=t("2023-05-08 09:00"))
    services.work_order_accept(actor=org.lead_a, order=order, at=t("2023-05-08 09:20"))
    order.refresh_from_db()
    assert order.response_due_at == t("2023-05-08 11:00")  # help: 2 working hours
    return order


def test_a_contact_recorded_after_the_response_limit_never_counts_as_on_time(client, org):
    order = _dispatched(org)
    contact = services.work_order_contact(
        actor=org.lead_a,
        order=order,
        channel="phone",
        result="已联系",
        contacted_at=t("2023-05-08 10:00"),  # claimed within the limit …
        recorded_at=t("2023-05-08 15:00"),  # … but entered after it
    )
    order.refresh_from_db()
    assert contact.late_entry and contact.recorded_at == t("2023-05-08 15:00")
    assert contact.contacted_at == t("2023-05-08 10:00")
    assert order.first_contact_at == t("2023-05-08 15:00")  # measured at its recording time
    response = fig("response_rate", org.squadron_a, org.leader)
    assert (response.numerator, response.denominator) == (0, 1)
    client.force_login(org.leader)
    html = client.get(reverse("workorders:detail", args=[order.pk])).content.decode()
    assert "data-late-entry" in html and "补录" in html


def test_an_earlier_contact_entered_in_time_moves_the_first_contact_earlier(org):
    order = _dispatched(org)
    services.work_order_contact(
        actor=org.lead_a,
        order=order,
        channel="sms",
        result="短信告知",
        contacted_at=t("2023-05-08 10:30"),
        recorded_at=t("2023-05-08 10:30"),
    )
    services.work_order_contact(
        actor=org.lead_a,
        order=order,
        channel="phone",
        result="电话联系",
        contacted_at=t("2023-05-08 09:40"),
        recorded_at=t("2023-05-08 10:45"),  # still before the limit: the claimed time counts
    )
    order.refresh_from_db()
    assert order.first_contact_at == t("2023-05-08 09:40")
    services.work_order_contact(
        actor=org.lead_a,
        order=order,
        channel="visit",
        result="补记上门",
        contacted_at=t("2023-05-08 09:25"),
        recorded_at=t("2023-05-08 16:00"),  # after the limit: 补录, does not move it
    )
    order.refresh_from_db()
    assert order.first_contact_at == t("2023-05-08 09:40")
    assert list(Contact.objects.filter(order=order).values_list("late_entry", flat=True)) == [True, False, False]
    assert fig("response_rate", org.squadron_a, org.leader).value == 1


def test_a_late_response_cannot_be_backdated_into_an_on_time_one(org):
    order = _dispatched(org)
    services.work_order_contact(
        actor=org.lead_a,
        order=order,
        channel="phone",
        result="已联系",
        contacted_at=t("2023-05-08 13:00"),
        recorded_at=t("2023-05-08 13:00"),
    )
    services.work_order_contact(
        actor=org.lead_a,
        order=order,
        channel="phone",
        result="其实早上联系过",
        contacted_at=t("2023-05-08 09:30"),
        recorded_at=t("2023-05-08 13:05"),
    )
    order.refresh_from_db()
    assert order.first_contact_at == t("2023-05-08 13:00")
    assert fig("response_rate", org.squadron_a, org.leader).value == 0


# --- a rate below 100% never reads 100% -----------------------------------------------------------


def test_formatting_never_rounds_a_rate_below_one_up_to_100():
    assert metrics.format_percent(Decimal(1999) / Decimal(2000)) == "99.9%"
    assert metrics.format_percent(Decimal("0.99949")) == "99.9%"
    assert metrics.format_percent(Decimal("0.9856")) == "98.6%"  # other values still round half up
    assert metrics.format_percent(Decimal(1)) == "100%"
    assert metrics.percent_points(Decimal(1999) / Decimal(2000)) == 99.9
    assert metrics.percent_points(1) == 100.0


def test_summary_sentence_says_99_9_for_1999_of_2000(org):
    base = make_order(org.squadron_a, accepted_at=t("2023-05-04 09:30"), first_contact_at=t("2023-05-04 10:00"))
    fields = {f.attname: getattr(base, f.attname) for f in WorkOrder._meta.concrete_fields if f.attname != "id"}
    rows = []
    for i in range(1999):
        values = {**fields, "number": f"N{i:08d}"}
        if i == 0:
            values["accepted_at"] = t("2023-05-04 12:00")  # one of 2,000 signed for late
        rows.append(WorkOrder(**values))
    WorkOrder.objects.bulk_create(rows)
    response = fig("response_rate", org.squadron_a, org.leader)
    assert (response.numerator, response.denominator, response.display) == (1999, 2000, "99.9%")
    sentence = period_summary(org.squadron_a, *MAY, user=org.leader).sentence
    assert "分别为99.9%、—、—" in sentence and "100%" not in sentence
    composite_parts = metrics.compute("workorders.composite", org.squadron_a, *MAY, user=org.leader)
    assert composite_parts.display == "—"


# --- the dashboard ---------------------------------------------------------------------------------


def test_each_category_cell_opens_exactly_its_rows(client, org):
    data = build_dataset(org)
    WorkOrder.objects.filter(pk=data.a2.pk).update(category=category("consult"))
    client.force_login(org.leader)
    html = client.get("/workorders/dashboard/", {"unit": org.brigade.code, "period": "month", "month": "2023-05"})
    html = html.content.decode()
    cells = re.findall(r'<tr data-category="([a-z_]+)">.*?</tr>', html, re.S)
    assert set(cells) == {"help", "consult"}
    checked = 0
    for code in cells:
        row = re.search(rf'<tr data-category="{code}">(.*?)</tr>', html, re.S).group(1)
        for column, url, shown in re.findall(r'<a href="([^"]+)" data-cell="([a-z]+)">(\d+)</a>', row):
            column, url = url, column  # (href, data-cell) in the page's order
            page = client.get(url.replace("&amp;", "&"))
            assert page.status_code == 200
            body = page.content.decode()
            total = re.search(r"data-rows-total>(\d+)<", body).group(1)
            assert total == shown, (code, column)
            assert body.count("<tr data-row>") == int(shown)  # one row per order
            checked += 1
    assert checked == 6
    # the chart gets one link per bar
    assert '"urls": {"dispatched": ["/workorders/dashboard/rows/?metric=response_rate' in html


def test_category_rows_stay_in_scope(client, org):
    build_dataset(org)
    client.force_login(org.lead_a)
    params = {"metric": "completed", "which": "numerator", "category": "help", "from": "2023-05-01", "to": "2023-05-31"}
    assert client.get("/workorders/dashboard/rows/", {**params, "unit": org.squadron_b.code}).status_code == 404
    assert client.get("/workorders/dashboard/rows/", {**params, "metric": "nope"}).status_code == 400
    mine = client.get("/workorders/dashboard/rows/", {**params, "unit": org.squadron_a.code})
    assert mine.status_code == 200


def test_urges_and_notices_are_counted_on_the_dashboard_and_filterable(client, org):
    data = build_dataset(org)
    for kind, when in (("urge", "2023-05-11 08:00"), ("urge", "2023-05-12 08:00"), ("notice", "2023-05-15 08:00")):
        SupervisionNotice.objects.create(
            order=data.a5, kind=kind, unit=org.squadron_a, content="请抓紧办理", issued_at=t(when)
        )
    WorkOrder.objects.filter(pk=data.a5.pk).update(urge_count=2, notice_count=1)
    assert fig("urges", org.squadron_a, org.leader).display == "2次"
    assert fig("notices", org.brigade, org.leader).display == "1次"
    assert fig("urges", org.squadron_b, org.leader).value == 0
    client.force_login(org.leader)
    html = client.get("/workorders/dashboard/", {"unit": org.brigade.code, "period": "month", "month": "2023-05"})
    html = html.content.decode()
    assert re.search(r'data-kpi="urges".*?data-kpi-value>2次<', html, re.S)
    assert re.search(r'data-kpi="notices".*?data-kpi-value>1次<', html, re.S)
    row_a = re.search(rf'<tr data-rank-unit="{org.squadron_a.code}".*?</tr>', html, re.S).group(0)
    assert ">2次</a>" in row_a and ">1次</a>" in row_a and ">2次</a>" in row_a  # returns, urges
    listed = client.get("/workorders/", {"supervised": "urged"}).content.decode()
    assert data.a5.number in listed and data.a1.number not in listed
    none = client.get("/workorders/", {"supervised": "none"}).content.decode()
    assert data.a5.number not in none


def test_a_squadron_is_ranked_among_its_siblings_with_its_own_row_marked(client, org):
    build_dataset(org)
    client.force_login(org.lead_a)
    html = client.get("/workorders/dashboard/", {"period": "month", "month": "2023-05"}).content.decode()
    assert "该单位没有" not in html
    rows = re.findall(r'<tr data-rank-unit="(\d+)"( class="table-primary[^"]*" data-rank-own)?', html)
    assert [(code, bool(own)) for code, own in rows] == [(org.squadron_b.code, False), (org.squadron_a.code, True)]
    own_row = re.search(rf'<tr data-rank-unit="{org.squadron_a.code}".*?</tr>', html, re.S).group(0)
    sibling = re.search(rf'<tr data-rank-unit="{org.squadron_b.code}".*?</tr>', html, re.S).group(0)
    assert "/core/metrics/" in own_row and "/core/metrics/" not in sibling  # B's rows are not A's to open
    assert ">100</td>" in sibling and ">62</a>" in own_row


def test_satisfaction_card_explains_the_weighted_numerator(client, org):
    build_dataset(org)
    client.force_login(org.leader)
    html = client.get(
        "/workorders/dashboard/", {"unit": org.brigade.code, "period": "month", "month": "2023-05"}
    ).content.decode()
    explain = re.search(r"data-kpi-explain>([^<]*)<", html).group(1)
    assert explain == "满意2×1 + 基本满意1×0.8 = 2.8"
    satisfaction = fig("satisfaction_rate", org.brigade, org.leader)
    assert Decimal(satisfaction.numerator) == Decimal("2.8")
    page = client.get(
        f"/core/metrics/workorders.satisfaction_rate/?unit={org.brigade.code}&from=2023-05-01&to=2023-05-31"
    ).content.decode()
    assert "<th>计分</th>" in page or "计分" in page


def test_the_shirked_drill_down_shows_each_bouncing_units_returns(org):
    order = make_order(org.squadron_b)
    add_returns(order, org.squadron_a, org.lead_a, count=3, rejected=1)
    metric = metrics.get("workorders.shirked")
    rows = list(metrics.rows("workorders.shirked", org.brigade, "2023-05-01", "2023-05-31", user=org.leader))
    assert len(rows) == 1  # one row per order and bouncing unit
    shown = {column.label: column.value(rows[0]) for column in metric.row_columns}
    assert (shown["退单单位"], shown["该单位退单次数"], shown["其中被驳回"]) == (org.squadron_a.name, 3, 1)
