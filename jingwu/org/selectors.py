"""Reads of units and people for pages: every query starts from ``visible_to(user, capability)``."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from django.db.models import Count, Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from jingwu.core.models import AuditLog

from .models import Person, Unit
from .models.people import PersonQuerySet
from .models.units import UnitQuerySet
from .roles import Cap

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


def visible_units(user: Any, capability: str = Cap.VIEW_UNIT) -> UnitQuerySet:
    return Unit.objects.visible_to(user, capability)


def visible_people(user: Any, capability: str = Cap.VIEW_PERSON) -> PersonQuerySet:
    return Person.objects.visible_to(user, capability)


def person_list(user: Any) -> PersonQuerySet:
    """People the user may see, with what a list row shows joined in (no query per row).

    The encrypted columns are not read: a list never shows them, and decrypting 20 rows per page
    for nothing costs more than the query."""
    return visible_people(user).select_related("unit", "party_branch").defer("id_number", "phone")


def position_choices(user: Any, limit: int = 200) -> list[str]:
    """Distinct 职务, for the filter's suggestions.

    Job titles are the same words across the tree and reveal nothing about a person, so the list is
    read once for everyone and kept for ten minutes instead of scanning every person per page view.
    """
    from django.core.cache import cache

    key = f"org:positions:{limit}"
    positions = cache.get(key)
    if positions is None:
        rows = Person.objects.exclude(position="").values_list("position", flat=True).distinct().order_by("position")
        positions = list(rows[:limit])
        cache.set(key, positions, 600)
    return positions


@dataclass
class TreeNode:
    """One unit in the tree page: direct and subtree head counts of active people."""

    unit: Unit
    direct: int = 0
    total: int = 0
    members: int = 0  # party branch: active people whose 所在党支部 is this branch
    children: list[TreeNode] = field(default_factory=list)

    @property
    def is_branch(self) -> bool:
        return self.unit.is_party_branch


def unit_tree(user: Any) -> list[TreeNode]:
    """The unit tree visible to ``user`` as nested nodes, with head counts from two aggregate queries.

    A unit whose parent the user cannot see becomes a root (a squadron lead sees their squadron as
    the top of their tree). Counts only include people the user may see.
    """
    units = list(visible_units(user).order_by("path"))
    people = visible_people(user).filter(status=Person.Status.ACTIVE)
    direct = dict(people.values_list("unit").annotate(n=Count("id")).order_by())
    members = dict(
        people.filter(party_branch__isnull=False).values_list("party_branch").annotate(n=Count("id")).order_by()
    )
    nodes = {u.path: TreeNode(u, direct=direct.get(u.pk, 0), members=members.get(u.pk, 0)) for u in units}
    roots: list[TreeNode] = []
    for unit in units:  # sorted by path: a parent always comes before its children
        node = nodes[unit.path]
        parent = nodes.get(unit.path[: -unit.steplen])
        if parent is None:
            roots.append(node)
        else:
            parent.children.append(node)

    def total(node: TreeNode) -> int:
        node.children.sort(key=lambda n: (n.is_branch, n.unit.order, n.unit.code))
        node.total = node.direct + sum(total(c) for c in node.children)
        return node.total

    for root in roots:
        total(root)
    return roots


def unit_people_counts(user: Any, unit: Unit) -> dict[str, int]:
    """Active people of this unit alone and of its whole subtree, as far as the user may see them."""
    people = visible_people(user).filter(status=Person.Status.ACTIVE)
    return people.aggregate(
        direct=Count("id", filter=Q(unit=unit)),
        total=Count("id", filter=Q(unit__path__startswith=unit.path)),
        members=Count("id", filter=Q(party_branch=unit)),
    )


def unit_children(user: Any, unit: Unit) -> list[Unit]:
    return list(visible_units(user).filter(path__startswith=unit.path, depth=unit.depth + 1).order_by("path"))


def unit_history(unit: Unit, limit: int = 50) -> QuerySet[AuditLog]:
    """Audit rows about this unit, newest first (create, rename, move, retire)."""
    return AuditLog.objects.filter(object_type="org.unit", object_id=str(unit.pk)).order_by("-occurred_at", "-id")[
        :limit
    ]


def person_unit_choices(user: Any) -> QuerySet[Unit]:
    """Units a person may be placed in by this editor: inside their change scope, active, not a branch."""
    return visible_units(user, Cap.CHANGE_PERSON).active().exclude(kind=Unit.Kind.PARTY_BRANCH).order_by("path")


def party_branch_choices(user: Any) -> QuerySet[Unit]:
    return visible_units(user, Cap.CHANGE_PERSON).active().filter(kind=Unit.Kind.PARTY_BRANCH).order_by("path")


@dataclass
class Figure:
    key: str
    label: StrOrPromise
    value: int
    url: str
    icon: str


def _people_url(**params: str) -> str:
    return f"{reverse('org:person-list')}?{urlencode(params)}"


def headline_figures(user: Any) -> list[Figure]:
    """民警, 辅警, units and party branches in the user's scope; each links to the rows it counts."""
    people = visible_people(user).filter(status=Person.Status.ACTIVE)
    counts = people.aggregate(
        police=Count("id", filter=Q(kind=Person.Kind.POLICE)),
        auxiliary=Count("id", filter=Q(kind=Person.Kind.AUXILIARY)),
    )
    units = (
        visible_units(user)
        .active()
        .aggregate(
            units=Count("id", filter=~Q(kind=Unit.Kind.PARTY_BRANCH)),
            branches=Count("id", filter=Q(kind=Unit.Kind.PARTY_BRANCH)),
        )
    )
    unit_url = reverse("org:unit-list")
    return [
        Figure("police", _("在岗民警"), counts["police"], _people_url(kind="police", status="active"), "person-badge"),
        Figure(
            "auxiliary", _("在岗辅警"), counts["auxiliary"], _people_url(kind="auxiliary", status="active"), "person"
        ),
        Figure("units", _("单位"), units["units"], unit_url, "diagram-3"),
        Figure(
            "branches", pgettext_lazy("plural", "党支部"), units["branches"], f"{unit_url}?kind=party_branch", "flag"
        ),
    ]


def unit_flat_list(user: Any, kind: str) -> list[TreeNode]:
    """Units of one kind (e.g. every party branch) as a flat list with their counts."""
    units = list(visible_units(user).active().filter(kind=kind).order_by("path"))
    people = visible_people(user).filter(status=Person.Status.ACTIVE)
    ids = [u.pk for u in units]
    direct = dict(people.filter(unit__in=ids).values_list("unit").annotate(n=Count("id")).order_by())
    members: dict[int, int] = defaultdict(int)
    members.update(
        dict(people.filter(party_branch__in=ids).values_list("party_branch").annotate(n=Count("id")).order_by())
    )
    return [TreeNode(u, direct=direct.get(u.pk, 0), total=direct.get(u.pk, 0), members=members[u.pk]) for u in units]
