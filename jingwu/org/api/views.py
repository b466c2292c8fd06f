"""Org API: units, people, the current user, and API tokens. Thin: reads through ``visible_to``,
writes through ``org.services``; errors come out in the shared JSON format (``core.api``)."""

from __future__ import annotations

from typing import Any, cast

from django.conf import settings
from django.contrib.auth import authenticate
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.authtoken.models import Token
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from jingwu.core import audit
from jingwu.core.api import READ_ERRORS, WRITE_ERRORS, HasCapability, StableOrderingFilter, error_responses
from jingwu.core.scope import Scope

from .. import services
from ..models import Person, Unit, User
from ..roles import Cap
from .filters import PersonFilter, UnitFilter
from .serializers import (
    MeSerializer,
    PersonSerializer,
    PersonWriteSerializer,
    RevealResultSerializer,
    RevealSerializer,
    UnitCreateSerializer,
    UnitMoveSerializer,
    UnitSerializer,
    UnitUpdateSerializer,
    with_parent_code,
)


def _actor(request: Request) -> User:
    """The signed-in caller (the permission classes have already turned anonymous callers away)."""
    return cast(User, request.user)


LIST_ERRORS = (400, 401, 403, 404)  # 404: a page number past the end
CREATE_ERRORS = (400, 401, 403)


class OrgViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Base: capability per action, integer ids only, filters and a stable ordering."""

    permission_classes = [HasCapability]
    filter_backends = [DjangoFilterBackend, StableOrderingFilter]
    lookup_value_converter = "int"


# --- Units -------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary="单位列表 / list units", responses={200: UnitSerializer(many=True), **error_responses(*LIST_ERRORS)}
    ),
    retrieve=extend_schema(
        summary="单位详情 / a unit", responses={200: UnitSerializer, **error_responses(*READ_ERRORS)}
    ),
)
class UnitViewSet(OrgViewSet):
    """Units of the caller's data scope; 系统管理员 (``org.manage_unit``) creates, edits and moves them."""

    serializer_class = UnitSerializer
    filterset_class = UnitFilter
    ordering_fields = ["path", "code", "name", "depth", "order"]
    ordering = ["path"]
    required_capabilities = {
        "list": Cap.VIEW_UNIT,
        "retrieve": Cap.VIEW_UNIT,
        "create": Cap.MANAGE_UNIT,
        "partial_update": Cap.MANAGE_UNIT,
        "move": Cap.MANAGE_UNIT,
    }

    def get_queryset(self) -> Any:
        return with_parent_code(Unit.objects.visible_to(_actor(self.request), Cap.VIEW_UNIT))

    def _show(self, unit: Unit, code: int = status.HTTP_200_OK) -> Response:
        # Re-read with the parent annotation; the service has already checked the caller's scope.
        fresh = with_parent_code(Unit.objects.filter(pk=unit.pk)).get()
        return Response(UnitSerializer(fresh, context=self.get_serializer_context()).data, status=code)

    @extend_schema(
        summary="新建单位 / create a unit",
        request=UnitCreateSerializer,
        responses={201: UnitSerializer, **error_responses(*CREATE_ERRORS)},
    )
    def create(self, request: Request) -> Response:
        payload = UnitCreateSerializer(data=request.data, context=self.get_serializer_context())
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        parent = data.pop("parent", None)
        if parent is None and not any(g.scope == Scope.ALL for g in _actor(request).scope_grants(Cap.MANAGE_UNIT)):
            raise PermissionDenied("只有全局管理员可新建顶级单位 / only a global admin creates top-level units")
        unit = services.unit_create(actor=_actor(request), parent=parent, **data)
        return self._show(unit, status.HTTP_201_CREATED)

    @extend_schema(
        summary="修改或撤销单位 / change or retire a unit",
        request=UnitUpdateSerializer,
        responses={200: UnitSerializer, **error_responses(*WRITE_ERRORS)},
    )
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        unit = self.get_object()
        payload = UnitUpdateSerializer(data=request.data, context=self.get_serializer_context())
        payload.is_valid(raise_exception=True)
        unit = services.unit_update(actor=_actor(request), unit=unit, **payload.validated_data)
        return self._show(unit)

    @extend_schema(
        summary="移动单位(连同下级)/ move a unit with everything below it",
        request=UnitMoveSerializer,
        responses={200: UnitSerializer, **error_responses(*WRITE_ERRORS)},
    )
    @action(detail=True, methods=["post"])
    def move(self, request: Request, pk: str | None = None) -> Response:
        unit = self.get_object()
        payload = UnitMoveSerializer(data=request.data, context=self.get_serializer_context())
        payload.is_valid(raise_exception=True)
        unit = services.unit_move(actor=_actor(request), unit=unit, new_parent=payload.validated_data["parent"])
        return self._show(unit)


# --- People ------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary="人员列表 / list people", responses={200: PersonSerializer(many=True), **error_responses(*LIST_ERRORS)}
    ),
    retrieve=extend_schema(
        summary="人员详情 / a person", responses={200: PersonSerializer, **error_responses(*READ_ERRORS)}
    ),
)
class PersonViewSet(OrgViewSet):
    """People of the caller's data scope. ID number and phone appear only masked; the clear value
    comes from ``reveal`` (``org.reveal_sensitive``), and every reveal is audited."""

    serializer_class = PersonSerializer
    filterset_class = PersonFilter
    ordering_fields = ["police_number", "name_pinyin", "joined_on", "kind", "status", "unit__path", "updated_at"]
    ordering = ["unit__path", "kind", "police_number"]
    required_capabilities = {
        "list": Cap.VIEW_PERSON,
        "retrieve": Cap.VIEW_PERSON,
        "create": Cap.CHANGE_PERSON,
        "partial_update": Cap.CHANGE_PERSON,
        # Checked (and a refusal audited) by services.person_reveal.
        "reveal": Cap.VIEW_PERSON,
    }

    def get_queryset(self) -> Any:
        return Person.objects.visible_to(_actor(self.request), Cap.VIEW_PERSON).select_related("unit", "party_branch")

    def _show(self, person: Person, code: int = status.HTTP_200_OK) -> Response:
        fresh = Person.objects.select_related("unit", "party_branch").get(pk=person.pk)
        return Response(PersonSerializer(fresh, context=self.get_serializer_context()).data, status=code)

    @extend_schema(
        summary="新增人员 / add a person",
        request=PersonWriteSerializer,
        responses={201: PersonSerializer, **error_responses(*CREATE_ERRORS)},
    )
    def create(self, request: Request) -> Response:
        payload = PersonWriteSerializer(data=request.data, context=self.get_serializer_context())
        payload.is_valid(raise_exception=True)
        person = services.person_create(actor=_actor(request), **payload.validated_data)
        return self._show(person, status.HTTP_201_CREATED)

    @extend_schema(
        summary="修改人员 / change a person",
        request=PersonWriteSerializer(partial=True),
        responses={200: PersonSerializer, **error_responses(*WRITE_ERRORS)},
    )
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        person = self.get_object()
        payload = PersonWriteSerializer(data=request.data, partial=True, context=self.get_serializer_context())
        payload.is_valid(raise_exception=True)
        person = services.person_update(actor=_actor(request), person=person, **payload.validated_data)
        return self._show(person)

    @extend_schema(
        summary="查看完整身份证号或手机号(留痕)/ reveal the ID number or phone (audited)",
        request=RevealSerializer,
        responses={200: RevealResultSerializer, **error_responses(*WRITE_ERRORS)},
    )
    @action(detail=True, methods=["post"])
    def reveal(self, request: Request, pk: str | None = None) -> Response:
        person = self.get_object()
        payload = RevealSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        field = payload.validated_data["field"]
        user = _actor(request)
        if (
            user.has_cap(Cap.REVEAL_SENSITIVE)
            and not Person.objects.visible_to(user, Cap.REVEAL_SENSITIVE).filter(pk=person.pk).exists()
        ):
            # Seen through another role, but outside the scope of the role that may reveal.
            raise PermissionDenied("该人员不在您可查看敏感信息的范围内 / outside the scope you may reveal")
        value = services.person_reveal(actor=user, person=person, field=field)
        return Response({"field": field, "value": value})


# --- Current user ------------------------------------------------------------------------------


class MeView(APIView):
    """The caller: their person record (masked), roles with scope and anchor unit, capabilities."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="当前用户 / the current user",
        responses={200: MeSerializer, **error_responses(401)},
    )
    def get(self, request: Request) -> Response:
        user = User.objects.select_related("person__unit", "person__party_branch").get(pk=_actor(request).pk)
        return Response(MeSerializer(user, context={"request": request}).data)


# --- Tokens ------------------------------------------------------------------------------------


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=256, trim_whitespace=False, style={"input_type": "password"})
    otp_token = serializers.CharField(
        max_length=16,
        required=False,
        allow_blank=True,
        help_text="动态口令;管理员与纪检角色必填 / one-time code, required for roles that need two factors",
    )


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField()


class AccountLocked(exceptions.APIException):
    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_code = "locked"
    default_detail = (
        "连续登录失败,账号已暂时锁定,请稍后再试 / too many failed logins, the account is locked for a while"
    )


def _needs_otp(user: User) -> bool:
    """The web login's rule: roles that require it, and anyone who has set up a device."""
    if not getattr(settings, "OTP_REQUIRED", True):
        return False
    from django_otp.plugins.otp_totp.models import TOTPDevice

    return user.requires_otp or TOTPDevice.objects.filter(user=user, confirmed=True).exists()


class ObtainTokenView(APIView):
    """Exchange username + password (+ one-time code where the role needs it) for an API token.

    Goes through the same authentication backends as the login page, so account lockout (axes)
    applies; issuing a token is audited.
    """

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]
    throttle_classes: list[Any] = []

    @extend_schema(
        summary="获取 API 令牌 / obtain an API token",
        request=TokenRequestSerializer,
        responses={200: TokenSerializer, **error_responses(400, 429)},
        auth=[],
    )
    def post(self, request: Request) -> Response:
        payload = TokenRequestSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        # The DRF request (not the Django one) goes to the backends: axes then marks a lockout on it
        # and we answer in JSON, instead of axes' middleware swapping in its HTML lockout page.
        user = authenticate(request, username=data["username"], password=data["password"])
        if getattr(request, "axes_locked_out", False):
            raise AccountLocked()
        if user is None or not user.is_active:
            raise serializers.ValidationError({"non_field_errors": ["用户名或密码错误 / wrong username or password"]})
        if _needs_otp(user):
            from django_otp import match_token

            code = data.get("otp_token") or ""
            if not code or match_token(user, code) is None:
                raise serializers.ValidationError(
                    {"otp_token": ["该账号须填写正确的动态口令 / this account needs a valid one-time code"]}
                )
        with transaction.atomic():
            token, _created = Token.objects.get_or_create(user=user)
            audit.record("auth.token.issue", obj=user, actor=user)
        return Response({"token": token.key})
