"""涉警投诉 (issue step 11) beyond intake: no dispatch or 催办/通报 to the accused unit, marking an
imported order as a complaint about the police afterwards, and the hint "疑似涉警投诉"."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from jingwu.core.models import Notification
from jingwu.core.workflow import TransitionNotAllowed
from jingwu.testing.factories import make_person, make_unit, make_user
from jingwu.workorders import services
from jingwu.workorders.models import WorkOrder
from jingwu.workorders.services.supervision import _recipients

from .helpers import category, grant, t

pytestmark = pytest.mark.django_db


@pytest.fixture
def inspector(org):
    return make_user("inspector", "discipline", org.brigade)


def complaint(org, accused=None, **extra):
    return services.work_order_intake(
        actor=org.leader,
        category=category(extra.pop("code", "complaint")),
        content=extra.pop("content", "甲中队民警执法态度恶劣"),
        citizen_phone="13800001111",
        received_at=t("2023-05-08 09:00"),
        intake_unit=org.brigade,
        accused_unit=accused,
        source=extra.pop("source", "form"),
        **extra,
    ).order


def test_a_complaint_is_never_dispatched_to_the_accused_unit_or_below(client, org, inspector):
    group = make_unit(org.squadron_a, "150621000101", "甲中队一组")
    order = complaint(org, accused=org.squadron_a)
    services.work_order_accept(actor=inspector, order=order, at=t("2023-05-08 09:30"))
    for target in (org.squadron_a, group):
        with pytest.raises(ValidationError) as info:
            services.work_order_dispatch(actor=org.leader, order=order, unit=target)
        assert "被投诉单位" in info.value.message_dict["unit"][0]
    order.refresh_from_db()
    assert order.unit == org.brigade and order.legs.count() == 1
    # the page neither offers the accused unit nor takes it
    client.force_login(org.leader)
    panel = {e["action"].key: e for e in client.get(f"/workorders/{order.pk}/").context["panel"]}
    offered = set(panel["dispatch"]["form"].fields["unit"].queryset.values_list("pk", flat=True))
    assert org.squadron_a.pk not in offered and group.pk not in offered and org.squadron_b.pk in offered
    r = client.post(f"/workorders/{order.pk}/act/dispatch/", {"dispatch-unit": org.squadron_a.pk})
    assert r.status_code == 400
    # another squadron may take it (and assist), the accused one never
    services.work_order_dispatch(actor=org.leader, order=order, unit=org.squadron_b)
    with pytest.raises(ValidationError):
        services.work_order_assist(actor=org.leader, order=order, unit=group, task="提供执法记录仪视频")


def test_a_rule_never_routes_a_complaint_to_the_accused_unit(org, inspector):
    services.routing_rule_save(actor=org.leader, unit=org.squadron_a, priority=1)  # everything → 甲中队
    services.routing_rule_save(actor=org.leader, unit=org.squadron_b, category=category("complaint"), priority=50)
    order = complaint(org, accused=org.squadron_a)
    services.work_order_accept(actor=inspector, order=order)
    leg = services.work_order_dispatch(actor=org.leader, order=order)
    assert leg.to_unit == org.squadron_b


def test_urge_and_notice_never_reach_the_accused_unit(org, inspector):
    order = complaint(org, accused=org.squadron_a)
    # a lead of the brigade who also leads the accused squadron, and one who serves there in person
    both = grant(make_user("both", "leadership", org.brigade), "unit_lead", org.squadron_a)
    serving = make_user("serving", "leadership", org.brigade, person=make_person(org.squadron_a, "钱多多"))
    recipients = set(_recipients(order))
    assert org.leader in recipients and both not in recipients and serving not in recipients
    services.work_order_urge(actor=org.leader, order=order, content="请加快办理")
    services.work_order_notice(actor=org.leader, order=order, content="予以通报")
    told = set(Notification.objects.values_list("recipient__username", flat=True))
    assert "leader" in told and not told & {"both", "serving", "lead_a", "officer_a"}
    plain = complaint(org, code="help", content="请求协助挪车")  # no accused unit: the unit's leads
    assert {org.leader, both, serving} <= set(_recipients(plain))


def test_an_imported_order_is_marked_as_a_complaint_about_an_officer_and_hidden(client, org, inspector):
    order = complaint(org, source="hotline_import", source_number="12345-0001", content="甲中队民警张三丰态度恶劣")
    services.work_order_dispatch(actor=org.leader, order=order, unit=org.squadron_a, at=t("2023-05-08 09:10"))
    services.work_order_accept(actor=org.lead_a, order=order, at=t("2023-05-08 09:20"))
    client.force_login(org.leader)
    page = client.get(f"/workorders/{order.pk}/").content.decode()
    assert "疑似涉警投诉" in page and 'data-action="mark_complaint"' in page

    client.force_login(inspector)
    r = client.post(f"/workorders/{order.pk}/act/mark_complaint/", {"mark_complaint-reason": "投诉民警"})
    assert r.status_code == 400 and "被投诉单位" in r.content.decode()  # neither unit nor officer
    r = client.post(
        f"/workorders/{order.pk}/act/mark_complaint/",
        {"mark_complaint-accused_person": org.person_a.pk, "mark_complaint-reason": "投诉甲中队民警张三丰"},
    )
    assert r.status_code == 302
    order.refresh_from_db()
    assert order.accused_unit == org.squadron_a and order.complaint_about_officer
    assert order.unit == org.brigade and order.state == WorkOrder.State.DISPATCHED
    assert order.dispatched_at == t("2023-05-08 09:10")  # the clock kept
    open_legs = list(order.legs.filter(closed_at__isnull=True))
    assert [(leg.to_unit, leg.accepted_at) for leg in open_legs] == [(org.brigade, None)]
    assert order.legs.get(to_unit=org.squadron_a).closed_at is not None
    assert "疑似涉警投诉" not in client.get(f"/workorders/{order.pk}/").content.decode()
    for user in (org.lead_a, org.officer_a):  # the accused squadron: as if it did not exist
        client.force_login(user)
        assert client.get(f"/workorders/{order.pk}/").status_code == 404
        assert order.number not in client.get("/workorders/").content.decode()
    services.work_order_accept(actor=inspector, order=order)  # 督察 signs for and handles it


def test_marking_by_the_dispatcher_and_refusals(org, inspector):
    order = complaint(org, source="hotline_import", source_number="12345-0002")
    with pytest.raises(ValidationError) as info:  # the officer must be of the named unit
        services.work_order_mark_complaint(
            actor=org.leader, order=order, accused_unit=org.squadron_b, accused_person=org.person_a, reason="x"
        )
    assert "accused_person" in info.value.message_dict
    with pytest.raises(ValidationError):  # a reason is required
        services.work_order_mark_complaint(actor=org.leader, order=order, accused_unit=org.squadron_b, reason=" ")
    with pytest.raises((TransitionNotAllowed, PermissionDenied)):  # no 涉警投诉 capability
        services.work_order_mark_complaint(actor=org.officer_a, order=order, accused_unit=org.squadron_b, reason="x")
    leg = services.work_order_mark_complaint(
        actor=org.leader, order=order, accused_unit=org.squadron_b, reason="投诉乙中队", at=t("2023-05-08 10:00")
    )
    order.refresh_from_db()
    assert leg.to_unit == org.brigade and order.accused_unit == org.squadron_b
    assert order.response_due_at == t("2023-05-08 12:00")  # never dispatched before: the clock starts now
    with pytest.raises(ValidationError):  # once only
        services.work_order_mark_complaint(actor=org.leader, order=order, accused_unit=org.squadron_a, reason="x")
    consult = complaint(org, code="consult", content="咨询民警执勤时间")
    with pytest.raises(ValidationError) as info:  # needs a complaint category
        services.work_order_mark_complaint(actor=org.leader, order=consult, accused_unit=org.squadron_a, reason="x")
    assert "投诉或举报类" in info.value.message_dict["accused_unit"][0]


def test_the_hint_is_one_configurable_keyword_rule(settings):
    complaint_, help_ = category("complaint"), category("help")
    assert services.police_complaint_hint(complaint_, "甲中队民警态度恶劣") == ["民警", "中队"]
    assert services.police_complaint_hint(help_, "请民警帮忙挪车") == []
    assert services.police_complaint_hint(complaint_, "小区门口乱停车") == []
    # asking the police to act is not a complaint about them
    assert services.police_complaint_hint(complaint_, "路口长期拥堵,请交警部门处理") == []
    settings.WORKORDERS_POLICE_COMPLAINT_KEYWORDS = ["协勤"]
    assert services.police_complaint_hint(complaint_, "协勤人员态度差,民警也不管") == ["协勤"]


def test_the_intake_form_warns_of_a_suspected_complaint_about_the_police(client, org):
    client.force_login(org.leader)
    data = {
        "citizen_phone": "13800001111",
        "category": category("complaint").pk,
        "content": "交警执勤时态度恶劣",
        "received_at": "2023-05-08T09:00",
    }
    r = client.post("/workorders/intake/", data, follow=True)
    assert r.status_code == 200
    texts = [str(m) for m in r.context["messages"]]
    assert any("疑似涉警投诉" in m and "交警" in m for m in texts)
    r = client.post("/workorders/intake/", {**data, "content": "门口乱停车"}, follow=True)
    assert not any("疑似涉警投诉" in str(m) for m in r.context["messages"])
