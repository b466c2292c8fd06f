"""派单规则 and 诉求类别 pages (list, create, edit, deactivate; scope; field errors), dispatch by rule,
and the action panel showing a decision only to those the service lets decide."""

from __future__ import annotations

import pytest

from jingwu.core.models import AuditLog
from jingwu.core.navigation import navigation_for
from jingwu.testing.factories import make_unit, make_user
from jingwu.workorders import services
from jingwu.workorders.models import Category, RoutingRule, WorkOrder

from .helpers import category, t

pytestmark = pytest.mark.django_db

RULES = "/workorders/config/rules/"
CATEGORIES = "/workorders/config/categories/"


def rule_data(target, **changes):
    data = {
        "category": category("complaint").pk,
        "area_keyword": "幸福路",
        "unit": target.pk,
        "priority": "10",
        "active": "on",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def intake(org, address="幸福路88号幸福小区", code="complaint", content="小区门口机动车乱停放", **extra):
    return services.work_order_intake(
        actor=org.leader,
        category=category(code),
        content=content,
        citizen_phone="13912345678",
        address=address,
        received_at=t("2023-05-08 09:00"),
        intake_unit=org.brigade,
        **extra,
    ).order


def test_the_dispatcher_lists_creates_edits_and_deactivates_rules(client, org):
    client.force_login(org.leader)
    labels = [str(i.label) for g in navigation_for(org.leader, RULES) for i in g.items]
    assert "派单规则" in labels and "诉求类别" in labels
    assert client.get(RULES).status_code == 200
    assert client.get(f"{RULES}new/").status_code == 200

    r = client.post(f"{RULES}new/", rule_data(org.squadron_a))
    assert r.status_code == 302 and r["Location"] == RULES
    rule = RoutingRule.objects.get()
    assert (rule.category.code, rule.area_keyword, rule.unit, rule.priority, rule.active) == (
        "complaint",
        "幸福路",
        org.squadron_a,
        10,
        True,
    )
    page = client.get(RULES).content.decode()
    assert f'data-rule="{rule.pk}"' in page and "甲中队" in page and "幸福路" in page

    assert client.get(f"{RULES}{rule.pk}/").status_code == 200
    r = client.post(f"{RULES}{rule.pk}/", rule_data(org.squadron_b, category="", priority="20"))
    assert r.status_code == 302
    rule.refresh_from_db()
    assert (rule.category, rule.unit, rule.priority) == (None, org.squadron_b, 20)

    assert client.post(f"{RULES}{rule.pk}/toggle/").status_code == 302
    rule.refresh_from_db()
    assert rule.active is False
    assert "已停用" in client.get(RULES).content.decode()
    assert AuditLog.objects.filter(event="workorders.routing_rule_save").count() == 3


def test_another_units_rule_is_not_found(client, org):
    other_brigade = make_unit(org.detachment, "150622000000", "乙大队", "brigade")
    theirs = RoutingRule.objects.create(area_keyword="乙镇", unit=other_brigade)
    squadron_b_rule = RoutingRule.objects.create(area_keyword="乙村", unit=org.squadron_b)
    client.force_login(org.leader)  # the brigade: its own squadrons' rules, not another brigade's
    page = client.get(RULES).content.decode()
    assert f'data-rule="{squadron_b_rule.pk}"' in page and f'data-rule="{theirs.pk}"' not in page
    assert client.get(f"{RULES}{theirs.pk}/").status_code == 404
    assert client.post(f"{RULES}{theirs.pk}/toggle/").status_code == 404
    assert client.post(f"{RULES}{theirs.pk}/", rule_data(org.squadron_a)).status_code == 404
    client.force_login(org.lead_a)  # a squadron's dispatcher: only rules for its own squadron
    assert f'data-rule="{squadron_b_rule.pk}"' not in client.get(RULES).content.decode()
    assert client.get(f"{RULES}{squadron_b_rule.pk}/").status_code == 404
    theirs.refresh_from_db()
    squadron_b_rule.refresh_from_db()
    assert theirs.active and theirs.unit == other_brigade and squadron_b_rule.active
    client.force_login(org.officer_a)  # no dispatch capability
    assert client.get(RULES).status_code == 403


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"priority": "-1"}, "priority", "0~9999"),
        ({"priority": "abc"}, "priority", ""),
        ({"unit": ""}, "unit", ""),
        ({"area_keyword": "幸" * 101}, "area_keyword", ""),
        ({"unit": "branch"}, "unit", ""),
    ],
)
def test_bad_rule_input_is_refused_by_field(client, org, changes, field, words):
    if changes.get("unit") == "branch":
        changes = {"unit": org.branch.pk}
    client.force_login(org.leader)
    r = client.post(f"{RULES}new/", rule_data(org.squadron_a, **changes))
    assert r.status_code == 400
    errors = r.context["form"].errors
    assert field in errors and words in " ".join(errors[field])
    assert not RoutingRule.objects.exists()


def test_a_second_active_rule_for_the_same_category_and_keyword_is_refused(client, org):
    client.force_login(org.leader)
    assert client.post(f"{RULES}new/", rule_data(org.squadron_a)).status_code == 302
    r = client.post(f"{RULES}new/", rule_data(org.squadron_b))
    assert r.status_code == 400 and "相同类别和关键词" in " ".join(r.context["form"].errors["area_keyword"])
    assert RoutingRule.objects.count() == 1


def test_the_same_keyword_routes_once_per_level(client, org):
    """支队 → 大队 and 大队 → 中队 rules may share a category and keyword (two-level dispatch)."""
    client.force_login(org.leader)
    assert client.post(f"{RULES}new/", rule_data(org.brigade)).status_code == 302
    assert client.post(f"{RULES}new/", rule_data(org.squadron_a)).status_code == 302
    assert RoutingRule.objects.count() == 2


def test_dispatch_by_rule_from_the_order_page(fixed_now, client, org):
    rule = services.routing_rule_save(actor=org.leader, unit=org.squadron_b, area_keyword="幸福路", priority=5)
    services.routing_rule_save(actor=org.leader, unit=org.squadron_a, area_keyword="", priority=50)  # fallback
    order = intake(org)
    client.force_login(org.leader)
    page = client.get(f"/workorders/{order.pk}/").content.decode()
    assert "派单规则建议" in page and "乙中队" in page.split("jw-wo-suggestion")[1][:300]
    r = client.post(f"/workorders/{order.pk}/act/dispatch/", {"dispatch-by_rule": "on", "dispatch-reason": ""})
    assert r.status_code == 302
    order.refresh_from_db()
    leg = order.legs.get()
    assert order.unit == org.squadron_b and leg.by_rule == rule and order.state == WorkOrder.State.DISPATCHED

    # A rule of the nearest level below the dispatching unit wins: the 支队 dispatches to the brigade.
    desk = make_user("zhidui", "leadership", org.detachment)
    brigade_rule = services.routing_rule_save(actor=desk, unit=org.brigade, area_keyword="幸福", priority=100)
    at_detachment = services.work_order_intake(
        actor=desk,
        category=category("help"),
        content="请求协助",
        citizen_phone="13912345678",
        address="幸福路1号",
        intake_unit=org.detachment,
    ).order
    leg = services.work_order_dispatch(actor=desk, order=at_detachment)
    assert (leg.to_unit, leg.by_rule) == (org.brigade, brigade_rule)


def test_no_matching_rule_asks_for_a_unit(client, org):
    services.routing_rule_save(actor=org.leader, unit=org.squadron_a, area_keyword="光明路", active=False)
    order = intake(org)
    client.force_login(org.leader)
    r = client.post(f"/workorders/{order.pk}/act/dispatch/", {"dispatch-by_rule": "on"})
    assert r.status_code == 400 and "没有匹配的派单规则" in r.content.decode()
    order.refresh_from_db()
    assert order.state == WorkOrder.State.RECEIVED and not order.legs.exists()


def test_the_category_tree_page_and_its_editing(client, org):
    client.force_login(org.leader)
    page = client.get(CATEGORIES).content.decode()
    assert 'data-code="complaint"' in page and 'id="jw-category-new"' in page
    help_ = category("help")
    r = client.get(f"{CATEGORIES}{help_.pk}/")
    assert r.status_code == 200
    data = {k: v for k, v in r.context["form"].initial.items()}
    data.update(sign_for_amount="1", parent="", is_complaint="", active="on")
    r = client.post(f"{CATEGORIES}{help_.pk}/", data)
    assert r.status_code == 302, r.context["form"].errors if r.context else r
    help_.refresh_from_db()
    assert help_.sign_for_amount == 1 and help_.sign_for_limit.amount == 1

    new = {
        "code": "noise",
        "name": "噪音扰民",
        "parent": category("complaint").pk,
        "urgency": "normal",
        "is_complaint": "on",
        "sign_for_amount": "2",
        "sign_for_unit": help_.sign_for_unit,
        "complete_amount": "5",
        "complete_unit": help_.complete_unit,
        "callback_days": "1",
        "order": "9",
        "active": "on",
    }
    assert client.post(f"{CATEGORIES}new/", new).status_code == 302
    noise = Category.objects.get(code="noise")
    assert noise.parent == category("complaint") and "噪音扰民" in client.get(CATEGORIES).content.decode()

    r = client.post(f"{CATEGORIES}new/", new)  # the same code again
    assert r.status_code == 400 and "code" in r.context["form"].errors
    r = client.post(f"{CATEGORIES}new/", {**new, "code": "noise2", "complete_unit": "fortnights"})
    assert r.status_code == 400 and "complete_unit" in r.context["form"].errors
    parent = category("complaint")
    r = client.post(
        f"{CATEGORIES}{parent.pk}/", {**CategoryInitial.of(client, parent), "parent": noise.pk}
    )  # its own child as parent
    assert r.status_code == 400 and "parent" in r.context["form"].errors
    parent.refresh_from_db()
    assert parent.parent is None and Category.objects.filter(code__startswith="noise").count() == 1


class CategoryInitial:
    @staticmethod
    def of(client, c):
        data = dict(client.get(f"{CATEGORIES}{c.pk}/").context["form"].initial)
        return {k: ("on" if v is True else "" if v is False or v is None else v) for k, v in data.items()}


def test_a_squadron_dispatcher_sees_the_categories_but_may_not_change_them(client, org):
    client.force_login(org.lead_a)
    page = client.get(CATEGORIES)
    assert page.status_code == 200 and 'id="jw-category-new"' not in page.content.decode()
    help_ = category("help")
    assert client.get(f"{CATEGORIES}{help_.pk}/").status_code == 403
    assert client.post(f"{CATEGORIES}new/", {"code": "x", "name": "x"}).status_code == 403
    assert not Category.objects.filter(code="x").exists()


def test_the_return_decision_is_offered_only_to_who_may_decide(client, org):
    order = intake(org, code="help")
    services.work_order_dispatch(actor=org.leader, order=order, unit=org.squadron_a, at=t("2023-05-08 09:10"))
    services.work_order_return(actor=org.lead_a, order=order, reason_code="not_our_area", reason="属乙中队辖区")
    client.force_login(org.lead_a)  # made the return (and dispatches, but in the squadron only)
    panel = client.get(f"/workorders/{order.pk}/").context["panel"]
    assert "decide_return" not in [e["action"].key for e in panel]
    other = make_user("lead_a2", "unit_lead", org.squadron_a)  # dispatches in the squadron, not from the brigade
    client.force_login(other)
    assert "decide_return" not in [e["action"].key for e in client.get(f"/workorders/{order.pk}/").context["panel"]]
    client.force_login(org.leader)  # the dispatcher of the leg
    assert "decide_return" in [e["action"].key for e in client.get(f"/workorders/{order.pk}/").context["panel"]]
