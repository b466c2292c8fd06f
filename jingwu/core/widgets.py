"""Form widgets that stay fast with thousands of options (a city bureau has ~2,000 units)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.forms.utils import flatatt
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeData, SafeString, mark_safe

OPTION_CACHE_SIZE = 256
_option_cache: dict[tuple[Any, ...], tuple[list[tuple[str, str, str]], str]] = {}


def _escaped_options(choices: Any) -> tuple[list[tuple[str, str, str]], str]:
    """The options of ``choices`` escaped once per process: [(value, '<option value="…"', '>label</option>')]
    and all of them joined (nothing selected). Keyed by the values and labels themselves (the same
    unit picker or state list comes back on every request, with new objects each time)."""
    pairs = tuple(
        ("" if value is None else str(value), label_text, isinstance(label_text, SafeData))
        for value, label in choices
        for label_text in (str(label),)
    )
    hit = _option_cache.get(pairs)
    if hit is None:
        items = [
            (key, f'<option value="{conditional_escape(key)}"', f">{conditional_escape(label)}</option>")
            for key, label, _safe in pairs
        ]
        hit = (items, "".join(head + tail for _key, head, tail in items))
        if len(_option_cache) >= OPTION_CACHE_SIZE:
            _option_cache.clear()
        _option_cache[pairs] = hit
    return hit


class FastSelect(forms.Select):
    """A <select> rendered by string joining instead of one template per option.

    Django renders each option through the template engine, which costs ~0.2 ms an option: a unit
    picker of a whole city bureau took longer than the rest of the page. Same HTML, same attributes.
    The escaped options are kept per process (``_escaped_options``): a page escapes none again.
    """

    def render(self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None) -> SafeString:
        final = self.build_attrs(self.attrs, attrs)
        final["name"] = name
        selected = {str(v) for v in self.format_value(value)}
        items, unselected = _escaped_options(self.choices)
        if selected:
            body = "".join(head + (" selected" if key in selected else "") + tail for key, head, tail in items)
        else:
            body = unselected
        return mark_safe(format_html("<select{}>", flatatt(final)) + body + "</select>")  # noqa: S308 - escaped above


def _attrs_html(attrs: dict[str, Any]) -> str:
    """Django's ``attrs.html``: in order, ``True`` as a bare name, ``False`` left out, the rest escaped."""
    parts = []
    for key, value in attrs.items():
        if value is False:
            continue
        parts.append(f" {key}" if value is True else f' {key}="{conditional_escape(str(value))}"')
    return "".join(parts)


class FastInputMixin:
    """An <input> rendered by string joining instead of Django's two widget templates (``input.html``
    + ``attrs.html``, ~0.15 ms each): same type, name, value and attributes in the same order."""

    def render(self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]  # type: ignore[attr-defined]
        shown = widget["value"]
        value_html = "" if shown is None else f' value="{conditional_escape(str(shown))}"'
        return mark_safe(  # noqa: S308 - every value is escaped
            f'<input type="{conditional_escape(widget["type"])}" name="{conditional_escape(widget["name"])}"'
            f"{value_html}{_attrs_html(widget['attrs'])}>"
        )


class FastTextInput(FastInputMixin, forms.TextInput):
    pass


class FastDateInput(FastInputMixin, forms.DateInput):
    pass


class FastHiddenInput(FastInputMixin, forms.HiddenInput):
    pass


class FastCheckboxInput(FastInputMixin, forms.CheckboxInput):
    pass


class FastNumberInput(FastInputMixin, forms.NumberInput):
    pass
