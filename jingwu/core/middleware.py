from __future__ import annotations

import time
import uuid
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse

from . import context


def client_ip(request: HttpRequest) -> str:
    if settings.SECURE_PROXY_SSL_HEADER:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[0].strip()
    return request.META.get("REMOTE_ADDR", "")


class RequestIdMiddleware:
    """Binds a request id and client address to the action context the audit log reads."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = request.META.get("HTTP_X_REQUEST_ID", "")[:64] or uuid.uuid4().hex
        origin = "api" if request.path.startswith("/api/") or request.path.startswith("/open311/") else "web"
        with context.acting(ip=client_ip(request), request_id=request_id, origin=origin) as ctx:
            request.action_context = ctx  # type: ignore[attr-defined]
            response = self.get_response(request)
        response["X-Request-ID"] = request_id
        return response


ACTIVITY_RESOLUTION = 60  # seconds; the idle timeout is measured to within this


class ActorMiddleware:
    """After authentication: puts the user in the action context and enforces the idle timeout
    (``SESSION_IDLE_TIMEOUT`` since the last request) and the absolute session lifetime
    (``SESSION_COOKIE_AGE`` since login; the session row's own expiry slides with every save)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        ctx = getattr(request, "action_context", None)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and hasattr(request, "session"):
            now = int(time.time())
            last = request.session.get("_last_seen")
            started = request.session.setdefault("_auth_at", now)
            if last is not None and now - int(last) > settings.SESSION_IDLE_TIMEOUT:
                from .audit import record

                record("auth.session_timeout", actor=user, message="空闲超时自动退出")
                logout(request)
            elif now - int(started) > settings.SESSION_COOKIE_AGE:
                from .audit import record

                record("auth.session_expired", actor=user, message="会话已达最长时限,自动退出")
                logout(request)
            elif last is None or now - int(last) >= ACTIVITY_RESOLUTION:
                # Written at most once a minute: a session save per request costs every page a write.
                request.session["_last_seen"] = now
        if ctx is not None:
            ctx.user = request.user if getattr(request, "user", None) and request.user.is_authenticated else None
        return self.get_response(request)
