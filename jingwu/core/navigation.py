"""The navigation: the brief's four steps plus the business modules and reports.

A module adds its entries here when it exists; nothing links to a page that is not built.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.urls import NoReverseMatch, reverse


@dataclass
class NavItem:
    label: str
    url_name: str
    icon: str = "circle"
    capability: str | None = None
    url: str = ""
    active: bool = False


@dataclass
class NavGroup:
    label: str
    items: list[NavItem] = field(default_factory=list)


def _groups() -> list[NavGroup]:
    return [
        NavGroup("工作台", [NavItem("首页", "home", "house")]),
        NavGroup("抓党建", []),
        NavGroup("整作风", []),
        NavGroup("强素质", []),
        NavGroup("树形象", []),
        NavGroup("业务", []),
        NavGroup("统计报表", [NavItem("指标口径", "core:metric-list", "bar-chart-line")]),
        NavGroup(
            "组织与系统",
            [
                NavItem("单位", "org:unit-list", "diagram-3", "org.view_unit"),
                NavItem("人员", "org:person-list", "people", "org.view_person"),
                NavItem("审计日志", "core:audit-list", "shield-check", "core.view_audit"),
                NavItem("工作日历", "core:calendar", "calendar3", "core.manage_calendar"),
            ],
        ),
    ]


def navigation_for(user: Any, path: str) -> list[NavGroup]:
    out = []
    for group in _groups():
        items = []
        for item in group.items:
            if item.capability and not user.has_cap(item.capability):
                continue
            try:
                item.url = reverse(item.url_name)
            except NoReverseMatch:
                continue
            item.active = item.url == path or (item.url != "/" and path.startswith(item.url))
            items.append(item)
        if items:
            out.append(NavGroup(group.label, items))
    return out
