"""The roles of DESIGN.md, what each may do (capabilities) and the data scope it usually has.

Roles live in code so that every deployment means the same thing by 中队长 or 审计管理员; which
user holds which role, anchored at which unit, is data (``RoleAssignment``).
"""

from __future__ import annotations

from dataclasses import dataclass

from jingwu.core.scope import Scope


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
    VIEW_DISCIPLINE = "conduct.view_discipline"


@dataclass(frozen=True)
class RoleDef:
    code: str
    name: str
    default_scope: Scope
    capabilities: frozenset[str]
    admin_triad: bool = False  # one of the three separated 等保三级 admin roles
    requires_otp: bool = False
    description: str = ""


_READ = {Cap.VIEW_UNIT, Cap.VIEW_PERSON}

ROLES: dict[str, RoleDef] = {
    r.code: r
    for r in [
        RoleDef("officer", "民警/辅警", Scope.OWN, frozenset(_READ), description="办理分派的工作,查看本人档案"),
        RoleDef(
            "unit_lead",
            "中队长/科室负责人",
            Scope.SUBTREE,
            frozenset(_READ | {Cap.CHANGE_PERSON, Cap.EXPORT_PERSON}),
            description="在本单位内派单、签收、审批,维护本单位人员",
        ),
        RoleDef(
            "leadership",
            "大队领导",
            Scope.SUBTREE,
            frozenset(_READ | {Cap.CHANGE_PERSON, Cap.EXPORT_PERSON, Cap.REVEAL_SENSITIVE}),
            description="查看全大队,审批退单和延期,阅看驾驶舱",
        ),
        RoleDef(
            "legal",
            "法制/执法监督员",
            Scope.SUBTREE,
            frozenset(_READ),
            description="日巡查、通报、案件审核把关",
        ),
        RoleDef(
            "discipline",
            "督察/纪检",
            Scope.SUBTREE,
            frozenset(_READ | {Cap.REVEAL_SENSITIVE, Cap.VIEW_DISCIPLINE, Cap.EXPORT_PERSON}),
            requires_otp=True,
            description="廉政档案、记分、明察暗访;唯一可见纪律记录的角色",
        ),
        RoleDef(
            "political",
            "政工",
            Scope.SUBTREE,
            frozenset(_READ | {Cap.CHANGE_PERSON, Cap.IMPORT_PERSON, Cap.EXPORT_PERSON, Cap.REVEAL_SENSITIVE}),
            description="人事、培训、党建、典型与荣誉",
        ),
        RoleDef(
            "custodian",
            "涉案财物管理员",
            Scope.UNIT,
            frozenset(_READ),
            description="涉案财物保管,不得兼任办案人",
        ),
        RoleDef(
            "sysadmin",
            "系统管理员",
            Scope.ALL,
            frozenset(
                {
                    Cap.VIEW_UNIT,
                    Cap.MANAGE_UNIT,
                    Cap.MANAGE_USER,
                    Cap.MANAGE_CALENDAR,
                    Cap.VIEW_PERSON,
                    Cap.CHANGE_PERSON,
                    Cap.IMPORT_PERSON,
                    Cap.EXPORT_PERSON,
                }
            ),
            admin_triad=True,
            requires_otp=True,
            description="单位、账号、系统配置",
        ),
        RoleDef(
            "secadmin",
            "安全管理员",
            Scope.ALL,
            frozenset({Cap.VIEW_UNIT, Cap.ASSIGN_ROLE}),
            admin_triad=True,
            requires_otp=True,
            description="角色授权、安全策略、账号锁定",
        ),
        RoleDef(
            "auditadmin",
            "审计管理员",
            Scope.ALL,
            frozenset({Cap.VIEW_UNIT, Cap.VIEW_AUDIT}),
            admin_triad=True,
            requires_otp=True,
            description="查阅与导出审计日志",
        ),
    ]
}

ROLE_CHOICES = [(r.code, r.name) for r in ROLES.values()]
ADMIN_TRIAD = {code for code, r in ROLES.items() if r.admin_triad}
