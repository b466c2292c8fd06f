"""``jingwu.core.filtersets.FilterSet`` copies its filters shallowly: the same form, the same rows as
django-filter's own deep copy, and nothing one request changes reaches another request."""

from __future__ import annotations

import django_filters
import pytest
from django.http import QueryDict

from jingwu.core.filtersets import FilterSet
from jingwu.org.models import Unit
from jingwu.testing.workflowapp.models import Ticket

pytestmark = pytest.mark.django_db


def declare(base: type) -> type:
    class TicketFilter(base):  # type: ignore[misc, valid-type]
        state = django_filters.ChoiceFilter(choices=Ticket.State.choices, empty_label="全部状态")
        unit = django_filters.ModelChoiceFilter(queryset=Unit.objects.none(), method="filter_unit")
        opened_from = django_filters.DateFilter(field_name="opened_at", lookup_expr="date__gte")

        class Meta:
            model = Ticket
            fields = ["state", "unit", "opened_from"]

        def __init__(self, *args, units=None, **kwargs):  # noqa: ANN001, ANN002, ANN003
            super().__init__(*args, **kwargs)
            if units is not None:
                self.filters["unit"].queryset = units  # what a scoped list does per request
                self.filters["state"].extra["choices"] = [("submitted", "已提交")]

        def filter_unit(self, queryset, name, value):  # noqa: ANN001, ANN201
            return queryset.filter(unit=value)

    return TicketFilter


def test_same_form_and_rows_as_django_filters_deep_copy(org):
    Ticket.objects.create(unit=org.squadron_a, requester=org.officer_a, state=Ticket.State.SUBMITTED)
    Ticket.objects.create(unit=org.squadron_b, requester=org.officer_a, state=Ticket.State.SUBMITTED)
    data = QueryDict(f"state=submitted&unit={org.squadron_a.pk}&opened_from=2020-01-01")
    units = Unit.objects.filter(pk__in=[org.squadron_a.pk, org.squadron_b.pk])
    ours = declare(FilterSet)(data, Ticket.objects.all(), units=units)
    theirs = declare(django_filters.FilterSet)(data, Ticket.objects.all(), units=units)
    assert str(ours.form) == str(theirs.form)
    assert list(ours.qs) == list(theirs.qs) and [t.unit for t in ours.qs] == [org.squadron_a]


def test_what_one_instance_changes_stays_in_it(org):
    cls = declare(FilterSet)
    base_extra = {name: dict(f.extra) for name, f in cls.base_filters.items()}
    scoped = cls(QueryDict(f"unit={org.squadron_a.pk}"), units=Unit.objects.filter(pk=org.squadron_a.pk))
    assert scoped.is_valid() and scoped.form.cleaned_data["unit"] == org.squadron_a
    plain = cls(QueryDict(f"unit={org.squadron_a.pk}"))
    # the next request (no scope given) sees the declared empty queryset and choices, not the last ones
    assert not plain.is_valid() and "unit" in plain.form.errors
    assert [c for c, _ in plain.form.fields["state"].choices][1:] == list(Ticket.State.values)
    assert {name: dict(f.extra) for name, f in cls.base_filters.items()} == base_extra
    assert plain.filters["unit"].filter.f is plain.filters["unit"]  # the method runs on this instance's filter


def test_a_forms_widget_changes_stay_in_that_form(org):
    cls = declare(FilterSet)
    first = cls(QueryDict(""))
    first.form.fields["state"].widget.attrs["class"] = "form-select is-invalid"
    first.form.fields["state"].widget.choices = [("", "—")]
    second = cls(QueryDict(""))
    assert "class" not in second.form.fields["state"].widget.attrs
    assert [c for c, _ in second.form.fields["state"].widget.choices][1:] == list(Ticket.State.values)
    assert "class" not in cls.base_filters["state"].field.widget.attrs
