"""The roles of DESIGN.md, what each may do (capabilities) and the data scope it usually has.

Roles live in code so that every deployment means the same thing by 中队长 or 审计管理员; which
user holds which role, anchored at which unit, is data (``RoleAssignment``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from jingwu.core.scope import Scope

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class Cap:
    """Capability codes checked by views, API and services."""

    VIEW_UNIT = "org.view_unit"
    MANAGE_UNIT = "org.manage_unit"
    VIEW_PERSON = "org.view_person"
    CHANGE_PERSON = "org.change_person"
    IMPORT_PERSON = "org.import_person"
    EXPORT_PERSON = "org.export_person"
    REVEAL_SENSITIVE = "org.reveal_sensitive"
    MANAGE_USER = "org.manage_user"
    ASSIGN_ROLE = "org.assign_role"
    VIEW_AUDIT = "core.view_audit"
    MANAGE_CALENDAR = "core.manage_calendar"
    MANAGE_CHANNELS = "core.manage_channels"
    VIEW_DISCIPLINE = "conduct.view_discipline"
    VIEW_WORKORDER = "workorders.view"
    WORKORDER_INTAKE = "workorders.intake"
    WORKORDER_DISPATCH = "workorders.dispatch"
    WORKORDER_HANDLE = "workorders.handle"
    WORKORDER_CALLBACK = "workorders.callback"
    WORKORDER_SUPERVISE = "workorders.supervise"
    WORKORDER_APPROVE = "workorders.approve"
    # 涉警投诉认定: mark an order taken in as a complaint about an officer or a unit (→ 督察)
    WORKORDER_CONFLICT = "workorders.conflict"
    VIEW_CASE = "cases.view"
    HANDLE_CASE = "cases.handle"
    REVIEW_CASE = "cases.review"
    APPROVE_CASE = "cases.approve"
    PARTNER = "cases.partner"  # 合作单位账号: only its own agency's inter-agency transfers


@dataclass(frozen=True)
class RoleDef:
    code: str
    name: StrOrPromise
    default_scope: Scope
    capabilities: frozenset[str]
    admin_triad: bool = False  # one of the three separated 等保三级 admin roles
    requires_otp: bool = False
    description: StrOrPromise = ""


_READ = {Cap.VIEW_UNIT, Cap.VIEW_PERSON}
_CASES = {Cap.VIEW_CASE, Cap.HANDLE_CASE}  # 办案: record incidents, cases, parties, measures
_WO_HANDLE = {Cap.VIEW_WORKORDER, Cap.WORKORDER_HANDLE}  # 接诉即办: sign for, contact, complete
_WO_DISPATCH = {Cap.WORKORDER_INTAKE, Cap.WORKORDER_DISPATCH, Cap.WORKORDER_CALLBACK, Cap.WORKORDER_CONFLICT}

ROLES: dict[str, RoleDef] = {
    r.code: r
    for r in [
        RoleDef(
            "officer",
            _("民警/辅警"),
            Scope.OWN,
            frozenset(_READ | _CASES | _WO_HANDLE),
            description=_("办理分派的工作,查看本人档案"),
        ),
        RoleDef(
            "unit_lead",
            _("中队长/科室负责人"),
            Scope.SUBTREE,
            frozenset(_READ | _CASES | _WO_HANDLE | _WO_DISPATCH | {Cap.CHANGE_PERSON, Cap.EXPORT_PERSON}),
            description=_("在本单位内派单、签收、审批,维护本单位人员"),
        ),
        RoleDef(
            "leadership",
            _("大队领导"),
            Scope.SUBTREE,
            frozenset(
                _READ
                | _WO_DISPATCH
                | {Cap.CHANGE_PERSON, Cap.EXPORT_PERSON, Cap.REVEAL_SENSITIVE, Cap.VIEW_CASE, Cap.APPROVE_CASE}
                # HANDLE: the brigade signs for (签收) what the 支队 dispatches to it, then dispatches
                # it on to a squadron (two-level dispatch), or returns it (退单)
                | {Cap.VIEW_WORKORDER, Cap.WORKORDER_HANDLE, Cap.WORKORDER_SUPERVISE, Cap.WORKORDER_APPROVE}
            ),
            description=_("查看全大队,签收上级派单并转派,审批退单和延期,阅看驾驶舱"),
        ),
        RoleDef(
            "legal",
            _("法制/执法监督员"),
            Scope.SUBTREE,
            frozenset(_READ | {Cap.VIEW_CASE, Cap.REVIEW_CASE, Cap.VIEW_WORKORDER, Cap.WORKORDER_SUPERVISE}),
            description=_("日巡查、通报、案件审核把关"),
        ),
        RoleDef(
            "discipline",
            _("督察/纪检"),
            Scope.SUBTREE,
            frozenset(
                _READ
                | _WO_HANDLE
                | {Cap.WORKORDER_CONFLICT, Cap.REVEAL_SENSITIVE, Cap.VIEW_DISCIPLINE, Cap.EXPORT_PERSON}
            ),
            requires_otp=True,
            description=_("廉政档案、记分、明察暗访;唯一可见纪律记录的角色"),
        ),
        RoleDef(
            "political",
            _("政工"),
            Scope.SUBTREE,
            frozenset(_READ | {Cap.CHANGE_PERSON, Cap.IMPORT_PERSON, Cap.EXPORT_PERSON, Cap.REVEAL_SENSITIVE}),
            description=_("人事、培训、党建、典型与荣誉"),
        ),
        RoleDef(
            "custodian",
            _("涉案财物管理员"),
            Scope.UNIT,
            frozenset(_READ),
            description=_("涉案财物保管,不得兼任办案人"),
        ),
        RoleDef(
            "sysadmin",
            _("系统管理员"),
            Scope.ALL,
            frozenset(
                {
                    Cap.VIEW_UNIT,
                    Cap.MANAGE_UNIT,
                    Cap.MANAGE_USER,
                    Cap.MANAGE_CALENDAR,
                    Cap.MANAGE_CHANNELS,
                    Cap.VIEW_PERSON,
                    Cap.CHANGE_PERSON,
                    Cap.IMPORT_PERSON,
                    Cap.EXPORT_PERSON,
                }
            ),
            admin_triad=True,
            requires_otp=True,
            description=_("单位、账号、系统配置"),
        ),
        RoleDef(
            "secadmin",
            _("安全管理员"),
            Scope.ALL,
            frozenset({Cap.VIEW_UNIT, Cap.ASSIGN_ROLE}),
            admin_triad=True,
            requires_otp=True,
            description=_("角色授权、安全策略、账号锁定"),
        ),
        RoleDef(
            "auditadmin",
            _("审计管理员"),
            Scope.ALL,
            frozenset({Cap.VIEW_UNIT, Cap.VIEW_AUDIT}),
            admin_triad=True,
            requires_otp=True,
            description=_("查阅与导出审计日志"),
        ),
        RoleDef(
            "partner",
            _("合作单位账号"),
            Scope.OWN,
            frozenset({Cap.PARTNER}),
            description=_("水利局、生态环境局等合作单位:仅见本单位的行刑衔接移送"),
        ),
    ]
}

ROLE_CHOICES = [(r.code, r.name) for r in ROLES.values()]
ADMIN_TRIAD = {code for code, r in ROLES.items() if r.admin_triad}
