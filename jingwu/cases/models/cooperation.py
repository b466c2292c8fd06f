"""区域协作: a clue board (情报线索) shared between partner bureaus.

A *bureau* is a top-level unit of the tree (a 公安局 or a 支队 root): 鄂尔多斯市公安局 and its
neighbour 巴彦淖尔市公安局 are two roots. A clue belongs to the unit that recorded it; it is shared
with chosen partner bureaus (``ClueShare``). Users of a bureau it is shared with see the clue and its
comments, comment on it, and link it to their own bureau's cases; a link is seen in full only by the
linking bureau (the owner bureau learns that "a partner linked a case", nothing more). Nothing else
of either bureau — cases, people, units — becomes visible to the other.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Self

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from jingwu.core.scope import Scope, ScopedQuerySet, grants_q
from jingwu.org.roles import Cap

if TYPE_CHECKING:
    from jingwu.org.models import Unit


def bureau_path(path: str) -> str:
    """The path of the bureau (tree root) above the unit with ``path``."""
    from jingwu.org.models import Unit

    return path[: Unit.steplen]


def bureau_of(unit: Unit) -> Unit:
    from jingwu.org.models import Unit

    return Unit.objects.get(path=bureau_path(unit.path))


def user_bureau_paths(user: Any, capability: str = Cap.VIEW_CASE) -> set[str]:
    """The bureaus a user works in through roles that carry ``capability`` (root paths).

    An officer (scope "own") belongs to the bureau of the unit their role is anchored at; a grant
    over the whole tree (system roles) belongs to no bureau in particular."""
    if user is None or not getattr(user, "is_authenticated", False):
        return set()
    return {bureau_path(g.unit_path) for g in user.scope_grants(capability) if g.unit_path and g.scope != Scope.ALL}


class ClueQuerySet(ScopedQuerySet["Clue"]):
    def visible_to(self, user: Any, capability: str | None = None) -> Self:
        """Clues of the units in the user's scope (the owner side, normal scope rules) OR clues shared
        with a bureau the user works in (the partner side). ``capability`` defaults to ``cases.view``."""
        capability = capability or Cap.VIEW_CASE
        if user is None or not getattr(user, "is_authenticated", False):
            return self.none()
        grants = user.scope_grants(capability)
        if not grants:
            return self.none()
        q = grants_q(grants, "owner_unit", "created_by__person")
        bureaus = user_bureau_paths(user, capability)
        if bureaus:
            q |= Q(pk__in=ClueShare.objects.filter(bureau__path__in=bureaus).values("clue_id"))
        return self.filter(q)


ClueManager = models.Manager.from_queryset(ClueQuerySet)


class Clue(models.Model):
    """A 情报线索 on the regional cooperation board.

    Seen (``cases.view``) by users whose scope covers its owner unit, by its author, and by users of
    the partner bureaus it is shared with. Recorded, edited and shared only by holders of
    ``cases.handle`` / ``cases.approve`` whose scope covers the owner unit; every write is audited.
    """

    class Category(models.TextChoices):
        ENVIRONMENT = "environment", _("环境资源")
        WILDLIFE = "wildlife", _("野生动物")
        FOOD_DRUG = "food_drug", _("食品药品")
        MINING = "mining", _("非法采矿采砂")
        BRAND = "brand", _("知识产权/品牌保护")
        OTHER = "other", _("其他")

    class Status(models.TextChoices):
        OPEN = "open", _("研判中")
        VERIFIED = "verified", _("已查证")
        CLOSED = "closed", _("已办结")

    owner_unit = models.ForeignKey("org.Unit", verbose_name="发布单位", on_delete=models.PROTECT, related_name="+")
    title = models.CharField("线索标题", max_length=200)
    content = models.TextField("线索内容")
    category = models.CharField("线索类别", max_length=20, choices=Category.choices, default=Category.OTHER)
    status = models.CharField("状态", max_length=20, choices=Status.choices, default=Status.OPEN)
    created_by = models.ForeignKey(
        "org.User", verbose_name="发布人", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField("发布时间", auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    scope_unit_field = "owner_unit"
    scope_owner_field = "created_by__person"
    objects = ClueManager()

    class Meta:
        verbose_name = "情报线索"
        verbose_name_plural = "情报线索"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title


class ClueShare(models.Model):
    """The clue is shared with a partner bureau. Added by the owner side; seen with the clue."""

    clue = models.ForeignKey(Clue, on_delete=models.CASCADE, related_name="shares")
    bureau = models.ForeignKey("org.Unit", verbose_name="协作单位", on_delete=models.PROTECT, related_name="+")
    shared_by = models.ForeignKey("org.User", null=True, on_delete=models.SET_NULL, related_name="+")
    shared_at = models.DateTimeField("共享时间", auto_now_add=True)

    class Meta:
        verbose_name = "线索共享"
        ordering = ["shared_at", "id"]
        constraints = [models.UniqueConstraint(fields=["clue", "bureau"], name="clue_share_unique")]

    def __str__(self) -> str:
        return f"{self.clue_id} → {self.bureau_id}"


class ClueComment(models.Model):
    """A comment on a clue by a user of the owner or a partner bureau; seen by all who see the clue.
    Never edited (a correction is a new comment)."""

    clue = models.ForeignKey(Clue, on_delete=models.CASCADE, related_name="comments")
    bureau = models.ForeignKey("org.Unit", verbose_name="所属单位", on_delete=models.PROTECT, related_name="+")
    author = models.ForeignKey("org.User", verbose_name="留言人", on_delete=models.PROTECT, related_name="+")
    content = models.TextField("内容")
    created_at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = "线索留言"
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.content[:30]


class ClueCaseLink(models.Model):
    """The clue is linked to one of the linking bureau's own cases.

    Seen in full only by the linking bureau's users who can see the case; the owner bureau sees only
    that a partner bureau linked a case (no case details)."""

    clue = models.ForeignKey(Clue, on_delete=models.CASCADE, related_name="case_links")
    case = models.ForeignKey("cases.Case", verbose_name="案件", on_delete=models.CASCADE, related_name="clue_links")
    bureau = models.ForeignKey("org.Unit", verbose_name="关联单位", on_delete=models.PROTECT, related_name="+")
    linked_by = models.ForeignKey("org.User", null=True, on_delete=models.SET_NULL, related_name="+")
    note = models.CharField("说明", max_length=200, blank=True)
    linked_at = models.DateTimeField("关联时间", auto_now_add=True)

    class Meta:
        verbose_name = "线索关联案件"
        ordering = ["linked_at", "id"]
        constraints = [models.UniqueConstraint(fields=["clue", "case"], name="clue_case_link_unique")]

    def __str__(self) -> str:
        return f"{self.clue_id} ↔ {self.case_id}"
