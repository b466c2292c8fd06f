"""Open311 GeoReport v2: the partners' API keys, the account a key acts through, and what a POST
brought that the work order has no column for (the photo link).

See ``docs/open311.md`` for the scope rule and the field mapping.
"""

from __future__ import annotations

from django.db import models

from jingwu.core.scope import Grant, Scope
from jingwu.org.models import User
from jingwu.org.roles import Cap


class Open311Account(User):
    """The system account (``is_system``, no person, no usable password, no role assignment) that an
    API key acts through: it is the receiver of the orders the key files and the actor of their
    audit rows. Its rights come from its key alone, never from roles: it sees the work orders of the
    key's unit subtree (``workorders.view``) and, when the key may post, takes in orders there
    (``workorders.intake``). A disabled key grants nothing. Created and disabled only with its key
    (``jingwu open311key``)."""

    class Meta:
        proxy = True
        verbose_name = "Open311接口账号"
        verbose_name_plural = "Open311接口账号"

    def _key_capabilities(self) -> tuple[ApiKey | None, set[str]]:
        try:
            key = self.api_key
        except ApiKey.DoesNotExist:
            return None, set()
        if not key.enabled or not self.is_active:
            return key, set()
        caps = {Cap.VIEW_WORKORDER}
        if key.may_post:
            caps.add(Cap.WORKORDER_INTAKE)
        return key, caps

    def scope_grants(self, capability: str | None = None) -> list[Grant]:
        key, caps = self._key_capabilities()
        if key is None or not caps or (capability is not None and capability not in caps):
            return []
        return [Grant(scope=Scope.SUBTREE, unit_id=key.unit_id, unit_path=key.unit.path, person_id=None)]

    def has_cap(self, capability: str) -> bool:
        return capability in self._key_capabilities()[1]

    def role_codes(self) -> set[str]:
        return set()

    @property
    def requires_otp(self) -> bool:
        return False


class ApiKey(models.Model):
    """An Open311 partner's key (a civic-reporting app, a 12345 platform).

    Only the SHA-256 of the key is stored; the clear key is shown once, when it is made. A key reads
    the work orders of ``unit`` and the units below it, and (``may_post``) files new orders into
    ``unit``. Seen and changed only by system administrators through ``jingwu open311key`` (every
    change audited); used by the Open311 endpoints, which update ``last_used_at``.
    """

    name = models.CharField("名称", max_length=100)
    organisation = models.CharField("使用单位", max_length=100, blank=True)
    prefix = models.CharField("密钥前缀", max_length=16, unique=True)
    key_hash = models.CharField("密钥摘要", max_length=64, unique=True)
    unit = models.ForeignKey("org.Unit", verbose_name="数据范围单位", on_delete=models.PROTECT, related_name="+")
    account = models.OneToOneField(
        Open311Account, verbose_name="接口账号", on_delete=models.PROTECT, related_name="api_key"
    )
    may_post = models.BooleanField("允许提交诉求", default=True)
    enabled = models.BooleanField("启用", default=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    last_used_at = models.DateTimeField("最近使用", null=True, blank=True)

    class Meta:
        verbose_name = "Open311接口密钥"
        verbose_name_plural = "Open311接口密钥"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name}({self.prefix}…)"


class Open311Request(models.Model):
    """What an Open311 POST carried beyond the work order's own columns: the key that filed it and the
    photo link (``media_url``). Seen with its order (through the order's scope); written once, in
    the same transaction as the intake."""

    order = models.OneToOneField("workorders.WorkOrder", on_delete=models.CASCADE, related_name="open311")
    api_key = models.ForeignKey(ApiKey, verbose_name="接口密钥", on_delete=models.PROTECT, related_name="requests")
    media_url = models.URLField("图片链接", max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "Open311诉求"
        verbose_name_plural = "Open311诉求"

    def __str__(self) -> str:
        return f"Open311 {self.order_id}"
