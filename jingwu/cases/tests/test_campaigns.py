"""专项行动: campaign figures equal the counts of a built data set; forms refuse bad input with field
errors and save nothing; pages obey the scope rules; an inspection's finding opens a case."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from jingwu.cases.metrics_campaigns import campaign_metric
from jingwu.cases.models import Campaign, Case, Inspection, Patrol, SeizureKind, SeizureTally
from jingwu.cases.services import campaigns as svc
from jingwu.core import metrics
from jingwu.core.models import AuditLog
from jingwu.org.models import Unit, User
from jingwu.testing.factories import make_person, make_unit, make_user
from jingwu.testing.scope_suite import WriteCheck, assert_scope_rules

from .conftest import World


@dataclass
class Data:
    w: World
    campaign: Campaign
    other: Campaign
    inspections: list[Inspection]
    outsider: User


def _ago(days: int, hours: int = 0) -> Any:
    return timezone.now() - timedelta(days=days, hours=hours)


def _kind(code: str) -> SeizureKind:
    return SeizureKind.objects.get(code=code)


def _campaign(w: World, name: str) -> Campaign:
    today = timezone.localdate()
    return svc.campaign_create(
        actor=w.leader,
        unit=w.org.brigade,
        name=name,
        starts_on=today - timedelta(days=60),
        ends_on=today + timedelta(days=30),
        goal="清网、清套、清毒饵",
        departments="林草局、市场监管局",
        units=[w.org.squadron_a, w.org.squadron_b],
    )


@pytest.fixture
def data(world: World) -> Data:
    """Known counts: 3 patrols (2 甲, 1 乙), 4 inspections (2 findings, 1 case opened), seizures
    鸟网 2+5, 诱捕器 3, 毒饵 1 (11 in all); plus another campaign's rows that must not be counted."""
    org = world.org
    campaign = _campaign(world, "候鸟保护专项行动")
    other = _campaign(world, "天赋河套品牌保护")
    lead_b_people = [org.person_b]
    p1 = svc.patrol_add(
        actor=org.lead_a,
        campaign=campaign,
        unit=org.squadron_a,
        place="黄河湿地",
        started_at=_ago(10),
        people=[org.person_a, world.partner_a],
    )
    svc.patrol_add(
        actor=org.lead_a,
        campaign=campaign,
        unit=org.squadron_a,
        place="罕台川",
        started_at=_ago(8),
        people=[org.person_a],
    )
    p3 = svc.patrol_add(
        actor=org.lead_b,
        campaign=campaign,
        unit=org.squadron_b,
        place="树林召",
        started_at=_ago(5),
        people=lead_b_people,
    )
    inspections = [
        svc.inspection_add(
            actor=org.lead_a,
            campaign=campaign,
            unit=org.squadron_a,
            target="花鸟市场",
            kind="bird_market",
            inspected_at=_ago(9),
            departments="市场监管局",
            has_finding=True,
            finding="出售野生画眉6只",
        ),
        svc.inspection_add(
            actor=org.lead_a,
            campaign=campaign,
            unit=org.squadron_a,
            target="农家乐",
            kind="restaurant",
            inspected_at=_ago(7),
        ),
        svc.inspection_add(
            actor=org.lead_b,
            campaign=campaign,
            unit=org.squadron_b,
            target="网店",
            kind="online",
            inspected_at=_ago(6),
            has_finding=True,
            finding="销售捕鸟网",
        ),
        svc.inspection_add(
            actor=org.lead_b,
            campaign=campaign,
            unit=org.squadron_b,
            target="养殖场",
            kind="breeding",
            inspected_at=_ago(4),
        ),
    ]
    svc.inspection_open_case(
        actor=org.lead_a,
        inspection=inspections[0],
        kind="criminal",
        category=world.category,
        title="花鸟市场出售野生鸟类案",
        lead_officer=org.person_a,
        handling_officers=[world.partner_a],
    )
    for unit, actor, code, n, patrol in [
        (org.squadron_a, org.lead_a, "bird_net", 2, p1),
        (org.squadron_b, org.lead_b, "bird_net", 5, p3),
        (org.squadron_a, org.lead_a, "trap", 3, None),
        (org.squadron_b, org.lead_b, "poison_bait", 1, None),
    ]:
        svc.seizure_add(
            actor=actor, campaign=campaign, unit=unit, kind=_kind(code), quantity=n, recorded_at=_ago(3), patrol=patrol
        )
    # the other campaign: must not count
    svc.patrol_add(
        actor=org.lead_a, campaign=other, unit=org.squadron_a, place="超市", started_at=_ago(2), people=[org.person_a]
    )
    svc.seizure_add(
        actor=org.lead_a, campaign=other, unit=org.squadron_a, kind=_kind("bird_net"), quantity=100, recorded_at=_ago(2)
    )
    root = make_unit(None, "150800G00000", "巴彦淖尔市公安局", Unit.Kind.BUREAU)
    outsider = make_user("byn_lead", "unit_lead", root, person=make_person(root, "乌力吉"))
    return Data(world, campaign, other, inspections, outsider)


def _figure(d: Data, base: str, unit: Unit, user: Any, kind: str | None = None) -> Any:
    name = campaign_metric(base, campaign_id=d.campaign.pk, seizure_kind=kind)
    return metrics.compute(name, unit, d.campaign.starts_on, d.campaign.ends_on, user=user).value


def test_campaign_figures_equal_the_counts_of_the_data_set(data: Data) -> None:
    d, org = data, data.w.org
    brigade = org.brigade
    expected = {"patrols": 3, "inspections": 4, "findings": 2, "cases_opened": 1, "seizures": 11}
    for base, value in expected.items():
        assert _figure(d, base, brigade, d.w.leader) == value, base
    assert _figure(d, "seizures", brigade, d.w.leader, "bird_net") == 7
    assert _figure(d, "seizures", brigade, d.w.leader, "trap") == 3
    assert _figure(d, "seizures", brigade, d.w.leader, "bird_gun") == 0
    # a squadron's part of the campaign
    assert _figure(d, "patrols", org.squadron_a, d.w.leader) == 2
    assert _figure(d, "seizures", org.squadron_b, d.w.leader) == 6
    # all campaigns together (the campaign-independent definition)
    assert (
        metrics.compute("campaigns.patrols", brigade, d.campaign.starts_on, d.campaign.ends_on, user=d.w.leader).value
        == 4
    )


def test_summary_page_shows_registry_figures_with_drill_down(client: Any, data: Data) -> None:
    d = data
    client.force_login(d.w.leader)
    page = client.get(reverse("cases:campaign-detail", args=[d.campaign.pk])).content.decode()
    for base, shown in (("patrols", "3次"), ("inspections", "4家次"), ("findings", "2处"), ("cases_opened", "1起")):
        name = f"campaigns.c{d.campaign.pk}.{base}"
        assert f'data-metric="{name}"' in page
        assert shown in page, base
    drill = reverse("cases:campaign-figure", args=[d.campaign.pk, f"campaigns.c{d.campaign.pk}.patrols"])
    response = client.get(drill, {"unit": d.w.org.brigade.code, "from": d.campaign.starts_on, "to": d.campaign.ends_on})
    assert response.status_code == 200
    body = response.content.decode()
    assert "黄河湿地" in body and "树林召" in body and "超市" not in body
    # a figure of another campaign through this campaign's route: 404
    wrong = reverse("cases:campaign-figure", args=[d.campaign.pk, f"campaigns.c{d.other.pk}.patrols"])
    assert client.get(wrong).status_code == 404


def test_squadron_user_sees_its_part_only(client: Any, data: Data) -> None:
    d = data
    client.force_login(d.w.org.lead_a)
    page = client.get(reverse("cases:campaign-detail", args=[d.campaign.pk])).content.decode()
    assert "黄河湿地" in page and "树林召" not in page and "网店" not in page
    assert _figure(d, "patrols", d.w.org.squadron_a, d.w.org.lead_a) == 2
    with pytest.raises(metrics.MetricScopeError):
        _figure(d, "patrols", d.w.org.brigade, d.w.org.lead_a)


def test_inspection_opens_a_case_through_the_case_services(client: Any, data: Data) -> None:
    d, org = data, data.w.org
    case = Inspection.objects.get(pk=d.inspections[0].pk).case
    assert case is not None and case.state == Case.State.ACCEPTED and case.unit == org.squadron_a
    assert "出售野生画眉6只" in case.summary
    assert AuditLog.objects.filter(event="cases.campaign.inspection_case").exists()
    assert AuditLog.objects.filter(event="cases.case.create", object_id=str(case.pk)).exists()
    # through the page, for the other finding (乙中队, by its lead)
    target = d.inspections[2]
    url = reverse("cases:campaign-inspection-case", args=[d.campaign.pk, target.pk])
    client.force_login(org.lead_a)
    assert client.get(url).status_code == 404  # 甲中队's lead cannot see 乙中队's inspection
    officer_b2 = make_person(org.squadron_b, "钱乙警")
    client.force_login(org.lead_b)
    response = client.post(
        url,
        {
            "kind": "criminal",
            "category": d.w.category.pk,
            "title": "网店销售捕鸟网案",
            "lead_officer": org.person_b.pk,
            "handling_officers": [officer_b2.pk],
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    target.refresh_from_db()
    assert target.case is not None and target.case.title == "网店销售捕鸟网案"
    # a finding-less inspection cannot open a case; nothing is created
    count = Case.objects.count()
    with pytest.raises(ValidationError):
        svc.inspection_open_case(
            actor=org.lead_a,
            inspection=d.inspections[1],
            kind="criminal",
            category=d.w.category,
            title="x",
            lead_officer=org.person_a,
            handling_officers=[d.w.partner_a],
        )
    assert Case.objects.count() == count


def test_negative_quantity_is_a_field_error_and_nothing_is_saved(client: Any, data: Data) -> None:
    d = data
    client.force_login(d.w.org.lead_a)
    count = SeizureTally.objects.count()
    url = reverse("cases:campaign-seizure-add", args=[d.campaign.pk])
    when = timezone.localtime(_ago(1)).strftime("%Y-%m-%dT%H:%M")
    for bad in ("-3", "0", "2.5", "abc"):
        response = client.post(
            url, {"unit": d.w.org.squadron_a.pk, "kind": _kind("bird_net").pk, "quantity": bad, "recorded_at": when}
        )
        assert response.status_code == 400, bad
        form = response.context["form"]
        assert "quantity" in form.errors, bad
    assert SeizureTally.objects.count() == count
    response = client.post(
        url, {"unit": d.w.org.squadron_a.pk, "kind": _kind("bird_gun").pk, "quantity": "2", "recorded_at": when}
    )
    assert response.status_code == 302
    assert SeizureTally.objects.count() == count + 1


def test_end_before_start_is_a_field_error_and_nothing_is_saved(client: Any, data: Data) -> None:
    d = data
    client.force_login(d.w.leader)
    count = Campaign.objects.count()
    response = client.post(
        reverse("cases:campaign-create"),
        {"unit": d.w.org.brigade.pk, "name": "清网行动", "starts_on": "2026-05-10", "ends_on": "2026-05-01"},
    )
    assert response.status_code == 200
    assert "ends_on" in response.context["form"].errors
    assert "结束日期不能早于开始日期" in response.content.decode()
    assert Campaign.objects.count() == count
    # a patrol that ends before it starts
    patrols = Patrol.objects.count()
    with pytest.raises(ValidationError) as exc:
        svc.patrol_add(
            actor=d.w.org.lead_a,
            campaign=d.campaign,
            unit=d.w.org.squadron_a,
            place="湿地",
            started_at=_ago(2),
            ended_at=_ago(3),
            people=[d.w.org.person_a],
        )
    assert "ended_at" in exc.value.message_dict
    # outside the campaign's period
    with pytest.raises(ValidationError) as exc:
        svc.patrol_add(
            actor=d.w.org.lead_a,
            campaign=d.campaign,
            unit=d.w.org.squadron_a,
            place="湿地",
            started_at=_ago(90),
            people=[d.w.org.person_a],
        )
    assert "started_at" in exc.value.message_dict
    assert Patrol.objects.count() == patrols


def test_create_and_edit_through_the_pages(client: Any, data: Data) -> None:
    d = data
    client.force_login(d.w.leader)
    response = client.post(
        reverse("cases:campaign-create"),
        {
            "unit": d.w.org.brigade.pk,
            "name": "清网行动",
            "starts_on": "2026-05-01",
            "ends_on": "2026-06-30",
            "departments": "林草局、市场监管局",
            "units": [d.w.org.squadron_a.pk],
        },
    )
    assert response.status_code == 302
    created = Campaign.objects.get(name="清网行动")
    assert created.departments == ["林草局", "市场监管局"]
    assert list(created.units.all()) == [d.w.org.squadron_a]
    response = client.post(
        reverse("cases:campaign-edit", args=[created.pk]),
        {
            "name": "清网护鸟行动",
            "starts_on": "2026-05-01",
            "ends_on": "2026-07-31",
            "departments": "林草局",
            "units": [d.w.org.squadron_a.pk],
        },
    )
    assert response.status_code == 302
    created.refresh_from_db()
    assert created.name == "清网护鸟行动" and created.departments == ["林草局"]
    assert AuditLog.objects.filter(event="cases.campaign.update", object_id=str(created.pk)).exists()
    # a squadron lead may not edit the brigade's campaign
    client.force_login(d.w.org.lead_a)
    before = Campaign.objects.values().get(pk=created.pk)
    response = client.post(
        reverse("cases:campaign-edit", args=[created.pk]),
        {"name": "改名", "starts_on": "2026-05-01", "ends_on": "2026-07-31"},
    )
    assert response.status_code == 403
    assert Campaign.objects.values().get(pk=created.pk) == before


def test_campaign_pages_scope_rules(client: Any, data: Data) -> None:
    d = data
    assert_scope_rules(
        client,
        url_for_own=reverse("cases:campaign-detail", args=[d.campaign.pk]),
        permitted_user=d.w.leader,
        no_permission_user=d.w.org.political,
        other_unit_user=d.outsider,
        write=WriteCheck(
            "post",
            reverse("cases:campaign-seizure-add", args=[d.campaign.pk]),
            {
                "unit": d.w.org.squadron_a.pk,
                "kind": _kind("trap").pk,
                "quantity": "1",
                "recorded_at": timezone.localtime(_ago(1)).strftime("%Y-%m-%dT%H:%M"),
            },
            lambda: SeizureTally.objects.count(),
        ),
    )
    for name in ("campaign-patrol-add", "campaign-inspection-add", "campaign-edit"):
        client.force_login(d.outsider)
        assert client.get(reverse(f"cases:{name}", args=[d.campaign.pk])).status_code == 404, name
    client.force_login(d.outsider)
    figure = reverse("cases:campaign-figure", args=[d.campaign.pk, f"campaigns.c{d.campaign.pk}.patrols"])
    assert client.get(figure).status_code == 404
    assert "候鸟保护专项行动" not in client.get(reverse("cases:campaign-list")).content.decode()


def test_campaign_list_query_count_does_not_grow(client: Any, data: Data) -> None:
    d = data
    client.force_login(d.w.leader)
    for i in range(3):
        _campaign(d.w, f"行动{i}")
    with CaptureQueriesContext(connection) as five:
        assert client.get(reverse("cases:campaign-list")).status_code == 200
    for i in range(20):
        _campaign(d.w, f"更多行动{i}")
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("cases:campaign-list"))
    assert response.status_code == 200 and "更多行动19" in response.content.decode()
    assert len(many) == len(five)
