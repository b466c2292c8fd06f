"""Serializers of the cases API. Reads show the caller and party ID numbers only masked; the
incident write only shapes the payload — ``services.incident_create`` validates and writes."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from jingwu.org.api.serializers import UnitCodeField
from jingwu.org.roles import Cap

from ..models import Case, CaseCategory, Incident, IncidentCategory, Party


class IncidentSerializer(serializers.ModelSerializer):
    unit = serializers.CharField(source="unit.code", read_only=True, help_text="管辖单位机构代码 / unit code")
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    category = serializers.CharField(source="category.code", read_only=True, help_text="警情类别代码")
    category_name = serializers.CharField(source="category.name", read_only=True)
    caller_name = serializers.CharField(source="caller_name_masked", read_only=True, help_text="报警人(脱敏)")
    caller_phone = serializers.CharField(source="caller_phone_masked", read_only=True, help_text="报警电话(脱敏)")
    state_display = serializers.CharField(source="get_state_display", read_only=True)
    recording_mandatory = serializers.BooleanField(source="category.recording_mandatory", read_only=True)
    disposal_state = serializers.SerializerMethodField(help_text="on_time/due_soon/overdue/met/met_late")

    class Meta:
        model = Incident
        fields = [
            "id",
            "number",
            "unit",
            "unit_name",
            "received_at",
            "category",
            "category_name",
            "recording_mandatory",
            "location",
            "summary",
            "caller_name",
            "caller_phone",
            "dispatched_at",
            "arrived_at",
            "disposal_result",
            "disposed_at",
            "disposal_due_at",
            "disposal_state",
            "state",
            "state_display",
            "source",
        ]
        read_only_fields = fields

    def get_disposal_state(self, obj: Incident) -> str:
        return str(obj.disposal_state().value)


class IncidentCreateSerializer(serializers.Serializer):
    unit = UnitCodeField(capability=Cap.HANDLE_CASE, help_text="管辖单位机构代码 / unit code")
    number = serializers.CharField(max_length=40, help_text="警情编号 / incident number")
    received_at = serializers.DateTimeField(help_text="接警时间(带时区)/ time received, with offset")
    category = serializers.SlugRelatedField(
        slug_field="code", queryset=IncidentCategory.objects.filter(active=True), help_text="警情类别代码"
    )
    location = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    summary = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    caller_name = serializers.CharField(max_length=50, required=False, allow_blank=True, default="")
    caller_phone = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")

    def validate_number(self, value: str) -> str:
        if "\x00" in value:
            raise serializers.ValidationError("警情编号含非法字符 / invalid characters")
        return value


class PartySerializer(serializers.ModelSerializer):
    id_number = serializers.CharField(source="id_number_masked", read_only=True, help_text="身份证号(脱敏)")
    phone = serializers.CharField(source="phone_masked", read_only=True, help_text="联系电话(脱敏)")
    role_display = serializers.CharField(source="get_role_display", read_only=True)

    class Meta:
        model = Party
        fields = ["id", "role", "role_display", "kind", "name", "id_number", "uscc", "phone"]
        read_only_fields = fields


class CaseSerializer(serializers.ModelSerializer):
    unit = serializers.CharField(source="unit.code", read_only=True, help_text="办案单位机构代码")
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    category = serializers.CharField(source="category.code", read_only=True, help_text="案由代码")
    category_name = serializers.CharField(source="category.name", read_only=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    state_display = serializers.CharField(source="get_state_display", read_only=True)
    lead_officer = serializers.CharField(source="lead_officer.name", read_only=True, help_text="主办民警")

    class Meta:
        model = Case
        fields = [
            "id",
            "number",
            "year",
            "title",
            "kind",
            "kind_display",
            "category",
            "category_name",
            "unit",
            "unit_name",
            "state",
            "state_display",
            "amount_involved",
            "lead_officer",
            "accepted_at",
            "filed_at",
            "solved_at",
            "transferred_at",
            "penalty_decided_at",
            "closed_at",
        ]
        read_only_fields = fields


class CaseDetailSerializer(CaseSerializer):
    summary = serializers.CharField(read_only=True)
    handling_officers = serializers.SerializerMethodField()
    incidents = serializers.SerializerMethodField()
    parties = PartySerializer(many=True, read_only=True)

    class Meta(CaseSerializer.Meta):
        fields = [*CaseSerializer.Meta.fields, "summary", "handling_officers", "incidents", "parties"]
        read_only_fields = fields

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_handling_officers(self, obj: Case) -> list[str]:
        return [p.name for p in obj.handling_officers.all()]

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_incidents(self, obj: Case) -> list[str]:
        visible: Any = self.context.get("visible_incidents")
        qs = obj.incidents.all() if visible is None else visible.filter(cases=obj)
        return [i.number for i in qs]


class CaseFigureSerializer(serializers.Serializer):
    metric = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]  # a field named like Field.label
    version = serializers.CharField()
    kind = serializers.CharField()
    unit = serializers.CharField()
    unit_name = serializers.CharField()
    value = serializers.FloatField(allow_null=True)
    display = serializers.CharField()
    drill_down = serializers.CharField(help_text="指标下钻页面 / drill-down page")


class CaseFiguresSerializer(serializers.Serializer):
    unit = serializers.CharField()
    start = serializers.DateField(source="from")
    end = serializers.DateField(source="to")
    kind = serializers.CharField(allow_null=True)
    tag = serializers.CharField(allow_null=True)
    summary = serializers.CharField(help_text="情况综述 / the prose sentence")
    figures = serializers.DictField(child=CaseFigureSerializer())


class CaseFiguresQuerySerializer(serializers.Serializer):
    unit = serializers.CharField(required=False, max_length=12, help_text="单位机构代码,默认为可见的最上级单位")
    start = serializers.DateField(required=False, help_text="起始日期,默认为今年1月1日")
    end = serializers.DateField(required=False, help_text="截止日期,默认为今天")
    kind = serializers.ChoiceField(choices=Case.Kind.choices, required=False)
    tag = serializers.SlugField(required=False, max_length=40, help_text="分类标签代码,如 env_food_drug")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        start, end = attrs.get("start"), attrs.get("end")
        if start and end and start > end:
            raise serializers.ValidationError({"end": "结束日期不能早于开始日期 / the end is before the start"})
        tag = attrs.get("tag")
        if tag and not CaseCategory.objects.filter(tags__code=tag).exists():
            from ..models import CaseTag

            if not CaseTag.objects.filter(code=tag).exists():
                raise serializers.ValidationError({"tag": "未知的分类标签 / unknown tag"})
        return attrs
