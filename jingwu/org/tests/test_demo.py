"""The demo brigade matches the brief and loads idempotently."""

import pytest
from stdnum.cn import ric

from jingwu.org import demo
from jingwu.org.models import Person, RoleAssignment, Unit, User
from jingwu.org.roles import ROLES


@pytest.mark.django_db
def test_demo_brigade_is_the_brief_unit_and_loading_twice_adds_nothing():
    first = demo.load(seed=7)
    brigade = Unit.objects.get(code=demo.BRIGADE_CODE)
    people = Person.objects.filter(unit__path__startswith=brigade.path)
    assert people.count() == 327
    assert Unit.objects.filter(name="耳字壕中队", path__startswith=brigade.path).exists()
    assert Unit.objects.filter(kind=Unit.Kind.PARTY_BRANCH, path__startswith=brigade.path).count() == 2
    leaders = Person.objects.filter(unit=brigade).values_list("position", flat=True)
    assert sorted(leaders) == sorted(["大队长", "政治教导员", "副大队长", "副大队长"])
    assert Person.objects.get(unit=brigade, position="大队长").name == "张钢"
    assert all(ric.is_valid(p.id_number) for p in people)
    assert people.filter(kind=Person.Kind.POLICE).exists() and people.filter(kind=Person.Kind.AUXILIARY).exists()
    # One login per role of the unit, each holding exactly that role (partner-agency accounts belong
    # to the agencies and come with the case module's demo).
    assert set(RoleAssignment.objects.values_list("role", flat=True)) == set(ROLES) - {"partner"}
    assert User.objects.get(username="lead").person.unit.name == "耳字壕中队"

    second = demo.load(seed=7)
    assert first["people_created"] == 327 and second["people_created"] == 0
    assert Person.objects.count() == 327
    assert User.objects.count() == len(first["logins"])


@pytest.mark.django_db
def test_same_seed_gives_same_people_and_scale_adds_brigades():
    demo.load(seed=11, scale=2)
    names = list(Person.objects.order_by("police_number").values_list("name", flat=True)[:20])
    assert Person.objects.count() == 2 * 327
    assert Unit.objects.filter(kind=Unit.Kind.BRIGADE).count() == 2
    codes = list(Unit.objects.values_list("code", flat=True))
    assert len(codes) == len(set(codes)) and all(len(c) == 12 for c in codes)
    User.objects.all().delete()
    Person.objects.all().delete()
    Unit.objects.all().delete()
    demo.load(seed=11, scale=2)
    assert list(Person.objects.order_by("police_number").values_list("name", flat=True)[:20]) == names
