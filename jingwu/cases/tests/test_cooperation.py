"""区域协作: a clue shared between bureaus is seen, commented and linked by the partner; nothing else
of either bureau crosses over (404), and every write is audited."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from jingwu.cases import services
from jingwu.cases.models import Case, Clue, ClueCaseLink, ClueComment, ClueShare
from jingwu.cases.services import cooperation as coop
from jingwu.core.models import AuditLog
from jingwu.org.models import Person, Unit, User
from jingwu.testing.factories import make_person, make_unit, make_user
from jingwu.testing.scope_suite import WriteCheck, assert_scope_rules

from .conftest import World, new_case


@dataclass
class Partners:
    w: World
    bayannur: Unit
    byn_unit: Unit
    byn_lead: User
    byn_officer: User
    byn_people: list[Person]
    byn_case: Case
    wuhai_lead: User
    own_case: Case
    clue: Clue


def _byn_case(p: list[Person], lead: User, unit: Unit, category: Any) -> Case:
    return services.case_create(
        actor=lead,
        unit=unit,
        kind="criminal",
        category=category,
        title="乌拉特前旗非法收购野生鸟类案",
        lead_officer=p[0],
        handling_officers=p[:3],
    )


@pytest.fixture
def partners(world: World) -> Partners:
    bayannur = make_unit(None, "150800G00000", "巴彦淖尔市公安局", Unit.Kind.BUREAU)
    byn_unit = make_unit(bayannur, "150800G10000", "食药环侦支队", Unit.Kind.DETACHMENT)
    people = [make_person(byn_unit, name) for name in ("乌力吉", "高志远", "萨仁")]
    byn_lead = make_user("byn_lead", "unit_lead", byn_unit, person=people[0])
    byn_officer = make_user("byn_officer", "officer", byn_unit, person=people[1])
    wuhai = make_unit(None, "152900G00000", "阿拉善盟公安局", Unit.Kind.BUREAU)
    wuhai_lead = make_user("wuhai_lead", "unit_lead", wuhai, person=make_person(wuhai, "阿盟队长"))
    own_case = new_case(world)
    byn_case = _byn_case(people, byn_lead, byn_unit, world.category)
    clue = coop.clue_create(
        actor=world.org.lead_a,
        owner_unit=world.org.squadron_a,
        title="跨市贩卖野生鸟类团伙",
        content="白色面包车,周末夜间在黄河湿地张网捕鸟。",
        category="wildlife",
        share_with=[bayannur],
    )
    return Partners(world, bayannur, byn_unit, byn_lead, byn_officer, people, byn_case, wuhai_lead, own_case, clue)


def _detail(p: Partners) -> str:
    return reverse("cases:clue-detail", args=[p.clue.pk])


# --- visibility -----------------------------------------------------------------------------------


def test_shared_clue_is_visible_to_the_partner_bureau_only(client: Any, partners: Partners) -> None:
    p = partners
    org = p.w.org
    for user in (org.lead_a, org.leader, p.byn_lead, p.byn_officer):
        assert Clue.objects.visible_to(user).filter(pk=p.clue.pk).exists(), user
        client.force_login(user)
        assert client.get(_detail(p)).status_code == 200
        assert p.clue.title in client.get(reverse("cases:clue-list")).content.decode()
    # a third bureau it was not shared with, and the owner bureau's other squadron (normal scope)
    for user in (p.wuhai_lead, org.lead_b):
        client.force_login(user)
        assert client.get(_detail(p)).status_code == 404
        assert p.clue.title not in client.get(reverse("cases:clue-list")).content.decode()


def test_unshared_clue_is_404_for_the_partner(client: Any, partners: Partners) -> None:
    p = partners
    private = coop.clue_create(
        actor=p.w.org.lead_a, owner_unit=p.w.org.squadron_a, title="内部线索", content="只在本局研判", share_with=[]
    )
    client.force_login(p.byn_lead)
    assert client.get(reverse("cases:clue-detail", args=[private.pk])).status_code == 404
    assert "内部线索" not in client.get(reverse("cases:clue-list")).content.decode()
    before = ClueComment.objects.count()
    response = client.post(reverse("cases:clue-comment", args=[private.pk]), {"content": "试图留言"})
    assert response.status_code == 404
    assert ClueComment.objects.count() == before


def test_partner_sees_nothing_else_of_the_owner_bureau(client: Any, partners: Partners) -> None:
    p = partners
    org = p.w.org
    client.force_login(p.byn_lead)
    assert client.get(reverse("cases:case-detail", args=[p.own_case.pk])).status_code == 404
    assert client.get(reverse("org:person-detail", args=[org.person_a.pk])).status_code == 404
    assert client.get(reverse("org:unit-detail", args=[org.squadron_a.pk])).status_code == 404
    assert not Case.objects.visible_to(p.byn_lead).filter(pk=p.own_case.pk).exists()
    # …and the other way round: the owner side cannot open the partner's case or people
    client.force_login(org.lead_a)
    assert client.get(reverse("cases:case-detail", args=[p.byn_case.pk])).status_code == 404
    assert client.get(reverse("org:person-detail", args=[p.byn_people[0].pk])).status_code == 404
    client.force_login(org.leader)
    assert client.get(reverse("cases:case-detail", args=[p.byn_case.pk])).status_code == 404


# --- comments and links ---------------------------------------------------------------------------


def test_both_sides_comment_and_see_each_others_comments(client: Any, partners: Partners) -> None:
    p = partners
    client.force_login(p.byn_lead)
    response = client.post(reverse("cases:clue-comment", args=[p.clue.pk]), {"content": "我局查获同类车辆,正在比对"})
    assert response.status_code == 302
    comment = ClueComment.objects.get(clue=p.clue)
    assert comment.bureau == p.bayannur and comment.author == p.byn_lead
    assert AuditLog.objects.filter(event="cases.clue.comment", actor_id=p.byn_lead.pk).exists()
    client.force_login(p.w.org.lead_a)
    page = client.get(_detail(p)).content.decode()
    assert "我局查获同类车辆,正在比对" in page and "巴彦淖尔市公安局" in page
    # an empty comment is a field error, nothing saved
    response = client.post(reverse("cases:clue-comment", args=[p.clue.pk]), {"content": "  "})
    assert response.status_code == 400
    assert ClueComment.objects.count() == 1


def test_partner_links_its_own_case_and_the_owner_sees_only_that_a_partner_did(client: Any, partners: Partners) -> None:
    p = partners
    client.force_login(p.byn_lead)
    response = client.post(
        reverse("cases:clue-link", args=[p.clue.pk]), {"case_number": p.byn_case.number, "note": "车辆吻合"}
    )
    assert response.status_code == 302
    link = ClueCaseLink.objects.get(clue=p.clue)
    assert link.case == p.byn_case and link.bureau == p.bayannur
    assert AuditLog.objects.filter(event="cases.clue.link_case", actor_id=p.byn_lead.pk).exists()
    partner_page = client.get(_detail(p)).content.decode()
    assert p.byn_case.number in partner_page and p.byn_case.title in partner_page

    client.force_login(p.w.org.lead_a)
    owner_page = client.get(_detail(p)).content.decode()
    assert "巴彦淖尔市公安局 已将本线索关联到其案件 1 起" in owner_page
    assert p.byn_case.number not in owner_page and p.byn_case.title not in owner_page
    view = coop.clue_links_for(p.w.org.lead_a, p.clue)
    assert view.own == [] and view.partner_notices == [("巴彦淖尔市公安局", 1)]


def test_partner_cannot_link_the_owners_case(client: Any, partners: Partners) -> None:
    p = partners
    client.force_login(p.byn_lead)
    response = client.post(reverse("cases:clue-link", args=[p.clue.pk]), {"case_number": p.own_case.number})
    assert response.status_code == 400
    assert "未找到本单位可关联的该编号案件" in response.content.decode()
    with pytest.raises(ValidationError):
        coop.clue_link_case(actor=p.byn_lead, clue=p.clue, case=p.own_case)
    assert not ClueCaseLink.objects.exists()


def test_owner_links_its_own_case_and_partner_does_not_see_it(partners: Partners) -> None:
    p = partners
    coop.clue_link_case(actor=p.w.org.lead_a, clue=p.clue, case=p.own_case)
    view = coop.clue_links_for(p.byn_lead, p.clue)
    assert view.own == [] and view.partner_notices == []
    assert [link.case for link in coop.clue_links_for(p.w.org.lead_a, p.clue).own] == [p.own_case]


def test_a_third_bureau_learns_nothing_of_another_partners_link(partners: Partners) -> None:
    p = partners
    wuhai = Unit.objects.get(code="152900G00000")
    coop.clue_update(
        actor=p.w.org.lead_a,
        clue=p.clue,
        title=p.clue.title,
        content=p.clue.content,
        category=p.clue.category,
        status="open",
        share_with=[p.bayannur, wuhai],
    )
    coop.clue_link_case(actor=p.byn_lead, clue=p.clue, case=p.byn_case)
    view = coop.clue_links_for(p.wuhai_lead, p.clue)
    assert view.own == [] and view.partner_notices == []


# --- writes ---------------------------------------------------------------------------------------


def test_only_the_owner_side_edits_or_reshares(client: Any, partners: Partners) -> None:
    p = partners
    url = reverse("cases:clue-edit", args=[p.clue.pk])
    client.force_login(p.byn_lead)
    before = Clue.objects.values().get(pk=p.clue.pk)
    response = client.post(url, {"title": "改掉", "content": "x", "category": "other", "status": "closed"})
    assert response.status_code == 403
    assert Clue.objects.values().get(pk=p.clue.pk) == before
    client.force_login(p.w.org.lead_a)
    wuhai = Unit.objects.get(code="152900G00000")
    response = client.post(
        url,
        {
            "title": "跨市贩卖野生鸟类团伙(已核实)",
            "content": "车辆已锁定",
            "category": "wildlife",
            "status": "verified",
            "share_with": [wuhai.pk],
        },
    )
    assert response.status_code == 302
    p.clue.refresh_from_db()
    assert p.clue.status == "verified"
    assert list(ClueShare.objects.filter(clue=p.clue).values_list("bureau__code", flat=True)) == ["152900G00000"]
    assert AuditLog.objects.filter(event="cases.clue.update").exists()
    # un-shared: 巴彦淖尔 no longer sees it
    client.force_login(p.byn_lead)
    assert client.get(_detail(p)).status_code == 404


def test_create_validates_fields_and_partners(client: Any, partners: Partners) -> None:
    p = partners
    count = Clue.objects.count()
    client.force_login(p.w.org.lead_a)
    response = client.post(
        reverse("cases:clue-create"),
        {"owner_unit": p.w.org.squadron_a.pk, "title": "", "content": "", "category": "wildlife"},
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "线索标题" in body and "is-invalid" in body
    assert Clue.objects.count() == count
    with pytest.raises(ValidationError) as exc:
        coop.clue_create(
            actor=p.w.org.lead_a,
            owner_unit=p.w.org.squadron_a,
            title="t",
            content="c",
            share_with=[p.w.org.detachment],
        )
    assert "share_with" in exc.value.message_dict
    with pytest.raises(PermissionDenied):
        coop.clue_create(actor=p.w.org.lead_a, owner_unit=p.w.org.squadron_b, title="t", content="c")
    assert Clue.objects.count() == count
    response = client.post(
        reverse("cases:clue-create"),
        {
            "owner_unit": p.w.org.squadron_a.pk,
            "title": "新线索",
            "content": "内容",
            "category": "environment",
            "share_with": [p.bayannur.pk],
        },
    )
    assert response.status_code == 302
    created = Clue.objects.get(title="新线索")
    assert AuditLog.objects.filter(event="cases.clue.create", object_id=str(created.pk)).exists()


def test_clue_pages_scope_rules(client: Any, partners: Partners) -> None:
    p = partners
    assert_scope_rules(
        client,
        url_for_own=_detail(p),
        permitted_user=p.byn_lead,
        no_permission_user=p.w.org.nobody,
        other_unit_user=p.wuhai_lead,
        write=WriteCheck(
            "post",
            reverse("cases:clue-comment", args=[p.clue.pk]),
            {"content": "越权留言"},
            lambda: ClueComment.objects.count(),
        ),
    )
    assert_scope_rules(
        client,
        url_for_own=reverse("cases:clue-list"),
        permitted_user=p.w.org.lead_a,
        no_permission_user=p.w.org.political,
        url_for_other_unit=_detail(p).replace(str(p.clue.pk), str(p.clue.pk + 999)),
    )


def test_clue_list_query_count_does_not_grow(
    client: Any, partners: Partners, django_assert_max_num_queries: Any
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    p = partners
    client.force_login(p.byn_lead)

    def add(n: int) -> None:
        for i in range(n):
            clue = coop.clue_create(
                actor=p.w.org.lead_a,
                owner_unit=p.w.org.squadron_a,
                title=f"线索{i}",
                content="c",
                share_with=[p.bayannur],
            )
            coop.clue_comment(actor=p.byn_lead, clue=clue, content="收到")

    add(4)
    with CaptureQueriesContext(connection) as five:
        assert client.get(reverse("cases:clue-list")).status_code == 200
    add(20)
    with CaptureQueriesContext(connection) as many:
        assert client.get(reverse("cases:clue-list")).status_code == 200
    assert len(many) == len(five)
