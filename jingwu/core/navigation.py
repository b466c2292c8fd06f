"""The navigation: the brief's four steps plus the business modules and reports.

A module adds its entries here when it exists; nothing links to a page that is not built.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from django.template.loader import render_to_string
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils.functional import Promise
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from jingwu.org.roles import ROLES


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
                NavItem(_("派单规则"), "workorders:rule-list", "signpost-split", "workorders.dispatch"),
                NavItem(_("诉求类别"), "workorders:category-list", "diagram-2", "workorders.dispatch"),
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
    """The entries ``user`` may open, the one ``path`` lies under marked active (fresh objects)."""
    groups = _entries_for(user)
    active = _active_url(groups, path)
    return [
        NavGroup(group.label, [dataclasses.replace(item, active=item.url == active) for item in group.items])
        for group in groups
    ]


def navigation_html(user: Any, path: str) -> str:
    """The rendered sidebar of ``base.html``. Built once per role set, language and active entry:
    what a user sees depends on their roles alone (read fresh with every request), so a changed role
    is a different key and nothing needs invalidating."""
    groups = _entries_for(user)
    key = (_roles_key(user), get_language(), _active_url(groups, path))
    if key[0] is None:
        return _render(navigation_for(user, path))
    html = _HTML.get(key)
    if html is None:
        if len(_HTML) >= HTML_CACHE_SIZE:
            _HTML.clear()
        html = _HTML[key] = _render(navigation_for(user, path))
    return html


HTML_CACHE_SIZE = 2048
_HTML: dict[Any, str] = {}


def _render(groups: list[NavGroup]) -> str:
    return render_to_string("_navigation.html", {"nav_groups": groups})


def _roles_key(user: Any) -> tuple[Any, ...] | None:
    """What the visible entries depend on: the user's roles (and where URLs are rooted)."""
    if not hasattr(user, "role_codes"):
        return None
    return (frozenset(user.role_codes()), get_script_prefix(), get_urlconf())


def _entries_for(user: Any) -> tuple[NavGroup, ...]:
    key = _roles_key(user)
    if key is None:
        return _entries(user.has_cap)
    return _entries_of_roles(*key)


@lru_cache(maxsize=256)
def _entries_of_roles(roles: frozenset[str], script_prefix: str, urlconf: Any) -> tuple[NavGroup, ...]:
    caps: set[str] = set()
    for code in roles:
        if code in ROLES:
            caps |= ROLES[code].capabilities
    return _entries(caps.__contains__)


def _entries(has_cap: Callable[[str], bool]) -> tuple[NavGroup, ...]:
    out = []
    partner = has_cap("cases.partner")  # a partner-agency account sees only its own pages
    for group in _groups():
        items = []
        for item in group.items:
            if item.capability and not has_cap(item.capability):
                continue
            if partner != item.partner:
                continue
            try:
                item.url = reverse(item.url_name)
            except NoReverseMatch:
                continue
            items.append(item)
        if items:
            out.append(NavGroup(group.label, items))
    return tuple(out)


def _active_url(groups: Iterable[NavGroup], path: str) -> str | None:
    """The longest entry URL that is ``path`` or a prefix of it (nested URLs: /cases/ and
    /cases/incidents/ — only the longer is active); "/" only for the home page itself."""
    best: str | None = None
    for group in groups:
        for item in group.items:
            url = item.url
            if (url == path or (url != "/" and path.startswith(url))) and (best is None or len(url) > len(best)):
                best = url
    return best
