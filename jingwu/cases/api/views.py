"""Cases API: incidents and cases (scoped, masked), incident intake, and the case figures.

Thin: reads through ``visible_to`` (selectors), the write through ``services.incident_create``;
errors come out in the shared JSON format (``core.api``)."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast
from urllib.parse import urlencode

import django_filters
from django.db.models import Q
from django.urls import reverse
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from jingwu.core.api import READ_ERRORS, HasCapability, StableOrderingFilter, error_responses
from jingwu.core.filtersets import FilterSet
from jingwu.core.metrics.definitions import DISPLAY_TZ
from jingwu.org.models import Unit, User
from jingwu.org.roles import Cap

from .. import selectors, services
from ..models import Case, Incident
from .serializers import (
    CaseDetailSerializer,
    CaseFiguresQuerySerializer,
    CaseFiguresSerializer,
    CaseSerializer,
    IncidentCreateSerializer,
    IncidentSerializer,
)

LIST_ERRORS = (400, 401, 403, 404)


def _actor(request: Request) -> User:
    return cast(User, request.user)


class IncidentFilter(FilterSet):
    unit = django_filters.CharFilter(method="filter_unit", max_length=12, help_text="单位机构代码(含下级)")
    category = django_filters.CharFilter(field_name="category__code", max_length=20, help_text="警情类别代码")
    state = django_filters.ChoiceFilter(choices=Incident.State.choices)
    received_from = django_filters.IsoDateTimeFilter(field_name="received_at", lookup_expr="gte")
    received_to = django_filters.IsoDateTimeFilter(field_name="received_at", lookup_expr="lt")

    class Meta:
        model = Incident
        fields = ["unit", "category", "state", "received_from", "received_to"]

    def filter_unit(self, queryset: Any, name: str, value: str) -> Any:
        path = Unit.objects.filter(code=value).values_list("path", flat=True).first()
        return queryset.none() if path is None else queryset.filter(unit__path__startswith=path)


class CaseFilter(FilterSet):
    unit = django_filters.CharFilter(method="filter_unit", max_length=12, help_text="单位机构代码(含下级)")
    kind = django_filters.ChoiceFilter(choices=Case.Kind.choices)
    state = django_filters.ChoiceFilter(choices=Case.State.choices)
    category = django_filters.CharFilter(method="filter_category", max_length=6, help_text="案由代码(含下级案由)")
    tag = django_filters.CharFilter(method="filter_tag", max_length=40, help_text="分类标签,如 env_food_drug")
    filed_from = django_filters.IsoDateTimeFilter(field_name="filed_at", lookup_expr="gte")
    filed_to = django_filters.IsoDateTimeFilter(field_name="filed_at", lookup_expr="lt")
    amount_min = django_filters.NumberFilter(field_name="amount_involved", lookup_expr="gte")
    amount_max = django_filters.NumberFilter(field_name="amount_involved", lookup_expr="lte")
    q = django_filters.CharFilter(method="filter_q", max_length=100, help_text="案件编号或名称")

    class Meta:
        model = Case
        fields = ["unit", "kind", "state", "category", "tag", "filed_from", "filed_to", "amount_min", "amount_max", "q"]

    def filter_unit(self, queryset: Any, name: str, value: str) -> Any:
        path = Unit.objects.filter(code=value).values_list("path", flat=True).first()
        return queryset.none() if path is None else queryset.filter(unit__path__startswith=path)

    def filter_category(self, queryset: Any, name: str, value: str) -> Any:
        from ..filters import category_prefix

        return (
            queryset.filter(category__code__startswith=category_prefix(value)) if value.isdigit() else queryset.none()
        )

    def filter_tag(self, queryset: Any, name: str, value: str) -> Any:
        return queryset.tagged(value)

    def filter_q(self, queryset: Any, name: str, value: str) -> Any:
        value = "".join(value.split()).replace("\x00", "")
        return queryset.filter(Q(number__icontains=value) | Q(title__icontains=value)) if value else queryset


@extend_schema_view(
    list=extend_schema(
        summary="警情列表 / list incidents",
        responses={200: IncidentSerializer(many=True), **error_responses(*LIST_ERRORS)},
    ),
    retrieve=extend_schema(
        summary="警情详情 / an incident", responses={200: IncidentSerializer, **error_responses(*READ_ERRORS)}
    ),
)
class IncidentViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """Incidents of the caller's scope (caller masked); 110 systems post new incidents here."""

    permission_classes = [HasCapability]
    filter_backends = [DjangoFilterBackend, StableOrderingFilter]
    filterset_class = IncidentFilter
    serializer_class = IncidentSerializer
    lookup_value_converter = "int"
    ordering_fields = ["received_at", "number", "disposal_due_at"]
    ordering = ["-received_at"]
    required_capabilities = {"list": Cap.VIEW_CASE, "retrieve": Cap.VIEW_CASE, "create": Cap.HANDLE_CASE}

    def get_queryset(self) -> Any:
        return selectors.incident_list(_actor(self.request))

    @extend_schema(
        summary="接收警情 / receive an incident",
        request=IncidentCreateSerializer,
        responses={201: IncidentSerializer, **error_responses(400, 401, 403)},
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        payload = IncidentCreateSerializer(data=request.data, context=self.get_serializer_context())
        payload.is_valid(raise_exception=True)
        incident = services.incident_create(actor=_actor(request), source="api", **payload.validated_data)
        fresh = Incident.objects.select_related("unit", "category").get(pk=incident.pk)
        return Response(IncidentSerializer(fresh).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(
        summary="案件列表 / list cases", responses={200: CaseSerializer(many=True), **error_responses(*LIST_ERRORS)}
    ),
    retrieve=extend_schema(
        summary="案件详情 / a case", responses={200: CaseDetailSerializer, **error_responses(*READ_ERRORS)}
    ),
)
class CaseViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Cases of the caller's scope; party ID numbers and phones appear only masked."""

    permission_classes = [HasCapability]
    filter_backends = [DjangoFilterBackend, StableOrderingFilter]
    filterset_class = CaseFilter
    lookup_value_converter = "int"
    ordering_fields = ["accepted_at", "filed_at", "number", "amount_involved"]
    ordering = ["-accepted_at"]
    required_capabilities = {"list": Cap.VIEW_CASE, "retrieve": Cap.VIEW_CASE}

    def get_serializer_class(self) -> Any:
        return CaseDetailSerializer if self.action == "retrieve" else CaseSerializer

    def get_queryset(self) -> Any:
        qs = selectors.case_list(_actor(self.request))
        if self.action == "retrieve":
            qs = qs.prefetch_related("handling_officers", "parties")
        return qs

    def get_serializer_context(self) -> dict[str, Any]:
        context = dict(super().get_serializer_context())
        if getattr(self, "action", None) == "retrieve" and self.request.user.is_authenticated:
            context["visible_incidents"] = selectors.incident_list(_actor(self.request))
        return context


class CaseFiguresView(APIView):
    """立案数, 破案数, 强制措施人数, 移送起诉(起/人), 涉案金额 and the brief-style sentence, from the
    metric definitions, for a unit subtree, period, kind and tag inside the caller's scope."""

    permission_classes = [HasCapability]
    required_capabilities = {"*": Cap.VIEW_CASE}

    @extend_schema(
        summary="案件统计数字 / case figures",
        parameters=[CaseFiguresQuerySerializer],
        responses={200: CaseFiguresSerializer, **error_responses(400, 401, 403, 404)},
    )
    def get(self, request: Request) -> Response:
        query = CaseFiguresQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        user = _actor(request)
        units = Unit.objects.visible_to(user, Cap.VIEW_CASE)
        code = data.get("unit")
        unit = units.filter(code=code).first() if code else units.order_by("depth", "path").first()
        if unit is None:
            raise exceptions.NotFound("单位不存在或不在您的数据权限范围内 / unit not found")
        today = dt.datetime.now(DISPLAY_TZ).date()
        start = data.get("start") or today.replace(month=1, day=1)
        end = data.get("end") or today
        if start > end:
            raise exceptions.ValidationError({"start": ["开始日期晚于截止日期 / the start is after the end"]})
        kind, tag = data.get("kind") or None, data.get("tag") or None
        summary = selectors.case_summary(unit, start, end, user=user, tag=tag, kind=kind)
        query_string = urlencode({"unit": unit.code, "from": start.isoformat(), "to": end.isoformat()})
        figures = {}
        for base, figure in summary.figures.items():
            value = figure.value
            figures[base] = {
                **figure.as_dict(),
                "value": None if value is None else float(value),
                "drill_down": f"{reverse('core:metric-detail', args=[figure.metric])}?{query_string}",
            }
        body = {
            "unit": unit.code,
            "from": start,
            "to": end,
            "kind": kind,
            "tag": tag,
            "summary": summary.text,
            "figures": figures,
        }
        return Response(CaseFiguresSerializer(body).data)
