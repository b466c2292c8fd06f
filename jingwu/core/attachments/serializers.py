"""API shapes of attachments, shared by every owner's endpoint."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from rest_framework import serializers

from jingwu.core.models import Attachment


class AttachmentSerializer(serializers.ModelSerializer[Attachment]):
    name = serializers.CharField(source="original_name", help_text="上传时的文件名 / the original file name")
    mime_type = serializers.CharField(help_text="按文件内容识别的类型 / the type read from the bytes")
    size = serializers.IntegerField(help_text="字节数 / bytes")
    stage_label = serializers.CharField(help_text="环节名称 / the stage, in Chinese")
    uploaded_by = serializers.SerializerMethodField(help_text="上传人 / who uploaded it")
    download_url = serializers.SerializerMethodField(help_text="API 下载地址 / where the API downloads it")

    class Meta:
        model = Attachment
        fields = ["id", "name", "mime_type", "size", "sha256", "stage", "stage_label", "uploaded_at", "uploaded_by"]
        fields += ["download_url"]

    def get_uploaded_by(self, obj: Attachment) -> str:
        user: Any = obj.uploaded_by
        if user is None:
            return ""
        person = getattr(user, "person", None)
        return person.name if person is not None else user.username

    def get_download_url(self, obj: Attachment) -> str:
        url = reverse("api-attachment-download", args=[obj.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request is not None else url


class AttachmentUploadSerializer(serializers.Serializer):
    """multipart/form-data: one or more ``attachments`` parts (types are checked from the bytes)."""

    attachments = serializers.ListField(
        child=serializers.FileField(allow_empty_file=True, use_url=False),
        allow_empty=False,
        help_text="一个或多个文件 / one or more files",
    )
