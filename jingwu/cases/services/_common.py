"""Helpers shared by the cases services: capability and scope checks, aware timestamps, errors."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.utils import timezone

from jingwu.core import workflow
from jingwu.core.models import TransitionEvent

NOT_FOUND = "对象不存在或不在您的数据权限范围内 / not found or outside your data scope"


class Errors:
    """Collects field errors and raises them together as one ``ValidationError``."""

    def __init__(self) -> None:
        self.errors: dict[str, list[str]] = {}

    def add(self, field: str, exc: ValidationError | str) -> None:
        messages = exc.messages if isinstance(exc, ValidationError) else [exc]
        self.errors.setdefault(field, []).extend(messages)

    def __contains__(self, field: str) -> bool:
        return field in self.errors

    def raise_if_any(self) -> None:
        if self.errors:
            raise ValidationError(self.errors)


def require_cap(actor: Any, capability: str) -> None:
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.has_cap(capability):
        raise PermissionDenied("您没有执行此操作的权限 / you may not do this")


def require_visible(actor: Any, obj: models.Model, capability: str) -> None:
    """Refuse (as "not found") an object the actor cannot see through ``capability``."""
    manager = type(obj)._default_manager
    if not manager.visible_to(actor, capability).filter(pk=obj.pk).exists():  # type: ignore[attr-defined]
        raise PermissionDenied(NOT_FOUND)


def aware(value: datetime | None, field: str, errors: Errors, *, required: bool = True) -> datetime | None:
    if value is None:
        if required:
            errors.add(field, "时间不能为空 / a time is required")
        return None
    if timezone.is_naive(value):
        errors.add(field, "时间须带时区 / the time must be timezone-aware")
        return None
    if value > timezone.now() + timedelta(minutes=5):
        errors.add(field, "时间不能晚于当前时间 / the time cannot be in the future")
    return value


def perform(obj: models.Model, name: str, *, actor: Any, reason: str = "", **payload: Any) -> TransitionEvent:
    return workflow.perform(obj, name, actor=actor, reason=reason, payload=payload)


def at_payload(at: datetime | None) -> dict[str, Any]:
    """A transition's ``at`` payload; left out when not given, so the effect stamps the current time."""
    return {"at": at} if at else {}
