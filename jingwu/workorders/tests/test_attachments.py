"""Attachments of work orders: files taken in with the intake form and with 办结, listed on the order
page with download links, the API list/upload endpoint; a refused file changes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from jingwu.core.models import Attachment, AuditLog
from jingwu.core.tests.test_attachments import EXE, HTML, JPEG, PDF, stored_files
from jingwu.testing.factories import make_user
from jingwu.workorders import services
from jingwu.workorders.models import Completion, WorkOrder

from .helpers import category, make_order

pytestmark = pytest.mark.django_db

API = "/api/v1/workorders/orders"


@pytest.fixture
def media(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def intake_data(**files):
    return {
        "citizen_name": "王女士",
        "citizen_phone": "13912345678",
        "address": "幸福路88号",
        "category": category().pk,
        "content": "小区门口机动车乱停放,附现场照片",
        "received_at": "2023-05-08T09:00",
        **files,
    }


def handling_order(org) -> WorkOrder:
    """An order of 甲中队 accepted and contacted: ready for 办结."""
    order = services.work_order_intake(
        actor=org.leader,
        category=category(),
        content="路灯不亮",
        citizen_phone="13912345678",
        intake_unit=org.brigade,
    ).order
    services.work_order_dispatch(actor=org.leader, order=order, unit=org.squadron_a)
    services.work_order_accept(actor=org.lead_a, order=order)
    services.work_order_contact(actor=org.lead_a, order=order, channel="phone", result="已联系")
    return order


def test_intake_form_takes_several_files_and_the_order_page_lists_them(client, org, media):
    client.force_login(org.leader)
    files = [SimpleUploadedFile("现场照片.jpg", JPEG), SimpleUploadedFile("来信.pdf", PDF)]
    response = client.post("/workorders/intake/", intake_data(attachments=files))
    assert response.status_code == 302
    order = WorkOrder.objects.get()
    rows = list(Attachment.objects.order_by("original_name"))
    assert [(a.original_name, a.mime_type, a.stage) for a in rows] == [
        ("来信.pdf", "application/pdf", "intake"),
        ("现场照片.jpg", "image/jpeg", "intake"),
    ]
    assert all(a.object_type == "workorders.workorder" and a.object_id == str(order.pk) for a in rows)
    page = client.get(f"/workorders/{order.pk}/").content.decode()
    assert 'id="jw-wo-attachments"' in page and "现场照片.jpg" in page
    for row in rows:
        assert f'href="/core/attachments/{row.pk}/"' in page
    download = client.get(f"/core/attachments/{rows[1].pk}/")
    assert download.status_code == 200 and b"".join(download.streaming_content) == JPEG


def test_intake_with_a_disguised_file_creates_nothing(client, org, media):
    client.force_login(org.leader)
    files = [SimpleUploadedFile("现场照片.jpg", JPEG), SimpleUploadedFile("照片2.jpg", EXE, "image/jpeg")]
    response = client.post("/workorders/intake/", intake_data(attachments=files))
    assert response.status_code == 400
    html = response.content.decode()
    assert "“照片2.jpg”:文件内容是Windows可执行程序" in html
    assert not WorkOrder.objects.exists() and not Attachment.objects.exists() and stored_files(media) == []


def test_the_intake_service_rolls_back_the_order_when_a_file_is_refused(org, media):
    # the form checks too, but the service is the gate for every channel
    with pytest.raises(Exception) as refused:
        services.work_order_intake(
            actor=org.leader,
            category=category(),
            content="路灯不亮",
            citizen_phone="13912345678",
            intake_unit=org.brigade,
            attachments=[SimpleUploadedFile("a.pdf", PDF), SimpleUploadedFile("b.jpg", HTML)],
        )
    assert "attachments" in refused.value.message_dict  # type: ignore[attr-defined]
    assert not WorkOrder.objects.exists() and not Attachment.objects.exists() and stored_files(media) == []


def test_complete_action_takes_files(client, org, media):
    order = handling_order(org)
    client.force_login(org.lead_a)
    page = client.get(f"/workorders/{order.pk}/").content.decode()
    assert 'enctype="multipart/form-data"' in page and 'name="complete-attachments"' in page
    response = client.post(
        f"/workorders/{order.pk}/act/complete/",
        {
            "complete-result": "solved",
            "complete-reply": "已修复",
            "complete-attachments": [SimpleUploadedFile("整改后.jpg", JPEG)],
        },
    )
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.state == WorkOrder.State.COMPLETED
    [row] = Attachment.objects.all()
    assert row.stage == "completion" and row.original_name == "整改后.jpg" and row.uploaded_by == org.lead_a
    page = client.get(f"/workorders/{order.pk}/").content.decode()
    assert "整改后.jpg" in page and "办结" in page


def test_complete_with_a_refused_file_changes_nothing(client, org, media):
    order = handling_order(org)
    client.force_login(org.lead_a)
    before = WorkOrder.objects.values().get(pk=order.pk)
    response = client.post(
        f"/workorders/{order.pk}/act/complete/",
        {
            "complete-result": "solved",
            "complete-reply": "已修复",
            "complete-attachments": [SimpleUploadedFile("a.jpg", HTML)],
        },
    )
    assert response.status_code == 400
    assert "“a.jpg”:文件内容是网页或脚本(HTML)" in response.content.decode()
    assert WorkOrder.objects.values().get(pk=order.pk) == before
    assert not Completion.objects.exists() and not Attachment.objects.exists() and stored_files(media) == []


def test_the_complete_service_itself_rolls_back_on_a_refused_file(org, media):
    order = handling_order(org)
    before = WorkOrder.objects.values().get(pk=order.pk)
    with pytest.raises(Exception) as refused:
        services.work_order_complete(
            actor=org.lead_a,
            order=order,
            reply="已修复",
            result="solved",
            attachments=[SimpleUploadedFile("x.jpg", EXE)],
        )
    assert "attachments" in refused.value.message_dict  # type: ignore[attr-defined]
    assert WorkOrder.objects.values().get(pk=order.pk) == before and not Completion.objects.exists()
    assert not Attachment.objects.exists() and stored_files(media) == []


def test_another_squadron_sees_neither_the_order_nor_its_files(client, org, media):
    order = handling_order(org)
    services.work_order_attach(actor=org.lead_a, order=order, files=[SimpleUploadedFile("a.pdf", PDF)])
    row = Attachment.objects.get()
    client.force_login(org.lead_b)
    assert client.get(f"/workorders/{order.pk}/").status_code == 404
    assert client.get(f"/core/attachments/{row.pk}/").status_code == 404
    assert not AuditLog.objects.filter(event="core.attachment.download").exists()
    client.force_login(org.lead_a)
    assert client.get(f"/core/attachments/{row.pk}/").status_code == 200
    assert AuditLog.objects.filter(event="core.attachment.download", actor_id=org.lead_a.pk).count() == 1


# --- API -------------------------------------------------------------------------------------------------


def test_api_lists_and_uploads_attachments(client, org, media):
    order = handling_order(org)
    client.force_login(org.lead_a)
    url = f"{API}/{order.pk}/attachments/"
    assert client.get(url).json() == []
    response = client.post(
        url, {"attachments": [SimpleUploadedFile("录音.pdf", PDF), SimpleUploadedFile("b.jpg", JPEG)]}
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert [(a["name"], a["mime_type"], a["stage"], a["stage_label"]) for a in body] == [
        ("录音.pdf", "application/pdf", "handling", "办理"),
        ("b.jpg", "image/jpeg", "handling", "办理"),
    ]
    assert body[0]["uploaded_by"] == "王中队" and body[0]["size"] == len(PDF) and len(body[0]["sha256"]) == 64
    listed = client.get(url).json()
    assert [a["id"] for a in listed] == [a["id"] for a in body]
    download = client.get(listed[1]["download_url"])
    assert download.status_code == 200 and b"".join(download.streaming_content) == JPEG


def test_api_upload_errors_name_the_field_and_file_and_save_nothing(client, org, media):
    order = handling_order(org)
    client.force_login(org.lead_a)
    url = f"{API}/{order.pk}/attachments/"
    response = client.post(url, {"attachments": [SimpleUploadedFile("ok.pdf", PDF), SimpleUploadedFile("a.jpg", EXE)]})
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "invalid" and "文件内容是Windows可执行程序" in body["fields"]["attachments"][0]
    assert "“a.jpg”" in body["fields"]["attachments"][0]
    response = client.post(url, {"stage": "handling"})
    assert response.status_code == 400 and "attachments" in response.json()["fields"]
    response = client.post(url, {"attachments": [SimpleUploadedFile("ok.pdf", PDF)], "stage": "nonsense"})
    assert response.status_code == 400 and "stage" in response.json()["fields"]
    assert not Attachment.objects.exists() and stored_files(media) == []


def test_api_scope_capability_and_anonymous(client, org, media):
    order = handling_order(org)
    url = f"{API}/{order.pk}/attachments/"
    files = {"attachments": [SimpleUploadedFile("a.pdf", PDF)]}
    assert client.get(url).status_code == 401
    client.force_login(org.lead_b)  # another squadron
    assert client.get(url).status_code == 404
    assert client.post(url, files).status_code == 404
    supervisor = make_user("legal_x", "legal", org.brigade)  # sees orders, neither handles nor takes them in
    client.force_login(supervisor)
    assert client.get(url).status_code == 200
    response = client.post(url, {"attachments": [SimpleUploadedFile("a.pdf", PDF)]})
    assert response.status_code == 403 and response.json()["error"] == "permission_denied"
    assert not Attachment.objects.exists()


def test_api_refuses_files_on_a_merged_order(client, org, media):
    kept = make_order(org.squadron_a, content="同一诉求")
    merged = make_order(org.squadron_a, content="同一诉求", state=WorkOrder.State.MERGED, merged_into=kept)
    client.force_login(org.lead_a)
    response = client.post(f"{API}/{merged.pk}/attachments/", {"attachments": [SimpleUploadedFile("a.pdf", PDF)]})
    assert response.status_code == 409 and "已合并" in response.json()["detail"]
    assert not Attachment.objects.exists()
