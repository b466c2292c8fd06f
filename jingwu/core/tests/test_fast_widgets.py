"""The fast widgets print what Django's template-rendered widgets print (same tags, values, attributes)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django import forms
from django.utils.safestring import mark_safe

from jingwu.core.widgets import (
    FastCheckboxInput,
    FastDateInput,
    FastHiddenInput,
    FastNumberInput,
    FastSelect,
    FastTextInput,
)

ATTRS = {"class": "form-control", "placeholder": '名称"<x>', "required": True, "disabled": False}


@pytest.mark.parametrize(
    ("django_widget", "fast_widget", "value"),
    [
        (forms.TextInput, FastTextInput, 'a"<b>&'),
        (forms.TextInput, FastTextInput, ""),
        (forms.DateInput, FastDateInput, dt.date(2026, 10, 1)),
        (forms.HiddenInput, FastHiddenInput, "-received"),
        (forms.HiddenInput, FastHiddenInput, None),
        (forms.CheckboxInput, FastCheckboxInput, True),
        (forms.CheckboxInput, FastCheckboxInput, False),
        (forms.NumberInput, FastNumberInput, "12.50"),
    ],
)
def test_inputs_render_like_django(django_widget, fast_widget, value):
    attrs = {**ATTRS, "type": "date"} if django_widget is forms.DateInput else ATTRS
    expected = django_widget(attrs=attrs).render("f", value, {"id": "id_f"})
    assert fast_widget(attrs=attrs).render("f", value, {"id": "id_f"}) == expected


def _options(html: str) -> list[str]:
    return re.findall(r"<option[^>]*>[^<]*(?:<i>[^<]*</i>)?</option>", html)


@pytest.mark.parametrize("value", [None, "", "1", 2, 'x"'])
def test_select_renders_the_same_options_and_selection_twice(value):
    choices = [("", "全部"), (1, "a<b"), (2, mark_safe("<i>x</i>")), ('x"', "q&r")]
    expected = forms.Select(choices=choices).render("f", value, {"id": "id_f"})
    for _ in range(2):  # the second render comes from the per-process cache of escaped options
        html = FastSelect(choices=choices).render("f", value, {"id": "id_f"})
        assert _options(html) == _options(expected)
        assert html.startswith("<select") and 'name="f"' in html and 'id="id_f"' in html
    # the same labels with another selection are not mixed up by the cache
    other = FastSelect(choices=choices).render("f", "1", {"id": "id_f"})
    assert '<option value="1" selected>a&lt;b</option>' in other
