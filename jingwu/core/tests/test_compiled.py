"""``jingwu.core.compiled``: a queryset compiled once per key, run again with other arguments — the
same rows as the ORM gives, for every argument."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Count

from jingwu.core import compiled
from jingwu.org.models import Person, Unit

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh():  # type: ignore[no-untyped-def]
    compiled.clear()
    yield
    compiled.clear()


def test_same_rows_as_the_orm_for_each_argument(org):
    built = []

    def people_of(unit_id: int):  # noqa: ANN202
        built.append(unit_id)
        return (
            Person.objects.filter(unit_id=unit_id).order_by().values("unit_id").annotate(n=Count("pk")).values_list("n")
        )

    for unit in (org.squadron_a, org.squadron_b, org.brigade, org.squadron_a):
        expected = Person.objects.filter(unit=unit).count()
        found = compiled.rows("test.people_of", people_of, unit.pk)
        assert (found[0][0] if found else 0) == expected
    assert len(built) == 1  # compiled once, run four times
    assert Person.objects.filter(unit=org.squadron_a).count() >= 2


def test_an_argument_that_does_not_reach_the_sql_as_itself_is_refused(org):
    def below(path: int):  # noqa: ANN202  (a pattern, not an equality)
        return Unit.objects.filter(path__startswith=str(path)).values_list("pk")

    with pytest.raises(ImproperlyConfigured):
        compiled.rows("test.below", below, 1)
