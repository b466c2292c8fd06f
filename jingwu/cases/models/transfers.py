"""移送审查起诉 and the 执法办案管理中心 register."""

from __future__ import annotations

from datetime import datetime

from django.db import models

from jingwu.core.scope import ScopedQuerySet


class ProsecutionTransfer(models.Model):
    """One transfer of a criminal case to the procuratorate for review and prosecution, naming the
    suspects it transfers (a case may be transferred in several batches, one suspect at a time).

    Seen with its case; written by holders of ``cases.handle`` after an approved review of the
    transfer (审核把关); never changed afterwards (a correction is a new audited record)."""

    case = models.ForeignKey("cases.Case", verbose_name="案件", on_delete=models.CASCADE, related_name="transfers")
    parties = models.ManyToManyField("cases.Party", verbose_name="移送人员", related_name="transfers")
    transferred_at = models.DateTimeField("移送时间", db_index=True)
    procuratorate = models.CharField("受理检察院", max_length=100)
    document_number = models.CharField("移送文书号", max_length=60, blank=True)
    transferred_by = models.ForeignKey(
        "org.User", verbose_name="经办人", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.TextField("备注", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    scope_unit_field = "case__unit"
    scope_owner_field = "case__lead_officer"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "移送审查起诉"
        verbose_name_plural = "移送审查起诉"
        ordering = ["-transferred_at", "-id"]
        indexes = [models.Index(fields=["transferred_at"], include=["case"], name="prosecution_at_cover")]

    def __str__(self) -> str:
        return f"{self.case.number} → {self.procuratorate}"


class CentreVisit(models.Model):
    """Entry and exit of a person brought into the 执法办案管理中心 for a case: time, reason,
    belongings kept, the safety check, the rooms used.

    Seen with its case (scope of the case's unit); recorded by holders of ``cases.handle``. The
    rule "刑事案件和行政拘留案件一律进入执法办案管理中心办理" is checked by
    ``selectors.cases_missing_centre_record``."""

    case = models.ForeignKey("cases.Case", verbose_name="案件", on_delete=models.CASCADE, related_name="centre_visits")
    party = models.ForeignKey(
        "cases.Party", verbose_name="人员", on_delete=models.PROTECT, related_name="centre_visits"
    )
    entered_at = models.DateTimeField("入区时间")
    reason = models.CharField("入区事由", max_length=200)
    belongings = models.TextField("随身物品", blank=True)
    safety_check_done = models.BooleanField("已进行人身安全检查", default=False)
    safety_check_notes = models.TextField("安全检查情况", blank=True)
    rooms = models.CharField("使用功能室", max_length=200, blank=True)
    exited_at = models.DateTimeField("出区时间", null=True, blank=True)
    exit_destination = models.CharField("出区去向", max_length=100, blank=True)
    belongings_returned = models.BooleanField("随身物品已返还", default=False)
    recorded_by = models.ForeignKey(
        "org.User", verbose_name="登记人", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    scope_unit_field = "case__unit"
    scope_owner_field = "case__lead_officer"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "办案中心出入记录"
        verbose_name_plural = "办案中心出入记录"
        ordering = ["-entered_at", "-id"]

    def __str__(self) -> str:
        return f"{self.party} @ {self.entered_at:%Y-%m-%d %H:%M}"

    @property
    def inside(self) -> bool:
        return self.exited_at is None

    def stay(self, now: datetime | None = None) -> float | None:
        end = self.exited_at or now
        return None if end is None else (end - self.entered_at).total_seconds() / 3600
