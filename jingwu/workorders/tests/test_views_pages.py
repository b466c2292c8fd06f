"""Work-order pages: scope rules, list filters and query budget, intake with repeats, detail, my work."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from jingwu.core.home import pending_for
from jingwu.core.models import AuditLog
from jingwu.testing.scope_suite import WriteCheck, assert_scope_rules
from jingwu.workorders import services
from jingwu.workorders.models import RepeatLink, WorkOrder

from .helpers import category, make_order, t

pytestmark = pytest.mark.django_db


def test_list_and_detail_obey_scope(client, org):
    mine = make_order(org.squadron_a, content="甲中队的工单")
    theirs = make_order(org.squadron_b, content="乙中队的工单")
    assert_scope_rules(
        client,
        url_for_own=f"/workorders/{mine.pk}/",
        url_for_other_unit=f"/workorders/{theirs.pk}/",
        permitted_user=org.lead_a,
        no_permission_user=org.political,
        other_unit_user=org.lead_b,
        write=WriteCheck(
            "post",
            f"/workorders/{mine.pk}/act/accept/",
            {},
            lambda: WorkOrder.objects.values("state", "accepted_at").get(pk=mine.pk),
        ),
    )
    client.force_login(org.lead_a)
    page = client.get("/workorders/").content.decode()
    assert mine.number in page and theirs.number not in page
    for url in ("/workorders/", "/workorders/mine/", "/workorders/intake/", "/workorders/export/"):
        client.force_login(org.political)
        assert client.get(url).status_code == 403, url
        client.logout()
        assert client.get(url).status_code == 302, url


def test_list_rows_escape_what_citizens_typed(client, org):
    order = make_order(
        org.squadron_a, content='<script>alert("x")</script> & 门口', address="<b>幸福路</b>", exempted=True
    )
    client.force_login(org.lead_a)
    page = client.get("/workorders/").content.decode()
    row = page[page.index(f'<tr data-number="{order.number}">') :]
    row = row[: row.index("</tr>")]
    assert "<script>" not in row and "<b>" not in row
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; 门口" in row and "&lt;b&gt;幸福路&lt;/b&gt;" in row
    assert f'href="/workorders/{order.pk}/"' in row and "免考核" in row


def test_list_filters_search_and_sort(client, org):
    late = make_order(org.squadron_a, content="路灯不亮", address="幸福路1号", due_at=t("2023-05-05 18:00"))
    done = make_order(
        org.squadron_b,
        content="噪音扰民",
        address="和平街2号",
        state=WorkOrder.State.CLOSED,
        completed_at=t("2023-05-06 10:00"),
        exempted=True,
        source=WorkOrder.Source.HOTLINE,
    )
    consult = make_order(
        org.squadron_a, content="咨询驾照", category=category("consult"), received_at=t("2023-06-01 09:00")
    )
    client.force_login(org.leader)

    def numbers(query: str) -> set[str]:
        response = client.get(f"/workorders/?{query}")
        assert response.status_code == 200
        return {o.number for o in response.context["page"].object_list}

    assert numbers("q=幸福路") == {late.number}
    assert numbers("q=噪音") == {done.number}
    assert numbers("deadline=overdue") == {late.number, consult.number}  # open and past due (fixture dates)
    assert numbers("deadline=met_late") == set()
    assert numbers("deadline=met") == {done.number}
    assert numbers("exempted=yes") == {done.number}
    assert numbers("source=hotline_import") == {done.number}
    assert numbers(f"category={category('consult').pk}") == {consult.number}
    assert numbers(f"unit={org.brigade.pk}&sub=on") == {late.number, done.number, consult.number}
    assert numbers(f"unit={org.brigade.pk}") == set()
    assert numbers(f"unit={org.squadron_b.pk}") == {done.number}
    assert numbers("received_from=2023-05-20&received_to=2023-06-30") == {consult.number}
    assert numbers(f"state={WorkOrder.State.CLOSED}") == {done.number}
    page = client.get("/workorders/?o=received").context["page"]
    assert page.object_list[len(page.object_list) - 1].number == consult.number
    # an invalid filter shows an error and no rows rather than everything
    response = client.get("/workorders/?state=nonsense")
    assert response.status_code == 200 and not response.context["page"].object_list
    assert "筛选条件有误" in response.content.decode()


def test_list_repeat_filter(client, org):
    a = make_order(org.squadron_a)
    b = make_order(org.squadron_a)
    plain = make_order(org.squadron_a)
    RepeatLink.objects.create(order=a, other=b, kind=RepeatLink.Kind.LINK, created_by=org.leader)
    client.force_login(org.leader)
    got = {o.number for o in client.get("/workorders/?repeat=repeat").context["page"].object_list}
    assert got == {a.number, b.number}
    got = {o.number for o in client.get("/workorders/?repeat=none").context["page"].object_list}
    assert got == {plain.number}


def test_list_query_count_does_not_grow_with_rows(client, org):
    client.force_login(org.leader)
    for _ in range(5):
        make_order(org.squadron_a)
    client.get("/workorders/")  # warm caches (calendar, schedules)
    with CaptureQueriesContext(connection) as five:
        assert client.get("/workorders/").status_code == 200
    for _ in range(20):
        make_order(org.squadron_b)
    with CaptureQueriesContext(connection) as twenty_five:
        response = client.get("/workorders/")
    assert len(response.context["page"].object_list) == 20  # pagination 20
    assert len(twenty_five.captured_queries) <= len(five.captured_queries)


def test_intake_form_validates_phone_and_changes_nothing(client, org):
    client.force_login(org.leader)
    before = WorkOrder.objects.count()
    response = client.post(
        "/workorders/intake/",
        {
            "citizen_name": "王女士",
            "citizen_phone": "12345",
            "address": "幸福路88号",
            "category": category().pk,
            "content": "门口乱停车",
            "received_at": "2023-05-08T09:00",
        },
    )
    assert response.status_code == 400
    assert "联系电话" in response.content.decode() and "无效" in response.content.decode()
    assert WorkOrder.objects.count() == before


def test_intake_then_repeats_then_merge(client, org):
    first = services.work_order_intake(
        actor=org.leader,
        category=category(),
        content="幸福小区门口机动车乱停放堵塞消防通道",
        citizen_phone="13912345678",
        address="幸福路88号幸福小区",
        intake_unit=org.brigade,
    ).order
    client.force_login(org.leader)
    response = client.post(
        "/workorders/intake/",
        {
            "citizen_name": "王女士",
            "citizen_phone": "139 1234 5678",
            "address": "幸福路88号幸福小区",
            "category": category().pk,
            "content": "幸福小区门口机动车乱停放,堵塞消防通道",
            "received_at": "",
        },
    )
    assert response.status_code == 400  # received time is required
    data = {
        "citizen_name": "王女士",
        "citizen_phone": "139 1234 5678",
        "address": "幸福路88号幸福小区",
        "category": category().pk,
        "content": "幸福小区门口机动车乱停放,堵塞消防通道",
        "received_at": "2030-01-01T09:00",
    }
    data["received_at"] = first.received_at.astimezone().strftime("%Y-%m-%dT%H:%M")
    response = client.post("/workorders/intake/", data)
    second = WorkOrder.objects.exclude(pk=first.pk).get()
    assert response.status_code == 302 and response["Location"] == f"/workorders/{second.pk}/repeats/"
    assert second.source == WorkOrder.Source.FORM and second.citizen_phone == "13912345678"
    page = client.get(response["Location"])
    assert first.number in page.content.decode() and "同一来电号码" in page.content.decode()
    response = client.post(f"/workorders/{second.pk}/repeats/", {"kind": "merge", "other": first.number})
    assert response.status_code == 302 and response["Location"] == f"/workorders/{first.pk}/"
    second.refresh_from_db()
    assert second.state == WorkOrder.State.MERGED and second.merged_into_id == first.pk


def test_repeat_link_and_refusal_of_unknown_number(client, org):
    a = make_order(org.squadron_a, phone_index="x")
    b = make_order(org.squadron_a)
    client.force_login(org.lead_a)
    response = client.post(f"/workorders/{a.pk}/repeats/", {"kind": "link", "other": "NOPE"})
    assert response.status_code == 400 and "工单不存在" in response.content.decode()
    response = client.post(f"/workorders/{a.pk}/repeats/", {"kind": "link", "other": b.number})
    assert response.status_code == 302
    assert RepeatLink.objects.filter(order=a, other=b, kind="link").exists()
    other_squadron = make_order(org.squadron_b)
    response = client.post(f"/workorders/{a.pk}/repeats/", {"kind": "link", "other": other_squadron.number})
    assert response.status_code == 400
    assert not RepeatLink.objects.filter(other=other_squadron).exists()


def test_detail_masks_phone_and_reveal_is_audited(client, org):
    order = make_order(org.squadron_a, citizen_phone="13912345678", citizen_name="王小明")
    client.force_login(org.lead_a)
    page = client.get(f"/workorders/{order.pk}/").content.decode()
    assert "139****5678" in page and "13912345678" not in page and "王**" in page
    assert "jw-reveal" not in page  # a squadron lead may not reveal
    assert client.post(f"/workorders/{order.pk}/reveal/").status_code == 403
    refused = AuditLog.objects.get(event="workorders.reveal", actor_username="lead_a")
    assert refused.success is False
    client.force_login(org.leader)
    page = client.get(f"/workorders/{order.pk}/").content.decode()
    assert "jw-reveal" in page
    response = client.post(f"/workorders/{order.pk}/reveal/")
    assert response.status_code == 200 and "13912345678" in response.content.decode()
    assert AuditLog.objects.filter(event="workorders.reveal", actor_username="leader", success=True).count() == 1


def test_my_work_lists_what_to_sign_for_sorted_by_deadline_and_home_links(client, org):
    later = make_order(org.squadron_a, response_due_at=t("2023-05-04 15:00"))
    sooner = make_order(org.squadron_a, response_due_at=t("2023-05-04 10:00"))
    other = make_order(org.squadron_b)
    client.force_login(org.lead_a)
    response = client.get("/workorders/mine/")
    assert response.status_code == 200
    sign = next(s for s in response.context["sections"] if s.key == "sign")
    assert [i.order.number for i in sign.items] == [sooner.number, later.number]
    assert other.number not in response.content.decode()
    items = pending_for(org.lead_a).items
    urls = {i.url for i in items if sooner.number in i.title}
    assert urls == {f"/workorders/{sooner.pk}/"}
