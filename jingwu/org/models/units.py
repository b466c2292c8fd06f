from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from treebeard.mp_tree import MP_Node, MP_NodeManager, MP_NodeQuerySet

from jingwu.core.scope import ScopedQuerySet


class UnitQuerySet(ScopedQuerySet["Unit"], MP_NodeQuerySet):
    def active(self) -> UnitQuerySet:
        return self.filter(retired_on__isnull=True)


class UnitManager(MP_NodeManager):
    def get_queryset(self) -> UnitQuerySet:
        return UnitQuerySet(self.model, using=self._db).order_by("path")

    def visible_to(self, user: Any, capability: str | None = None) -> UnitQuerySet:
        return self.get_queryset().visible_to(user, capability)

    def active(self) -> UnitQuerySet:
        return self.get_queryset().active()


class Unit(MP_Node):
    """A unit of the organisation tree (支队/大队/中队/派出所/科室) or a party branch (党支部).

    Everyone with a role sees the units of their scope; only 系统管理员 moves, renames or retires
    units. A retired unit keeps its rows and history (records still point at it) and leaves the
    pickers. ``path`` (materialised path) makes "this unit and everything below" one prefix match.
    """

    class Kind(models.TextChoices):
        BUREAU = "bureau", _("公安局")
        DETACHMENT = "detachment", _("支队")
        BRIGADE = "brigade", _("大队")
        SUB_BUREAU = "sub_bureau", _("分局")
        SQUADRON = "squadron", _("中队")
        STATION = "station", _("派出所")
        OFFICE = "office", _("科室")
        PARTY_BRANCH = "party_branch", _("党支部")

    code = models.CharField(_("机构代码"), max_length=12, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    short_name = models.CharField(_("简称"), max_length=50, blank=True)
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    order = models.PositiveIntegerField(_("排序"), default=0)
    retired_on = models.DateField(_("撤销日期"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    node_order_by = ["order", "code"]
    # A unit is "owned" by itself for the data scope: a user sees the units inside their scope.
    scope_unit_field = "self"
    scope_owner_field = None

    objects = UnitManager()

    class Meta:
        verbose_name = pgettext_lazy("field", "单位")
        verbose_name_plural = _("单位")
        indexes = [models.Index(fields=["kind"])]

    def __str__(self) -> str:
        return self.name

    @property
    def is_party_branch(self) -> bool:
        return self.kind == self.Kind.PARTY_BRANCH

    @property
    def is_retired(self) -> bool:
        return self.retired_on is not None

    def ancestors_and_self(self) -> list[Unit]:
        return [*Unit.objects.get_ancestors(self), self]
