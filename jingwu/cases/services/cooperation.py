"""Writes (and the few reads) of the regional cooperation clue board (区域协作 · 情报线索).

Every read goes through ``Clue.objects.visible_to`` (owner side by the normal scope rules, partner
side by the bureaus the clue is shared with); every write is one transaction with its audit row.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from jingwu.core import audit
from jingwu.core.scope import unit_in_scope
from jingwu.org.models import Unit
from jingwu.org.roles import Cap

from ..models import Case
from ..models.cooperation import Clue, ClueCaseLink, ClueComment, ClueShare, bureau_of, bureau_path, user_bureau_paths
from ._common import NOT_FOUND, Errors

CLUE_FIELDS = ("owner_unit", "title", "content", "category", "status")
WRITE_CAPS = (Cap.HANDLE_CASE, Cap.APPROVE_CASE)
BUREAU_KINDS = (Unit.Kind.BUREAU, Unit.Kind.DETACHMENT)


# --- reads -------------------------------------------------------------------------------------


def visible_clues(user: Any) -> Any:
    return Clue.objects.visible_to(user, Cap.VIEW_CASE).select_related("owner_unit")


def partner_bureaus(exclude: Unit | None = None) -> Any:
    """The bureaus a clue can be shared with: the other roots of the tree (公安局 / 支队)."""
    qs = Unit.objects.filter(depth=1, kind__in=BUREAU_KINDS, retired_on__isnull=True).order_by("code")
    if exclude is not None:
        qs = qs.exclude(pk=exclude.pk)
    return qs


def may_write_for(user: Any, unit: Unit) -> bool:
    """Whether ``user`` may record or change clues of ``unit`` (a case role covering the unit)."""
    return any(user.has_cap(cap) and unit_in_scope(user, unit, cap) for cap in WRITE_CAPS)


def writable_units(user: Any) -> Any:
    """The units the user may record clues for (their scope under a case-writing role)."""
    qs = Unit.objects.none()
    for cap in WRITE_CAPS:
        if user.has_cap(cap):
            qs = qs | Unit.objects.visible_to(user, cap)
    return qs.exclude(kind=Unit.Kind.PARTY_BRANCH).filter(retired_on__isnull=True).distinct().order_by("path")


@dataclass
class LinkView:
    """What the viewer may know of a clue's case links."""

    own: list[ClueCaseLink] = field(default_factory=list)  # the viewer's bureau's links (cases they can see)
    partner_notices: list[tuple[str, int]] = field(default_factory=list)  # owner only: (partner name, count)


def clue_links_for(user: Any, clue: Clue) -> LinkView:
    """The viewer's own bureau's links in full; the owner bureau also learns that partners linked
    cases (bureau and count, no case details); other partners learn nothing of each other."""
    view = LinkView()
    mine = user_bureau_paths(user)
    visible_cases = Case.objects.visible_to(user, Cap.VIEW_CASE).values("pk")
    links = list(clue.case_links.select_related("bureau").order_by("linked_at", "id"))
    own_ids = [link.pk for link in links if link.bureau.path in mine]
    view.own = list(
        ClueCaseLink.objects.filter(pk__in=own_ids, case_id__in=visible_cases)
        .select_related("case", "case__unit", "bureau")
        .order_by("linked_at", "id")
    )
    if bureau_path(clue.owner_unit.path) in mine:
        counts: dict[str, int] = {}
        for link in links:
            if link.bureau.path not in mine:
                counts[link.bureau.name] = counts.get(link.bureau.name, 0) + 1
        view.partner_notices = sorted(counts.items())
    return view


def linkable_cases(user: Any, clue: Clue) -> Any:
    """Cases the user may link the clue to: their own bureau's cases they handle (scope rules)."""
    bureaus = user_bureau_paths(user, Cap.HANDLE_CASE)
    qs = Case.objects.visible_to(user, Cap.HANDLE_CASE).exclude(clue_links__clue=clue)
    if not bureaus:
        return qs.none()
    from django.db.models import Q

    q = Q(pk__in=[])
    for path in bureaus:
        q |= Q(unit__path__startswith=path)
    return qs.filter(q).order_by("-accepted_at", "-id")


# --- writes ------------------------------------------------------------------------------------


def _require_writer(actor: Any, unit: Unit) -> None:
    if actor is None or not getattr(actor, "is_authenticated", False) or not any(actor.has_cap(c) for c in WRITE_CAPS):
        raise PermissionDenied("您没有执行此操作的权限 / you may not do this")
    if not may_write_for(actor, unit):
        raise PermissionDenied("目标单位不在您的数据权限范围内 / target unit is outside your data scope")


def _require_visible(actor: Any, clue: Clue) -> Clue:
    found = Clue.objects.visible_to(actor, Cap.VIEW_CASE).filter(pk=clue.pk).first()
    if found is None:
        raise PermissionDenied(NOT_FOUND)
    return found


def _clean(title: str, content: str, category: str, status: str | None, errors: Errors) -> tuple[str, str]:
    title = (title or "").strip()
    content = (content or "").strip()
    if not title:
        errors.add("title", "线索标题不能为空 / a title is required")
    elif len(title) > 200:
        errors.add("title", "线索标题不超过200字 / at most 200 characters")
    if not content:
        errors.add("content", "线索内容不能为空 / the content is required")
    if category not in Clue.Category.values:
        errors.add("category", "线索类别无效 / invalid category")
    if status is not None and status not in Clue.Status.values:
        errors.add("status", "状态无效 / invalid status")
    return title, content


def _partners(owner_unit: Unit, bureaus: Iterable[Unit], errors: Errors) -> list[Unit]:
    own = bureau_path(owner_unit.path)
    allowed = {u.pk: u for u in partner_bureaus()}
    out: list[Unit] = []
    for bureau in bureaus:
        if bureau.path == own:
            errors.add("share_with", "不能与本单位共享 / a clue is shared with other bureaus, not its own")
        elif bureau.pk not in allowed:
            errors.add("share_with", f"“{bureau.name}”不是协作单位 / {bureau.code} is not a partner bureau")
        elif bureau not in out:
            out.append(bureau)
    return out


def clue_create(
    *,
    actor: Any,
    owner_unit: Unit,
    title: str,
    content: str,
    category: str = Clue.Category.OTHER,
    share_with: Iterable[Unit] = (),
) -> Clue:
    """Publish a clue of ``owner_unit`` and share it with the chosen partner bureaus."""
    _require_writer(actor, owner_unit)
    errors = Errors()
    title, content = _clean(title, content, category, None, errors)
    partners = _partners(owner_unit, share_with, errors)
    errors.raise_if_any()
    with transaction.atomic():
        clue = Clue.objects.create(
            owner_unit=owner_unit, title=title, content=content, category=category, created_by=actor
        )
        ClueShare.objects.bulk_create([ClueShare(clue=clue, bureau=b, shared_by=actor) for b in partners])
        audit.record(
            "cases.clue.create",
            obj=clue,
            actor=actor,
            changes={**audit.diff({}, audit.snapshot(clue, CLUE_FIELDS)), "shared_with": [b.code for b in partners]},
        )
    return clue


def clue_update(
    *,
    actor: Any,
    clue: Clue,
    title: str,
    content: str,
    category: str,
    status: str,
    share_with: Iterable[Unit] | None = None,
) -> Clue:
    """Edit a clue and (optionally) the set of partner bureaus it is shared with: the owner side only."""
    clue = _require_visible(actor, clue)
    _require_writer(actor, clue.owner_unit)
    errors = Errors()
    title, content = _clean(title, content, category, status, errors)
    partners = None if share_with is None else _partners(clue.owner_unit, share_with, errors)
    errors.raise_if_any()
    with transaction.atomic():
        locked = Clue.objects.select_for_update().get(pk=clue.pk)
        before = audit.snapshot(locked, CLUE_FIELDS)
        locked.title, locked.content, locked.category, locked.status = title, content, category, status
        locked.save(update_fields=["title", "content", "category", "status", "updated_at"])
        changes = audit.diff(before, audit.snapshot(locked, CLUE_FIELDS))
        if partners is not None:
            current = {s.bureau_id: s for s in locked.shares.select_related("bureau")}
            wanted = {b.pk: b for b in partners}
            if set(current) != set(wanted):
                locked.shares.exclude(bureau_id__in=list(wanted)).delete()
                ClueShare.objects.bulk_create(
                    [ClueShare(clue=locked, bureau=b, shared_by=actor) for pk, b in wanted.items() if pk not in current]
                )
                changes["shared_with"] = [
                    sorted(s.bureau.code for s in current.values()),
                    sorted(b.code for b in wanted.values()),
                ]
        if changes:
            audit.record("cases.clue.update", obj=locked, actor=actor, changes=changes)
    return locked


def clue_comment(*, actor: Any, clue: Clue, content: str) -> ClueComment:
    """A comment by a user of the owner bureau or of a partner bureau the clue is shared with."""
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.has_cap(Cap.VIEW_CASE):
        raise PermissionDenied("您没有执行此操作的权限 / you may not do this")
    clue = _require_visible(actor, clue)
    content = (content or "").strip()
    if not content:
        raise ValidationError({"content": "留言内容不能为空 / the comment is empty"})
    if len(content) > 2000:
        raise ValidationError({"content": "留言不超过2000字 / at most 2000 characters"})
    bureau = _actor_bureau(actor, clue)
    with transaction.atomic():
        comment = ClueComment.objects.create(clue=clue, bureau=bureau, author=actor, content=content)
        audit.record(
            "cases.clue.comment",
            obj=clue,
            actor=actor,
            changes={"comment": comment.pk, "bureau": bureau.code, "content": content[:200]},
        )
    return comment


def _actor_bureau(actor: Any, clue: Clue) -> Unit:
    """The bureau the actor speaks for on this clue: the owner's, or the partner it is shared with."""
    mine = user_bureau_paths(actor)
    owner = bureau_path(clue.owner_unit.path)
    if owner in mine:
        return bureau_of(clue.owner_unit)
    share = clue.shares.select_related("bureau").filter(bureau__path__in=mine).first()
    if share is not None:
        return share.bureau
    # An author who sees the clue only as its author (own scope) speaks for the owner bureau.
    return bureau_of(clue.owner_unit)


def clue_link_case(*, actor: Any, clue: Clue, case: Case, note: str = "") -> ClueCaseLink:
    """Link the clue to one of the actor's own bureau's cases (one the actor handles, by scope)."""
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.has_cap(Cap.HANDLE_CASE):
        raise PermissionDenied("您没有执行此操作的权限 / you may not do this")
    clue = _require_visible(actor, clue)
    if not linkable_cases(actor, clue).filter(pk=case.pk).exists():
        if ClueCaseLink.objects.filter(clue=clue, case_id=case.pk).exists():
            raise ValidationError({"case": "该案件已关联此线索 / the case is already linked"})
        raise ValidationError({"case": NOT_FOUND})
    case_bureau = bureau_of(case.unit)
    with transaction.atomic():
        link = ClueCaseLink.objects.create(
            clue=clue, case=case, bureau=case_bureau, linked_by=actor, note=(note or "").strip()[:200]
        )
        audit.record(
            "cases.clue.link_case",
            obj=clue,
            actor=actor,
            changes={"case": case.pk, "case_number": case.number, "bureau": case_bureau.code},
        )
    return link
