"""Shared API pieces: authentication, capability permission, pagination, the JSON error format
(field-level, Chinese/English), the shared error schema, and the offline API docs page.

Every API module builds on these so that all endpoints answer alike: anonymous → 401 with a
``WWW-Authenticate`` header, missing capability → 403, out-of-scope object → 404, bad input → 400
with the offending fields; every error body is ``{"error", "detail", "fields"?}``.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import OpenApiResponse
from rest_framework import exceptions, filters, pagination, permissions, serializers
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from .api_auth import TokenAuthentication

__all__ = [
    "ErrorSerializer",
    "HasCapability",
    "Pagination",
    "StableOrderingFilter",
    "TokenAuthentication",
    "error_responses",
    "exception_handler",
]


class Pagination(pagination.PageNumberPagination):
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 200

    def get_page_size(self, request: Any) -> int:
        """A malformed ``page_size`` is a 400, not silently the default; above the cap it is capped."""
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        if not (raw.isascii() and raw.isdigit()) or int(raw) < 1:
            raise exceptions.ValidationError(
                {self.page_size_query_param: ["每页条数应为正整数 / page_size must be a positive integer"]}
            )
        return min(int(raw), self.max_page_size)


class StableOrderingFilter(filters.OrderingFilter):
    """``?ordering=`` with the primary key as the last key, so pages never repeat or skip rows."""

    def get_ordering(self, request: Any, queryset: Any, view: Any) -> list[str]:
        ordering = list(super().get_ordering(request, queryset, view) or [])
        if not any(key.lstrip("-") in ("pk", "id") for key in ordering):
            ordering.append("pk")
        return ordering


# --- Permissions -------------------------------------------------------------------------------


class HasCapability(permissions.BasePermission):
    """Checks ``view.required_capabilities[action]`` (a capability code, or None for "any role").

    Authentication is checked first, so anonymous callers get 401 rather than 403. Actions missing
    from the mapping fall back to the ``"*"`` entry; a view with no mapping needs only a login.
    """

    message = "您没有执行此操作的权限 / you do not have permission to do this"

    def has_permission(self, request: Any, view: Any) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        mapping: dict[str, str | None] = getattr(view, "required_capabilities", {})
        action = getattr(view, "action", None) or request.method.lower()
        capability = mapping.get(action, mapping.get("*"))
        if capability is None:
            return True
        return bool(user.has_cap(capability))


# --- Errors ------------------------------------------------------------------------------------


class ErrorSerializer(serializers.Serializer):
    """The body of every error response."""

    error = serializers.CharField(help_text="Machine-readable code, e.g. invalid, not_found, permission_denied")
    detail = serializers.CharField(help_text="Human-readable message (Chinese / English)")
    # DRF's metaclass moves declared fields off the class, so this does not shadow Serializer.fields.
    fields = serializers.DictField(  # type: ignore[assignment]
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="Per-field messages; present on 400 validation errors",
    )


_ERROR_DESCRIPTIONS = {
    400: "输入有误 / invalid input (see fields)",
    401: "未登录或令牌无效 / not authenticated",
    403: "无权限 / permission denied",
    404: "不存在或不在数据权限范围内 / not found or outside your data scope",
    405: "方法不允许 / method not allowed",
    415: "不支持的媒体类型 / unsupported media type",
    429: "请求过多或账号已锁定 / too many requests or account locked",
}


def error_responses(*codes: int) -> dict[int, OpenApiResponse]:
    """OpenAPI responses for the given error status codes, all with the shared error body."""
    return {code: OpenApiResponse(ErrorSerializer, description=_ERROR_DESCRIPTIONS.get(code, "")) for code in codes}


READ_ERRORS = (401, 403, 404)
WRITE_ERRORS = (400, 401, 403, 404)


def _django_validation_to_drf(exc: DjangoValidationError) -> exceptions.ValidationError:
    if hasattr(exc, "error_dict"):
        return exceptions.ValidationError(
            {
                ("non_field_errors" if k == NON_FIELD_ERRORS else k): [str(m) for e in v for m in e.messages]
                for k, v in exc.error_dict.items()
            }
        )
    return exceptions.ValidationError({"non_field_errors": exc.messages})


def _flatten_fields(data: Any) -> dict[str, Any]:
    if isinstance(data, dict):
        return {str(k): (v if isinstance(v, list | dict) else [str(v)]) for k, v in data.items()}
    if isinstance(data, list):
        return {"non_field_errors": [str(v) for v in data]}
    return {"non_field_errors": [str(data)]}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Every error is JSON: ``{"error": code, "detail": message, "fields": {field: [messages]}}``."""
    if isinstance(exc, DjangoValidationError):
        exc = _django_validation_to_drf(exc)
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound("未找到 / not found")
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    data = response.data
    body: dict[str, Any] = {"error": getattr(exc, "default_code", "error")}
    if isinstance(exc, exceptions.ValidationError):
        body["detail"] = "输入有误,请检查各字段 / invalid input, see fields"
        body["fields"] = _flatten_fields(data)
    elif isinstance(data, dict) and "detail" in data:
        body["detail"] = str(data["detail"])
    else:
        body["detail"] = str(data)
    response.data = body
    return response


@csrf_exempt  # an unknown path answers 404 whatever the method; a CSRF 403 page would be HTML
def api_not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
    """JSON 404 for any unknown path under the API prefix (instead of the HTML page)."""
    return JsonResponse(
        {"error": "not_found", "detail": "接口不存在 / no such endpoint"},
        status=404,
        json_dumps_params={"ensure_ascii": False},
    )


# --- Documentation page ------------------------------------------------------------------------


def api_docs(request: HttpRequest) -> HttpResponse:
    """Swagger UI served from the vendored bundle, initialised by a static script (no CDN, CSP-safe)."""
    return render(request, "core/api_docs.html", {"schema_url": reverse("api-schema")})
