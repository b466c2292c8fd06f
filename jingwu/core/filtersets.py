"""The base of every list page's filter set.

django-filter builds each request's filters with ``copy.deepcopy(base_filters)``: every filter's
choices, labels and widget instances are copied deeply, ~800 copies for a dozen filters, a few
milliseconds per list request. A filter's own attributes and its ``extra`` (the keyword arguments of
its form field, which the filter set may change per request: a scoped queryset, fresh choices) are
all a request changes, so a shallow copy of those is enough: form fields copy their widgets
themselves.

The form is built the same way: django-filter makes a form class per filter set from fields made
for that filter set alone, and the form then deep-copies them again (choices, querysets, widgets).
A shallow copy of each field and widget (attributes copied) is all a form may change.
"""

from __future__ import annotations

import copy
from typing import Any

import django_filters
from django.http import QueryDict


class FilterSet(django_filters.FilterSet):
    """``django_filters.FilterSet`` whose filters are copied shallowly per instance (see above)."""

    def __init__(
        self,
        data: Any = None,
        queryset: Any = None,
        *,
        request: Any = None,
        prefix: str | None = None,
    ) -> None:
        if queryset is None:
            queryset = self._meta.model._default_manager.all()
        model = queryset.model
        self.is_bound = data is not None
        self.data = data or QueryDict()
        self.queryset = queryset
        self.request = request
        self.form_prefix = prefix
        self.filters = {}
        for name, base in self.base_filters.items():
            filter_ = copy.copy(base)
            filter_.extra = dict(base.extra)  # the filter set and the filter itself may change these
            filter_.__dict__.pop("_field", None)  # a form field is built per instance
            if getattr(base, "_method", None) is not None:
                filter_.method = base._method  # a FilterMethod bound to this copy, not to the base filter
            filter_.model = model
            filter_.parent = self
            self.filters[name] = filter_

    def get_form_class(self) -> Any:
        form_class = super().get_form_class()
        form_class.base_fields = _OwnFields(form_class.base_fields)
        return form_class


class _OwnFields(dict):
    """The ``base_fields`` of a form class made for one filter set: the form's ``deepcopy`` of them
    copies each field and its widget shallowly (the widget's attributes as a new dict), which is
    all a form changes of them (widget attributes, choices assigned anew, a queryset set anew)."""

    def __deepcopy__(self, memo: dict[int, Any]) -> dict[str, Any]:
        fields = {}
        for name, field in self.items():
            field = copy.copy(field)
            field.widget = copy.copy(field.widget)
            field.widget.attrs = dict(field.widget.attrs)
            fields[name] = field
        return fields
