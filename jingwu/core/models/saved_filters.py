"""Saved filters (常用筛选): a user's named querystring for one list page."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class SavedFilter(models.Model):
    """A named querystring of one list page (``list_key``, e.g. ``workorders.list``).

    Personal: only its owner sees, applies or deletes it (``jingwu.core.saved_filters`` reads
    through ``for_user``); it holds no data of its own, only the filter the owner typed, so a filter
    applied later still goes through the list's own data scope.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_filters")
    list_key = models.CharField(_("列表"), max_length=64)
    name = models.CharField(_("名称"), max_length=50)
    querystring = models.CharField(_("筛选条件"), max_length=2000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("常用筛选")
        verbose_name_plural = _("常用筛选")
        ordering = ["list_key", "name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "list_key", "name"], name="saved_filter_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name
