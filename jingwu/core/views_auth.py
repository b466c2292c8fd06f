"""Login, the TOTP pages (verify, first-time setup) and the optional two-step verification page.

Password login goes through Django's ``LoginView`` (axes counts failures and locks the account);
a user who needs a second factor is then sent to the TOTP page, and ``OTPRequiredMiddleware``
keeps them there until the session is verified.
"""

from __future__ import annotations

from typing import Any

import django_otp
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import audit
from .security import (
    base32_secret,
    confirmed_device,
    needs_otp,
    otp_entry_url,
    otp_required_by_role,
    pending_device,
)


def _safe_next(request: HttpRequest, default: str = "") -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return default or reverse("home")


class LoginView(auth_views.LoginView):
    """Password login; the session key is rotated by ``login()``, then TOTP if the user needs it."""

    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)  # login() starts the session clocks (security._on_logged_in)
        user = self.request.user
        if needs_otp(user):
            return HttpResponseRedirect(otp_entry_url(user, self.get_success_url()))
        return response


def _throttle_message(device: TOTPDevice) -> str:
    allowed, info = device.verify_is_allowed()
    if allowed or not info:
        return ""
    until = info.get("locked_until")
    if until is None:
        return ""
    seconds = max(1, int((until - _now()).total_seconds()))
    return f"错误次数过多,请 {seconds} 秒后再试 / too many wrong codes, try again in {seconds} s"


def _now() -> Any:
    from django.utils import timezone

    return timezone.now()


def _token_from(request: HttpRequest) -> str:
    return "".join(ch for ch in request.POST.get("token", "") if ch.isdigit())[:8]


@login_required
@require_http_methods(["GET", "POST"])
def otp_verify(request: HttpRequest) -> HttpResponseBase:
    """Second step of login: a six-digit code from the user's authenticator app."""
    user = request.user
    next_url = _safe_next(request)
    if user.is_verified():  # type: ignore[union-attr]
        return redirect(next_url)
    device = confirmed_device(user)
    if device is None:
        return redirect(otp_entry_url(user, next_url))
    error = ""
    if request.method == "POST":
        token = _token_from(request)
        throttled = _throttle_message(device)
        with transaction.atomic():
            ok = bool(token) and device.verify_token(token)
            audit.record(
                "auth.otp_verify",
                obj=user,
                actor=user,
                success=ok,
                message="动态口令验证通过" if ok else "动态口令错误 / wrong code",
            )
        if ok:
            django_otp.login(request, device)
            return redirect(next_url)
        error = throttled or "动态口令不正确,请重新输入 / the code is not correct"
    return render(
        request,
        "registration/otp_verify.html",
        {"next": next_url, "error": error, "required": otp_required_by_role(user)},
        status=400 if error else 200,
    )


def _qr_data_uri(uri: str) -> str:
    try:
        import segno
    except ImportError:  # the QR code is a convenience; the secret and the URI are shown anyway
        return ""
    return str(segno.make(uri, error="m").svg_data_uri(scale=5, border=2))


@login_required
@require_http_methods(["GET", "POST"])
def otp_setup(request: HttpRequest) -> HttpResponseBase:
    """Bind an authenticator app: show the secret and otpauth URI, confirm with one code.

    A user who already has a confirmed device must verify with it first; nobody replaces a device
    with only a password.
    """
    user = request.user
    next_url = _safe_next(request)
    if confirmed_device(user) is not None and not user.is_verified():  # type: ignore[union-attr]
        return redirect(otp_entry_url(user, next_url))
    device = pending_device(user)
    error = ""
    if request.method == "POST":
        token = _token_from(request)
        throttled = _throttle_message(device)
        with transaction.atomic():
            ok = bool(token) and device.verify_token(token)
            if ok:
                device.confirmed = True
                device.save(update_fields=["confirmed"])
                TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
            audit.record(
                "auth.otp_setup",
                obj=user,
                actor=user,
                success=ok,
                message="已绑定动态口令" if ok else "绑定时动态口令错误 / wrong code during setup",
            )
        if ok:
            django_otp.login(request, device)
            messages.success(request, "已启用两步验证 / two-step verification is on")
            return redirect(next_url)
        error = throttled or "动态口令不正确,请核对手机时间后重试 / the code is not correct"
    uri = device.config_url
    return render(
        request,
        "registration/otp_setup.html",
        {
            "next": next_url,
            "error": error,
            "secret": base32_secret(device),
            "otpauth_uri": uri,
            "qr": _qr_data_uri(uri),
            "required": otp_required_by_role(user),
        },
        status=400 if error else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def two_step(request: HttpRequest) -> HttpResponseBase:
    """Two-step verification for everyone: on for the roles that require it, optional for others."""
    user = request.user
    device = confirmed_device(user)
    required = otp_required_by_role(user)
    if request.method == "POST" and request.POST.get("action") == "disable":
        if required or device is None:
            messages.error(request, "您的角色要求两步验证,不能关闭 / your role requires two-step verification")
            return redirect("two-step")
        if needs_otp(user):
            return redirect(otp_entry_url(user, reverse("two-step")))
        with transaction.atomic():
            TOTPDevice.objects.filter(user=user).delete()
            audit.record("auth.otp_disable", obj=user, actor=user, message="关闭两步验证")
        messages.success(request, "已关闭两步验证 / two-step verification is off")
        return redirect("two-step")
    return render(
        request,
        "registration/two_step.html",
        {"device": device, "required": required, "verified": user.is_verified()},  # type: ignore[union-attr]
    )
