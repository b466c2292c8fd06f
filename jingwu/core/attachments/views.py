"""Download of an attachment: only through these views (never as static media), only when the
owner is visible to the user (else 404), always as a download with its original name, audited.
``attachment_download`` serves signed-in pages; ``AttachmentDownloadView`` serves API clients."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest
from django.views.decorators.http import require_GET
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.request import Request
from rest_framework.views import APIView

from jingwu.core import audit
from jingwu.core.api import READ_ERRORS, error_responses
from jingwu.core.models import Attachment

from . import selectors, validators


def download_response(user: Any, pk: int) -> FileResponse:
    """The file as a download if ``user`` may see its owner (Http404 otherwise); audited."""
    attachment = Attachment.objects.filter(pk=pk).first()
    if attachment is None or selectors.visible_owner(user, attachment) is None:
        raise Http404("附件不存在 / no such attachment")
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404("附件文件缺失,请联系系统管理员 / the stored file is missing") from None
    audit.record(
        "core.attachment.download",
        obj=attachment,
        actor=user,
        changes={"owner": attachment.owner_key, "name": attachment.original_name, "sha256": attachment.sha256},
    )
    # FileResponse writes Content-Disposition with filename*=UTF-8''… (RFC 5987) for Chinese names.
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=validators.download_name(attachment.original_name, attachment.mime_type),
        content_type=attachment.mime_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@login_required
@require_GET
def attachment_download(request: HttpRequest, pk: int) -> FileResponse:
    return download_response(request.user, pk)


class AttachmentDownloadView(APIView):
    """Download one attachment (any owner type) whose owner the caller may see."""

    @extend_schema(
        summary="下载附件 / download an attachment",
        responses={
            (200, "application/octet-stream"): OpenApiResponse(
                OpenApiTypes.BINARY, description="文件内容;Content-Type 为按内容识别的类型 / the file"
            ),
            **error_responses(*READ_ERRORS),
        },
    )
    def get(self, request: Request, pk: int) -> FileResponse:
        return download_response(request.user, pk)
