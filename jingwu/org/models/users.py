from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from jingwu.core.scope import Grant, Scope

from ..roles import ADMIN_TRIAD, ROLE_CHOICES, ROLES


class User(AbstractUser):
    """A login. Belongs to a person, or is a system account (``person`` empty: an admin, a partner's
    integration). What it sees and does comes only from its role assignments."""

    person = models.OneToOneField(
        "org.Person",
        verbose_name=pgettext_lazy("field", "人员"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="user",
    )
    is_system = models.BooleanField(_("系统账号"), default=False)

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self) -> str:
        if self.person is not None:
            return f"{self.person.name}({self.username})"
        return self.username

    def _assignments(self) -> list[RoleAssignment]:
        cache = getattr(self, "_role_cache", None)
        if cache is None:
            cache = list(self.role_assignments.select_related("unit"))
            self._role_cache = cache
        return cache

    def role_codes(self) -> set[str]:
        return {a.role for a in self._assignments()}

    def has_cap(self, capability: str) -> bool:
        return any(capability in ROLES[a.role].capabilities for a in self._assignments() if a.role in ROLES)

    def scope_grants(self, capability: str | None = None) -> list[Grant]:
        grants = []
        for a in self._assignments():
            role = ROLES.get(a.role)
            if role is None or (capability and capability not in role.capabilities):
                continue
            grants.append(
                Grant(
                    scope=Scope(a.scope),
                    unit_id=a.unit_id,
                    unit_path=a.unit.path if a.unit is not None else None,
                    person_id=self.person_id,
                )
            )
        return grants

    def forget_roles(self) -> None:
        self.__dict__.pop("_role_cache", None)

    @property
    def requires_otp(self) -> bool:
        return any(ROLES[a.role].requires_otp for a in self._assignments() if a.role in ROLES)


class RoleAssignment(models.Model):
    """User U holds role R anchored at unit X with scope S. Granted only by 安全管理员.

    No user holds two of the three separated admin roles (系统/安全/审计管理员)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_assignments")
    role = models.CharField(_("角色"), max_length=20, choices=ROLE_CHOICES)
    unit = models.ForeignKey("org.Unit", verbose_name=_("锚定单位"), null=True, blank=True, on_delete=models.PROTECT)
    scope = models.CharField(_("数据范围"), max_length=10, choices=[(s.value, s.value) for s in Scope])
    granted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("角色授权")
        constraints = [models.UniqueConstraint(fields=["user", "role", "unit"], name="role_assignment_unique")]

    def __str__(self) -> str:
        return f"{self.user} · {ROLES[self.role].name if self.role in ROLES else self.role}"

    def clean(self) -> None:
        if self.role in ADMIN_TRIAD:
            others = RoleAssignment.objects.filter(user_id=self.user_id, role__in=ADMIN_TRIAD).exclude(role=self.role)
            if others.exists():
                raise ValidationError({"role": "三员分立:同一账号不得兼任系统管理员、安全管理员、审计管理员中的两个"})
        if self.scope != Scope.ALL and self.scope != Scope.OWN and not self.unit_id:
            raise ValidationError({"unit": "该数据范围需要指定锚定单位"})
