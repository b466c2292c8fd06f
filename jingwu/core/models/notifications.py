from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    """An in-app message to one user; only that user sees it."""

    class Level(models.TextChoices):
        INFO = "info", _("提示")
        WARNING = "warning", _("提醒")
        DANGER = "danger", _("警示")

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=64)
    level = models.CharField(max_length=10, choices=Level.choices, default=Level.INFO)
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=300, blank=True)
    dedupe_key = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("通知")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "dedupe_key"],
                condition=~models.Q(dedupe_key=""),
                name="notification_dedupe_unique",
            )
        ]

    def __str__(self) -> str:
        return self.title


class NotificationChannel(models.Model):
    """Where notifications go besides the in-app centre: email or a unit's messaging webhook."""

    class Kind(models.TextChoices):
        EMAIL = "email", _("电子邮件")
        WEBHOOK = "webhook", _("Webhook 网关")

    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    target = models.CharField(_("地址"), max_length=300)
    secret = models.CharField(max_length=200, blank=True)
    enabled = models.BooleanField(default=True)
    kinds = models.JSONField(_("通知类型"), default=list, blank=True)

    class Meta:
        verbose_name = _("通知渠道")

    def __str__(self) -> str:
        return self.name
