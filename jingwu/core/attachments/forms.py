"""The upload field of the forms that take attachments (several files in one input)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.functional import lazy

from . import validators

_hint = lazy(validators.allowed_summary, str)
_accept = lazy(validators.accept_attribute, str)


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Zero or more files; each checked by content and size as the form is cleaned (the service
    checks them again before storing)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": _accept()}))
        kwargs.setdefault("help_text", _hint())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        single = super().clean
        items = data if isinstance(data, list | tuple) else [data]
        files = [single(item, initial) for item in items if item]
        if self.required and not files:
            raise forms.ValidationError(self.error_messages["required"], code="required")
        validators.check(files)
        return files
