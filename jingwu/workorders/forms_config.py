"""Forms of the configuration pages of 接诉即办: routing rules (派单规则) and the category tree.

They only shape input; ``routing_rule_save`` / ``category_save`` validate and write, their
ValidationErrors landing on these forms' fields (``apply_service_errors``)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from jingwu.org.roles import Cap

from .filters import category_choices
from .forms import Styled, _unit_field, unit_choices
from .models import Category, RoutingRule
from .models.config import LIMIT_UNIT_CHOICES
from .services.config import CATEGORY_FIELDS


class RoutingRuleForm(Styled):
    category = forms.TypedChoiceField(
        label=_("诉求类别"), coerce=int, required=False, empty_value=None, help_text=_("留空为全部类别;含下级类别")
    )
    area_keyword = forms.CharField(
        label=_("地址关键词"),
        max_length=100,
        required=False,
        help_text=_("地址中包含该关键词(如镇、街道、村名)即匹配;留空为全部地区"),
    )
    unit = forms.ModelChoiceField(label=_("承办单位"), queryset=RoutingRule.objects.none())
    priority = forms.IntegerField(label=_("优先级"), initial=100, help_text=_("数字小者优先;同一层级内比较"))
    active = forms.BooleanField(label=_("启用"), required=False, initial=True)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", _("全部类别"))] + category_choices()  # type: ignore[attr-defined]
        self.fields["unit"] = _unit_field(_("承办单位"), unit_choices(user, Cap.WORKORDER_DISPATCH))
        self.style()
        self.fields["active"].widget.attrs["class"] = "form-check-input"

    @classmethod
    def initial_of(cls, rule: RoutingRule) -> dict[str, Any]:
        return {
            "category": rule.category_id or "",
            "area_keyword": rule.area_keyword,
            "unit": rule.unit_id,
            "priority": rule.priority,
            "active": rule.active,
        }

    def service_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        pk = data.pop("category", None)
        data["category"] = Category.objects.get(pk=pk) if pk else None
        return data


class CategoryForm(Styled):
    code = forms.CharField(label=_("编码"), max_length=32)
    name = forms.CharField(label=_("名称"), max_length=50)
    parent = forms.TypedChoiceField(label=_("上级类别"), coerce=int, required=False, empty_value=None)
    urgency = forms.ChoiceField(label=_("紧急程度"), choices=Category.Urgency.choices)
    is_complaint = forms.BooleanField(label=_("投诉/举报类"), required=False, help_text=_("可认定为涉警投诉"))
    sign_for_amount = forms.DecimalField(label=_("签收时限"), max_digits=6, decimal_places=2)
    sign_for_unit = forms.ChoiceField(label=_("签收时限单位"), choices=LIMIT_UNIT_CHOICES)
    complete_amount = forms.DecimalField(label=_("办结时限"), max_digits=6, decimal_places=2)
    complete_unit = forms.ChoiceField(label=_("办结时限单位"), choices=LIMIT_UNIT_CHOICES)
    callback_days = forms.IntegerField(label=_("回访时限(工作日)"), min_value=0, max_value=30)
    order = forms.IntegerField(label=_("排序"), min_value=0, initial=0)
    active = forms.BooleanField(label=_("启用"), required=False, initial=True)

    FIELDS = CATEGORY_FIELDS

    def __init__(self, *args: Any, category: Category | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["parent"].choices = [("", _("(顶级类别)"))] + category_choices()  # type: ignore[attr-defined]
        self.style()
        for name in ("is_complaint", "active"):
            self.fields[name].widget.attrs["class"] = "form-check-input"

    @classmethod
    def initial_of(cls, category: Category) -> dict[str, Any]:
        initial = {name: getattr(category, name) for name in cls.FIELDS if name != "parent"}
        initial["parent"] = category.parent_id or ""
        return initial

    def service_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        pk = data.pop("parent", None)
        data["parent"] = Category.objects.get(pk=pk) if pk else None
        return data
