"""行刑衔接: a transfer seen from both sides, partner isolation, guards and the figures."""

from __future__ import annotations

import datetime as dt
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from jingwu.cases.models import InterAgencyTransfer
from jingwu.cases.models.agencies import Agency
from jingwu.cases.services import agencies as svc
from jingwu.core import metrics
from jingwu.core.navigation import navigation_for
from jingwu.core.workflow import TransitionNotAllowed
from jingwu.testing.factories import PASSWORD
from jingwu.testing.scope_suite import WriteCheck, assert_scope_rules

from .conftest import new_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def water(world):
    agency = svc.agency_create(
        actor=world.org.sysadmin, name="某市水利局", kind=Agency.Kind.WATER, receiving_unit=world.org.squadron_a
    )
    user = svc.partner_account_create(actor=world.org.sysadmin, agency=agency, username="water", password=PASSWORD)
    return agency, user


@pytest.fixture
def forest(world):
    agency = svc.agency_create(
        actor=world.org.sysadmin, name="某市林草局", kind=Agency.Kind.FORESTRY, receiving_unit=world.org.squadron_b
    )
    user = svc.partner_account_create(actor=world.org.sysadmin, agency=agency, username="forest", password=PASSWORD)
    return agency, user


def _submit(user, title="非法采砂案", **extra):
    return svc.transfer_submit(
        actor=user, title=title, summary="在禁采区非法采砂", documents="移送书\n调查报告", **extra
    )


def test_inbound_transfer_seen_from_both_sides(client, world, water):
    agency, partner = water
    # The agency transfers a case through its page.
    client.force_login(partner)
    response = client.post(
        "/cases/transfers/new/",
        {
            "title": "某砂场非法采砂案",
            "summary": "禁采区采砂1.2万方",
            "documents": "移送书\n勘验笔录",
            "decision_limit_days": 3,
        },
    )
    transfer = InterAgencyTransfer.objects.get()
    assert response.status_code == 302 and transfer.unit == world.org.squadron_a and transfer.agency == agency
    assert transfer.decision_due_at is not None and transfer.decision_due_at > transfer.transferred_at
    assert transfer.state == "submitted"

    # The police unit acknowledges, a leader decides 立案, the unit gives feedback.
    client.force_login(world.org.lead_a)
    page = client.get(f"/cases/transfers/{transfer.pk}/").content.decode()
    assert "某砂场非法采砂案" in page and "勘验笔录" in page
    client.post(f"/cases/transfers/{transfer.pk}/acknowledge/")
    client.force_login(world.leader)
    client.post(f"/cases/transfers/{transfer.pk}/file/", {"reason": ""})
    client.force_login(world.org.lead_a)
    client.post(f"/cases/transfers/{transfer.pk}/give_feedback/", {"feedback": "经审查已决定立案侦查"})
    case = new_case(world)
    client.post(f"/cases/transfers/{transfer.pk}/link_case/", {"case_number": case.number})
    transfer.refresh_from_db()
    assert transfer.state == "feedback" and transfer.decision == "filed" and transfer.case == case
    assert transfer.acknowledged_by == world.org.lead_a and transfer.decided_by == world.leader

    # The agency sees the decision and the feedback, not the officers nor the case.
    client.force_login(partner)
    page = client.get(f"/cases/transfers/{transfer.pk}/").content.decode()
    assert "经审查已决定立案侦查" in page and "已立案" in page and "已反馈" in page
    assert world.org.lead_a.person.name not in page and case.number not in page and case.title not in page
    assert "公安机关" in page  # the timeline names the organ, not the officer


def test_outbound_transfer_handled_by_the_agency(client, world, water):
    agency, partner = water
    client.force_login(world.org.lead_a)
    response = client.post(
        "/cases/transfers/out/",
        {"unit": world.org.squadron_a.pk, "agency": agency.pk, "title": "违规取水线索", "summary": "无证取水"},
    )
    assert response.status_code == 302
    transfer = InterAgencyTransfer.objects.get(direction="outbound")
    # The police cannot record the agency's steps.
    client.post(f"/cases/transfers/{transfer.pk}/agency_acknowledge/")
    transfer.refresh_from_db()
    assert transfer.state == "submitted"
    client.force_login(partner)
    client.post(f"/cases/transfers/{transfer.pk}/agency_acknowledge/")
    client.post(f"/cases/transfers/{transfer.pk}/agency_handle/", {"handling": "已责令停止取水并罚款"})
    transfer.refresh_from_db()
    assert transfer.state == "handled" and transfer.handling == "已责令停止取水并罚款"
    client.force_login(world.org.lead_a)
    assert "已责令停止取水并罚款" in client.get(f"/cases/transfers/{transfer.pk}/").content.decode()


def test_partner_sees_only_its_own_agency_and_nothing_else(client, world, water, forest):
    _, partner = water
    _, other_partner = forest
    mine = _submit(partner)
    theirs = _submit(other_partner, title="林地毁坏案")
    case = new_case(world)
    client.force_login(partner)
    listing = client.get("/cases/transfers/").content.decode()
    assert "非法采砂案" in listing and "林地毁坏案" not in listing
    assert client.get(f"/cases/transfers/{theirs.pk}/").status_code == 404
    assert client.post(f"/cases/transfers/{theirs.pk}/agency_acknowledge/").status_code == 404
    assert client.get(f"/cases/transfers/{mine.pk}/").status_code == 200
    # No case, person, unit, metric or audit page answers with data.
    assert client.get(f"/disclosure/codes/case/{case.pk}/").status_code == 403
    for url in ("/org/people/", "/org/units/", f"/org/people/{world.org.person_a.pk}/", "/core/audit/"):
        assert client.get(url).status_code in (403, 404), url
    assert client.get(f"/org/units/{world.org.squadron_a.pk}/").status_code in (403, 404)
    assert client.get("/core/metrics/agency_transfers.received/").status_code == 404
    assert client.get("/api/v1/org/people/").status_code in (403, 404)
    units = client.get("/api/v1/org/units/")
    assert units.status_code == 403 or units.json().get("count", 0) == 0
    # The police transfer-out page is not theirs.
    assert client.get("/cases/transfers/out/").status_code == 403


def test_partner_navigation_shows_only_transfer_pages(world, water):
    _, partner = water
    groups = navigation_for(partner, "/cases/transfers/")
    items = [item for group in groups for item in group.items]
    assert [item.url for item in items] == ["/cases/transfers/"]
    police = [i.url for g in navigation_for(world.org.lead_a, "/") for i in g.items]
    assert "/cases/transfers/" in police and "/" in police


def test_scope_rules_for_police_users(client, world, water):
    _, partner = water
    mine = _submit(partner)
    forest = svc.agency_create(
        actor=world.org.sysadmin, name="林草局", kind=Agency.Kind.FORESTRY, receiving_unit=world.org.squadron_b
    )
    forest_user = svc.partner_account_create(actor=world.org.sysadmin, agency=forest, username="f2", password=PASSWORD)
    other = _submit(forest_user, title="乙中队的移送")
    assert_scope_rules(
        client,
        url_for_own=f"/cases/transfers/{mine.pk}/",
        url_for_other_unit=f"/cases/transfers/{other.pk}/",
        permitted_user=world.org.lead_a,
        no_permission_user=world.org.nobody,
        other_unit_user=world.org.lead_b,
        write=WriteCheck(
            "post",
            f"/cases/transfers/{mine.pk}/acknowledge/",
            {},
            lambda: InterAgencyTransfer.objects.values_list("state", "acknowledged_at").get(pk=mine.pk),
        ),
    )


def test_decision_rules(world, water):
    _, partner = water
    transfer = _submit(partner)
    with pytest.raises(TransitionNotAllowed):  # the agency cannot acknowledge its own inbound transfer
        svc.transfer_acknowledge(actor=partner, transfer=transfer)
    svc.transfer_acknowledge(actor=world.leader_handler, transfer=transfer)
    with pytest.raises(TransitionNotAllowed) as exc:  # no deciding what one acknowledged
        svc.transfer_decide(actor=world.leader_handler, transfer=transfer, file=True)
    assert exc.value.code == "self_approval"
    with pytest.raises(TransitionNotAllowed):  # an officer without cases.approve cannot decide
        svc.transfer_decide(actor=world.org.lead_a, transfer=transfer, file=True)
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):  # 不予立案 needs its reason
        svc.transfer_decide(actor=world.leader, transfer=transfer, file=False, reason=" ")
    transfer.refresh_from_db()
    assert transfer.state == "acknowledged" and transfer.decision == ""
    svc.transfer_decide(actor=world.leader, transfer=transfer, file=False, reason="不构成犯罪")
    assert transfer.state == "refused" and transfer.decision_reason == "不构成犯罪"
    with pytest.raises(TransitionNotAllowed):  # feedback needs its text
        svc.transfer_give_feedback(actor=world.org.lead_a, transfer=transfer, feedback="")


def test_transfer_list_has_no_n_plus_one(client, world, water):
    _, partner = water
    client.force_login(world.org.lead_a)

    def count(n):
        InterAgencyTransfer.objects.all().delete()
        for i in range(n):
            _submit(partner, title=f"移送{i}")
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/cases/transfers/").status_code == 200
        return len(ctx)

    assert count(5) == count(20)


def test_figures_on_known_counts(world, water):
    _, partner = water
    now = timezone.now()
    a, b, c, d = (_submit(partner, title=f"案{i}", transferred_at=now - timedelta(hours=2)) for i in range(4))
    for t in (a, b, c):
        svc.transfer_acknowledge(actor=world.org.lead_a, transfer=t)
    svc.transfer_decide(actor=world.leader, transfer=a, file=True)
    svc.transfer_decide(actor=world.leader, transfer=b, file=False, reason="情节轻微")
    svc.transfer_give_feedback(actor=world.org.lead_a, transfer=a, feedback="已立案")  # on time
    svc.transfer_give_feedback(actor=world.org.lead_a, transfer=b, feedback="不予立案")
    InterAgencyTransfer.objects.filter(pk=b.pk).update(decision_due_at=now - timedelta(hours=1))  # b was late
    InterAgencyTransfer.objects.filter(pk=d.pk).update(decision_due_at=now - timedelta(minutes=1))  # d is overdue
    svc.transfer_out(actor=world.org.lead_a, unit=world.org.squadron_a, agency=a.agency, title="移出", summary="线索")
    today = now.astimezone(dt.timezone(dt.timedelta(hours=8))).date()
    start = today - timedelta(days=2)

    def value(name):
        return metrics.compute(name, world.org.brigade, start, today, user=world.leader).value

    assert value("agency_transfers.received") == 4
    assert value("agency_transfers.accepted") == 3
    assert value("agency_transfers.filed") == 1
    assert value("agency_transfers.sent") == 1
    # a on time; b late; d overdue without feedback; c still inside its limit (not counted).
    rate = value("agency_transfers.feedback_on_time")
    assert rate is not None and abs(float(rate) - 1 / 3) < 1e-9
    # The partner sees no figure: the metric's units are outside its scope.
    with pytest.raises(metrics.MetricScopeError):
        metrics.compute("agency_transfers.received", world.org.brigade, start, today, user=partner)
