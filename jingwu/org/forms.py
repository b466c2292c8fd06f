"""Forms of the unit and people pages. They only shape input; the services validate and write."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .filters import indented_label
from .models import Person, Unit
from .roles import Cap
from .selectors import party_branch_choices, person_unit_choices, visible_units
from .validators import validate_unit_code


def _control(widget: forms.Widget) -> forms.Widget:
    css = "form-select" if isinstance(widget, forms.Select) else "form-control"
    widget.attrs.setdefault("class", css)
    return widget


def mark_invalid(form: forms.BaseForm) -> None:
    for name in form.errors:
        if name in form.fields:
            widget = form.fields[name].widget
            css = widget.attrs.get("class", "")
            if "is-invalid" not in css:
                widget.attrs["class"] = f"{css} is-invalid".strip()


class BootstrapMixin:
    """Bootstrap classes on every widget, and ``is-invalid`` on fields with errors."""

    fields: dict[str, forms.Field]

    def style(self) -> None:
        for field in self.fields.values():
            _control(field.widget)

    def full_clean(self) -> None:
        super().full_clean()  # type: ignore[misc]
        mark_invalid(self)  # type: ignore[arg-type]


def apply_service_errors(form: forms.BaseForm, exc: ValidationError) -> None:
    """Put a service's ValidationError on the form fields it names (others on the form itself)."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            target = field if field in form.fields else None
            for message in errors:
                if target is None and field not in ("__all__", "birth_date", "gender"):
                    message = f"{field}: {message}"
                form.add_error(target, message)
    else:
        for message in exc.messages:
            form.add_error(None, message)
    mark_invalid(form)


# --- Units -------------------------------------------------------------------------------------


class UnitForm(BootstrapMixin, forms.Form):
    name = forms.CharField(label=_("名称"), max_length=100)
    short_name = forms.CharField(label=_("简称"), max_length=50, required=False)
    code = forms.CharField(
        label=_("机构代码"),
        max_length=12,
        help_text=_("12位:前6位为行政区划代码,后6位为数字或大写字母"),
    )
    kind = forms.ChoiceField(label=_("类型"), choices=Unit.Kind.choices)
    order = forms.IntegerField(label=_("排序"), min_value=0, initial=0, help_text=_("同级单位按此数字从小到大排列"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.style()

    def clean_code(self) -> str:
        code = self.cleaned_data["code"].strip().upper()
        validate_unit_code(code)  # early, so every field error shows at once; the service checks again
        return code

    @classmethod
    def initial_for(cls, unit: Unit) -> dict[str, Any]:
        return {f: getattr(unit, f) for f in ("name", "short_name", "code", "kind", "order")}


class UnitMoveForm(BootstrapMixin, forms.Form):
    parent = forms.ModelChoiceField(label=_("新的上级单位"), queryset=Unit.objects.none(), empty_label=_("请选择"))

    def __init__(self, *args: Any, user: Any, unit: Unit, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Not below itself, not where it already is, never under a party branch.
        choices = (
            visible_units(user, Cap.MANAGE_UNIT)
            .active()
            .exclude(path__startswith=unit.path)
            .exclude(kind=Unit.Kind.PARTY_BRANCH)
            .exclude(path=unit.path[: -unit.steplen])
            .order_by("path")
        )
        field = self.fields["parent"]
        field.queryset = choices  # type: ignore[attr-defined]
        field.label_from_instance = indented_label(choices)  # type: ignore[attr-defined]
        self.style()


class UnitRetireForm(BootstrapMixin, forms.Form):
    retired_on = forms.DateField(
        label=_("撤销日期"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        initial=timezone.localdate,
    )
    confirm = forms.BooleanField(label=_("我确认撤销该单位(历史记录保留)"), required=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.style()
        self.fields["confirm"].widget.attrs["class"] = "form-check-input"


# --- People ------------------------------------------------------------------------------------


class PersonForm(BootstrapMixin, forms.Form):
    """Create or edit a person. Birth date and gender follow from the ID number (GB 11643)."""

    name = forms.CharField(label=_("姓名"), max_length=50)
    kind = forms.ChoiceField(label=_("身份"), choices=Person.Kind.choices)
    police_number = forms.CharField(label=_("警号"), max_length=20, help_text=_("民警为6位数字;辅警以字母开头"))
    id_number = forms.CharField(label=_("身份证号"), max_length=18, required=True)
    phone = forms.CharField(label=_("手机号"), max_length=20, required=False)
    clear_phone = forms.BooleanField(label=_("清空已登记的手机号"), required=False)
    unit = forms.ModelChoiceField(
        label=pgettext_lazy("field", "单位"), queryset=Unit.objects.none(), empty_label=_("请选择单位")
    )
    position = forms.CharField(label=_("职务"), max_length=50, required=False)
    rank = forms.CharField(label=_("警衔"), max_length=30, required=False)
    political_status = forms.ChoiceField(
        label=_("政治面貌"), choices=Person.PoliticalStatus.choices, initial=Person.PoliticalStatus.MASSES
    )
    party_branch = forms.ModelChoiceField(
        label=_("所在党支部"), queryset=Unit.objects.none(), required=False, empty_label=_("无")
    )
    joined_on = forms.DateField(
        label=_("入职日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    status = forms.ChoiceField(label=_("状态"), choices=Person.Status.choices, initial=Person.Status.ACTIVE)

    def __init__(self, *args: Any, user: Any, person: Person | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.person = person
        units = person_unit_choices(user)
        self.fields["unit"].queryset = units  # type: ignore[attr-defined]
        self.fields["unit"].label_from_instance = indented_label(units)  # type: ignore[attr-defined]
        self.fields["party_branch"].queryset = party_branch_choices(user)  # type: ignore[attr-defined]
        self.fields["id_number"].widget.attrs["autocomplete"] = "off"
        self.fields["phone"].widget.attrs.update({"autocomplete": "off", "inputmode": "tel"})
        if person is None:
            del self.fields["clear_phone"]
        else:
            # The clear values are never put into the page: blank keeps what is stored.
            self.fields["id_number"].required = False
            self.fields["id_number"].help_text = _("当前 %(masked)s;留空表示不修改") % {
                "masked": person.id_number_masked
            }
            self.fields["id_number"].widget.attrs["placeholder"] = _("留空表示不修改")
            self.fields["phone"].help_text = (
                _("当前 %(masked)s;留空表示不修改") % {"masked": person.phone_masked}
                if person.phone
                else _("当前未登记;留空表示不修改")
            )
            self.fields["phone"].widget.attrs["placeholder"] = _("留空表示不修改")
        self.style()
        if "clear_phone" in self.fields:
            self.fields["clear_phone"].widget.attrs["class"] = "form-check-input"

    @classmethod
    def initial_for(cls, person: Person) -> dict[str, Any]:
        fields = ("name", "kind", "police_number", "position", "rank", "political_status", "joined_on", "status")
        initial = {f: getattr(person, f) for f in fields}
        initial["unit"] = person.unit_id
        initial["party_branch"] = person.party_branch_id
        return initial

    def clean_police_number(self) -> str:
        return self.cleaned_data["police_number"].strip().upper()

    def clean_id_number(self) -> str:
        # Checked by the service together with 警号, phone and unit, so all errors show at once.
        return "".join(self.cleaned_data.get("id_number", "").split()).upper()

    def service_data(self) -> dict[str, Any]:
        """Keyword arguments for person_create / person_update."""
        data = dict(self.cleaned_data)
        clear_phone = data.pop("clear_phone", False)
        if self.person is not None:
            if not data["id_number"]:
                data.pop("id_number")
            else:
                # A new ID number brings its own birth date and gender.
                data["birth_date"] = None
                data["gender"] = ""
            if clear_phone:
                data["phone"] = ""
            elif not data["phone"]:
                data.pop("phone")
        return data
