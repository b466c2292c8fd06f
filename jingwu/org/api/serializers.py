"""Serializers of the org API. Reads show ID number and phone only masked; writes go to services.

Input serializers only shape and type-check the payload; the rules (ID check character, unique
警号, scope of the target unit …) live in ``org.services`` and come back as field errors.
"""

from __future__ import annotations

from typing import Any

from django.db.models import OuterRef, Subquery
from django.db.models.functions import Left, Length
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from jingwu.core.scope import SCOPE_LABELS, Scope

from ..models import Person, RoleAssignment, Unit, User
from ..roles import ROLES, Cap

UNIT_CODE_MAX = 12


def with_parent_code(queryset: Any) -> Any:
    """Annotate each unit with its parent's code in the same query (no query per row)."""
    parent = Unit.objects.filter(path=Left(OuterRef("path"), Length(OuterRef("path")) - Unit.steplen))
    return queryset.annotate(parent_code=Subquery(parent.values("code")[:1]))


class UnitCodeField(serializers.SlugRelatedField):
    """A unit given by its 机构代码, looked up only among units the caller may use.

    A code outside that set answers "does not exist", exactly like an unknown code, so that the
    error tells nothing about units outside the caller's scope.
    """

    default_error_messages = {
        "does_not_exist": "单位 {value} 不存在或不在您的权限范围内 / unit {value} not found",
        "invalid": "请填写机构代码 / give a unit code",
    }

    def __init__(self, *, capability: str, **kwargs: Any) -> None:
        self.capability = capability
        self.kind_filter: dict[str, Any] = kwargs.pop("kind_filter", {})
        self.kind_exclude: dict[str, Any] = kwargs.pop("kind_exclude", {})
        kwargs.setdefault("queryset", Unit.objects.none())
        super().__init__(slug_field="code", **kwargs)

    def get_queryset(self) -> Any:
        request = self.context.get("request")
        user = getattr(request, "user", None)
        queryset = Unit.objects.visible_to(user, self.capability)
        if self.kind_filter:
            queryset = queryset.filter(**self.kind_filter)
        if self.kind_exclude:
            queryset = queryset.exclude(**self.kind_exclude)
        return queryset

    def to_internal_value(self, data: Any) -> Unit:
        if not isinstance(data, str) or not data.strip():
            self.fail("invalid")
        data = data.strip()
        if len(data) > UNIT_CODE_MAX or "\x00" in data:
            self.fail("does_not_exist", slug_name="code", value=data[:UNIT_CODE_MAX].replace("\x00", ""))
        return super().to_internal_value(data)


# --- Units -------------------------------------------------------------------------------------


class UnitSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    parent = serializers.CharField(  # type: ignore[assignment]  # a field named like Field.parent
        source="parent_code", read_only=True, allow_null=True, help_text="上级单位机构代码 / parent unit code"
    )

    class Meta:
        model = Unit
        fields = ["id", "code", "name", "short_name", "kind", "kind_display", "parent", "depth", "order", "retired_on"]
        read_only_fields = fields


class UnitCreateSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=UNIT_CODE_MAX, help_text="12位机构代码 / 12-character unit code")
    name = serializers.CharField(max_length=100)
    short_name = serializers.CharField(max_length=50, required=False, allow_blank=True, default="")
    kind = serializers.ChoiceField(choices=Unit.Kind.choices)
    order = serializers.IntegerField(min_value=0, max_value=2_147_483_647, required=False, default=0)
    parent = UnitCodeField(  # type: ignore[assignment]
        capability=Cap.MANAGE_UNIT,
        allow_null=True,
        required=False,
        default=None,
        help_text="上级单位机构代码;为空则新建顶级单位 / parent unit code; empty for a top-level unit",
    )


class UnitUpdateSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=UNIT_CODE_MAX, required=False)
    name = serializers.CharField(max_length=100, required=False)
    short_name = serializers.CharField(max_length=50, required=False, allow_blank=True)
    kind = serializers.ChoiceField(choices=Unit.Kind.choices, required=False)
    order = serializers.IntegerField(min_value=0, max_value=2_147_483_647, required=False)
    retired_on = serializers.DateField(
        required=False, allow_null=True, help_text="撤销日期;置空表示恢复 / retirement date; null to restore"
    )


class UnitMoveSerializer(serializers.Serializer):
    parent = UnitCodeField(  # type: ignore[assignment]
        capability=Cap.MANAGE_UNIT, help_text="新的上级单位机构代码 / new parent unit code"
    )


# --- People ------------------------------------------------------------------------------------


class PersonSerializer(serializers.ModelSerializer):
    """A person as the API shows them: ID number and phone masked, birth date left out (together
    with the masked ID number it would give the whole number away)."""

    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    gender_display = serializers.CharField(source="get_gender_display", read_only=True)
    political_status_display = serializers.CharField(source="get_political_status_display", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    id_number_masked = serializers.CharField(read_only=True, help_text="身份证号(脱敏)/ masked ID number")
    phone_masked = serializers.CharField(read_only=True, help_text="手机号(脱敏)/ masked phone")
    unit = serializers.CharField(source="unit.code", read_only=True, help_text="所在单位机构代码 / unit code")
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    party_branch = serializers.CharField(
        source="party_branch.code", read_only=True, allow_null=True, default=None, help_text="党支部机构代码"
    )

    class Meta:
        model = Person
        fields = [
            "id",
            "police_number",
            "kind",
            "kind_display",
            "name",
            "name_pinyin",
            "gender",
            "gender_display",
            "id_number_masked",
            "phone_masked",
            "unit",
            "unit_name",
            "position",
            "rank",
            "political_status",
            "political_status_display",
            "party_branch",
            "joined_on",
            "status",
            "status_display",
            "updated_at",
        ]
        read_only_fields = fields


class PersonWriteSerializer(serializers.Serializer):
    """Create (all required fields) or PATCH (any subset). ID number and phone are write-only."""

    police_number = serializers.CharField(max_length=20, help_text="民警6位数字;辅警F加6-8位数字")
    kind = serializers.ChoiceField(choices=Person.Kind.choices)
    name = serializers.CharField(max_length=50)
    id_number = serializers.CharField(
        max_length=30, write_only=True, help_text="18位身份证号(只写,不回显)/ ID number, write-only"
    )
    gender = serializers.ChoiceField(
        choices=Person.Gender.choices, required=False, help_text="省略时由身份证号推出 / derived from the ID number"
    )
    birth_date = serializers.DateField(
        required=False, write_only=True, help_text="省略时由身份证号推出 / derived from the ID number"
    )
    phone = serializers.CharField(max_length=30, required=False, allow_blank=True, write_only=True)
    unit = UnitCodeField(
        capability=Cap.CHANGE_PERSON,
        kind_exclude={"kind": Unit.Kind.PARTY_BRANCH},
        help_text="所在单位机构代码 / unit code",
    )
    position = serializers.CharField(max_length=50, required=False, allow_blank=True)
    rank = serializers.CharField(max_length=30, required=False, allow_blank=True)
    political_status = serializers.ChoiceField(choices=Person.PoliticalStatus.choices, required=False)
    party_branch = UnitCodeField(
        capability=Cap.VIEW_UNIT,
        kind_filter={"kind": Unit.Kind.PARTY_BRANCH},
        required=False,
        allow_null=True,
        help_text="所在党支部机构代码 / party branch code",
    )
    joined_on = serializers.DateField(required=False, allow_null=True)
    status = serializers.ChoiceField(choices=Person.Status.choices, required=False)


class RevealSerializer(serializers.Serializer):
    field = serializers.ChoiceField(choices=[(f, f) for f in Person.SENSITIVE_FIELDS])


class RevealResultSerializer(serializers.Serializer):
    field = serializers.CharField()
    value = serializers.CharField()


# --- The current user --------------------------------------------------------------------------


class UnitRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()


class RoleSerializer(serializers.ModelSerializer):
    role_name = serializers.SerializerMethodField()
    scope_display = serializers.SerializerMethodField()
    unit = UnitRefSerializer(allow_null=True)

    class Meta:
        model = RoleAssignment
        fields = ["role", "role_name", "scope", "scope_display", "unit"]

    def get_role_name(self, obj: RoleAssignment) -> str:
        role = ROLES.get(obj.role)
        return str(role.name) if role else obj.role

    def get_scope_display(self, obj: RoleAssignment) -> str:
        try:
            return SCOPE_LABELS[Scope(obj.scope)]
        except ValueError:
            return obj.scope


class MeSerializer(serializers.ModelSerializer):
    person = PersonSerializer(allow_null=True, read_only=True)
    roles = serializers.SerializerMethodField()
    capabilities = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["id", "username", "person", "roles", "capabilities"]

    @extend_schema_field(RoleSerializer(many=True))
    def get_roles(self, obj: User) -> list[dict[str, Any]]:
        assignments = obj.role_assignments.select_related("unit").order_by("role", "unit__path")
        return RoleSerializer(assignments, many=True).data  # type: ignore[return-value]

    def get_capabilities(self, obj: User) -> list[str]:
        caps: set[str] = set()
        for code in obj.role_codes():
            if code in ROLES:
                caps |= ROLES[code].capabilities
        return sorted(caps)
