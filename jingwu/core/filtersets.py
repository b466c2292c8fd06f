"""The base of every list page's filter set.

django-filter builds each request's filters with ``copy.deepcopy(base_filters)``: every filter's
choices, labels and widget instances are copied deeply, ~800 copies for a dozen filters, a few
milliseconds per list request. A filter's own attributes and its ``extra`` (the keyword arguments of
its form field, which the filter set may change per request: a scoped queryset, fresh choices) are
all a request changes, so a shallow copy of those is enough: form fields copy their widgets
themselves.
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
