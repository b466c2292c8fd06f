"""Notifications: in-app messages to users, delivered also to external channels (email, webhook).

``notify()`` writes the in-app rows in the caller's transaction and, after commit, enqueues one
delivery task per notification when an enabled channel wants that kind. Delivery runs in the
worker: a failure is logged and retried (at most ``MAX_ATTEMPTS``), never raised into a request.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import urllib.error
import urllib.request
from collections.abc import Iterable
from functools import partial
from typing import Any, Literal
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import models, transaction
from django.db.models import Count, ExpressionWrapper, Q, QuerySet
from django.utils import timezone

from . import audit, compiled
from .models import Notification, NotificationChannel

logger = logging.getLogger("jingwu.notifications")

MANAGE_CHANNELS = "core.manage_channels"  # capability; granted to 系统管理员 in org.roles
MAX_ATTEMPTS = 3
RETRY_DELAYS = (60, 300)  # seconds before the 2nd and 3rd attempt
WEBHOOK_TIMEOUT = 5
SIGNATURE_HEADER = "X-Jingwu-Signature"
DELIVERY_HEADER = "X-Jingwu-Delivery"
RECIPIENT_EMAIL = "@recipient"  # an email channel target meaning "the recipient's own address"


class DeliveryError(Exception):
    """An external channel did not accept a notification."""


# --- Writes ---------------------------------------------------------------------------------------


def _recipient_ids(recipients: Any) -> list[int]:
    if isinstance(recipients, QuerySet):
        return list(dict.fromkeys(recipients.values_list("pk", flat=True)))
    if isinstance(recipients, models.Model | int):
        recipients = [recipients]
    ids = [r.pk if isinstance(r, models.Model) else int(r) for r in recipients]
    return list(dict.fromkeys(ids))


def notify(
    *,
    recipients: Any,
    kind: str,
    title: str,
    body: str = "",
    url: str = "",
    level: str = Notification.Level.INFO,
    dedupe_key: str = "",
) -> list[Notification]:
    """Create one in-app notification per recipient; returns the rows created now.

    A recipient who already has a notification with the same non-empty ``dedupe_key`` gets no
    second one, so a reminder job may run any number of times per period.
    """
    if level not in Notification.Level.values:
        raise ValidationError(f"未知的通知级别 / unknown level {level!r}")
    if not kind or not title:
        raise ValidationError("通知类型和标题不能为空 / kind and title are required")
    dedupe_key = dedupe_key[:200]
    ids = _recipient_ids(recipients)
    if not ids:
        return []
    with transaction.atomic():
        if dedupe_key:
            have = set(
                Notification.objects.filter(dedupe_key=dedupe_key, recipient_id__in=ids).values_list(
                    "recipient_id", flat=True
                )
            )
            ids = [i for i in ids if i not in have]
            if not ids:
                return []
        rows = [
            Notification(
                recipient_id=i,
                kind=kind[:64],
                level=level,
                title=title[:200],
                body=body,
                url=url[:300],
                dedupe_key=dedupe_key,
            )
            for i in ids
        ]
        if dedupe_key:
            # A concurrent notify() may have inserted the same key meanwhile: skip those rows.
            Notification.objects.bulk_create(rows, ignore_conflicts=True)
            created = list(Notification.objects.filter(dedupe_key=dedupe_key, recipient_id__in=ids).order_by("id"))
        else:
            created = Notification.objects.bulk_create(rows)
        if created and channels_for(kind):
            transaction.on_commit(partial(_enqueue_delivery, [n.pk for n in created]), robust=True)
    return created


def _enqueue_delivery(notification_ids: list[int]) -> None:
    from .tasks import send_notification_task

    for notification_id in notification_ids:
        try:
            send_notification_task.enqueue(notification_id)
        except Exception:
            logger.exception("could not enqueue delivery of notification %s", notification_id)


def mark_read(user: Any, ids: Iterable[int] | Literal["all"]) -> int:
    """Mark the user's own notifications read (others' ids are silently ignored); returns how many."""
    qs = _unread(user.pk)
    if ids != "all":
        qs = qs.filter(pk__in=list(ids))
    return qs.update(read_at=timezone.now())


# --- Reads ----------------------------------------------------------------------------------------


def unread_count(user: Any) -> int:
    """The header bell's figure, on every page: its SQL compiled once (``jingwu.core.compiled``)."""
    if user is None or not user.is_authenticated:
        return 0
    found = compiled.rows("core.unread_count", _unread_count, user.pk)
    return int(found[0][0]) if found else 0


def _unread(user_id: int) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient_id=user_id, read_at__isnull=True)


def _unread_count(user_id: int) -> QuerySet[Any]:
    return _unread(user_id).order_by().values("recipient_id").annotate(n=Count("pk")).values_list("n")


def notifications_for(user: Any) -> QuerySet[Notification]:
    """The user's own notifications, unread first, newest first."""
    unread = ExpressionWrapper(Q(read_at__isnull=True), output_field=models.BooleanField())
    return Notification.objects.filter(recipient=user).order_by(unread.desc(), "-created_at", "-id")


def channels_for(kind: str) -> list[NotificationChannel]:
    """Enabled channels that want ``kind`` (an empty ``kinds`` list means every kind)."""
    return [
        c for c in NotificationChannel.objects.filter(enabled=True).order_by("id") if not c.kinds or kind in c.kinds
    ]


# --- Delivery -------------------------------------------------------------------------------------


def absolute_url(url: str) -> str:
    base = getattr(settings, "SITE_URL", "")
    if url and base and url.startswith("/"):
        return base.rstrip("/") + url
    return url


def payload(notification: Notification) -> dict[str, str]:
    return {
        "kind": notification.kind,
        "title": notification.title,
        "body": notification.body,
        "url": absolute_url(notification.url),
        "level": notification.level,
        "recipient": notification.recipient.get_username(),
    }


def sign(secret: str, data: bytes) -> str:
    """The signature header value: ``sha256=`` + hex HMAC-SHA256 of the raw request body."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), data, hashlib.sha256).hexdigest()


def deliver(notification: Notification, channel: NotificationChannel) -> str:
    """Send one notification through one channel; raises ``DeliveryError`` on failure."""
    if channel.kind == NotificationChannel.Kind.WEBHOOK:
        return _deliver_webhook(notification, channel)
    if channel.kind == NotificationChannel.Kind.EMAIL:
        return _deliver_email(notification, channel)
    raise DeliveryError(f"unknown channel kind {channel.kind!r}")


def _deliver_webhook(notification: Notification, channel: NotificationChannel) -> str:
    if urlsplit(channel.target).scheme not in {"http", "https"}:
        raise DeliveryError(f"webhook target must be http(s): {channel.target!r}")
    data = json.dumps(payload(notification), ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    request = urllib.request.Request(  # noqa: S310 - scheme checked above
        channel.target,
        data=data,
        method="POST",
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "Jingwu-Notifier/1",
            SIGNATURE_HEADER: sign(channel.secret, data),
            DELIVERY_HEADER: f"{notification.pk}-{channel.pk}",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=WEBHOOK_TIMEOUT) as response:  # noqa: S310
            status = response.status
    except urllib.error.HTTPError as exc:
        raise DeliveryError(f"webhook answered HTTP {exc.code}") from exc
    except (urllib.error.URLError, OSError) as exc:
        raise DeliveryError(f"webhook unreachable: {exc}") from exc
    if not 200 <= status < 300:
        raise DeliveryError(f"webhook answered HTTP {status}")
    return f"webhook {status}"


def _deliver_email(notification: Notification, channel: NotificationChannel) -> str:
    addresses = []
    for target in (t.strip() for t in channel.target.split(",")):
        if target == RECIPIENT_EMAIL:
            target = notification.recipient.email
        if target:
            addresses.append(target)
    if not addresses:
        return "email skipped: no address"
    text = notification.body
    link = absolute_url(notification.url)
    if link:
        text = f"{text}\n\n{link}" if text else link
    try:
        send_mail(f"[警务] {notification.title}", text, None, addresses, fail_silently=False)
    except Exception as exc:
        raise DeliveryError(f"email not sent: {exc}") from exc
    return f"email to {len(addresses)}"


# --- Channel management (系统管理员) ---------------------------------------------------------------

CHANNEL_FIELDS = ("name", "kind", "target", "secret", "enabled", "kinds")


def can_manage_channels(user: Any) -> bool:
    return bool(user is not None and user.is_authenticated and user.has_cap(MANAGE_CHANNELS))


def _require(actor: Any) -> None:
    if not can_manage_channels(actor):
        raise PermissionDenied("无权管理通知渠道 / not allowed to manage notification channels")


def validate_channel(*, kind: str, target: str, secret: str) -> None:
    errors: dict[str, str] = {}
    if kind == NotificationChannel.Kind.WEBHOOK:
        parts = urlsplit(target)
        if parts.scheme not in {"http", "https"} or not parts.netloc:
            errors["target"] = "Webhook 地址须为 http(s) URL / the webhook target must be an http(s) URL"
        if len(secret) < 16:
            errors["secret"] = "Webhook 签名密钥至少 16 个字符 / the signing secret needs 16+ characters"
    elif kind == NotificationChannel.Kind.EMAIL:
        for address in (t.strip() for t in target.split(",")):
            if address == RECIPIENT_EMAIL:
                continue
            try:
                validate_email(address)
            except ValidationError:
                errors["target"] = (
                    f"邮箱地址无效:{address} / invalid address (use {RECIPIENT_EMAIL} for the recipient's own)"
                )
                break
    else:
        errors["kind"] = "未知渠道类型 / unknown channel kind"
    if errors:
        raise ValidationError(errors)


def channel_create(
    *,
    actor: Any,
    name: str,
    kind: str,
    target: str,
    secret: str = "",
    kinds: Iterable[str] = (),
    enabled: bool = True,
) -> NotificationChannel:
    _require(actor)
    target = target.strip()
    validate_channel(kind=kind, target=target, secret=secret)
    with transaction.atomic():
        channel = NotificationChannel.objects.create(
            name=name.strip(),
            kind=kind,
            target=target,
            secret=secret,
            enabled=enabled,
            kinds=sorted({k.strip() for k in kinds if k.strip()}),
        )
        after = audit.snapshot(channel, CHANNEL_FIELDS)
        audit.record(
            "core.channel_create",
            obj=channel,
            actor=actor,
            changes=audit.diff({}, after, sensitive={"secret"}),
        )
    return channel


def channel_set_enabled(*, actor: Any, channel: NotificationChannel, enabled: bool) -> NotificationChannel:
    _require(actor)
    with transaction.atomic():
        channel = NotificationChannel.objects.select_for_update().get(pk=channel.pk)
        if channel.enabled == enabled:
            return channel
        before = audit.snapshot(channel, ("enabled",))
        channel.enabled = enabled
        channel.save(update_fields=["enabled"])
        audit.record(
            "core.channel_enable" if enabled else "core.channel_disable",
            obj=channel,
            actor=actor,
            changes=audit.diff(before, audit.snapshot(channel, ("enabled",))),
        )
    return channel
