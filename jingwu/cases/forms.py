"""Forms of the incident and case pages. They only shape input; the services validate and write.

Choices come from the user's own scope (units, people, parties of the case on the page), so a
form never offers an object the user cannot see.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jingwu.core.calendar import TZ
from jingwu.core.widgets import FastSelect
from jingwu.org.filters import indented_label
from jingwu.org.forms import BootstrapMixin
from jingwu.org.models import Person, Unit
from jingwu.org.roles import Cap

from .models import Case, CaseCategory, CoerciveMeasure, IncidentCategory, Party, Review

DATETIME_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"]


class FastSelectMultiple(FastSelect):
    """``FastSelect`` for several values (handling officers, transferred suspects)."""

    allow_multiple_selected = True

    def __init__(self, attrs: dict[str, Any] | None = None, choices: Any = ()) -> None:
        super().__init__({"multiple": True, "size": 6, **(attrs or {})}, choices)

    value_from_datadict = forms.SelectMultiple.value_from_datadict  # type: ignore[assignment]
    value_omitted_from_data = forms.SelectMultiple.value_omitted_from_data  # type: ignore[assignment]


def local_now() -> datetime:
    return timezone.now().astimezone(TZ).replace(second=0, microsecond=0)


def handling_units(user: Any) -> QuerySet[Unit]:
    """Units where the user may record incidents and cases (``cases.handle`` scope)."""
    return (
        Unit.objects.visible_to(user, Cap.HANDLE_CASE)
        .filter(retired_on__isnull=True)
        .exclude(kind=Unit.Kind.PARTY_BRANCH)
        .order_by("path")
    )


def police_officers(user: Any) -> QuerySet[Person]:
    """Police officers in post the user can see: the candidates for handling and dispatch."""
    return (
        Person.objects.visible_to(user, Cap.VIEW_PERSON)
        .filter(kind=Person.Kind.POLICE, status=Person.Status.ACTIVE)
        .select_related("unit")
        .order_by("unit__path", "police_number")
    )


def _person_label(person: Person) -> str:
    return f"{person.name}({person.police_number} · {person.unit.short_name or person.unit.name})"


def _category_label(category: CaseCategory) -> str:
    return f"{category.code} {category.name}({category.get_kind_display()})"


class _UnitField(forms.ModelChoiceField):
    def __init__(self, user: Any, **kwargs: Any) -> None:
        units = handling_units(user)
        super().__init__(queryset=units, widget=FastSelect(), **kwargs)
        self.label_from_instance = indented_label(units)  # type: ignore[method-assign]


# --- incidents -----------------------------------------------------------------------------------


class IncidentForm(BootstrapMixin, forms.Form):
    unit = forms.ModelChoiceField(label=_("管辖单位"), queryset=Unit.objects.none())
    number = forms.CharField(label=_("警情编号"), max_length=40, help_text=_("6至40位数字、大写字母或连字符"))
    received_at = forms.DateTimeField(label=_("接警时间"), widget=DATETIME_INPUT, input_formats=DATETIME_FORMATS)
    category = forms.ModelChoiceField(label=_("警情类别"), queryset=IncidentCategory.objects.none())
    location = forms.CharField(label=_("发生地点"), max_length=200, required=False)
    caller_name = forms.CharField(label=_("报警人"), max_length=50, required=False)
    caller_phone = forms.CharField(label=_("报警电话"), max_length=20, required=False)
    summary = forms.CharField(label=_("简要警情"), widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"] = _UnitField(user, label=_("管辖单位"))
        self.fields["category"].queryset = IncidentCategory.objects.filter(active=True).order_by("code")  # type: ignore[attr-defined]
        self.fields["category"].label_from_instance = lambda c: f"{c.code} {c.name}"  # type: ignore[attr-defined]
        self.order_fields(["unit", "number", "received_at", "category"])
        self.style()


class DispatchForm(BootstrapMixin, forms.Form):
    officers = forms.ModelMultipleChoiceField(label=_("出警民警"), queryset=Person.objects.none())
    dispatched_at = forms.DateTimeField(
        label=_("派警时间"), widget=DATETIME_INPUT, input_formats=DATETIME_FORMATS, required=False
    )
    arrived_at = forms.DateTimeField(
        label=_("到场时间"), widget=DATETIME_INPUT, input_formats=DATETIME_FORMATS, required=False
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["officers"]
        field.queryset = police_officers(user)  # type: ignore[attr-defined]
        field.label_from_instance = _person_label  # type: ignore[attr-defined]
        field.widget = FastSelectMultiple()
        field.widget.choices = field.choices  # type: ignore[attr-defined]
        self.style()


class DisposeForm(BootstrapMixin, forms.Form):
    disposal_result = forms.CharField(label=_("处置结果"), widget=forms.Textarea(attrs={"rows": 3}))
    disposed_at = forms.DateTimeField(
        label=_("处置时间"),
        widget=DATETIME_INPUT,
        input_formats=DATETIME_FORMATS,
        required=False,
        help_text=_("不填则为当前时间"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.style()


# --- cases ---------------------------------------------------------------------------------------


class CaseForm(BootstrapMixin, forms.Form):
    """受案: a new case, or one opened from an incident (then ``unit`` is the incident's)."""

    unit = forms.ModelChoiceField(label=_("办案单位"), queryset=Unit.objects.none())
    kind = forms.ChoiceField(label=_("案件类型"), choices=Case.Kind.choices)
    category = forms.ModelChoiceField(label=_("案由"), queryset=CaseCategory.objects.none())
    title = forms.CharField(label=_("案件名称"), max_length=200)
    number = forms.CharField(
        label=_("案件编号"), max_length=30, required=False, help_text=_("不填则自动生成(类型字母+单位代码+年度+序号)")
    )
    accepted_at = forms.DateTimeField(
        label=_("受案时间"), widget=DATETIME_INPUT, input_formats=DATETIME_FORMATS, required=False
    )
    amount_involved = forms.CharField(label=_("涉案金额(元)"), max_length=20, required=False)
    lead_officer = forms.ModelChoiceField(label=_("主办民警"), queryset=Person.objects.none())
    handling_officers = forms.ModelMultipleChoiceField(
        label=_("协办民警"),
        queryset=Person.objects.none(),
        required=False,
        help_text=_("办案民警(含主办)不得少于2人"),
    )
    summary = forms.CharField(label=_("简要案情"), widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def __init__(self, *args: Any, user: Any, fixed_unit: Unit | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if fixed_unit is not None:
            del self.fields["unit"]
        else:
            self.fields["unit"] = _UnitField(user, label=_("办案单位"))
        categories = CaseCategory.objects.filter(active=True).order_by("code")
        self.fields["category"].queryset = categories  # type: ignore[attr-defined]
        self.fields["category"].label_from_instance = _category_label  # type: ignore[attr-defined]
        self.fields["category"].widget = FastSelect()
        self.fields["category"].widget.choices = self.fields["category"].choices  # type: ignore[attr-defined]
        officers = police_officers(user)
        for name in ("lead_officer", "handling_officers"):
            field = self.fields[name]
            field.queryset = officers  # type: ignore[attr-defined]
            field.label_from_instance = _person_label  # type: ignore[attr-defined]
        self.fields["lead_officer"].widget = FastSelect()
        self.fields["handling_officers"].widget = FastSelectMultiple()
        for name in ("lead_officer", "handling_officers"):
            self.fields[name].widget.choices = self.fields[name].choices  # type: ignore[attr-defined]
        self.style()

    def service_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["number"] = data.get("number") or None
        data["accepted_at"] = data.get("accepted_at") or None
        data["handling_officers"] = list(data.get("handling_officers") or [])
        return data


class ReasonForm(BootstrapMixin, forms.Form):
    reason = forms.CharField(label=_("原因/理由"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, label: Any = None, required: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if label:
            self.fields["reason"].label = label
        self.fields["reason"].required = required
        self.style()


class ExtendLimitForm(ReasonForm):
    days = forms.IntegerField(label=_("延长天数"), min_value=1, max_value=30)


class MomentForm(BootstrapMixin, forms.Form):
    """A transition stamped with a time (立案 / 破案 / 执行): empty means now."""

    at = forms.DateTimeField(
        label=_("时间"),
        widget=DATETIME_INPUT,
        input_formats=DATETIME_FORMATS,
        required=False,
        help_text=_("不填则为当前时间"),
    )

    def __init__(self, *args: Any, label: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if label:
            self.fields["at"].label = label
        self.style()


class ConfirmForm(BootstrapMixin, forms.Form):
    """A transition with nothing to fill in (开始侦查, 结案)."""


class ReviewSubmitForm(BootstrapMixin, forms.Form):
    decision = forms.ChoiceField(label=_("审核事项"), choices=())
    summary = forms.CharField(label=_("呈请事项"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        wanted = [Review.Decision.FILE]
        wanted.append(Review.Decision.PROSECUTION if case.kind == Case.Kind.CRIMINAL else Review.Decision.PENALTY)
        self.fields["decision"].choices = [(d.value, d.label) for d in wanted]  # type: ignore[attr-defined]
        self.style()


class OpinionForm(BootstrapMixin, forms.Form):
    opinion = forms.CharField(label=_("审核意见"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, label: Any = None, required: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if label:
            self.fields["opinion"].label = label
        self.fields["opinion"].required = required
        self.style()


class ResubmitForm(BootstrapMixin, forms.Form):
    summary = forms.CharField(label=_("修改后的呈请事项"), widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.style()


def _suspects(case: Case) -> QuerySet[Party]:
    return case.parties.filter(role=Party.Role.SUSPECT, kind=Party.Kind.PERSON).order_by("id")


class PartyForm(BootstrapMixin, forms.Form):
    role = forms.ChoiceField(label=_("诉讼地位"), choices=Party.Role.choices)
    kind = forms.ChoiceField(label=_("类型"), choices=Party.Kind.choices)
    name = forms.CharField(label=_("姓名/名称"), max_length=100)
    id_number = forms.CharField(label=_("身份证号"), max_length=30, required=False, help_text=_("自然人填写"))
    uscc = forms.CharField(label=_("统一社会信用代码"), max_length=30, required=False, help_text=_("单位填写"))
    phone = forms.CharField(label=_("联系电话"), max_length=20, required=False)
    address = forms.CharField(label=_("住址"), max_length=200, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["id_number"].widget.attrs["autocomplete"] = "off"
        self.style()


class MeasureRequestForm(BootstrapMixin, forms.Form):
    party = forms.ModelChoiceField(label=_("对象"), queryset=Party.objects.none())
    kind = forms.ChoiceField(label=_("措施"), choices=())
    reason = forms.CharField(label=_("理由"), widget=forms.Textarea(attrs={"rows": 3}))
    decision_days = forms.IntegerField(label=_("行政拘留天数"), required=False, min_value=1, max_value=20)
    place = forms.CharField(label=_("执行场所"), max_length=100, required=False)

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["party"].queryset = _suspects(case)  # type: ignore[attr-defined]
        if case.kind == Case.Kind.CRIMINAL:
            kinds = [(k.value, k.label) for k in CoerciveMeasure.CRIMINAL_KINDS]
            del self.fields["decision_days"]
        else:
            kinds = [(CoerciveMeasure.Kind.ADMIN_DETENTION.value, CoerciveMeasure.Kind.ADMIN_DETENTION.label)]
        self.fields["kind"].choices = kinds  # type: ignore[attr-defined]
        self.style()


class MeasureApproveForm(BootstrapMixin, forms.Form):
    authority = forms.CharField(label=_("批准机关"), max_length=100, help_text=_("逮捕由人民检察院批准"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.style()


class MeasureExtendForm(ReasonForm):
    hours = forms.IntegerField(label=_("延长小时数"), min_value=1, max_value=24 * 365)


class ProsecutionTransferForm(BootstrapMixin, forms.Form):
    parties = forms.ModelMultipleChoiceField(
        label=_("移送的犯罪嫌疑人"), queryset=Party.objects.none(), widget=forms.CheckboxSelectMultiple
    )
    procuratorate = forms.CharField(label=_("受理检察院"), max_length=100)
    document_number = forms.CharField(label=_("移送文书号"), max_length=60, required=False)
    at = forms.DateTimeField(label=_("移送时间"), widget=DATETIME_INPUT, input_formats=DATETIME_FORMATS, required=False)
    note = forms.CharField(label=_("备注"), widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["parties"].queryset = _suspects(case)  # type: ignore[attr-defined]
        self.style()
        self.fields["parties"].widget.attrs["class"] = "form-check-input"


class CentreEntryForm(BootstrapMixin, forms.Form):
    party = forms.ModelChoiceField(label=_("人员"), queryset=Party.objects.none())
    entered_at = forms.DateTimeField(
        label=_("入区时间"), widget=DATETIME_INPUT, input_formats=DATETIME_FORMATS, required=False
    )
    reason = forms.CharField(label=_("入区事由"), max_length=200)
    belongings = forms.CharField(label=_("随身物品"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
    safety_check_done = forms.BooleanField(label=_("已进行人身安全检查"), required=False)
    safety_check_notes = forms.CharField(label=_("安全检查情况"), max_length=500, required=False)
    rooms = forms.CharField(label=_("使用功能室"), max_length=200, required=False)

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["party"].queryset = case.parties.filter(kind=Party.Kind.PERSON).order_by("id")  # type: ignore[attr-defined]
        self.style()
        self.fields["safety_check_done"].widget.attrs["class"] = "form-check-input"


class CentreExitForm(BootstrapMixin, forms.Form):
    exited_at = forms.DateTimeField(
        label=_("出区时间"), widget=DATETIME_INPUT, input_formats=DATETIME_FORMATS, required=False
    )
    exit_destination = forms.CharField(label=_("出区去向"), max_length=100)
    belongings_returned = forms.BooleanField(label=_("随身物品已返还"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.style()
        self.fields["belongings_returned"].widget.attrs["class"] = "form-check-input"
