"""The choices of the case and incident filters (units of the user's scope, 案由, tags), kept per
process so a list page neither queries nor builds them on every request.

Each entry remembers the *version* of the tables it was built from: one small query per request
(counts, sums and the latest change of the unit tree, the 案由, the tags and their links) tells
whether a unit was added, renamed, retired or moved (a move changes the parents' child counts and
the depths), or a 案由 or tag added, (de)activated or relinked; an entry also expires after
``TTL`` seconds, which bounds how long a renamed 案由 or tag keeps its old name in a picker.
Unit choices are kept per set of scope grants (who sees which units depends on nothing else).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any, TypeVar

from django.db import connection

from jingwu.core.choice_cache import ChoiceCache, grants_key
from jingwu.org.filters import INDENT
from jingwu.org.models import Unit
from jingwu.org.roles import Cap

from .models import CaseCategory, CaseTag

TTL = 300.0
T = TypeVar("T")
_cache = ChoiceCache(TTL)


def clear() -> None:
    _cache.clear()


def version() -> tuple[Any, ...]:
    """What changes whenever a unit, 案由, tag or tag link does (one query)."""
    unit, tag, category = Unit._meta.db_table, CaseTag._meta.db_table, CaseCategory._meta.db_table
    links = CaseCategory.tags.through._meta.db_table
    # table names from the models, no input
    sql = (
        f"SELECT (SELECT COUNT(*) FROM {unit}), (SELECT MAX(updated_at) FROM {unit}), "  # noqa: S608
        f"(SELECT SUM(numchild * id + depth * id) FROM {unit}), "
        f"(SELECT COUNT(*) FROM {tag}), (SELECT SUM(id) FROM {tag}), "
        f"(SELECT COUNT(*) FROM {category}), (SELECT SUM(id) FROM {category} WHERE active), "
        f"(SELECT COUNT(*) FROM {links}), (SELECT SUM(casecategory_id * casetag_id) FROM {links})"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return (connection.alias, *cursor.fetchone())


def _cached(key: Hashable, current: tuple[Any, ...], build: Callable[[], T]) -> T:
    return _cache.get(key, build, version=current)


@dataclass(frozen=True)
class UnitChoices:
    choices: list[tuple[str, str]]  # (id, label indented by depth)
    paths: dict[int, str]


@dataclass(frozen=True)
class CategoryChoices:
    choices: list[tuple[str, str]]  # (id, label indented by level)
    codes: dict[int, str]


@dataclass(frozen=True)
class TagChoices:
    choices: list[tuple[str, str]]  # (code, name)
    categories: dict[str, list[int]]  # tag code → its 案由 ids


def units(user: Any, current: tuple[Any, ...], capability: str = Cap.VIEW_CASE) -> UnitChoices:
    """Active units (no party branches) the user sees, in tree order, indented below the top one."""

    def build() -> UnitChoices:
        rows = list(
            Unit.objects.visible_to(user, capability)
            .exclude(kind=Unit.Kind.PARTY_BRANCH)
            .filter(retired_on__isnull=True)
            .order_by("path")
            .values_list("pk", "path", "depth", "name")
        )
        top = min((depth for _, _, depth, _ in rows), default=1)
        return UnitChoices(
            choices=[(str(pk), f"{INDENT * max(0, depth - top)}{name}") for pk, _, depth, name in rows],
            paths={pk: path for pk, path, _, _ in rows},
        )

    return _cached(("units", capability, grants_key(user, capability)), current, build)


def category_prefix(code: str) -> str:
    """The code prefix shared by a 6-digit 案由 and everything below it (030100 → 0301)."""
    prefix = code
    while prefix.endswith("00") and prefix:
        prefix = prefix[:-2]
    return prefix


def categories(current: tuple[Any, ...]) -> CategoryChoices:
    def build() -> CategoryChoices:
        rows = list(CaseCategory.objects.filter(active=True).order_by("code").values_list("pk", "code", "name"))
        return CategoryChoices(
            # indented by level: a class flush left, its sub-classes one step in, their items two
            choices=[(str(pk), "\u3000" * (len(category_prefix(code)) // 2 - 1) + name) for pk, code, name in rows],
            codes={pk: code for pk, code, _ in rows},
        )

    return _cached("categories", current, build)


def tags(current: tuple[Any, ...]) -> TagChoices:
    def build() -> TagChoices:
        links: dict[str, list[int]] = {}
        for code, category_id in CaseCategory.tags.through.objects.values_list("casetag__code", "casecategory_id"):
            links.setdefault(code, []).append(category_id)
        return TagChoices(
            choices=list(CaseTag.objects.order_by("code").values_list("code", "name")),
            categories={code: sorted(ids) for code, ids in links.items()},
        )

    return _cached("tags", current, build)
