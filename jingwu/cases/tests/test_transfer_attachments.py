"""行刑衔接 with documents: a partner agency transfers a case with its files; the police side sees and
downloads them; another agency (and another squadron) gets 404; a refused file transfers nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from jingwu.cases.models import InterAgencyTransfer
from jingwu.cases.models.agencies import Agency
from jingwu.cases.services import agencies as svc
from jingwu.core.models import Attachment, AuditLog
from jingwu.core.tests.test_attachments import EXE, JPEG, PDF, docx_bytes, stored_files
from jingwu.testing.factories import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def media(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def _partner(world, username: str, name: str, unit):
    agency = svc.agency_create(actor=world.org.sysadmin, name=name, kind=Agency.Kind.WATER, receiving_unit=unit)
    return svc.partner_account_create(actor=world.org.sysadmin, agency=agency, username=username, password=PASSWORD)


@pytest.fixture
def water(world):
    return _partner(world, "water", "某市水利局", world.org.squadron_a)


@pytest.fixture
def forest(world):
    return _partner(world, "forest", "某市林草局", world.org.squadron_b)


def submit(client, partner, *files):
    client.force_login(partner)
    return client.post(
        "/cases/transfers/new/",
        {
            "title": "某砂场非法采砂案",
            "summary": "禁采区采砂1.2万方",
            "documents": "移送书\n勘验笔录",
            "decision_limit_days": 3,
            "attachments": list(files),
        },
    )


def test_a_transfer_with_documents_seen_from_both_sides(client, world, water, forest, media):
    docx = docx_bytes()
    response = submit(
        client, water, SimpleUploadedFile("涉嫌犯罪案件移送书.pdf", PDF), SimpleUploadedFile("勘验笔录.docx", docx)
    )
    transfer = InterAgencyTransfer.objects.get()
    assert response.status_code == 302
    rows = {a.original_name: a for a in Attachment.objects.all()}
    assert set(rows) == {"涉嫌犯罪案件移送书.pdf", "勘验笔录.docx"}
    assert all(a.stage == "transfer" and a.object_id == str(transfer.pk) for a in rows.values())

    # The agency sees its own documents and downloads them.
    page = client.get(f"/cases/transfers/{transfer.pk}/").content.decode()
    assert 'id="jw-transfer-attachments"' in page and "涉嫌犯罪案件移送书.pdf" in page
    response = client.get(f"/core/attachments/{rows['勘验笔录.docx'].pk}/")
    assert response.status_code == 200 and b"".join(response.streaming_content) == docx

    # The receiving police unit sees and downloads them (audited).
    client.force_login(world.org.lead_a)
    page = client.get(f"/cases/transfers/{transfer.pk}/").content.decode()
    assert f'href="/core/attachments/{rows["涉嫌犯罪案件移送书.pdf"].pk}/"' in page
    response = client.get(f"/core/attachments/{rows['涉嫌犯罪案件移送书.pdf'].pk}/")
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert AuditLog.objects.filter(event="core.attachment.download", actor_id=world.org.lead_a.pk).count() == 1

    # Another agency and another squadron: the transfer and its files do not exist for them.
    for outsider in (forest, world.org.lead_b):
        client.force_login(outsider)
        assert client.get(f"/cases/transfers/{transfer.pk}/").status_code == 404
        for row in rows.values():
            assert client.get(f"/core/attachments/{row.pk}/").status_code == 404


def test_another_agencys_partner_gets_404_for_its_files(client, world, water, forest, media):
    submit(client, forest, SimpleUploadedFile("林草局移送书.pdf", PDF))
    theirs = Attachment.objects.get()
    client.force_login(water)
    assert client.get(f"/core/attachments/{theirs.pk}/").status_code == 404
    client.force_login(world.org.lead_b)  # 乙中队 receives 林草局's transfers
    assert client.get(f"/core/attachments/{theirs.pk}/").status_code == 200


def test_a_disguised_file_transfers_nothing(client, world, water, media):
    response = submit(client, water, SimpleUploadedFile("移送书.pdf", PDF), SimpleUploadedFile("照片.jpg", EXE))
    assert response.status_code == 200
    assert "“照片.jpg”:文件内容是Windows可执行程序" in response.content.decode()
    assert not InterAgencyTransfer.objects.exists() and not Attachment.objects.exists() and stored_files(media) == []


def test_the_submit_service_rolls_back_with_a_refused_file(world, water, media):
    with pytest.raises(Exception) as refused:
        svc.transfer_submit(actor=water, title="案", summary="情况", attachments=[SimpleUploadedFile("a.jpg", EXE)])
    assert "attachments" in refused.value.message_dict  # type: ignore[attr-defined]
    assert not InterAgencyTransfer.objects.exists() and stored_files(media) == []


def test_police_transfer_out_with_documents_reaches_the_agency(client, world, water, media):
    client.force_login(world.org.lead_a)
    agency = Agency.objects.get(name="某市水利局")
    response = client.post(
        "/cases/transfers/out/",
        {
            "unit": world.org.squadron_a.pk,
            "agency": agency.pk,
            "title": "河道违法取水",
            "summary": "不构成犯罪,移交水行政处罚",
            "attachments": [SimpleUploadedFile("现场照片.jpg", JPEG)],
        },
    )
    assert response.status_code == 302, response.content.decode()[:500]
    transfer = InterAgencyTransfer.objects.get()
    row = Attachment.objects.get()
    assert row.object_id == str(transfer.pk) and row.uploaded_by == world.org.lead_a
    client.force_login(water)
    page = client.get(f"/cases/transfers/{transfer.pk}/").content.decode()
    assert "现场照片.jpg" in page and "王中队" not in page  # the agency does not see which officer uploaded
    assert client.get(f"/core/attachments/{row.pk}/").status_code == 200
