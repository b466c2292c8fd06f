"""Open311 API keys: make, list, disable, authenticate; and who a key-less reader is.

A key is ``jw311_`` + 43 URL-safe characters (256 random bits). Only its SHA-256 is stored: a key
that random cannot be guessed from its hash, so no secret pepper is needed (and rotating
``SECRET_KEY`` or the field keys never invalidates the partners' keys).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from jingwu.core import audit
from jingwu.core.scope import Grant, Scope
from jingwu.org.models import Unit
from jingwu.org.roles import Cap

from ..models import ApiKey, Open311Account
from ..services.common import setting

KEY_PREFIX = "jw311_"
PREFIX_LENGTH = 8  # the characters after KEY_PREFIX shown in lists to tell keys apart


def hash_key(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def _new_key() -> tuple[str, str]:
    """A new random key and its shown prefix. The prefix is typed on command lines
    (``jingwu open311key disable PREFIX``): one starting with "-" would read as an option there, so
    such keys are drawn again (1 in 64)."""
    while True:
        raw = KEY_PREFIX + secrets.token_urlsafe(32)
        prefix = raw[len(KEY_PREFIX) : len(KEY_PREFIX) + PREFIX_LENGTH]
        if prefix.startswith("-"):
            continue
        if not ApiKey.objects.filter(prefix=prefix).exists():
            return raw, prefix


def api_key_create(
    *, actor: Any, name: str, unit: Unit, organisation: str = "", may_post: bool = True
) -> tuple[ApiKey, str]:
    """Make a key and its system account; returns the key row and the clear key (shown once)."""
    name, organisation = (name or "").strip(), (organisation or "").strip()
    if not name:
        raise ValidationError({"name": "名称不能为空 / the name is required"})
    if len(name) > 100 or len(organisation) > 100:
        raise ValidationError({"name": "名称或使用单位过长 / name or organisation too long"})
    if unit is None or unit.is_retired:
        raise ValidationError({"unit": "请指定在用的单位 / choose a unit that is in service"})
    raw, prefix = _new_key()
    with transaction.atomic():
        account = Open311Account(username=f"open311-{prefix}", is_system=True, first_name=name[:150])
        account.set_unusable_password()
        account.save()
        key = ApiKey.objects.create(
            name=name,
            organisation=organisation,
            prefix=prefix,
            key_hash=hash_key(raw),
            unit=unit,
            account=account,
            may_post=may_post,
        )
        audit.record(
            "workorders.open311_key_create",
            obj=key,
            actor=actor,
            changes={"name": name, "organisation": organisation, "unit": unit.code, "may_post": may_post},
        )
    return key, raw


def api_key_disable(*, actor: Any, key: ApiKey) -> ApiKey:
    """Disable a key for good (its account too); its orders and audit rows stay."""
    with transaction.atomic():
        locked = ApiKey.objects.select_for_update().get(pk=key.pk)
        if locked.enabled:
            ApiKey.objects.filter(pk=key.pk).update(enabled=False)
            Open311Account.objects.filter(pk=locked.account_id).update(is_active=False)
            audit.record("workorders.open311_key_disable", obj=locked, actor=actor, changes={"enabled": [True, False]})
    key.refresh_from_db()
    return key


def authenticate(raw: str | None) -> ApiKey | None:
    """The enabled key ``raw`` names, with its unit and account loaded, or None."""
    raw = (raw or "").strip()
    if not raw.startswith(KEY_PREFIX) or len(raw) > 200:
        return None
    key = (
        ApiKey.objects.select_related("unit", "account")
        .filter(key_hash=hash_key(raw), enabled=True, account__is_active=True)
        .first()
    )
    if key is None:
        return None
    now = timezone.now()
    if key.last_used_at is None or (now - key.last_used_at).total_seconds() > 60:
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)  # at most once a minute
        key.last_used_at = now
    return key


def principal(key: ApiKey) -> Open311Account:
    """The account a key acts through (its rights: see ``Open311Account``)."""
    account = key.account
    account.api_key = key  # the key already loaded, with its unit: no further query
    return account


@dataclass
class PublicReader:  # not frozen: the work-order scope caches on the reader
    """Who reads ``requests`` without a key: the public scope (setting
    ``WORKORDERS_OPEN311_PUBLIC_UNIT``, a unit code; none by default, so nothing is public)."""

    unit_id: int
    unit_path: str
    is_authenticated: bool = True
    pk: None = None

    def scope_grants(self, capability: str | None = None) -> list[Grant]:
        if capability not in (None, Cap.VIEW_WORKORDER):
            return []
        return [Grant(scope=Scope.SUBTREE, unit_id=self.unit_id, unit_path=self.unit_path, person_id=None)]

    def has_cap(self, capability: str) -> bool:
        return capability == Cap.VIEW_WORKORDER


def public_reader() -> PublicReader | None:
    code = setting("OPEN311_PUBLIC_UNIT", None)
    if not code:
        return None
    unit = Unit.objects.filter(code=code).only("pk", "path").first()
    if unit is None:
        return None
    return PublicReader(unit_id=unit.pk, unit_path=unit.path)
