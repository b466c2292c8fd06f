"""Configuration of 接诉即办: the category tree with its limits, and the routing rules of 派单."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from jingwu.core.deadlines import LIMIT_UNITS, SAME_DAY, WORKING_DAYS, WORKING_HOURS, LimitSpec
from jingwu.core.scope import ScopedQuerySet

LIMIT_UNIT_CHOICES = [(k, v) for k, v in LIMIT_UNITS.items()]


class Category(models.Model):
    """A demand category (咨询, 求助, 投诉, 举报, 建议 … and their sub-categories) with its urgency and
    time limits (METRICS.md defaults: urgent 1 hour / same day; help and consultation 2 working hours /
    3 working days; complaints and reports 2 working hours / 13 working days).

    Everyone who works orders sees every category (it is configuration, not unit data); only a
    holder of ``workorders.dispatch`` changes them, through ``category_save``.
    """

    class Urgency(models.TextChoices):
        NORMAL = "normal", _("一般")
        URGENT = "urgent", _("紧急")

    code = models.CharField("编码", max_length=32, unique=True)
    name = models.CharField("名称", max_length=50)
    parent = models.ForeignKey(
        "self", verbose_name="上级类别", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    urgency = models.CharField("紧急程度", max_length=10, choices=Urgency.choices, default=Urgency.NORMAL)
    is_complaint = models.BooleanField("投诉/举报类", default=False)
    sign_for_amount = models.DecimalField("签收时限", max_digits=6, decimal_places=2, default=2)
    sign_for_unit = models.CharField("签收时限单位", max_length=20, choices=LIMIT_UNIT_CHOICES, default=WORKING_HOURS)
    complete_amount = models.DecimalField("办结时限", max_digits=6, decimal_places=2, default=3)
    complete_unit = models.CharField("办结时限单位", max_length=20, choices=LIMIT_UNIT_CHOICES, default=WORKING_DAYS)
    callback_days = models.PositiveSmallIntegerField("回访时限(工作日)", default=1)
    active = models.BooleanField("启用", default=True)
    order = models.PositiveIntegerField("排序", default=0)

    class Meta:
        verbose_name = "诉求类别"
        verbose_name_plural = "诉求类别"
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.name

    @property
    def sign_for_limit(self) -> LimitSpec:
        return LimitSpec(float(self.sign_for_amount), self.sign_for_unit)

    @property
    def complete_limit(self) -> LimitSpec:
        return LimitSpec(float(self.complete_amount), self.complete_unit)

    def clean(self) -> None:
        errors = {}
        for field, amount, unit in (
            ("sign_for_amount", self.sign_for_amount, self.sign_for_unit),
            ("complete_amount", self.complete_amount, self.complete_unit),
        ):
            try:
                LimitSpec(float(amount if unit != SAME_DAY else 1), unit)
            except ValueError as exc:
                errors[field] = str(exc)
        ancestor = self.parent
        while ancestor is not None:
            if self.pk and ancestor.pk == self.pk:
                errors["parent"] = "上级类别不能是自身或下级 / a category cannot be its own ancestor"
                break
            ancestor = ancestor.parent
        if errors:
            raise ValidationError(errors)

    def lineage(self) -> list[Category]:
        """This category and its ancestors, nearest first (for routing rules set on a parent)."""
        out: list[Category] = []
        node: Category | None = self
        while node is not None and node not in out:
            out.append(node)
            node = node.parent
        return out


class RoutingRule(models.Model):
    """派单规则: orders of a category (or any of its sub-categories; empty = every category) whose
    address contains a keyword go to a unit. The first matching rule by priority wins.

    Seen and edited by holders of ``workorders.dispatch`` whose scope covers the target unit
    (``routing_rule_save``); read by the dispatch service.
    """

    category = models.ForeignKey(Category, verbose_name="类别", null=True, blank=True, on_delete=models.PROTECT)
    area_keyword = models.CharField("地址关键词", max_length=100, blank=True)
    unit = models.ForeignKey("org.Unit", verbose_name="承办单位", on_delete=models.PROTECT, related_name="+")
    priority = models.PositiveIntegerField("优先级(小者优先)", default=100)
    active = models.BooleanField("启用", default=True)
    updated_at = models.DateTimeField(auto_now=True)

    scope_unit_field = "unit"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "派单规则"
        verbose_name_plural = "派单规则"
        ordering = ["priority", "id"]

    def __str__(self) -> str:
        return f"{self.category or '全部类别'} × {self.area_keyword or '全部地区'} → {self.unit}"
