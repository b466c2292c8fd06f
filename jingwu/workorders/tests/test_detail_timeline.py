"""The order page says what each step did: 派单 names the unit (role, level), 退单 its reason, 延期 and
挂起 the new deadline; the sign-for line says 已签收 (on time or late), not 已办结; on a reopened order
the 回访结果 line is the previous round's callback, named as such."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from jingwu.core.calendar import TZ
from jingwu.workorders import services
from jingwu.workorders.models import WorkOrder

from .helpers import make_order

pytestmark = pytest.mark.django_db


def text_of(html: str, element_id: str) -> str:
    """The text inside the element with ``element_id`` (tags dropped, spaces squeezed)."""
    start = html.index(f'id="{element_id}"')
    start = html.index(">", start) + 1
    depth, i = 1, start
    tag = re.compile(r"<(/?)(div|dl|dd)\b[^>]*>")
    for m in tag.finditer(html, start):
        depth += -1 if m.group(1) else 1
        if depth == 0:
            i = m.start()
            break
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html[start:i])).strip()


def local(value: dt.datetime) -> str:
    return value.astimezone(TZ).strftime("%Y-%m-%d %H:%M")


@pytest.fixture
def lived(fixed_now, org):
    """An order taken through dispatch, a rejected return, an extension, a suspension and an
    unsatisfied callback (so reopened), all through the services (at a fixed date: the steps take
    "now", and their deadlines must stay in a year the working calendar covers)."""
    now = timezone.now()
    order = make_order(
        org.brigade,
        state=WorkOrder.State.RECEIVED,
        received_at=now - dt.timedelta(minutes=30),
        dispatched_at=None,
        response_due_at=None,
        clock_started_at=None,
        due_at=None,
        original_due_at=None,
    )
    services.work_order_dispatch(actor=org.leader, order=order, unit=org.squadron_a, reason="辖区")
    services.work_order_accept(actor=org.lead_a, order=order)
    ret = services.work_order_return(actor=org.lead_a, order=order, reason_code="address_unclear", reason="门牌不详")
    services.return_decide(actor=org.leader, request=ret, approve=False, decision="请核实")
    services.work_order_contact(actor=org.lead_a, order=order, channel="phone", result="已联系")
    order.refresh_from_db()
    extend_to = (order.due_at + dt.timedelta(days=2)).replace(second=0, microsecond=0)
    ext = services.extension_request(actor=org.lead_a, order=order, reason="需现场复核", new_due_at=extend_to)
    services.extension_decide(actor=org.leader, request=ext, approve=True, decision="同意")
    resume_by = (timezone.now() + dt.timedelta(days=1)).replace(second=0, microsecond=0)
    sus = services.suspension_request(actor=org.lead_a, order=order, reason="等待鉴定", resume_by=resume_by)
    services.suspension_decide(actor=org.leader, request=sus, approve=True, decision="同意")
    services.work_order_resume(actor=org.lead_a, order=order)
    services.work_order_complete(actor=org.lead_a, order=order, reply="已处理", result="solved")
    services.work_order_callback(
        actor=org.leader, order=order, reached=True, resolved=True, satisfaction="unsatisfied", comment="态度不好"
    )
    order.refresh_from_db()
    assert order.state == WorkOrder.State.HANDLING and order.reopen_count == 1
    return order, extend_to, resume_by


def test_timeline_names_unit_reason_and_new_deadlines(client, org, lived):
    order, extend_to, resume_by = lived
    client.force_login(org.leader)
    html = client.get(f"/workorders/{order.pk}/").content.decode()
    timeline = text_of(html, "jw-wo-timeline")
    assert "派至甲中队(主办,第1级)" in timeline
    assert "退单原因:地址不详" in timeline
    assert f"申请延至 {local(extend_to)}" in timeline
    assert f"办结时限延至 {local(extend_to)}" in timeline  # the approval says the deadline it set
    assert f"挂起至 {local(resume_by)}" in timeline
    assert "第1次回访:已解决 · 不满意" in timeline
    assert "重办时限" in timeline


def test_sign_for_badge_says_signed_and_callback_is_the_previous_round(client, org, lived):
    order, _, _ = lived
    client.force_login(org.leader)
    html = client.get(f"/workorders/{order.pk}/").content.decode()
    deadlines = text_of(html, "jw-wo-deadlines")
    sign_line = deadlines.split("办结时限")[0]
    assert "已签收·按时" in sign_line and "已办结" not in sign_line
    result = text_of(html, "jw-wo-callback-result")
    assert result.replace(" ", "").startswith("第1次回访(上一轮,已重办):已解决·不满意"), result
    assert "本轮尚未回访" in result


def test_late_sign_for_says_late(client, org):
    order = make_order(org.squadron_a, state=WorkOrder.State.ACCEPTED, accepted_at=timezone.now())
    client.force_login(org.lead_a)
    html = client.get(f"/workorders/{order.pk}/").content.decode()  # response due 2023-05-04 11:00
    assert "已签收·超时" in text_of(html, "jw-wo-deadlines").split("办结时限")[0]


def test_second_round_callback_is_numbered_over_every_round(client, org, lived):
    order, _, _ = lived
    services.work_order_contact(actor=org.lead_a, order=order, channel="visit", result="上门复查")
    services.work_order_complete(actor=org.lead_a, order=order, reply="已整改", result="solved")
    services.work_order_callback(actor=org.leader, order=order, reached=True, resolved=True, satisfaction="satisfied")
    client.force_login(org.leader)
    html = client.get(f"/workorders/{order.pk}/").content.decode()
    assert "第2次回访:已解决 · 满意" in text_of(html, "jw-wo-timeline")
    result = text_of(html, "jw-wo-callback-result").replace(" ", "")
    assert result.startswith("第2次回访:已解决·满意") and "上一轮" not in result
