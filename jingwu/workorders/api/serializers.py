"""Serializers of the 接诉即办 API. Reads show the citizen's phone only masked; input serializers
only shape and type-check the payload — the rules (phone format, scope of the target unit, state
of the order …) live in ``workorders.services`` and come back as field errors."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from jingwu.core.attachments.serializers import AttachmentUploadSerializer
from jingwu.core.models.attachments import STAGE_LABELS
from jingwu.org.api.serializers import UnitCodeField
from jingwu.org.models import Person
from jingwu.org.roles import Cap

from ..models import Appeal, Assignment, Category, Completion, Contact, ReturnRequest, WorkOrder
from ..services.attachments import STAGES as ATTACHMENT_STAGES

TEXT_MAX = 2000


def _no_nul(value: str) -> None:
    if "\x00" in value:
        raise serializers.ValidationError("不能包含空字符 / must not contain NUL characters")


class CleanCharField(serializers.CharField):
    """A CharField refusing NUL characters (PostgreSQL cannot store them)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.validators.append(_no_nul)


# --- reads -------------------------------------------------------------------------------------


class CategorySerializer(serializers.ModelSerializer):
    parent = serializers.CharField(  # type: ignore[assignment]  # a field named like Field.parent
        source="parent.code", read_only=True, allow_null=True, default=None, help_text="上级类别编码 / parent code"
    )
    urgency_display = serializers.CharField(source="get_urgency_display", read_only=True)

    class Meta:
        model = Category
        fields = [
            "code",
            "name",
            "parent",
            "urgency",
            "urgency_display",
            "is_complaint",
            "sign_for_amount",
            "sign_for_unit",
            "complete_amount",
            "complete_unit",
            "callback_days",
        ]
        read_only_fields = fields


class WorkOrderSerializer(serializers.ModelSerializer):
    """One order as the caller may see it: the phone and name masked (138****1234, 王**), units by code."""

    citizen_phone = serializers.CharField(source="masked_phone", read_only=True, help_text="脱敏 / masked")
    citizen_name = serializers.CharField(source="masked_name", read_only=True, help_text="脱敏(只显示姓) / masked")
    category = serializers.CharField(source="category.code", read_only=True)
    category_name = serializers.CharField(source="category.name", read_only=True)
    unit = serializers.CharField(source="unit.code", read_only=True, help_text="主办单位机构代码 / lead unit code")
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    handler = serializers.CharField(
        source="handler.police_number",
        read_only=True,
        allow_null=True,
        default=None,
        help_text="承办人警号;空:未指定 / the handler's police number",
    )
    state_display = serializers.CharField(source="get_state_display", read_only=True)
    source_display = serializers.CharField(source="get_source_display", read_only=True)
    satisfaction_display = serializers.CharField(source="get_callback_satisfaction_display", read_only=True)
    callback_satisfaction = serializers.ChoiceField(
        choices=WorkOrder.Satisfaction.choices,
        allow_blank=True,
        read_only=True,
        help_text="空:尚无回答 / blank: none yet",
    )

    class Meta:
        model = WorkOrder
        fields = [
            "id",
            "number",
            "source",
            "source_display",
            "source_number",
            "citizen_name",
            "citizen_phone",
            "address",
            "latitude",
            "longitude",
            "category",
            "category_name",
            "content",
            "received_at",
            "state",
            "state_display",
            "unit",
            "unit_name",
            "handler",
            "dispatched_at",
            "response_due_at",
            "due_at",
            "accepted_at",
            "first_contact_at",
            "completed_at",
            "callback_due_at",
            "called_back_at",
            "callback_resolved",
            "callback_satisfaction",
            "satisfaction_display",
            "return_count",
            "rejected_return_count",
            "reopen_count",
            "urge_count",
            "notice_count",
            "sign_overdue_count",
            "suspended_at",
            "exempted",
            "complaint_about_officer",
        ]
        read_only_fields = fields


class RepeatCandidateSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="order.pk")
    number = serializers.CharField(source="order.number")
    reason = serializers.CharField(help_text="phone: 同一来电号码;address: 同一地址且内容相似")
    reason_display = serializers.CharField(source="reason_label")
    similarity = serializers.FloatField()


class IntakeResultSerializer(serializers.Serializer):
    order = WorkOrderSerializer()
    repeat_candidates = RepeatCandidateSerializer(many=True, source="candidates")
    police_complaint_hint = serializers.SerializerMethodField(
        help_text="疑似涉警投诉时命中的词(未认定被投诉单位时;应认定后再派单)"
        " / the words of a suspected complaint about the police, when no accused unit was named"
    )

    def get_police_complaint_hint(self, result: Any) -> list[str]:
        from ..services import police_complaint_hint

        order = result.order
        if order.accused_unit_id is not None:
            return []
        return police_complaint_hint(order.category, order.content)


class RepeatActionSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=[("merge", "合并到 / merge into"), ("link", "关联 / link")])
    other = CleanCharField(max_length=32, help_text="另一工单的编号 / the other order's number")
    reason = CleanCharField(
        max_length=TEXT_MAX,
        required=False,
        allow_blank=True,
        default="",
        help_text="说明(合并非疑似重复件时必填) / why (required to merge orders that are not repeats)",
    )


class FigureSerializer(serializers.Serializer):
    metric = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]  # a field named like Field.label
    version = serializers.CharField()
    kind = serializers.CharField(help_text="rate / count / score")
    unit = serializers.CharField()
    unit_name = serializers.CharField()
    start = serializers.DateField(help_text="期间起 / from")
    end = serializers.DateField(help_text="期间止 / to")
    value = serializers.FloatField(allow_null=True, help_text="比率为 0..1;分母为 0 时为 null / null when undefined")
    numerator = serializers.FloatField(allow_null=True)
    denominator = serializers.FloatField(allow_null=True)
    display = serializers.CharField()


class FiguresSerializer(serializers.Serializer):
    unit = serializers.CharField()
    unit_name = serializers.CharField()
    start = serializers.DateField()
    end = serializers.DateField()
    sentence = serializers.CharField(help_text="期间综述 / the period summary sentence")
    figures = FigureSerializer(many=True)


# --- writes ------------------------------------------------------------------------------------


class CategoryCodeField(serializers.SlugRelatedField):
    default_error_messages = {
        "does_not_exist": "诉求类别 {value} 不存在或未启用 / category {value} not found",
        "invalid": "请填写类别编码 / give a category code",
    }

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(slug_field="code", queryset=Category.objects.filter(active=True), **kwargs)

    def to_internal_value(self, data: Any) -> Category:
        if not isinstance(data, str) or not data.strip() or len(data) > 32 or "\x00" in data:
            self.fail("invalid")
        return super().to_internal_value(data.strip())


@extend_schema_field({"type": "string", "example": "150621000100"})
class WorkOrderUnitField(UnitCodeField):
    pass


class IntakeSerializer(serializers.Serializer):
    category = CategoryCodeField(help_text="诉求类别编码 / category code (see /categories/)")
    content = CleanCharField(max_length=5000, help_text="诉求内容 / what the citizen asks")
    citizen_phone = CleanCharField(max_length=30, help_text="联系电话 / phone number")
    citizen_name = CleanCharField(max_length=50, required=False, allow_blank=True, default="")
    address = CleanCharField(max_length=200, required=False, allow_blank=True, default="")
    latitude = serializers.DecimalField(max_digits=9, decimal_places=6, required=False, allow_null=True, default=None)
    longitude = serializers.DecimalField(max_digits=10, decimal_places=6, required=False, allow_null=True, default=None)
    source_number = CleanCharField(
        max_length=64, required=False, allow_blank=True, default="", help_text="来源系统的工单号 / the caller's number"
    )
    received_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    intake_unit = WorkOrderUnitField(
        capability=Cap.WORKORDER_INTAKE, required=False, allow_null=True, default=None, help_text="受理单位代码"
    )
    accused_unit = WorkOrderUnitField(
        capability=Cap.WORKORDER_INTAKE,
        required=False,
        allow_null=True,
        default=None,
        help_text="涉警投诉:被投诉单位代码 / for a complaint about the police: the accused unit",
    )


class DispatchSerializer(serializers.Serializer):
    unit = WorkOrderUnitField(
        capability=Cap.WORKORDER_DISPATCH,
        required=False,
        allow_null=True,
        default=None,
        help_text="承办单位代码;不填则按派单规则 / target unit; empty: by the routing rules",
    )
    reason = CleanCharField(max_length=TEXT_MAX, required=False, allow_blank=True, default="")
    due_at = serializers.DateTimeField(
        required=False,
        allow_null=True,
        default=None,
        help_text="本级办理时限(两级派单;不晚于工单办结时限,不填则同工单)"
        " / this leg's handling deadline (no later than the order's; empty: the order's)",
    )


class EmptySerializer(serializers.Serializer):
    """No body needed."""


class ReturnSerializer(serializers.Serializer):
    reason_code = serializers.ChoiceField(choices=ReturnRequest.Reason.choices)
    reason = CleanCharField(max_length=TEXT_MAX, help_text="退单说明 / why")


class ReturnDecisionSerializer(serializers.Serializer):
    approve = serializers.BooleanField(help_text="true 同意退单;false 驳回(计入推诿)")
    decision = CleanCharField(max_length=TEXT_MAX, required=False, allow_blank=True, default="")


class ContactSerializer(serializers.Serializer):
    channel = serializers.ChoiceField(choices=Contact.Channel.choices)
    result = CleanCharField(max_length=TEXT_MAX)
    contacted_at = serializers.DateTimeField(required=False, allow_null=True, default=None)


class CompleteSerializer(serializers.Serializer):
    reply = CleanCharField(max_length=TEXT_MAX, help_text="答复内容 / the reply to the citizen")
    result = serializers.ChoiceField(choices=Completion.Result.choices)


class CallbackSerializer(serializers.Serializer):
    reached = serializers.BooleanField()
    resolved = serializers.BooleanField(required=False, allow_null=True, default=None)
    satisfaction = serializers.ChoiceField(
        choices=WorkOrder.Satisfaction.choices, required=False, allow_blank=True, default=""
    )
    comment = CleanCharField(max_length=TEXT_MAX, required=False, allow_blank=True, default="")
    new_due_at = serializers.DateTimeField(
        required=False, allow_null=True, default=None, help_text="重办期限 / deadline of a reopened order"
    )


class DecisionSerializer(serializers.Serializer):
    """The decision on the order's pending request (挂起, 延期, 申诉); never by the requester."""

    approve = serializers.BooleanField(help_text="true 批准;false 驳回 / approve or reject")
    decision = CleanCharField(max_length=TEXT_MAX, required=False, allow_blank=True, default="")


class SuspensionRequestSerializer(serializers.Serializer):
    reason = CleanCharField(max_length=TEXT_MAX, help_text="挂起原因 / why the clock should stop")
    resume_by = serializers.DateTimeField(help_text="挂起至(恢复办理)时间 / suspended until")


class ExtensionRequestSerializer(serializers.Serializer):
    reason = CleanCharField(max_length=TEXT_MAX, help_text="延期原因 / why")
    new_due_at = serializers.DateTimeField(help_text="申请延至 / the requested new deadline")


class AppealSerializer(serializers.Serializer):
    reason_code = serializers.ChoiceField(choices=Appeal.Reason.choices, help_text="申诉理由 / reason code")
    reason = CleanCharField(max_length=TEXT_MAX, help_text="申诉说明 / explanation")


class SupervisionSerializer(serializers.Serializer):
    content = CleanCharField(max_length=TEXT_MAX, help_text="督办(催办)或通报内容 / the notice text")


class AssistSerializer(serializers.Serializer):
    unit = WorkOrderUnitField(capability=Cap.WORKORDER_DISPATCH, help_text="协办单位代码 / assisting unit")
    task = CleanCharField(max_length=TEXT_MAX, help_text="协办任务 / the assisting unit's task")


@extend_schema_field({"type": "string", "example": "012345"})
class PoliceNumberField(serializers.SlugRelatedField):
    """A serving person given by 警号, looked up only among the people the caller may see (an
    unknown number and one outside the scope answer alike)."""

    default_error_messages = {
        "does_not_exist": "警号 {value} 不存在或不在您的权限范围内 / police number {value} not found",
        "invalid": "请填写警号 / give a police number",
    }

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("queryset", Person.objects.none())
        super().__init__(slug_field="police_number", **kwargs)

    def get_queryset(self) -> Any:
        request = self.context.get("request")
        user = getattr(request, "user", None)
        return Person.objects.visible_to(user, Cap.VIEW_PERSON).filter(status=Person.Status.ACTIVE)

    def to_internal_value(self, data: Any) -> Person:
        if not isinstance(data, str) or not data.strip() or "\x00" in data:
            self.fail("invalid")
        data = data.strip().upper()
        if len(data) > 20:
            self.fail("does_not_exist", slug_name="police_number", value=data[:20])
        return super().to_internal_value(data)


class AssignHandlerSerializer(serializers.Serializer):
    person = PoliceNumberField(help_text="承办人警号(须属于承办单位)/ police number of an officer of the unit")


class LegSerializer(serializers.ModelSerializer):
    """One dispatch leg: 主办 (lead, one per level) or 协办 (assist, with its own task)."""

    from_unit = serializers.CharField(source="from_unit.code", read_only=True)
    to_unit = serializers.CharField(source="to_unit.code", read_only=True)
    to_unit_name = serializers.CharField(source="to_unit.name", read_only=True)
    role_display = serializers.CharField(source="get_role_display", read_only=True)

    class Meta:
        model = Assignment
        fields = [
            "id",
            "role",
            "role_display",
            "level",
            "from_unit",
            "to_unit",
            "to_unit_name",
            "dispatched_at",
            "sign_due_at",
            "due_at",
            "accepted_at",
            "task",
            "reply",
            "done_at",
            "closed_at",
        ]
        read_only_fields = fields


class AssistAcceptSerializer(serializers.Serializer):
    leg = serializers.IntegerField(min_value=1, max_value=2**31 - 1, help_text="协办任务(派单记录)id / the assist leg")


class AssistReplySerializer(AssistAcceptSerializer):
    reply = CleanCharField(max_length=TEXT_MAX, help_text="协办反馈 / what the assisting unit did")


# --- attachments ---------------------------------------------------------------------------------


class OrderAttachmentUploadSerializer(AttachmentUploadSerializer):
    stage = serializers.ChoiceField(
        choices=[(s, str(STAGE_LABELS[s])) for s in ATTACHMENT_STAGES],
        default="handling",
        help_text="环节:intake 受理 / handling 办理 / completion 办结 / callback 回访",
    )
