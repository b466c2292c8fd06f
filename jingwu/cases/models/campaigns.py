"""联合执法与专项行动: campaigns, their patrols, inspections and seizure tallies.

A campaign (候鸟保护专项行动, 天赋河套品牌保护 …) is led by a unit, runs over a period, names the
partner departments that join it (市场监管, 林草 …, free text) and the participating police units
(inside the leading unit's subtree). Its patrols, inspections and seizure tallies are recorded by
the participating units; an inspection's finding may open a case (立案 through the case services).
"""

from __future__ import annotations

from typing import Any, Self

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from jingwu.core.scope import Scope, ScopedQuerySet
from jingwu.org.roles import Cap


class SeizureKind(models.Model):
    """A kind of seized item (鸟网, 毒饵, 鸟枪, 诱捕器 …): a configurable list, seeded by the migration.
    Read by everyone who records tallies; changed by administrators (Django admin / data fixes)."""

    code = models.SlugField("代码", max_length=30, unique=True)
    name = models.CharField("名称", max_length=50)
    measure = models.CharField("计量单位", max_length=10, default="件")
    order = models.PositiveSmallIntegerField("排序", default=0)
    active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "收缴物品种类"
        verbose_name_plural = "收缴物品种类"
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.name


class CampaignQuerySet(ScopedQuerySet["Campaign"]):
    def visible_to(self, user: Any, capability: str | None = None) -> Self:
        """Campaigns led by or joined by a unit in the user's scope; an officer (scope "own") sees the
        campaigns led or joined by their own unit."""
        capability = capability or Cap.VIEW_CASE
        if user is None or not getattr(user, "is_authenticated", False):
            return self.none()
        grants = user.scope_grants(capability)
        q = Q(pk__in=[])
        person_unit = getattr(getattr(user, "person", None), "unit_id", None)
        for grant in grants:
            if grant.scope == Scope.ALL:
                return self.all()
            if grant.scope == Scope.OWN:
                if person_unit:
                    q |= Q(unit_id=person_unit) | Q(pk__in=_joined(Q(units__pk=person_unit)))
            elif grant.scope == Scope.UNIT and grant.unit_id:
                q |= Q(unit_id=grant.unit_id) | Q(pk__in=_joined(Q(units__pk=grant.unit_id)))
            elif grant.scope == Scope.SUBTREE and grant.unit_path:
                q |= Q(unit__path__startswith=grant.unit_path) | Q(
                    pk__in=_joined(Q(units__path__startswith=grant.unit_path))
                )
        return self.filter(q)


def _joined(q: Q) -> Any:
    return Campaign.objects.filter(q).values("pk")


CampaignManager = models.Manager.from_queryset(CampaignQuerySet)


class Campaign(models.Model):
    """A special campaign or joint enforcement action (专项行动 / 联合执法).

    Seen (``cases.view``) by users whose scope covers its leading unit or one of its participating
    units; created and edited by holders of ``cases.handle`` / ``cases.approve`` whose scope covers
    the leading unit. Figures come from the metrics registry (``campaigns.*``)."""

    unit = models.ForeignKey("org.Unit", verbose_name="牵头单位", on_delete=models.PROTECT, related_name="+")
    name = models.CharField("行动名称", max_length=100)
    starts_on = models.DateField("开始日期")
    ends_on = models.DateField("结束日期")
    goal = models.TextField("行动目标", blank=True)
    departments = models.JSONField("联合部门", default=list, blank=True)
    units = models.ManyToManyField("org.Unit", verbose_name="参与单位", blank=True, related_name="+")
    created_by = models.ForeignKey("org.User", null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    scope_unit_field = "unit"
    objects = CampaignManager()

    class Meta:
        verbose_name = "专项行动"
        verbose_name_plural = "专项行动"
        ordering = ["-starts_on", "-id"]

    def __str__(self) -> str:
        return self.name


class _CampaignRecord(models.Model):
    unit = models.ForeignKey("org.Unit", verbose_name="单位", on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey("org.User", null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    scope_unit_field = "unit"
    scope_owner_field = "created_by__person"

    class Meta:
        abstract = True


class Patrol(_CampaignRecord):
    """A patrol of a campaign (place, time, people). Seen by users whose scope covers its unit (an
    officer: those they recorded); recorded by the campaign's units."""

    campaign = models.ForeignKey(Campaign, verbose_name="专项行动", on_delete=models.CASCADE, related_name="patrols")
    place = models.CharField("巡查地点", max_length=200)
    started_at = models.DateTimeField("开始时间", db_index=True)
    ended_at = models.DateTimeField("结束时间", null=True, blank=True)
    people = models.ManyToManyField("org.Person", verbose_name="参与人员", related_name="+")
    notes = models.TextField("巡查情况", blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "巡查"
        verbose_name_plural = "巡查"
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"{self.place} {self.started_at:%Y-%m-%d}"


class Inspection(_CampaignRecord):
    """An inspection (检查) of a target during a campaign, possibly jointly with other departments; a
    finding may open a case. Scope as for patrols."""

    class Kind(models.TextChoices):
        MARKET = "market", _("农贸市场")
        BIRD_MARKET = "bird_market", _("花鸟市场")
        RESTAURANT = "restaurant", _("餐馆饭店")
        ONLINE = "online", _("网络平台")
        BREEDING = "breeding", _("驯养繁殖场所")
        STORE = "store", _("商超门店")
        WAREHOUSE = "warehouse", _("仓储物流")
        OTHER = "other", _("其他")

    campaign = models.ForeignKey(
        Campaign, verbose_name="专项行动", on_delete=models.CASCADE, related_name="inspections"
    )
    target = models.CharField("检查对象", max_length=200)
    kind = models.CharField("对象类型", max_length=20, choices=Kind.choices)
    inspected_at = models.DateTimeField("检查时间", db_index=True)
    departments = models.JSONField("联合部门", default=list, blank=True)
    has_finding = models.BooleanField("发现问题", default=False)
    finding = models.TextField("检查发现", blank=True)
    case = models.ForeignKey(
        "cases.Case", verbose_name="立案案件", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "检查"
        verbose_name_plural = "检查"
        ordering = ["-inspected_at", "-id"]

    def __str__(self) -> str:
        return self.target


class SeizureTally(_CampaignRecord):
    """A count of seized items of one kind, from a patrol or an inspection of the campaign."""

    campaign = models.ForeignKey(Campaign, verbose_name="专项行动", on_delete=models.CASCADE, related_name="seizures")
    kind = models.ForeignKey(SeizureKind, verbose_name="物品种类", on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField("数量")
    recorded_at = models.DateTimeField("收缴时间", db_index=True)
    patrol = models.ForeignKey(
        Patrol, verbose_name="巡查", null=True, blank=True, on_delete=models.SET_NULL, related_name="seizures"
    )
    inspection = models.ForeignKey(
        Inspection, verbose_name="检查", null=True, blank=True, on_delete=models.SET_NULL, related_name="seizures"
    )
    notes = models.CharField("备注", max_length=200, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "收缴登记"
        verbose_name_plural = "收缴登记"
        ordering = ["-recorded_at", "-id"]

    def __str__(self) -> str:
        return f"{self.kind_id} × {self.quantity}"
