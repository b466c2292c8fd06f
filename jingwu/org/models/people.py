from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from jingwu.core import crypto
from jingwu.core.fields import EncryptedTextField
from jingwu.core.scope import ScopedQuerySet


class PersonQuerySet(ScopedQuerySet["Person"]):
    def search(self, text: str) -> PersonQuerySet:
        """Name, 警号, pinyin or pinyin initials; an 18-character ID number matches exactly."""
        from django.db.models import Q

        text = text.strip()
        if not text:
            return self
        # Each branch can use an index (警号 exact; pinyin prefixes); a name substring is searched
        # only for text that can occur in a Chinese name, so "zsf" never scans every name.
        q = Q(police_number=text.upper())
        lowered = text.lower()
        if lowered.isascii() and lowered.isalpha():
            q |= Q(name_initials__startswith=lowered) | Q(name_pinyin__startswith=lowered)
        else:
            q |= Q(name__icontains=text)
        if len(text) in (15, 18) and text[:-1].isdigit():
            q |= Q(id_number_index=crypto.blind_index(text.upper()))
        return self.filter(q)


class Person(models.Model):
    """A 民警 or 辅警 of the unit tree.

    Seen by users whose scope covers the person's unit (an officer: only themself). Changed by
    政工, unit leads and 系统管理员 inside their scope. ID number and phone are encrypted at rest,
    shown masked, and revealed only to roles with ``org.reveal_sensitive``; each reveal is audited.
    """

    class Kind(models.TextChoices):
        POLICE = "police", _("民警")
        AUXILIARY = "auxiliary", _("辅警")

    class Gender(models.TextChoices):
        MALE = "M", _("男")
        FEMALE = "F", _("女")

    class PoliticalStatus(models.TextChoices):
        CPC = "cpc", _("中共党员")
        PROBATIONARY = "probationary", _("中共预备党员")
        LEAGUE = "league", _("共青团员")
        MASSES = "masses", _("群众")
        OTHER = "other", _("其他")

    class Status(models.TextChoices):
        ACTIVE = "active", _("在岗")
        TRANSFERRED = "transferred", _("调离")
        RETIRED = "retired", _("退休")
        DISMISSED = "dismissed", _("辞退")

    police_number = models.CharField(_("警号"), max_length=20, unique=True)
    kind = models.CharField(_("身份"), max_length=10, choices=Kind.choices)
    name = models.CharField(_("姓名"), max_length=50, db_index=True)
    name_pinyin = models.CharField(_("姓名拼音"), max_length=200, blank=True, db_index=True)
    name_initials = models.CharField(_("拼音首字母"), max_length=20, blank=True, db_index=True)
    gender = models.CharField(_("性别"), max_length=1, choices=Gender.choices)
    birth_date = models.DateField(_("出生日期"))
    id_number = EncryptedTextField(_("身份证号"))
    id_number_index = models.CharField(max_length=64, unique=True, editable=False)
    phone = EncryptedTextField(_("手机号"), blank=True)
    unit = models.ForeignKey(
        "org.Unit", verbose_name=pgettext_lazy("field", "单位"), on_delete=models.PROTECT, related_name="people"
    )
    position = models.CharField(_("职务"), max_length=50, blank=True)
    rank = models.CharField(_("警衔"), max_length=30, blank=True)
    political_status = models.CharField(
        _("政治面貌"), max_length=15, choices=PoliticalStatus.choices, default=PoliticalStatus.MASSES
    )
    party_branch = models.ForeignKey(
        "org.Unit",
        verbose_name=_("所在党支部"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="party_members",
        limit_choices_to={"kind": "party_branch"},
    )
    joined_on = models.DateField(_("入职日期"), null=True, blank=True)
    status = models.CharField(_("状态"), max_length=15, choices=Status.choices, default=Status.ACTIVE)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    scope_unit_field = "unit"
    scope_owner_field = "pk"

    objects = PersonQuerySet.as_manager()

    SENSITIVE_FIELDS = ("id_number", "phone")

    class Meta:
        verbose_name = pgettext_lazy("field", "人员")
        verbose_name_plural = _("人员")
        ordering = ["unit__path", "kind", "police_number"]
        indexes = [
            models.Index(fields=["unit", "status", "kind"]),
            # The people list sorts by these; with the unique 警号 as tie-breaker a page is an index range.
            models.Index(fields=["joined_on", "police_number"], name="person_joined_idx"),
            models.Index(fields=["name_pinyin", "police_number"], name="person_pinyin_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.name}({self.police_number})"

    @property
    def id_number_masked(self) -> str:
        return crypto.mask(self.id_number)

    @property
    def phone_masked(self) -> str:
        return crypto.mask_phone(self.phone)
