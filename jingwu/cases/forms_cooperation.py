"""Forms of the clue board and the campaign pages. They only shape input; the services validate
(field errors come back onto the forms) and write."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from jingwu.core.widgets import FastSelect
from jingwu.org.forms import BootstrapMixin
from jingwu.org.models import Person, Unit

from .models import Case, CaseCategory
from .models.campaigns import Inspection, Patrol, SeizureKind
from .models.cooperation import Clue

DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]


def _dt_field(label: Any, required: bool = True) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        required=required,
        input_formats=DATETIME_FORMATS,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )


def _date_field(label: Any) -> forms.DateField:
    return forms.DateField(label=label, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))


def _qs(form: forms.BaseForm, name: str, queryset: Any) -> None:
    field = form.fields[name]
    assert isinstance(field, forms.ModelChoiceField)
    field.queryset = queryset


class _Styled(BootstrapMixin, forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.style()
        for field in self.fields.values():
            if isinstance(field.widget, forms.CheckboxInput):
                field.widget.attrs["class"] = "form-check-input"


class UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return "\u3000" * max(obj.depth - 1, 0) + obj.name


class UnitMultipleField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return obj.name


# --- clue board --------------------------------------------------------------------------------


class ClueForm(_Styled):
    owner_unit = UnitChoiceField(label=_("发布单位"), queryset=Unit.objects.none(), widget=FastSelect)
    title = forms.CharField(label=_("线索标题"), max_length=200)
    category = forms.ChoiceField(label=_("线索类别"), choices=Clue.Category.choices)
    status = forms.ChoiceField(label=_("状态"), choices=Clue.Status.choices, required=False)
    content = forms.CharField(label=_("线索内容"), widget=forms.Textarea(attrs={"rows": 6}))
    share_with = UnitMultipleField(
        label=_("共享给协作单位"),
        queryset=Unit.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("只有所选协作单位能看到这条线索;双方的案件、人员等其他数据互不可见。"),
    )

    def __init__(self, *args: Any, units: Any, partners: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _qs(self, "owner_unit", units)
        _qs(self, "share_with", partners)
        self.fields["share_with"].widget.attrs["class"] = "form-check-input"
        if editing:
            del self.fields["owner_unit"]
        else:
            del self.fields["status"]


class ClueCommentForm(_Styled):
    content = forms.CharField(label=_("留言"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


class ClueLinkForm(_Styled):
    case_number = forms.CharField(
        label=_("本单位案件编号"), max_length=30, widget=forms.TextInput(attrs={"list": "jw-clue-cases"})
    )
    note = forms.CharField(label=_("说明"), max_length=200, required=False)


# --- campaigns ---------------------------------------------------------------------------------


class CampaignForm(_Styled):
    unit = UnitChoiceField(label=_("牵头单位"), queryset=Unit.objects.none(), widget=FastSelect)
    name = forms.CharField(label=_("行动名称"), max_length=100)
    starts_on = _date_field(_("开始日期"))
    ends_on = _date_field(_("结束日期"))
    goal = forms.CharField(label=_("行动目标"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    departments = forms.CharField(
        label=_("联合部门"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("每行一个,或用顿号分隔,如:市场监管局、林草局"),
    )
    units = UnitMultipleField(
        label=_("参与单位"),
        queryset=Unit.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )

    def __init__(self, *args: Any, units: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _qs(self, "unit", units)
        _qs(self, "units", units)
        if editing:
            del self.fields["unit"]


class _RecordForm(_Styled):
    unit = forms.ModelChoiceField(label=_("单位"), queryset=Unit.objects.none())

    def __init__(self, *args: Any, units: list[Unit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _qs(self, "unit", Unit.objects.filter(pk__in=[u.pk for u in units]).order_by("path"))
        if len(units) == 1:
            self.fields["unit"].initial = units[0].pk


class PatrolForm(_RecordForm):
    place = forms.CharField(label=_("巡查地点"), max_length=200)
    started_at = _dt_field(_("开始时间"))
    ended_at = _dt_field(_("结束时间"), required=False)
    people = forms.ModelMultipleChoiceField(
        label=_("参与人员"), queryset=Person.objects.none(), widget=forms.SelectMultiple(attrs={"size": 6})
    )
    notes = forms.CharField(label=_("巡查情况"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, people: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _qs(self, "people", people)


class InspectionForm(_RecordForm):
    target = forms.CharField(label=_("检查对象"), max_length=200)
    kind = forms.ChoiceField(label=_("对象类型"), choices=Inspection.Kind.choices)
    inspected_at = _dt_field(_("检查时间"))
    departments = forms.CharField(label=_("联合检查部门"), required=False, help_text=_("用顿号分隔"))
    has_finding = forms.BooleanField(label=_("发现问题"), required=False)
    finding = forms.CharField(label=_("检查发现"), required=False, widget=forms.Textarea(attrs={"rows": 3}))


class SeizureForm(_RecordForm):
    kind = forms.ModelChoiceField(label=_("物品种类"), queryset=SeizureKind.objects.none())
    # A plain text box: the service gives the field error for a negative or non-integer quantity.
    quantity = forms.CharField(label=_("数量"), max_length=12, widget=forms.TextInput(attrs={"inputmode": "numeric"}))
    recorded_at = _dt_field(_("收缴时间"))
    patrol = forms.ModelChoiceField(label=_("来自巡查"), queryset=Patrol.objects.none(), required=False)
    inspection = forms.ModelChoiceField(label=_("来自检查"), queryset=Inspection.objects.none(), required=False)
    notes = forms.CharField(label=_("备注"), max_length=200, required=False)

    def __init__(self, *args: Any, kinds: Any, patrols: Any, inspections: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _qs(self, "kind", kinds)
        _qs(self, "patrol", patrols)
        _qs(self, "inspection", inspections)


class OpenCaseForm(_Styled):
    kind = forms.ChoiceField(label=_("案件类型"), choices=Case.Kind.choices)
    category = forms.ModelChoiceField(label=_("案由"), queryset=CaseCategory.objects.none(), widget=FastSelect)
    title = forms.CharField(label=_("案件名称"), max_length=200)
    lead_officer = forms.ModelChoiceField(label=_("主办民警"), queryset=Person.objects.none())
    handling_officers = forms.ModelMultipleChoiceField(
        label=_("协办民警"), queryset=Person.objects.none(), widget=forms.SelectMultiple(attrs={"size": 5})
    )

    def __init__(self, *args: Any, officers: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _qs(self, "category", CaseCategory.objects.filter(active=True, children__isnull=True).order_by("code"))
        _qs(self, "lead_officer", officers)
        _qs(self, "handling_officers", officers)
