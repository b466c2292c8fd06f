"""警情: incidents received from the 110 call system or entered by hand."""

from __future__ import annotations

from datetime import datetime

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jingwu.core import crypto
from jingwu.core.deadlines import DeadlineState, deadline_state
from jingwu.core.fields import EncryptedTextField
from jingwu.core.scope import ScopedQuerySet


class Incident(models.Model):
    """One 110 incident (警情) and its disposal (处置).

    Seen by users whose scope covers its unit (the unit it was assigned to) through
    ``cases.view``; created, dispatched and disposed by holders of ``cases.handle`` inside that
    scope. The caller's name and phone are encrypted at rest and shown masked. The disposal due
    time is computed once from the category's limit when the incident is received; its state
    (正常/临期/超期/按期处置/超期处置) is derived from the timestamps.
    """

    class State(models.TextChoices):
        RECEIVED = "received", _("已接警")
        DISPOSED = "disposed", _("已处置")

    unit = models.ForeignKey("org.Unit", verbose_name="管辖单位", on_delete=models.PROTECT, related_name="+")
    number = models.CharField("警情编号", max_length=40, unique=True)
    received_at = models.DateTimeField("接警时间", db_index=True)
    category = models.ForeignKey(
        "cases.IncidentCategory", verbose_name="警情类别", on_delete=models.PROTECT, related_name="incidents"
    )
    location = models.CharField("发生地点", max_length=200, blank=True)
    summary = models.TextField("简要警情", blank=True)
    caller_name = EncryptedTextField("报警人", blank=True)
    caller_phone = EncryptedTextField("报警电话", blank=True)
    caller_phone_index = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    dispatched_officers = models.ManyToManyField(
        "org.Person", verbose_name="出警人员", blank=True, related_name="dispatched_incidents"
    )
    dispatched_at = models.DateTimeField("派警时间", null=True, blank=True)
    arrived_at = models.DateTimeField("到场时间", null=True, blank=True)
    disposal_result = models.TextField("处置结果", blank=True)
    disposed_at = models.DateTimeField("处置时间", null=True, blank=True)
    disposal_due_at = models.DateTimeField("处置期限")
    state = models.CharField("状态", max_length=20, choices=State.choices, default=State.RECEIVED)
    source = models.CharField("来源", max_length=20, default="manual")  # manual / import / api
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    scope_unit_field = "unit"
    scope_owner_field = None

    objects = ScopedQuerySet.as_manager()

    SENSITIVE_FIELDS = ("caller_name", "caller_phone")

    class Meta:
        verbose_name = "警情"
        verbose_name_plural = "警情"
        ordering = ["-received_at", "-id"]
        indexes = [models.Index(fields=["unit", "received_at"])]

    def __str__(self) -> str:
        return self.number

    @property
    def caller_name_masked(self) -> str:
        return crypto.mask(self.caller_name, 1, 0) if self.caller_name else ""

    @property
    def caller_phone_masked(self) -> str:
        return crypto.mask_phone(self.caller_phone)

    @property
    def recording_mandatory(self) -> bool:
        return self.category.recording_mandatory

    def disposal_state(self, now: datetime | None = None) -> DeadlineState:
        return deadline_state(
            now or timezone.now(), self.disposal_due_at, self.disposed_at, unit=self.unit, basis="natural"
        )
