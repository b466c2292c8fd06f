"""执法公开: query codes that let a party look up their case's progress on the public page.

The code itself is shown once to the handling officer, who hands it to the party; only a keyed hash
(HMAC with the blind-index key, bound to the case) is stored, so a copy of the database does not
reveal working codes.
"""

from __future__ import annotations

from django.db import models

from jingwu.core.scope import ScopedQuerySet


class QueryCode(models.Model):
    """A query code (查询码) of one case, optionally issued for one party.

    Seen by users who see the case (``cases.view``, scope of the case's unit); issued, reissued and
    revoked by holders of ``cases.handle`` who see the case; every issue and revocation is audited.
    A reissue revokes the previous active codes of the same party (or of the case, without a party).
    """

    case = models.ForeignKey("cases.Case", verbose_name="案件", on_delete=models.CASCADE, related_name="query_codes")
    party = models.ForeignKey(
        "cases.Party",
        verbose_name="当事人",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="query_codes",
    )
    code_hash = models.CharField(max_length=128, db_index=True, editable=False)
    hint = models.CharField("尾号", max_length=4, blank=True, help_text="查询码最后两位,便于核对")
    issued_by = models.ForeignKey(
        "org.User", verbose_name="发放人", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    issued_at = models.DateTimeField("发放时间", auto_now_add=True)
    revoked_at = models.DateTimeField("作废时间", null=True, blank=True)
    revoked_by = models.ForeignKey(
        "org.User", verbose_name="作废人", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    scope_unit_field = "case__unit"
    scope_owner_field = "case__lead_officer"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "执法公开查询码"
        verbose_name_plural = "执法公开查询码"
        ordering = ["-issued_at", "-id"]

    def __str__(self) -> str:
        return f"{self.case.number} · **{self.hint}"

    @property
    def active(self) -> bool:
        return self.revoked_at is None
