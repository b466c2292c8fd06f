from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditLane(models.Model):
    """Head of one hash chain. Writers take one lane each so the chain never serialises all of them.

    Only the audit service writes here. ``anchor_*`` remembers the last purged row so that a chain
    whose oldest rows were purged under the retention rule still verifies.
    """

    lane = models.PositiveSmallIntegerField(primary_key=True)
    seq = models.BigIntegerField(default=0)
    head_hash = models.CharField(max_length=64, default="")
    anchor_seq = models.BigIntegerField(default=0)
    anchor_hash = models.CharField(max_length=64, default="")

    class Meta:
        verbose_name = _("审计链")

    def __str__(self) -> str:
        return f"lane {self.lane} @ {self.seq}"


class AuditLog(models.Model):
    """One append-only audit row. Readable only by 审计管理员; nobody edits it (a PostgreSQL trigger
    refuses UPDATE/DELETE/TRUNCATE outside the audited purge; the hash chain exposes edits anywhere)."""

    lane = models.PositiveSmallIntegerField()
    seq = models.BigIntegerField()
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)
    algorithm = models.CharField(max_length=10)
    occurred_at = models.DateTimeField(db_index=True)
    actor_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    actor_username = models.CharField(max_length=150, blank=True)
    actor_name = models.CharField(max_length=100, blank=True)
    event = models.CharField(max_length=64, db_index=True)
    object_type = models.CharField(max_length=100, blank=True)  # indexed with object_id (Meta)
    object_id = models.CharField(max_length=64, blank=True)
    object_repr = models.CharField(max_length=200, blank=True)
    changes = models.JSONField(default=dict, blank=True)
    ip = models.CharField(max_length=45, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    origin = models.CharField(max_length=16, blank=True)
    success = models.BooleanField(default=True)
    message = models.CharField(max_length=500, blank=True)

    class Meta:
        verbose_name = _("审计日志")
        ordering = ["-occurred_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["lane", "seq"], name="audit_lane_seq_unique")]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M:%S} {self.event} {self.object_repr}"
