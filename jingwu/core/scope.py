"""Data scope: the one restricted queryset every view, API, export, report and task reads through.

A model owned by a unit declares where its unit is (``scope_unit_field``) and, where officers see
their own records, who owns it (``scope_owner_field``, a path to a person id). ``visible_to(user)``
returns the union of what the user's role assignments grant. Out-of-scope rows simply do not
exist for that user, so a detail lookup answers 404.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Protocol, Self, TypeVar

from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Q

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser


class Scope(StrEnum):
    OWN = "own"  # own records only
    UNIT = "unit"  # records of the anchor unit itself
    SUBTREE = "subtree"  # the anchor unit and every unit below it
    ALL = "all"  # the whole tree


SCOPE_LABELS = {
    Scope.OWN: "本人",
    Scope.UNIT: "本单位",
    Scope.SUBTREE: "本单位及下级",
    Scope.ALL: "全部",
}


@dataclass(frozen=True)
class Grant:
    """What one role assignment lets a user see: a scope anchored at a unit (or at the person)."""

    scope: Scope
    unit_id: int | None
    unit_path: str | None
    person_id: int | None


class ScopedUser(Protocol):
    @property
    def is_authenticated(self) -> bool: ...

    def scope_grants(self, capability: str | None = None) -> list[Grant]: ...


M = TypeVar("M", bound=models.Model)


def grants_q(grants: list[Grant], unit_field: str | None, owner_field: str | None) -> Q:
    """Translate grants into one filter. An empty result means "nothing"."""
    q = Q(pk__in=[])
    for grant in grants:
        if grant.scope == Scope.ALL:
            return Q()
        if grant.scope == Scope.OWN:
            if owner_field and grant.person_id:
                q |= Q(**{owner_field: grant.person_id})
            continue
        if unit_field is None:
            continue
        # unit_field "self": the model is the unit itself (the unit tree is scoped too).
        pk_lookup = "pk" if unit_field == "self" else unit_field
        path_lookup = "path__startswith" if unit_field == "self" else f"{unit_field}__path__startswith"
        if grant.scope == Scope.UNIT and grant.unit_id:
            q |= Q(**{pk_lookup: grant.unit_id})
        elif grant.scope == Scope.SUBTREE and grant.unit_path:
            q |= Q(**{path_lookup: grant.unit_path})
    return q


class ScopedQuerySet(models.QuerySet[M]):
    def visible_to(self, user: ScopedUser | AnonymousUser | None, capability: str | None = None) -> Self:
        """Rows ``user`` may see (optionally: through roles that carry ``capability``)."""
        if user is None or not getattr(user, "is_authenticated", False):
            return self.none()
        grants = user.scope_grants(capability)  # type: ignore[union-attr]
        if not grants:
            return self.none()
        model = self.model
        q = grants_q(grants, getattr(model, "scope_unit_field", "unit"), getattr(model, "scope_owner_field", None))
        return self.filter(q)


class ScopedManager(models.Manager.from_queryset(ScopedQuerySet)):  # type: ignore[misc]
    """Default manager of unit-owned models; call ``visible_to(user)`` in every read path."""


def unit_in_scope(user: Any, unit: Any, capability: str | None = None) -> bool:
    """Whether ``unit`` lies inside what ``user`` may manage through ``capability``."""
    if unit is None or not getattr(user, "is_authenticated", False):
        return False
    for grant in user.scope_grants(capability):
        if grant.scope == Scope.ALL:
            return True
        if grant.scope == Scope.UNIT and grant.unit_id == unit.pk:
            return True
        if grant.scope == Scope.SUBTREE and grant.unit_path and unit.path.startswith(grant.unit_path):
            return True
    return False


def require_unit_in_scope(user: Any, unit: Any, capability: str | None = None) -> None:
    """Refuse a write that would place a record outside the editor's scope."""
    if not unit_in_scope(user, unit, capability):
        raise PermissionDenied("目标单位不在您的数据权限范围内 / target unit is outside your data scope")
