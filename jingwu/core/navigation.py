"""The navigation: the brief's four steps plus the business modules and reports.

A module adds its entries here when it exists; nothing links to a page that is not built.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass
class NavItem:
    label: str | Promise
    url_name: str
    icon: str = "circle"
    capability: str | None = None
    url: str = ""
    active: bool = False
    partner: bool = False  # shown to partner-agency accounts (who see nothing else)


@dataclass
class NavGroup:
    label: str | Promise
    items: list[NavItem] = field(default_factory=list)


def _groups() -> list[NavGroup]:
    return [
        NavGroup(_("工作台"), [NavItem(_("首页"), "home", "house")]),
        NavGroup(_("抓党建"), []),
        NavGroup(_("整作风"), []),
        NavGroup(_("强素质"), []),
        NavGroup(_("树形象"), []),
        NavGroup(
            _("业务"),
            [
                NavItem(_("接诉即办"), "workorders:list", "headset", "workorders.view"),
                NavItem(_("我的工作"), "workorders:my-work", "inboxes", "workorders.view"),
                NavItem(_("受理登记"), "workorders:intake", "telephone-plus", "workorders.intake"),
                NavItem(_("热线工单导入"), "workorders:hotline-import", "file-earmark-arrow-up", "workorders.intake"),
                NavItem(_("警情"), "cases:incident-list", "telephone-inbound", "cases.view"),
                NavItem(_("案件"), "cases:case-list", "folder2-open", "cases.view"),
                NavItem(_("行刑衔接"), "cases:transfer-list", "arrow-left-right", "cases.view"),
                NavItem(_("行刑衔接"), "cases:transfer-list", "arrow-left-right", "cases.partner", partner=True),
                NavItem(_("线索协作"), "cases:clue-list", "share", "cases.view"),
                NavItem(_("专项行动"), "cases:campaign-list", "flag", "cases.view"),
            ],
        ),
        NavGroup(
            _("统计报表"),
            [
                NavItem(_("指标口径"), "core:metric-list", "bar-chart-line"),
                NavItem(_("接诉即办驾驶舱"), "workorders:dashboard", "speedometer2", "workorders.view"),
                NavItem(_("案件统计"), "cases:case-statistics", "graph-up", "cases.view"),
            ],
        ),
        NavGroup(
            _("组织与系统"),
            [
                NavItem(_("单位"), "org:unit-list", "diagram-3", "org.view_unit"),
                NavItem(_("人员"), "org:person-list", "people", "org.view_person"),
                NavItem(_("审计日志"), "core:audit-list", "shield-check", "core.view_audit"),
                NavItem(_("工作日历"), "core:calendar", "calendar3", "core.manage_calendar"),
            ],
        ),
    ]


def navigation_for(user: Any, path: str) -> list[NavGroup]:
    out = []
    partner = user.has_cap("cases.partner")  # a partner-agency account sees only its own pages
    for group in _groups():
        items = []
        for item in group.items:
            if item.capability and not user.has_cap(item.capability):
                continue
            if partner != item.partner:
                continue
            try:
                item.url = reverse(item.url_name)
            except NoReverseMatch:
                continue
            item.active = item.url == path or (item.url != "/" and path.startswith(item.url))
            items.append(item)
        if items:
            out.append(NavGroup(group.label, items))
    # Nested URLs (/cases/ and /cases/incidents/): only the longest matching entry is active.
    active = [item for group in out for item in group.items if item.active]
    for item in active:
        item.active = len(item.url) == max(len(other.url) for other in active)
    return out
