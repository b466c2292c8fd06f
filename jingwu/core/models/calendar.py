from __future__ import annotations

from datetime import time

from django.db import models
from django.utils.translation import gettext_lazy as _


class CalendarDay(models.Model):
    """An administrator's override of the published working calendar (wins over chinese-calendar).

    Used for years not yet published, local holidays and corrections. Changed only by 系统管理员;
    every change is audited.
    """

    class Kind(models.TextChoices):
        WORKDAY = "workday", _("工作日")
        HOLIDAY = "holiday", _("休息日")

    date = models.DateField(unique=True)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    name = models.CharField(_("名称"), max_length=50, blank=True)

    class Meta:
        verbose_name = _("工作日历调整")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()} {self.name}"


class WorkSchedule(models.Model):
    """Working hours of a unit (``unit`` empty: the default for every unit without its own)."""

    unit = models.OneToOneField("org.Unit", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    morning_start = models.TimeField(default=time(8, 30))
    morning_end = models.TimeField(default=time(12, 0))
    afternoon_start = models.TimeField(default=time(14, 30))
    afternoon_end = models.TimeField(default=time(18, 0))
    due_soon_hours = models.PositiveIntegerField(_("临期提醒(工作小时)"), default=4)

    class Meta:
        verbose_name = _("作息时间")

    def __str__(self) -> str:
        return f"{self.unit or '默认'} {self.morning_start}-{self.afternoon_end}"
