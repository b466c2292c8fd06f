"""Attachments: the type is read from the bytes, refused files leave nothing behind (no row, no
stored file), and a download is scoped by the owner, sent as a named download and audited."""

from __future__ import annotations

import io
import wave
import zipfile
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.authtoken.models import Token

from jingwu.core.attachments import services, validators
from jingwu.core.attachments.selectors import attachments_of
from jingwu.core.models import Attachment, AuditLog, SavedFilter
from jingwu.testing.workflowapp.models import Ticket

pytestmark = pytest.mark.django_db


def _image(fmt: str) -> bytes:
    """A real (decodable) 4×4 image: the checks decode images, not only their first bytes."""
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (4, 4), (200, 30, 30)).save(out, fmt)
    return out.getvalue()


PNG = _image("PNG")
JPEG = _image("JPEG")
PDF = (
    b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\nxref\n0 2\ntrailer << /Root 1 0 R /Size 2 >>\n"
    b"startxref\n9\n%%EOF\n"
)
# Only the first bytes of an image / a PDF: refused since the content is checked beyond them.
FAKE_PNG = PNG[:33] + bytes(64)
FAKE_JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + bytes(64) + b"\xff\xd9"
TRUNCATED_JPEG = JPEG[: len(JPEG) // 2]
FAKE_PDF = b"%PDF-1.4\n" + b"MZ\x90\x00" + bytes(200)
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + bytes(300)
ELF = b"\x7fELF\x02\x01\x01" + bytes(300)
HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
MP3 = b"ID3\x03\x00\x00\x00\x00\x00\x00" + bytes(300)
MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + bytes(300)


def zipped(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def docx_bytes() -> bytes:
    import docx

    buffer = io.BytesIO()
    docx.Document().save(buffer)
    return buffer.getvalue()


def xlsx_bytes() -> bytes:
    import openpyxl

    buffer = io.BytesIO()
    openpyxl.Workbook().save(buffer)
    return buffer.getvalue()


def wav_bytes() -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(bytes(800))
    return buffer.getvalue()


def upload(name: str, data: bytes, claimed: str = "application/octet-stream") -> SimpleUploadedFile:
    """The browser's claimed Content-Type is whatever the client says: never trusted."""
    return SimpleUploadedFile(name, data, content_type=claimed)


@pytest.fixture
def media(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def stored_files(media: Path) -> list[Path]:
    return [p for p in media.rglob("*") if p.is_file()] if media.exists() else []


@pytest.fixture
def ticket(org) -> Ticket:
    return Ticket.objects.create(unit=org.squadron_a, requester=org.lead_a)


# --- type by content --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data", "mime"),
    [
        ("现场照片.jpg", JPEG, "image/jpeg"),
        ("截图.png", PNG, "image/png"),
        ("移送书.pdf", PDF, "application/pdf"),
        ("调查报告.docx", None, validators.DOCX_MIME),
        ("物品清单.xlsx", None, validators.XLSX_MIME),
        ("通话录音.wav", None, "audio/wav"),
        ("通话录音.mp3", MP3, "audio/mpeg"),
        ("执法视频.mp4", MP4, "video/mp4"),
        ("情况说明.txt", "诉求人反映:小区门口车辆乱停。\n".encode(), "text/plain"),
        ("情况说明(GBK).txt", "诉求人反映:小区门口车辆乱停。\n".encode("gb18030"), "text/plain"),
    ],
)
def test_allowed_types_are_recognised_from_their_bytes(name, data, mime, ticket, org, media):
    if data is None:
        data = {"调查报告.docx": docx_bytes, "物品清单.xlsx": xlsx_bytes, "通话录音.wav": wav_bytes}[name]()
    [row] = services.attach(actor=org.lead_a, owner=ticket, files=[upload(name, data, "text/html")], stage="intake")
    assert row.mime_type == mime and row.original_name == name and row.size == len(data)
    assert (media / row.file.name).read_bytes() == data


def test_a_png_named_pdf_is_kept_as_png_and_downloads_as_png(ticket, org, media, client):
    [row] = services.attach(actor=org.lead_a, owner=ticket, files=[upload("报告.pdf", PNG, "application/pdf")])
    assert row.mime_type == "image/png" and row.original_name == "报告.pdf"
    client.force_login(org.lead_a)
    response = client.get(f"/core/attachments/{row.pk}/")
    assert response["Content-Type"] == "image/png"
    assert "%E6%8A%A5%E5%91%8A.pdf.png" in response["Content-Disposition"]  # 报告.pdf.png


def test_a_png_named_pdf_is_refused_when_names_must_match(ticket, org, media, settings):
    settings.ATTACHMENT_STRICT_EXTENSION = True
    with pytest.raises(ValidationError) as refused:
        services.attach(actor=org.lead_a, owner=ticket, files=[upload("报告.pdf", PNG)])
    assert "“报告.pdf”:文件名后缀为“.pdf”,内容却是PNG图片" in refused.value.message_dict["attachments"][0]
    assert not Attachment.objects.exists() and stored_files(media) == []


@pytest.mark.parametrize(
    ("name", "data", "what"),
    [
        ("照片.jpg", EXE, "Windows可执行程序"),
        ("照片.jpg", ELF, "可执行程序(ELF)"),
        ("照片.jpg", HTML, "网页或脚本(HTML)"),
        ("照片.jpg", b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>", "网页或脚本(HTML)"),
        ("说明.txt", b"#!/bin/sh\nrm -rf /\n", "脚本"),
        ("照片.jpg", zipped({"a.txt": b"x"}), "ZIP压缩包"),
        ("报告.docx", zipped({"[Content_Types].xml": b"<x/>", "ppt/presentation.xml": b"<x/>"}), "PowerPoint"),
        ("照片.jpg", b"\x00\x01\x02\x03" * 100, "无法识别的二进制文件"),
    ],
)
def test_disguised_files_are_refused_naming_the_file_and_what_it_is(name, data, what, ticket, org, media):
    with pytest.raises(ValidationError) as refused:
        services.attach(actor=org.lead_a, owner=ticket, files=[upload(name, data, "image/jpeg")])
    [message] = refused.value.message_dict["attachments"]
    assert message.startswith(f"“{name}”:文件内容是{what}") and "不是允许的类型" in message and " / " in message
    assert not Attachment.objects.exists() and stored_files(media) == []


def test_a_word_document_with_macros_is_refused(ticket, org, media):
    docm = zipped(
        {"[Content_Types].xml": b"<x/>", "word/document.xml": b"<x/>", "word/vbaProject.bin": b"\xd0\xcf\x11\xe0"}
    )
    with pytest.raises(ValidationError) as refused:
        services.attach(actor=org.lead_a, owner=ticket, files=[upload("通知.docx", docm)])
    assert "含宏" in refused.value.message_dict["attachments"][0]


def test_oversize_empty_and_too_many_files_are_refused(ticket, org, media, settings):
    settings.ATTACHMENT_MAX_MB = 1
    settings.ATTACHMENT_MAX_FILES = 2
    big = PNG + bytes(1024 * 1024)
    with pytest.raises(ValidationError) as refused:
        services.attach(
            actor=org.lead_a,
            owner=ticket,
            files=[upload("大图.png", big), upload("空.txt", b""), upload("a.png", PNG)],
        )
    messages = refused.value.message_dict["attachments"]
    assert any(m.startswith("一次最多上传2个附件,本次为3个") for m in messages)
    assert any(m.startswith("“大图.png”:文件大小1.0 MB,超过上限1 MB") for m in messages)
    assert any(m.startswith("“空.txt”:文件为空") for m in messages)
    assert not Attachment.objects.exists() and stored_files(media) == []


def test_the_allowed_types_follow_the_settings(ticket, org, media, settings):
    settings.ATTACHMENT_TYPES = ["pdf"]
    with pytest.raises(ValidationError) as refused:
        services.attach(actor=org.lead_a, owner=ticket, files=[upload("照片.jpg", JPEG)])
    assert "文件内容是JPEG图片,不是允许的类型(允许:PDF文档)" in refused.value.message_dict["attachments"][0]
    assert services.attach(actor=org.lead_a, owner=ticket, files=[upload("a.pdf", PDF)])[0].mime_type == (
        "application/pdf"
    )


def test_a_large_upload_spooled_to_disk_is_checked_and_stored_whole(ticket, org, media):
    from django.core.files.uploadedfile import TemporaryUploadedFile

    data = docx_bytes()
    # past Django's 2.5 MB in-memory limit (a long comment after the header; the trailer stays at the end)
    big_pdf = PDF[:9] + b"%" + bytes(3 * 1024 * 1024) + b"\n" + PDF[9:]
    spooled = []
    for name, content, mime in (("报告.docx", data, validators.DOCX_MIME), ("卷宗.pdf", big_pdf, "application/pdf")):
        upload_file = TemporaryUploadedFile(name, "application/octet-stream", len(content), None)
        upload_file.write(content)
        upload_file.seek(0)
        spooled.append((upload_file, content, mime))
    rows = services.attach(actor=org.lead_a, owner=ticket, files=[f for f, _, _ in spooled])
    for row, (_, content, mime) in zip(rows, spooled, strict=True):
        assert row.mime_type == mime and (media / row.file.name).read_bytes() == content
    for upload_file, _, _ in spooled:
        upload_file.close()


def test_one_refused_file_refuses_all_and_nothing_is_stored(ticket, org, media):
    files = [upload("现场.jpg", JPEG), upload("病毒.jpg", EXE)]
    with pytest.raises(ValidationError):
        services.attach(actor=org.lead_a, owner=ticket, files=files)
    assert not Attachment.objects.exists() and stored_files(media) == []


def test_files_written_are_deleted_when_the_transaction_rolls_back_later(ticket, org, media):
    with pytest.raises(RuntimeError), services.atomic():
        services.attach(actor=org.lead_a, owner=ticket, files=[upload("a.jpg", JPEG), upload("b.pdf", PDF)])
        assert len(stored_files(media)) == 2
        raise RuntimeError("a later step of the service fails")
    assert not Attachment.objects.exists() and stored_files(media) == []


def test_an_outer_rollback_also_removes_files_of_an_inner_committed_block(ticket, org, media):
    with pytest.raises(RuntimeError), services.atomic():
        with services.atomic():
            services.attach(actor=org.lead_a, owner=ticket, files=[upload("a.jpg", JPEG)])
        assert len(stored_files(media)) == 1
        raise RuntimeError("the caller's transaction fails")
    assert stored_files(media) == []


def test_an_attachment_keeps_size_hash_uploader_and_is_audited(ticket, org, media):
    import hashlib

    [row] = services.attach(actor=org.lead_a, owner=ticket, files=[upload("现场.jpg", JPEG)], stage="intake")
    assert row.sha256 == hashlib.sha256(JPEG).hexdigest() and row.size == len(JPEG)
    assert row.uploaded_by == org.lead_a and row.stage_label == "受理"
    assert list(attachments_of(ticket)) == [row]
    # the stored name is random, has no extension and says nothing of the original name
    assert row.file.name.startswith("attachments/") and "." not in Path(row.file.name).name
    assert "现场" not in row.file.name
    entry = AuditLog.objects.get(event="core.attachment.upload")
    assert entry.changes["owner"] == f"workflowapp.ticket#{ticket.pk}" and entry.changes["sha256"] == row.sha256


def test_original_names_lose_folders_and_control_characters():
    assert validators.clean_name("C:\\Users\\王\\Desktop\\现场照片.jpg") == "现场照片.jpg"
    assert validators.clean_name("../../etc/passwd") == "passwd"
    assert validators.clean_name("报告\u202egpj.exe") == "报告gpj.exe"  # no right-to-left override
    assert validators.clean_name("") == "附件"
    long = validators.clean_name("长" * 300 + ".pdf")
    assert len(long) == 255 and long.endswith(".pdf")


# --- download ----------------------------------------------------------------------------------------


@pytest.fixture
def jpeg_on_ticket(ticket, org, media) -> Attachment:
    return services.attach(actor=org.lead_a, owner=ticket, files=[upload("现场 照片.jpg", JPEG)])[0]


def test_a_user_who_sees_the_owner_downloads_the_file_with_safe_headers(client, org, jpeg_on_ticket):
    client.force_login(org.lead_a)
    response = client.get(f"/core/attachments/{jpeg_on_ticket.pk}/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == JPEG
    assert response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=utf-8''%E7%8E%B0%E5%9C%BA%20%E7%85%A7%E7%89%87.jpg" in disposition  # RFC 5987
    assert "no-store" in response["Cache-Control"]


def test_the_download_is_audited(client, org, jpeg_on_ticket):
    client.force_login(org.leader)
    assert client.get(f"/core/attachments/{jpeg_on_ticket.pk}/").status_code == 200
    entry = AuditLog.objects.get(event="core.attachment.download")
    assert entry.actor_id == org.leader.pk and entry.object_id == str(jpeg_on_ticket.pk)
    assert entry.changes["name"] == "现场 照片.jpg"


def test_another_units_user_gets_404_and_nothing_is_audited(client, org, jpeg_on_ticket):
    client.force_login(org.lead_b)
    assert client.get(f"/core/attachments/{jpeg_on_ticket.pk}/").status_code == 404
    client.force_login(org.nobody)
    assert client.get(f"/core/attachments/{jpeg_on_ticket.pk}/").status_code == 404
    assert client.get("/core/attachments/999999/").status_code == 404
    assert not AuditLog.objects.filter(event="core.attachment.download").exists()


def test_anonymous_is_sent_to_the_login_page(client, jpeg_on_ticket):
    response = client.get(f"/core/attachments/{jpeg_on_ticket.pk}/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_a_missing_file_is_a_404_not_a_server_error(client, org, jpeg_on_ticket, media):
    (media / jpeg_on_ticket.file.name).unlink()
    client.force_login(org.lead_a)
    assert client.get(f"/core/attachments/{jpeg_on_ticket.pk}/").status_code == 404


def test_an_owner_type_without_a_scope_is_never_downloadable(client, org, media):
    own = SavedFilter.objects.create(user=org.lead_a, list_key="x", name="mine")
    [row] = services.attach(actor=org.lead_a, owner=own, files=[upload("a.pdf", PDF)])
    client.force_login(org.lead_a)
    assert client.get(f"/core/attachments/{row.pk}/").status_code == 404


def test_the_api_download_answers_token_clients_within_their_scope(client, org, jpeg_on_ticket):
    url = f"/api/v1/attachments/{jpeg_on_ticket.pk}/"
    assert client.get(url).status_code == 401
    allowed = Token.objects.create(user=org.lead_a).key
    response = client.get(url, HTTP_AUTHORIZATION=f"Token {allowed}")
    assert response.status_code == 200 and b"".join(response.streaming_content) == JPEG
    assert response["X-Content-Type-Options"] == "nosniff"
    other = Token.objects.create(user=org.lead_b).key
    response = client.get(url, HTTP_AUTHORIZATION=f"Token {other}")
    assert response.status_code == 404 and response.json()["error"] == "not_found"


@pytest.mark.parametrize(
    ("name", "data", "words"),
    [
        ("照片.png", FAKE_PNG, "损坏或伪装的PNG图片"),
        ("照片.jpg", FAKE_JPEG, "损坏或伪装的JPEG图片"),
        ("照片.jpg", TRUNCATED_JPEG, "损坏或伪装的JPEG图片"),
        ("报告.pdf", FAKE_PDF, "损坏或不完整的PDF文档"),
    ],
)
def test_files_that_only_start_like_an_image_or_a_pdf_are_refused(name, data, words):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from jingwu.core.attachments.validators import check

    with pytest.raises(ValidationError) as refused:
        check([SimpleUploadedFile(name, data)])
    assert words in refused.value.messages[0]
    assert [c.kind.key for c in check([SimpleUploadedFile("a.png", PNG), SimpleUploadedFile("b.jpg", JPEG)])] == [
        "png",
        "jpeg",
    ]
    assert check([SimpleUploadedFile("c.pdf", PDF)])[0].kind.key == "pdf"
