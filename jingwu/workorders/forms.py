"""Forms of the work-order pages. They only shape input; the services validate and write (their
ValidationErrors land on these forms' fields through ``apply_service_errors``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jingwu.core.attachments.forms import MultipleFileField
from jingwu.core.calendar import TZ
from jingwu.core.widgets import FastSelect
from jingwu.org.filters import indented_label
from jingwu.org.forms import BootstrapMixin, apply_service_errors  # noqa: F401  (re-exported for views)
from jingwu.org.models import Person, Unit
from jingwu.org.roles import Cap

from .filters import category_choices
from .models import Appeal, Category, Completion, Contact, ReturnRequest, SupervisionNotice, WorkOrder

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format=DATETIME_FORMAT)


def local_now() -> datetime:
    return timezone.localtime(timezone.now(), TZ).replace(second=0, microsecond=0)


class AwareDateTimeField(forms.DateTimeField):
    """A datetime-local input read in Beijing time (whatever the server's zone)."""

    widget = DateTimeLocalInput

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("input_formats", [DATETIME_FORMAT, "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"])
        super().__init__(*args, **kwargs)

    def to_python(self, value: Any) -> datetime | None:
        result = super().to_python(value)
        if result is not None:
            result = result.astimezone(TZ) if timezone.is_aware(result) else result.replace(tzinfo=TZ)
        return result


class Styled(BootstrapMixin, forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.style()
        for field in self.fields.values():
            if isinstance(field.widget, (forms.CheckboxInput, forms.RadioSelect)):
                field.widget.attrs["class"] = "form-check-input"


def unit_choices(user: Any, capability: str, exclude: Unit | None = None) -> Any:
    units = (
        Unit.objects.visible_to(user, capability)
        .exclude(kind=Unit.Kind.PARTY_BRANCH)
        .filter(retired_on__isnull=True)
        .order_by("path")
    )
    if exclude is not None:
        units = units.exclude(pk=exclude.pk)
    return units


def _unit_field(label: Any, units: Any, required: bool = True, empty: Any = "—") -> forms.ModelChoiceField:
    field = forms.ModelChoiceField(label=label, queryset=units, required=required, empty_label=empty, widget=FastSelect)
    field.label_from_instance = indented_label(units)  # type: ignore[method-assign]
    return field


# --- intake ------------------------------------------------------------------------------------


class IntakeForm(Styled):
    citizen_name = forms.CharField(label=_("诉求人"), max_length=50, required=False)
    citizen_phone = forms.CharField(
        label=_("联系电话"),
        max_length=30,
        help_text=_("11位手机号或带区号的固话"),
        widget=forms.TextInput(attrs={"inputmode": "tel"}),
    )
    address = forms.CharField(label=_("地址"), max_length=200, required=False)
    latitude = forms.DecimalField(label=_("纬度"), required=False, max_digits=9, decimal_places=6)
    longitude = forms.DecimalField(label=_("经度"), required=False, max_digits=9, decimal_places=6)
    category = forms.TypedChoiceField(label=_("诉求类别"), coerce=int, choices=[])
    # 涉警投诉: only with a complaint category (投诉/举报 or below); routed to 督察, hidden from the unit.
    complaint_about_officer = forms.BooleanField(
        label=_("涉警投诉(投诉民警或单位)"), required=False, help_text=_("转督察办理,被投诉单位不可见")
    )
    accused_unit = forms.ModelChoiceField(label=_("被投诉单位"), queryset=Unit.objects.none(), required=False)
    content = forms.CharField(label=_("诉求内容"), widget=forms.Textarea(attrs={"rows": 5}), max_length=5000)
    received_at = AwareDateTimeField(label=_("受理时间"))
    attachments = MultipleFileField(label=_("附件"))  # checked by content; the service stores them

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", _("请选择类别"))] + category_choices()  # type: ignore[attr-defined]
        # The accused unit is picked among the units the operator takes demands for (as in the API).
        units = unit_choices(user, Cap.WORKORDER_INTAKE) if user is not None else Unit.objects.none()
        self.fields["accused_unit"] = _unit_field(_("被投诉单位"), units, required=False)
        self.complaint_ids = complaint_category_ids()
        box = self.fields["complaint_about_officer"].widget
        box.attrs["data-complaint-categories"] = ",".join(str(pk) for pk in sorted(self.complaint_ids))
        self.style()
        box.attrs["class"] = "form-check-input"
        if not self.is_bound:
            self.initial.setdefault("received_at", local_now())

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        accused = data.get("accused_unit")
        if data.get("complaint_about_officer"):
            if data.get("category") is not None and data["category"] not in self.complaint_ids:
                self.add_error(
                    "complaint_about_officer",
                    _("涉警投诉须选择投诉或举报类诉求类别 / a complaint about the police needs a complaint category"),
                )
            if accused is None and "accused_unit" not in self.errors:
                self.add_error("accused_unit", _("涉警投诉须选择被投诉单位 / choose the accused unit"))
        elif accused is not None:
            self.add_error(
                "accused_unit",
                _("选择被投诉单位须同时勾选“涉警投诉” / tick 涉警投诉 for a complaint about the police"),
            )
        return data

    def service_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["category"] = Category.objects.get(pk=data["category"])
        if not data.pop("complaint_about_officer", False):
            data["accused_unit"] = None
        return data


def complaint_category_ids() -> set[int]:
    """Categories that are complaints (投诉/举报) themselves or lie under one."""
    rows = {pk: (parent, flag) for pk, parent, flag in Category.objects.values_list("pk", "parent_id", "is_complaint")}

    def is_complaint(pk: int | None, seen: int = 0) -> bool:
        while pk is not None and seen < len(rows):
            parent, flag = rows[pk]
            if flag:
                return True
            pk, seen = parent, seen + 1
        return False

    return {pk for pk in rows if is_complaint(pk)}


class RepeatActionForm(Styled):
    """合并到 / 关联 a possible repeat found at intake."""

    kind = forms.ChoiceField(choices=[("merge", _("合并")), ("link", _("关联"))], widget=forms.HiddenInput)
    other = forms.CharField(label=_("工单编号"), max_length=32)
    reason = forms.CharField(label=_("说明"), max_length=500, required=False)


# --- actions on one order ------------------------------------------------------------------------


class EmptyForm(Styled):
    pass


class DispatchForm(Styled):
    unit = forms.ModelChoiceField(label=_("承办单位"), queryset=Unit.objects.none(), required=False)
    by_rule = forms.BooleanField(label=_("按派单规则派单"), required=False)
    due_at = AwareDateTimeField(
        label=_("本级办理时限"), required=False, help_text=_("不晚于工单办结时限;留空为工单办结时限")
    )
    reason = forms.CharField(label=_("派单说明"), max_length=500, required=False)

    def __init__(self, *args: Any, user: Any, order: WorkOrder, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        units = unit_choices(user, Cap.WORKORDER_DISPATCH, order.unit)
        if order.accused_unit_id is not None:  # a complaint never goes to the accused unit
            units = units.exclude(path__startswith=order.accused_unit.path)  # type: ignore[union-attr]
        if order.legs.filter(role="lead", closed_at__isnull=True).exists():  # signed for: on, one level down
            units = units.filter(path__startswith=order.unit.path)
        self.fields["unit"] = _unit_field(_("承办单位"), units, required=False)
        self.style()
        self.fields["by_rule"].widget.attrs["class"] = "form-check-input"

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("unit") and not data.get("by_rule"):
            self.add_error("unit", _("请选择承办单位,或勾选按派单规则派单"))
        return data


class MarkComplaintForm(Styled):
    """认定涉警投诉: the accused unit, or the accused officer (whose unit is then the accused one)."""

    accused_unit = forms.ModelChoiceField(label=_("被投诉单位"), queryset=Unit.objects.none(), required=False)
    accused_person = forms.ModelChoiceField(
        label=_("被投诉民警"), queryset=Person.objects.none(), required=False, widget=FastSelect, empty_label="—"
    )
    reason = forms.CharField(label=_("认定说明"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, user: Any, order: WorkOrder, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["accused_unit"] = _unit_field(
            _("被投诉单位"), unit_choices(user, Cap.WORKORDER_CONFLICT), required=False
        )
        people = Person.objects.visible_to(user, Cap.VIEW_PERSON).filter(status=Person.Status.ACTIVE)
        self.fields["accused_person"].queryset = people.select_related("unit").order_by(  # type: ignore[attr-defined]
            "unit__path", "-kind", "police_number"
        )
        self.fields["accused_person"].label_from_instance = (  # type: ignore[attr-defined]
            lambda p: f"{p.name}({p.police_number},{p.unit.name})"
        )
        self.style()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("accused_unit") and not data.get("accused_person") and "accused_unit" not in self.errors:
            self.add_error("accused_unit", _("请选择被投诉单位或被投诉民警"))
        return data


class AssistForm(Styled):
    unit = forms.ModelChoiceField(label=_("协办单位"), queryset=Unit.objects.none())
    task = forms.CharField(label=_("协办任务"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, user: Any, order: WorkOrder, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"] = _unit_field(_("协办单位"), unit_choices(user, Cap.WORKORDER_DISPATCH, order.unit))
        self.style()


class AssignHandlerForm(Styled):
    person = forms.ModelChoiceField(label=_("承办人"), queryset=Person.objects.none(), empty_label="—")

    def __init__(self, *args: Any, user: Any, order: WorkOrder, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        people = (
            Person.objects.visible_to(user, Cap.VIEW_PERSON)
            .filter(unit__path__startswith=order.unit.path, status=Person.Status.ACTIVE)
            .order_by("-kind", "police_number")
        )
        self.fields["person"].queryset = people  # type: ignore[attr-defined]
        self.fields["person"].label_from_instance = lambda p: f"{p.name}({p.police_number})"  # type: ignore[attr-defined]


class ReturnForm(Styled):
    reason_code = forms.ChoiceField(label=_("退单原因"), choices=[("", "—"), *ReturnRequest.Reason.choices])
    reason = forms.CharField(label=_("退单说明"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))


class DecideForm(Styled):
    """Approve or reject a pending request (退单, 挂起, 延期, 申诉)."""

    approve = forms.TypedChoiceField(
        label=_("审批结果"),
        choices=[("1", _("批准")), ("0", _("驳回"))],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
    decision = forms.CharField(label=_("审批意见"), max_length=1000, required=False)
    request_id = forms.IntegerField(widget=forms.HiddenInput)


class SuspensionForm(Styled):
    reason = forms.CharField(label=_("挂起原因"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))
    resume_by = AwareDateTimeField(
        label=_("挂起至"),
        help_text=_("到时自动恢复办理;办结期限顺延挂起期间的工作时间"),
    )


class ExtensionForm(Styled):
    reason = forms.CharField(label=_("延期原因"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))
    new_due_at = AwareDateTimeField(label=_("申请延至"))


class ContactForm(Styled):
    channel = forms.ChoiceField(label=_("联系方式"), choices=Contact.Channel.choices)
    contacted_at = AwareDateTimeField(label=_("联系时间"), required=False, help_text=_("留空为当前时间"))
    result = forms.CharField(label=_("联系结果"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))


class CompleteForm(Styled):
    result = forms.ChoiceField(label=_("办理结果"), choices=[("", "—"), *Completion.Result.choices])
    reply = forms.CharField(label=_("答复内容"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))
    attachments = MultipleFileField(label=_("附件"))


class CallbackForm(Styled):
    reached = forms.TypedChoiceField(
        label=_("是否接通"),
        choices=[("1", _("已接通")), ("0", _("未接通"))],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
    resolved = forms.TypedChoiceField(
        label=_("是否解决"),
        choices=[("", "—"), ("1", _("已解决")), ("0", _("未解决"))],
        coerce=lambda v: v == "1",
        empty_value=None,
        required=False,
    )
    satisfaction = forms.ChoiceField(
        label=_("满意度"), choices=[("", "—"), *WorkOrder.Satisfaction.choices], required=False
    )
    comment = forms.CharField(
        label=_("回访意见"), max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    new_due_at = AwareDateTimeField(
        label=_("重办期限"), required=False, help_text=_("不满意或未解决时重办;留空按类别时限")
    )


class SupervisionForm(Styled):
    kind = forms.ChoiceField(label=_("类型"), choices=SupervisionNotice.Kind.choices)
    content = forms.CharField(label=_("内容"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))


class AppealForm(Styled):
    reason_code = forms.ChoiceField(label=_("申诉理由"), choices=[("", "—"), *Appeal.Reason.choices])
    reason = forms.CharField(label=_("说明"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))


class AssistAcceptForm(Styled):
    leg_id = forms.IntegerField(widget=forms.HiddenInput)


class AssistReplyForm(Styled):
    leg_id = forms.IntegerField(widget=forms.HiddenInput)
    reply = forms.CharField(label=_("协办反馈"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
