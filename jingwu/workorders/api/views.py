"""接诉即办 API: orders (scoped list and detail, intake, one POST endpoint per step), categories and
the figures. Thin: reads through ``visible_to``, writes through ``workorders.services``, figures
through the metric definitions; errors in the shared JSON format (``core.api``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

from django.utils import timezone
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from jingwu.core import metrics
from jingwu.core.api import READ_ERRORS, ErrorSerializer, HasCapability, StableOrderingFilter, error_responses
from jingwu.core.attachments.selectors import attachments_of
from jingwu.core.attachments.serializers import AttachmentSerializer
from jingwu.core.workflow import TransitionNotAllowed
from jingwu.org.models import Unit, User
from jingwu.org.roles import Cap

from .. import services
from ..models import Assignment, Category, RequestStatus, WorkOrder
from ..paging import OrderPagination
from ..selectors import assist_leg_of, period_summary
from ..services.attachments import ATTACH_CAPABILITIES
from .filters import WorkOrderFilter
from .serializers import (
    AppealSerializer,
    AssignHandlerSerializer,
    AssistAcceptSerializer,
    AssistReplySerializer,
    AssistSerializer,
    CallbackSerializer,
    CategorySerializer,
    CompleteSerializer,
    ContactSerializer,
    DecisionSerializer,
    DispatchSerializer,
    EmptySerializer,
    ExtensionRequestSerializer,
    FiguresSerializer,
    IntakeResultSerializer,
    IntakeSerializer,
    LegSerializer,
    OrderAttachmentUploadSerializer,
    RepeatActionSerializer,
    ReturnDecisionSerializer,
    ReturnSerializer,
    SupervisionSerializer,
    SuspensionRequestSerializer,
    WorkOrderSerializer,
)

T = TypeVar("T")

LIST_ERRORS = (400, 401, 403, 404)  # 404: a page number past the end
CREATE_ERRORS = (400, 401, 403)
STEP_RESPONSES: dict[int, Any] = {
    200: WorkOrderSerializer,
    **error_responses(400, 401, 403, 404),
    409: OpenApiResponse(
        ErrorSerializer,
        description="当前状态或条件不允许此操作 / the order's state or a rule does not allow this step now",
    ),
}
FIGURE_KEYS = (
    "response_rate",
    "resolution_rate",
    "satisfaction_rate",
    "composite",
    "completed",
    "overdue",
    "shirked",
    "reopen_rate",
)


def _actor(request: Request) -> User:
    """The signed-in caller (the permission classes have already turned anonymous callers away)."""
    return cast(User, request.user)


class StepRefused(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"
    default_detail = "当前不能执行此操作 / this step is not allowed now"


def _run(step: Callable[[], T]) -> T:
    """Call a service; a refused transition answers 404 (scope), 403 (capability) or 409."""
    try:
        return step()
    except TransitionNotAllowed as exc:
        if exc.code == "scope":
            raise exceptions.NotFound("未找到 / not found") from None
        if exc.code == "capability":
            raise exceptions.PermissionDenied(exc.message) from None
        refused = StepRefused(exc.message)
        refused.default_code = exc.code  # the body's "error": state / guard / self_approval / stale …
        raise refused from None
    except (ValueError, OverflowError) as exc:  # e.g. a deadline in a year without a working calendar
        raise exceptions.ValidationError({"non_field_errors": [str(exc)]}) from None


@extend_schema_view(
    list=extend_schema(
        summary="工单列表 / list work orders",
        responses={200: WorkOrderSerializer(many=True), **error_responses(*LIST_ERRORS)},
    ),
    retrieve=extend_schema(
        summary="工单详情(电话脱敏)/ a work order (phone masked)",
        responses={200: WorkOrderSerializer, **error_responses(*READ_ERRORS)},
    ),
)
class WorkOrderViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Work orders of the caller's data scope (complaints about the caller's own unit excluded).
    Each step is a POST on the order calling its service; the order comes back as it now stands."""

    permission_classes = [HasCapability]
    serializer_class = WorkOrderSerializer
    filter_backends = [DjangoFilterBackend, StableOrderingFilter]
    pagination_class = OrderPagination
    filterset_class = WorkOrderFilter
    ordering_fields = ["received_at", "dispatched_at", "due_at", "completed_at", "number"]
    ordering = ["-received_at"]
    lookup_value_converter = "int"
    required_capabilities = {
        "list": Cap.VIEW_WORKORDER,
        "retrieve": Cap.VIEW_WORKORDER,
        "create": Cap.WORKORDER_INTAKE,
        "dispatch_order": Cap.WORKORDER_DISPATCH,
        "accept": Cap.WORKORDER_HANDLE,
        "return_order": Cap.WORKORDER_HANDLE,
        "decide_return": Cap.WORKORDER_DISPATCH,
        "contact": Cap.WORKORDER_HANDLE,
        "complete": Cap.WORKORDER_HANDLE,
        "callback": Cap.WORKORDER_CALLBACK,
        "attachments": Cap.VIEW_WORKORDER,  # POST also needs workorders.handle or .intake (checked below)
        "legs": Cap.VIEW_WORKORDER,
        "assist_accept": Cap.WORKORDER_HANDLE,
        "assist_reply": Cap.WORKORDER_HANDLE,
        "assist": Cap.WORKORDER_DISPATCH,
        "assign_handler": Cap.WORKORDER_DISPATCH,
        "request_suspension": Cap.WORKORDER_HANDLE,
        "decide_suspension": Cap.WORKORDER_APPROVE,
        "resume": Cap.WORKORDER_HANDLE,
        "request_extension": Cap.WORKORDER_HANDLE,
        "decide_extension": Cap.WORKORDER_APPROVE,
        "appeal": Cap.WORKORDER_HANDLE,
        "decide_appeal": Cap.WORKORDER_APPROVE,
        "urge": Cap.WORKORDER_SUPERVISE,
        "notice": Cap.WORKORDER_SUPERVISE,
        "repeat_action": Cap.WORKORDER_INTAKE,
    }
    # The assisting unit reaches the order through its read scope (协办); the service then checks
    # that the leg is its own (another unit's leg: 403, nothing changes).
    READ_SCOPE_ACTIONS = ("assist_accept", "assist_reply")

    def get_queryset(self) -> Any:
        # Steps look the order up through the scope of the capability they need: an order the
        # caller cannot act on does not exist for that step (404).
        capability = self.required_capabilities.get(getattr(self, "action", "") or "", Cap.VIEW_WORKORDER)
        if capability == Cap.WORKORDER_INTAKE or getattr(self, "action", "") in self.READ_SCOPE_ACTIONS:
            capability = Cap.VIEW_WORKORDER
        return WorkOrder.objects.visible_to(_actor(self.request), capability).select_related(
            "category", "unit", "handler"
        )

    def _show(self, order: WorkOrder, code: int = status.HTTP_200_OK) -> Response:
        fresh = WorkOrder.objects.select_related("category", "unit", "handler").get(pk=order.pk)
        return Response(WorkOrderSerializer(fresh, context=self.get_serializer_context()).data, status=code)

    def _payload(self, serializer_class: type[Any]) -> dict[str, Any]:
        payload = serializer_class(data=self.request.data, context=self.get_serializer_context())
        payload.is_valid(raise_exception=True)
        return dict(payload.validated_data)

    @extend_schema(
        summary="受理工单(接口渠道)/ take in a demand through the API",
        request=IntakeSerializer,
        responses={201: IntakeResultSerializer, **error_responses(*CREATE_ERRORS)},
    )
    def create(self, request: Request) -> Response:
        data = self._payload(IntakeSerializer)  # the received time, texts and coordinates: the service checks
        result = _run(lambda: services.work_order_intake(actor=_actor(request), source=WorkOrder.Source.API, **data))
        body = IntakeResultSerializer(result, context=self.get_serializer_context()).data
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(summary="派单 / dispatch", request=DispatchSerializer, responses=STEP_RESPONSES)
    @action(detail=True, methods=["post"], url_path="dispatch", url_name="dispatch")
    def dispatch_order(self, request: Request, pk: int | None = None) -> Response:
        order = self.get_object()
        data = self._payload(DispatchSerializer)
        _run(lambda: services.work_order_dispatch(actor=_actor(request), order=order, **data))
        return self._show(order)

    @extend_schema(summary="签收 / sign for", request=EmptySerializer, responses=STEP_RESPONSES)
    @action(detail=True, methods=["post"])
    def accept(self, request: Request, pk: int | None = None) -> Response:
        order = self.get_object()
        _run(lambda: services.work_order_accept(actor=_actor(request), order=order))
        return self._show(order)

    @extend_schema(summary="退单 / return the order", request=ReturnSerializer, responses=STEP_RESPONSES)
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def return_order(self, request: Request, pk: int | None = None) -> Response:
        order = self.get_object()
        data = self._payload(ReturnSerializer)
        _run(lambda: services.work_order_return(actor=_actor(request), order=order, **data))
        return self._show(order)

    @extend_schema(
        summary="审批退单 / approve or reject the pending return",
        request=ReturnDecisionSerializer,
        responses=STEP_RESPONSES,
    )
    @action(detail=True, methods=["post"], url_path="decide-return", url_name="decide-return")
    def decide_return(self, request: Request, pk: int | None = None) -> Response:
        order = self.get_object()
        data = self._payload(ReturnDecisionSerializer)
        pending = _pending(order, "return_requests", "没有待审批的退单申请 / no pending return request")
        _run(lambda: services.return_decide(actor=_actor(request), request=pending, **data))
        return self._show(order)

    @extend_schema(summary="联系诉求人 / record a contact", request=ContactSerializer, responses=STEP_RESPONSES)
    @action(detail=True, methods=["post"])
    def contact(self, request: Request, pk: int | None = None) -> Response:
        order = self.get_object()
        data = self._payload(ContactSerializer)
        # The service compares the contact time with its own "now", read first: give it ours.
        data["contacted_at"] = data.get("contacted_at") or timezone.now()
        _run(lambda: services.work_order_contact(actor=_actor(request), order=order, **data))
        return self._show(order)

    @extend_schema(summary="办结 / complete", request=CompleteSerializer, responses=STEP_RESPONSES)
    @action(detail=True, methods=["post"])
    def complete(self, request: Request, pk: int | None = None) -> Response:
        order = self.get_object()
        data = self._payload(CompleteSerializer)
        _run(lambda: services.work_order_complete(actor=_actor(request), order=order, **data))
        return self._show(order)

    @extend_schema(
        methods=["GET"],
        summary="工单附件 / the order's attachments",
        description="每项含下载地址(/api/v1/attachments/{id}/)/ each with its download URL",
        request=None,
        responses={200: AttachmentSerializer(many=True), **error_responses(*READ_ERRORS)},
    )
    @extend_schema(
        methods=["POST"],
        summary="上传附件 / upload attachments (multipart/form-data)",
        description=(
            "按文件内容(而非扩展名)检查类型,并检查大小与个数;任一文件不合格则全部不保存,"
            "错误在 fields.attachments 中逐个说明。/ Types are checked from the bytes, not the name; "
            "one refused file refuses them all, each named in fields.attachments."
        ),
        request={"multipart/form-data": OrderAttachmentUploadSerializer},
        responses={201: AttachmentSerializer(many=True), **{k: v for k, v in STEP_RESPONSES.items() if k != 200}},
    )
    @action(
        detail=True,
        methods=["get", "post"],
        parser_classes=[MultiPartParser, FormParser],
        filter_backends=[],
        pagination_class=None,
    )
    def attachments(self, request: Request, pk: int | None = None) -> Response:
        order = self.get_object()
        context = self.get_serializer_context()
        if request.method == "GET":
            return Response(AttachmentSerializer(attachments_of(order), many=True, context=context).data)
        user = _actor(request)
        if not any(user.has_cap(cap) for cap in ATTACH_CAPABILITIES):
            raise exceptions.PermissionDenied("您没有上传附件的权限 / you may not upload attachments")
        data = self._payload(OrderAttachmentUploadSerializer)
        rows = _run(
            lambda: services.work_order_attach(actor=user, order=order, files=data["attachments"], stage=data["stage"])
        )
        return Response(AttachmentSerializer(rows, many=True, context=context).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="派单记录(主办/协办)/ the order's dispatch legs",
        request=None,
        responses={200: LegSerializer(many=True), **error_responses(*READ_ERRORS)},
    )
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def legs(self, request: Request, pk: int | None = None) -> Response:
        order = self.get_object()
        rows = order.legs.select_related("from_unit", "to_unit")
        return Response(LegSerializer(rows, many=True, context=self.get_serializer_context()).data)

    def _assist_leg(self, order: WorkOrder, leg_id: int) -> Assignment:
        leg = assist_leg_of(order, leg_id)
        if leg is None:
            raise exceptions.ValidationError({"leg": ["本工单没有该协办任务 / no such assisting task on this order"]})
        return leg

    @extend_schema(
        summary="协办签收 / the assisting unit signs for its task",
        request=AssistAcceptSerializer,
        responses=STEP_RESPONSES,
    )
    @action(detail=True, methods=["post"], url_path="assist-accept", url_name="assist-accept")
    def assist_accept(self, request: Request, pk: int | None = None) -> Response:
        order = self.get_object()
        leg = self._assist_leg(order, self._payload(AssistAcceptSerializer)["leg"])
        _run(lambda: services.assist_accept(actor=_actor(request), leg=leg))
        return self._show(order)

    @extend_schema(
        summary="协办反馈 / the assisting unit reports its part done",
        request=AssistReplySerializer,
        responses=STEP_RESPONSES,
    )
    @action(detail=True, methods=["post"], url_path="assist-reply", url_name="assist-reply")
    def assist_reply(self, request: Request, pk: int | None = None) -> Response:
        order = self.get_object()
        data = self._payload(AssistReplySerializer)
        leg = self._assist_leg(order, data["leg"])
        _run(lambda: services.assist_reply(actor=_actor(request), leg=leg, reply=data["reply"]))
        return self._show(order)

    @extend_schema(summary="回访 / call back", request=CallbackSerializer, responses=STEP_RESPONSES)
    @action(detail=True, methods=["post"])
    def callback(self, request: Request, pk: int | None = None) -> Response:
        order = self.get_object()
        data = self._payload(CallbackSerializer)
        _run(lambda: services.work_order_callback(actor=_actor(request), order=order, **data))
        return self._show(order)

    # --- 协办派单, 指定承办人 -------------------------------------------------------------------------

    @extend_schema(
        summary="协办派单 / give an assisting unit its task", request=AssistSerializer, responses=STEP_RESPONSES
    )
    @action(detail=True, methods=["post"])
    def assist(self, request: Request, pk: int | None = None) -> Response:
        order = self.get_object()
        data = self._payload(AssistSerializer)
        _run(lambda: services.work_order_assist(actor=_actor(request), order=order, **data))
        return self._show(order)

    @extend_schema(
        summary="指定承办人 / name the officer who handles the order",
        request=AssignHandlerSerializer,
        responses=STEP_RESPONSES,
    )
    @action(detail=True, methods=["post"], url_path="assign-handler", url_name="assign-handler")
    def assign_handler(self, request: Request, pk: int | None = None) -> Response:
        order = self.get_object()
        data = self._payload(AssignHandlerSerializer)
        _run(lambda: services.work_order_assign_handler(actor=_actor(request), order=order, **data))
        return self._show(order)

    # --- 挂起 / 延期 ---------------------------------------------------------------------------------

    @extend_schema(
        summary="申请挂起 / ask to stop the clock",
        request=SuspensionRequestSerializer,
        responses=STEP_RESPONSES,
    )
    @action(detail=True, methods=["post"], url_path="request-suspension", url_name="request-suspension")
    def request_suspension(self, request: Request, pk: int | None = None) -> Response:
        order = self.get_object()
        data = self._payload(SuspensionRequestSerializer)
        _run(lambda: services.suspension_request(actor=_actor(request), order=order, **data))
        return self._show(order)

    @extend_schema(
        summary="审批挂起 / approve or reject the pending suspension",
        request=DecisionSerializer,
        responses=STEP_RESPONSES,
    )
    @action(detail=True, methods=["post"], url_path="decide-suspension", url_name="decide-suspension")
    def decide_suspension(self, request: Request, pk: int | None = None) -> Response:
        order = self.get_object()
        data = self._payload(DecisionSerializer)
        pending = _pending(order, "suspensions", "没有待审批的挂起申请 / no pending suspension request")
        _run(lambda: services.suspension_decide(actor=_actor(request), request=pending, **data))
        return self._show(order)

    @extend_schema(summary="恢复办理 / end the suspension", request=EmptySerializer, responses=STEP_RESPONSES)
    @action(detail=True, methods=["post"])
    def resume(self, request: Request, pk: int | None = None) -> Response:
        order = self.get_object()
        _run(lambda: services.work_order_resume(actor=_actor(request), order=order))
        return self._show(order)

    @extend_schema(
        summary="申请延期 / ask for a later deadline",
        request=ExtensionRequestSerializer,
        responses=STEP_RESPONSES,
    )
    @action(detail=True, methods=["post"], url_path="request-extension", url_name="request-extension")
    def request_extension(self, request: Request, pk: int | None = None) -> Response:
        order = self.get_object()
        data = self._payload(ExtensionRequestSerializer)
        _run(lambda: services.extension_request(actor=_actor(request), order=order, **data))
        return self._show(order)

    @extend_schema(
        summary="审批延期 / approve or reject the pending extension",
        request=DecisionSerializer,
        responses=STEP_RESPONSES,
    )
    @action(detail=True, methods=["post"], url_path="decide-extension", url_name="decide-extension")
    def decide_extension(self, request: Request, pk: int | None = None) -> Response:
        order = self.get_object()
        data = self._payload(DecisionSerializer)
        pending = _pending(order, "extensions", "没有待审批的延期申请 / no pending extension request")
        _run(lambda: services.extension_decide(actor=_actor(request), request=pending, **data))
        return self._show(order)

    # --- 申诉 (免考核) ---------------------------------------------------------------------------------

    @extend_schema(
        summary="申诉免考核 / ask that the order leave the scoring",
        request=AppealSerializer,
        responses=STEP_RESPONSES,
    )
    @action(detail=True, methods=["post"])
    def appeal(self, request: Request, pk: int | None = None) -> Response:
        order = self.get_object()
        data = self._payload(AppealSerializer)
        _run(lambda: services.appeal_request(actor=_actor(request), order=order, **data))
        return self._show(order)

    @extend_schema(
        summary="审批申诉 / approve (免考核) or reject the pending appeal",
        request=DecisionSerializer,
        responses=STEP_RESPONSES,
    )
    @action(detail=True, methods=["post"], url_path="decide-appeal", url_name="decide-appeal")
    def decide_appeal(self, request: Request, pk: int | None = None) -> Response:
        order = self.get_object()
        data = self._payload(DecisionSerializer)
        pending = _pending(order, "appeals", "没有待审批的申诉 / no pending appeal")
        _run(lambda: services.appeal_decide(actor=_actor(request), appeal=pending, **data))
        return self._show(order)

    @extend_schema(
        summary="合并到或关联另一工单(疑似重复件)/ merge into or link with another order",
        request=RepeatActionSerializer,
        responses=STEP_RESPONSES,
    )
    @action(detail=True, methods=["post"], url_path="repeat", url_name="repeat")
    def repeat_action(self, request: Request, pk: int | None = None) -> Response:
        """As the repeats page: the other order by its number, within the caller's intake scope; a
        merge answers with the order merged into (it keeps every source number)."""
        order = self.get_object()
        data = self._payload(RepeatActionSerializer)
        shown = _run(
            lambda: services.work_order_repeat_action(
                actor=_actor(request), order=order, kind=data["kind"], other_number=data["other"], reason=data["reason"]
            )
        )
        return self._show(shown)

    # --- 督办 ---------------------------------------------------------------------------------------

    @extend_schema(summary="督办(催办)/ urge the unit", request=SupervisionSerializer, responses=STEP_RESPONSES)
    @action(detail=True, methods=["post"])
    def urge(self, request: Request, pk: int | None = None) -> Response:
        order = self.get_object()
        data = self._payload(SupervisionSerializer)
        _run(lambda: services.work_order_urge(actor=_actor(request), order=order, **data))
        return self._show(order)

    @extend_schema(
        summary="通报 / issue a notice on the order", request=SupervisionSerializer, responses=STEP_RESPONSES
    )
    @action(detail=True, methods=["post"])
    def notice(self, request: Request, pk: int | None = None) -> Response:
        order = self.get_object()
        data = self._payload(SupervisionSerializer)
        _run(lambda: services.work_order_notice(actor=_actor(request), order=order, **data))
        return self._show(order)


def _pending(order: WorkOrder, related: str, missing: str) -> Any:
    """The order's newest pending request of a kind; none → 409 (nothing to decide)."""
    pending = getattr(order, related).filter(status=RequestStatus.PENDING).order_by("-id").first()
    if pending is None:
        refused = StepRefused(missing)
        refused.default_code = "guard"
        raise refused
    return pending


class CanWorkOrders(permissions.BasePermission):
    """Anyone who views or takes in work orders (categories are configuration, not unit data)."""

    message = "您没有接诉即办的权限 / you do not work on work orders"

    def has_permission(self, request: Any, view: Any) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        return bool(user.has_cap(Cap.VIEW_WORKORDER) or user.has_cap(Cap.WORKORDER_INTAKE))


class CategoryListView(APIView):
    """The active demand categories (咨询, 求助, 投诉 …) with their limits."""

    permission_classes = [CanWorkOrders]

    @extend_schema(
        summary="诉求类别 / demand categories",
        responses={200: CategorySerializer(many=True), **error_responses(401, 403)},
    )
    def get(self, request: Request) -> Response:
        categories = Category.objects.filter(active=True).select_related("parent").order_by("order", "code")
        return Response(CategorySerializer(categories, many=True).data)


def _date_param(request: Request, name: str, default: Any) -> Any:
    raw = request.query_params.get(name)
    if raw in (None, ""):
        return default
    try:
        return metrics.Period.of(raw, raw).start
    except ValueError as exc:
        raise exceptions.ValidationError({name: [str(exc)]}) from None


class FiguresView(APIView):
    """The 接诉即办 figures of a unit subtree and a period (每项含分子、分母与口径版本), and the
    period sentence. Counted only over what the caller may see."""

    permission_classes = [HasCapability]
    required_capabilities = {"get": Cap.VIEW_WORKORDER}

    @extend_schema(
        summary="接诉即办指标 / the work-order figures",
        parameters=[
            OpenApiParameter("unit", OpenApiTypes.STR, description="单位机构代码;默认本人范围的最高单位"),
            OpenApiParameter("from", OpenApiTypes.DATE, description="期间起(含),默认本年1月1日"),
            OpenApiParameter("to", OpenApiTypes.DATE, description="期间止(含),默认今天"),
        ],
        responses={200: FiguresSerializer, **error_responses(400, 401, 403, 404)},
    )
    def get(self, request: Request) -> Response:
        user = _actor(request)
        today = timezone.localdate()
        start = _date_param(request, "from", today.replace(month=1, day=1))
        end = _date_param(request, "to", today)
        if start > end:
            raise exceptions.ValidationError({"from": ["开始日期晚于结束日期 / the period starts after it ends"]})
        if end.year > 9998:
            raise exceptions.ValidationError({"to": ["日期超出范围 / date out of range"]})
        units = Unit.objects.visible_to(user, Cap.VIEW_WORKORDER).exclude(kind=Unit.Kind.PARTY_BRANCH)
        code = (request.query_params.get("unit") or "").strip()
        unit = units.filter(code=code[:12]).first() if code else units.order_by("depth", "path").first()
        if unit is None:
            raise exceptions.NotFound("未找到单位 / unit not found")
        try:
            names = [f"workorders.{key}" for key in FIGURE_KEYS]
            computed = metrics.compute_many(names, unit, start, end, user=user)
            figures = [computed[name] for name in names]
            sentence = period_summary(unit, start, end, user=user).sentence
        except metrics.MetricScopeError:
            raise exceptions.NotFound("未找到单位 / unit not found") from None
        body = {
            "unit": unit.code,
            "unit_name": unit.name,
            "start": start,
            "end": end,
            "sentence": sentence,
            "figures": [_figure_dict(f) for f in figures],
        }
        return Response(FiguresSerializer(body).data)


def _figure_dict(figure: metrics.Figure) -> dict[str, Any]:
    data = figure.as_dict()
    data["start"], data["end"] = figure.period.start, figure.period.end
    return data
