"""Login security (等保三级 baseline): sessions that know their user, mandatory TOTP, login audit.

- ``SessionStore`` is the session engine (``SESSION_ENGINE = "jingwu.core.security"``): database
  sessions whose row carries the user id, so ``end_sessions(user)`` is one indexed delete.
- ``OTPRequiredMiddleware`` keeps a user whose roles require a second factor (the three admin roles
  and discipline), or who switched it on, away from every page but the TOTP pages and logout until
  the session is verified.
- ``connect_signals()`` (called from ``CoreConfig.ready``) listens to Django's and axes' login
  signals only to write audit rows; no business rule hangs on them.
"""

from __future__ import annotations

import base64
import hashlib
import time
from collections.abc import Callable
from typing import Any, cast
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore as DBStore
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import audit
from .models import UserSession

# --- Sessions --------------------------------------------------------------------------------


class SessionStore(DBStore):
    """Database sessions stored in ``UserSession`` with the owner's id beside the signed data."""

    @classmethod
    def get_model_class(cls) -> type[UserSession]:
        return UserSession

    def create_model_instance(self, data: dict[str, Any]) -> UserSession:
        obj = cast(UserSession, super().create_model_instance(data))
        try:
            obj.user_id = int(data["_auth_user_id"])
        except (KeyError, TypeError, ValueError):
            obj.user_id = None
        return obj


def end_sessions(user: Any) -> int:
    """End every session of ``user`` (disabled account, reset credentials). Returns how many."""
    deleted, _ = UserSession.objects.filter(user_id=user.pk).delete()
    return deleted


# --- TOTP ------------------------------------------------------------------------------------

DEVICE_NAME = "动态口令"


def confirmed_device(user: Any) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("id").first()


def pending_device(user: Any) -> TOTPDevice:
    """The unconfirmed device being set up; its secret stays the same until it is confirmed."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("id").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
    return device


def otp_required_by_role(user: Any) -> bool:
    return bool(settings.OTP_REQUIRED and getattr(user, "requires_otp", False))


def needs_otp(user: Any) -> bool:
    """Whether this logged-in user must pass TOTP before using the system in this session."""
    if not settings.OTP_REQUIRED or not user.is_authenticated:
        return False
    if getattr(user, "is_verified", lambda: False)():
        return False
    return otp_required_by_role(user) or TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def otp_entry_url(user: Any, next_url: str = "") -> str:
    """The verification page if the user has a confirmed device, else the setup page."""
    name = "otp-verify" if confirmed_device(user) is not None else "otp-setup"
    url = reverse(name)
    return f"{url}?{urlencode({'next': next_url})}" if next_url else url


def base32_secret(device: TOTPDevice) -> str:
    return base64.b32encode(device.bin_key).decode("ascii").rstrip("=")


def current_code(device: TOTPDevice, at: float | None = None) -> str:
    """The code an authenticator app shows now for this device (demo helper and tests)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() if at is None else at
    return f"{totp.token():0{device.digits}d}"


def demo_totp_key(username: str) -> str:
    """A fixed per-user demo secret (hex, 20 bytes), so the demo's authenticator codes are predictable.

    Only the demo loader uses it; real devices get random keys from django-otp.
    """
    return hashlib.sha256(f"jingwu-demo-totp:{username}".encode()).hexdigest()[:40]


OTP_DEVICE_RECHECK = 60  # seconds: how long a session trusts its "has a confirmed device" answer


def _needs_otp_cached(request: HttpRequest, user: Any) -> bool:
    """``needs_otp`` with the one query it makes (does the user have a confirmed device?) answered from
    the session for ``OTP_DEVICE_RECHECK`` seconds: it was a query on every page of every user. A
    device confirmed in another session gates this one within that time; the verified state and the
    roles are read fresh, as ``needs_otp`` reads them."""
    if not settings.OTP_REQUIRED or not user.is_authenticated:
        return False
    if getattr(user, "is_verified", lambda: False)():
        return False
    if otp_required_by_role(user):
        return True
    session = getattr(request, "session", None)
    if session is None:
        return needs_otp(user)
    now = int(time.time())
    cached = session.get("_otp_device")
    if (
        isinstance(cached, list)
        and len(cached) == 3
        and cached[0] == user.pk
        and 0 <= now - cached[2] < OTP_DEVICE_RECHECK
    ):
        return bool(cached[1])
    has_device = TOTPDevice.objects.filter(user=user, confirmed=True).exists()
    session["_otp_device"] = [user.pk, has_device, now]
    return has_device


class OTPRequiredMiddleware:
    """Until the session passed TOTP, a user who needs it reaches only the TOTP pages and logout.

    Runs after ``django_otp.middleware.OTPMiddleware`` (which gives ``request.user.is_verified``).
    Token-authenticated API calls carry no session and are not affected here.
    """

    ALLOWED_NAMES = ("otp-verify", "otp-setup", "logout", "set_language", "login")

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response
        self._allowed: set[str] | None = None

    def _allowed_paths(self) -> set[str]:
        if self._allowed is None:
            paths = set()
            for name in self.ALLOWED_NAMES:
                try:
                    paths.add(reverse(name))
                except Exception:  # noqa: S112 - a project without that page simply does not exempt it
                    continue
            self._allowed = paths
        return self._allowed

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and request.path not in self._allowed_paths()
            and not request.path.startswith(settings.STATIC_URL)
            and _needs_otp_cached(request, user)
        ):
            if request.path.startswith("/api/"):
                return JsonResponse(
                    {"error": "otp_required", "detail": "请先完成动态口令验证 / two-step verification required"},
                    status=403,
                )
            next_url = request.get_full_path() if request.method == "GET" else ""
            return redirect(otp_entry_url(user, next_url))
        return self.get_response(request)


# --- Login audit -----------------------------------------------------------------------------


def _on_logged_in(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    audit.record("auth.login", obj=user, actor=user, message="登录成功")
    session = getattr(request, "session", None)
    if session is not None:  # the clocks of the idle timeout and the absolute lifetime start now
        now = int(time.time())
        session["_auth_at"] = now
        session["_last_seen"] = now


def _on_logged_out(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if user is not None:
        audit.record("auth.logout", obj=user, actor=user, message="退出登录")


def _attempted_user(username: str) -> Any:
    from django.contrib.auth import get_user_model

    return get_user_model().objects.filter(username=username).first() if username else None


def _on_login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    username = str(credentials.get("username") or "")[:150]
    locked = bool(getattr(request, "axes_locked_out", False))
    target = _attempted_user(username)
    audit.record(
        "auth.login_failed",
        obj=target,
        object_type="" if target else "org.user",
        object_repr="" if target else username,
        success=False,
        changes={"username": username},
        message="账号已锁定 / account locked" if locked else "用户名或密码错误 / wrong username or password",
    )


def _on_locked_out(sender: Any, request: HttpRequest | None = None, username: str = "", **kwargs: Any) -> None:
    # axes repeats the signal for every attempt made while the account stays locked; the lockout
    # itself is the attempt that reached the limit.
    failures = getattr(request, "axes_failures_since_start", None)
    if failures is not None and failures > settings.AXES_FAILURE_LIMIT:
        return
    username = str(username or "")[:150]
    target = _attempted_user(username)
    audit.record(
        "auth.lockout",
        obj=target,
        object_type="" if target else "org.user",
        object_repr="" if target else username,
        success=False,
        changes={"username": username, "failures": failures, "minutes": int(settings.AXES_COOLOFF_TIME * 60)},
        message="连续登录失败,账号已锁定 / account locked after repeated failures",
    )


def connect_signals() -> None:
    from axes.signals import user_locked_out
    from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed

    user_logged_in.connect(_on_logged_in, dispatch_uid="jingwu.audit.login")
    user_logged_out.connect(_on_logged_out, dispatch_uid="jingwu.audit.logout")
    user_login_failed.connect(_on_login_failed, dispatch_uid="jingwu.audit.login_failed")
    user_locked_out.connect(_on_locked_out, dispatch_uid="jingwu.audit.lockout")
