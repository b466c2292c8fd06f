"""Configuration tables of the cases module: incident categories, case categories and their tags.

Seen by everyone with a role (they are code tables, not case data); changed only by data
migrations or a system administrator (no per-unit scope: one code table for the whole tree).
"""

from __future__ import annotations

from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from jingwu.core.deadlines import LIMIT_UNITS, LimitSpec


class IncidentCategory(models.Model):
    """A 警情类别 of the 110 code tree (刑事, 治安, 交通, 求助, 纠纷 … and their sub-types).

    ``recording_mandatory`` says whether on-scene audio-video recording is mandatory for incidents
    of this type (公安机关现场执法视音频记录工作规定, 2016): it is configuration, not code. The
    disposal limit is the time within which an incident of this type must have its disposal result
    recorded; a child without its own limit uses its parent's.
    """

    code = models.CharField("代码", max_length=20, unique=True)
    name = models.CharField("名称", max_length=50)
    parent = models.ForeignKey(
        "self", verbose_name="上级类别", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    recording_mandatory = models.BooleanField("须全程音视频记录", default=False)
    disposal_limit_amount = models.DecimalField("处置时限", max_digits=8, decimal_places=2, null=True, blank=True)
    disposal_limit_unit = models.CharField(
        "时限单位", max_length=20, choices=list(LIMIT_UNITS.items()), blank=True, default=""
    )
    order = models.PositiveIntegerField("排序", default=0)
    active = models.BooleanField("启用", default=True)

    DEFAULT_DISPOSAL_LIMIT = LimitSpec(24, "natural_hours")

    class Meta:
        verbose_name = "警情类别"
        verbose_name_plural = "警情类别"
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.name

    def disposal_limit(self) -> LimitSpec:
        node: IncidentCategory | None = self
        while node is not None:
            if node.disposal_limit_amount is not None and node.disposal_limit_unit:
                return LimitSpec(float(node.disposal_limit_amount), node.disposal_limit_unit)
            node = node.parent
        return self.DEFAULT_DISPOSAL_LIMIT


class CaseTag(models.Model):
    """A statistical tag on case categories (涉环食药, 交通 …) that figures can be filtered by."""

    code = models.SlugField("代码", max_length=40, unique=True)
    name = models.CharField("名称", max_length=50)

    class Meta:
        verbose_name = "案件分类标签"
        verbose_name_plural = "案件分类标签"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class CaseCategory(models.Model):
    """A 案由 from the 6-digit hierarchical code table (GA 240.1 style): two digits of class, two
    of sub-class, two of item; ``parent`` is the row whose code is this one with its last non-zero
    pair zeroed (030000 → 030600 → 030601). ``kind`` says whether it is a criminal or an
    administrative (治安) 案由."""

    class Kind(models.TextChoices):
        CRIMINAL = "criminal", _("刑事")
        ADMINISTRATIVE = "administrative", _("行政")

    code = models.CharField(
        "代码", max_length=6, unique=True, validators=[RegexValidator(r"^\d{6}$", "案由代码应为6位数字 / six digits")]
    )
    name = models.CharField("名称", max_length=100)
    kind = models.CharField("类别", max_length=20, choices=Kind.choices)
    parent = models.ForeignKey(
        "self", verbose_name="上级", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    tags = models.ManyToManyField(CaseTag, verbose_name="标签", blank=True, related_name="categories")
    active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "案由"
        verbose_name_plural = "案由"
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name}({self.code})"

    @property
    def is_leaf(self) -> bool:
        return not self.code.endswith("00")
