"""Notification centre (every user, own notifications only) and channel management (系统管理员)."""

from __future__ import annotations

import re

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.text import format_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from . import notifications
from .models import Notification, NotificationChannel

PAGE_SIZE = 30


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _own(request: HttpRequest, pk: int) -> Notification:
    """Only the recipient's own notification exists for them: anyone else's id answers 404."""
    return get_object_or_404(Notification, pk=pk, recipient=request.user)


@login_required
@require_GET
def notification_list(request: HttpRequest) -> HttpResponse:
    qs = notifications.notifications_for(request.user)
    only_unread = request.GET.get("unread") == "1"
    if only_unread:
        qs = qs.filter(read_at__isnull=True)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "core/notification_list.html",
        {
            "page_obj": page,
            "only_unread": only_unread,
            "can_manage_channels": notifications.can_manage_channels(request.user),
        },
    )


@login_required
@require_POST
def notification_read(request: HttpRequest, pk: int) -> HttpResponse:
    notification = _own(request, pk)
    notifications.mark_read(request.user, [notification.pk])
    if _is_htmx(request):
        notification.refresh_from_db()
        return render(request, "core/notification_item_oob.html", {"n": notification})
    return redirect("core:notification-list")


@login_required
@require_POST
def notification_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark read and follow the notification's link (local links only: no open redirect)."""
    notification = _own(request, pk)
    notifications.mark_read(request.user, [notification.pk])
    url = notification.url
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return HttpResponseRedirect(url)
    return redirect("core:notification-list")


@login_required
@require_POST
def notification_read_all(request: HttpRequest) -> HttpResponse:
    count = notifications.mark_read(request.user, "all")
    if _is_htmx(request):
        response = HttpResponse(status=204)
        response["HX-Refresh"] = "true"
        return response
    if count:
        messages.success(request, f"已将 {count} 条通知标为已读 / {count} marked read")
    return redirect("core:notification-list")


# --- Channels -----------------------------------------------------------------------------------


class ChannelForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=100)
    kind = forms.ChoiceField(label=_("类型"), choices=NotificationChannel.Kind.choices)
    target = forms.CharField(
        label=_("地址"),
        max_length=300,
        help_text=format_lazy(
            _("Webhook 填 http(s) URL;邮件填地址(逗号分隔),{} 表示接收人本人邮箱"), notifications.RECIPIENT_EMAIL
        ),
    )
    secret = forms.CharField(
        label=_("签名密钥"),
        required=False,
        max_length=200,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("Webhook 必填,至少 16 个字符;用于 X-Jingwu-Signature 的 HMAC-SHA256 签名"),
    )
    kinds = forms.CharField(
        label=_("通知类型"),
        required=False,
        help_text=_("逗号或空格分隔;留空表示全部类型"),
    )

    def kinds_list(self) -> list[str]:
        return [k for k in re.split(r"[\s,,]+", self.cleaned_data.get("kinds", "")) if k]


def _require_channels_cap(request: HttpRequest) -> None:
    if not notifications.can_manage_channels(request.user):
        raise PermissionDenied("无权管理通知渠道 / not allowed to manage notification channels")


@login_required
@require_http_methods(["GET", "POST"])
def channel_list(request: HttpRequest) -> HttpResponse:
    _require_channels_cap(request)
    form = ChannelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            channel = notifications.channel_create(
                actor=request.user,
                name=form.cleaned_data["name"],
                kind=form.cleaned_data["kind"],
                target=form.cleaned_data["target"],
                secret=form.cleaned_data["secret"],
                kinds=form.kinds_list(),
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, gettext("已添加通知渠道:%(name)s") % {"name": channel.name})
            return redirect("core:channel-list")
    channels = NotificationChannel.objects.order_by("-enabled", "name", "id")
    return render(request, "core/notification_channels.html", {"channels": channels, "form": form})


@login_required
@require_POST
def channel_toggle(request: HttpRequest, pk: int) -> HttpResponse:
    _require_channels_cap(request)
    channel = get_object_or_404(NotificationChannel, pk=pk)
    enabled = request.POST.get("enabled") == "1"
    notifications.channel_set_enabled(actor=request.user, channel=channel, enabled=enabled)
    messages.success(
        request, (gettext("已启用:%(name)s") if enabled else gettext("已停用:%(name)s")) % {"name": channel.name}
    )
    return redirect(reverse("core:channel-list"))
