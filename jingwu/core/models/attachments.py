"""Attachments (附件): files attached to any object — a work order, an inter-agency transfer …"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

# The step of the owner's life an attachment was added at (owners may use others; shown as typed).
STAGE_LABELS = {
    "intake": _("受理"),
    "handling": _("办理"),
    "completion": _("办结"),
    "callback": _("回访"),
    "transfer": _("移送材料"),
}


class Attachment(models.Model):
    """One uploaded file attached to one owner object, identified like audit and workflow rows are
    (``object_type`` = the owner's ``app_label.model``, ``object_id`` = its primary key).

    Seen and downloaded by whoever may see the owner: the download view looks the owner up through
    its model's ``visible_to(user)`` (or the owner type's registered lookup) and answers 404
    otherwise. Written only through ``jingwu.core.attachments.services.attach`` inside the owner's
    service transaction, after the type was checked from the file's bytes; never changed afterwards
    (evidence: the SHA-256 is kept to show the file is the one received).
    """

    object_type = models.CharField(max_length=100)
    object_id = models.CharField(max_length=64)
    stage = models.CharField(_("环节"), max_length=32, blank=True)
    # A random name under MEDIA_ROOT/attachments/, with no extension: never guessable, never served
    # by a static file server with a type taken from its name.
    file = models.FileField(_("文件"), max_length=200)
    original_name = models.CharField(_("文件名"), max_length=255)
    mime_type = models.CharField(_("文件类型"), max_length=100)
    size = models.PositiveBigIntegerField(_("大小(字节)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("上传时间"))

    class Meta:
        verbose_name = _("附件")
        verbose_name_plural = _("附件")
        ordering = ["uploaded_at", "id"]
        indexes = [models.Index(fields=["object_type", "object_id", "uploaded_at"], name="attachment_owner")]

    def __str__(self) -> str:
        return self.original_name

    @property
    def stage_label(self) -> str:
        return str(STAGE_LABELS.get(self.stage, self.stage))

    @property
    def owner_key(self) -> str:
        return f"{self.object_type}#{self.object_id}"
