"""The 12345 hotline import page: check, preview (masked), confirm, all or nothing, no duplicates."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from jingwu.workorders.models import WorkOrder

from .test_hotline_import import ROWS, xlsx

pytestmark = pytest.mark.django_db
URL = "/workorders/import/"


def upload(data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(
        "12345导出.xlsx", data, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )


def test_access_rules(client, org):
    assert client.get(URL).status_code == 302  # anonymous → login
    client.force_login(org.officer_a)  # no intake capability
    assert client.get(URL).status_code == 403
    assert client.post(URL, {"action": "import", "file": upload(xlsx(ROWS))}).status_code == 403
    assert not WorkOrder.objects.exists()
    client.force_login(org.leader)
    page = client.get(URL)
    assert page.status_code == 200 and "12345" in page.content.decode()
    template = client.get(URL, {"template": 1})
    assert template.status_code == 200 and template["Content-Type"].startswith("application/vnd.openxmlformats")


def test_bad_cell_imports_nothing_and_names_row_and_column(client, org):
    client.force_login(org.leader)
    rows = [*ROWS, ["2023050800003", "2023-05-08 11:00", "赵", "12345", "求助类", "x", "求助"]]
    response = client.post(URL, {"action": "import", "file": upload(xlsx(rows))})
    assert response.status_code == 422
    html = response.content.decode()
    assert "未导入任何数据" in html and "D5" in html.replace("</td><td>", "") or re.search(r"5.*D", html)
    assert not WorkOrder.objects.exists()


def test_check_then_confirm_creates_orders_once_with_masked_preview(client, org):
    client.force_login(org.leader)
    checked = client.post(URL, {"action": "check", "file": upload(xlsx(ROWS))})
    assert checked.status_code == 200
    html = checked.content.decode()
    assert "139****5678" in html and "13912345678" not in html  # the preview masks phones
    assert not WorkOrder.objects.exists()  # checking writes nothing
    token = re.search(r'name="token" value="([^"]+)"', html).group(1)
    done = client.post(URL, {"action": "confirm", "token": token, "filename": "12345导出.xlsx", "platform": "12345"})
    assert done.status_code == 200 and "新增 2 条" in done.content.decode()
    assert WorkOrder.objects.filter(source=WorkOrder.Source.HOTLINE).count() == 2
    again = client.post(URL, {"action": "import", "file": upload(xlsx(ROWS))})
    assert "未变化 2 条" in again.content.decode()
    assert WorkOrder.objects.count() == 2


def test_another_users_upload_token_is_refused(client, org):
    client.force_login(org.leader)
    html = client.post(URL, {"action": "check", "file": upload(xlsx(ROWS))}).content.decode()
    token = re.search(r'name="token" value="([^"]+)"', html).group(1)
    client.force_login(org.lead_a)
    refused = client.post(URL, {"action": "confirm", "token": token, "filename": "x.xlsx"})
    assert refused.status_code == 400 and not WorkOrder.objects.exists()


def test_a_platform_choice_when_several_are_configured_and_repeats_listed_after_import(client, org, settings):
    from .test_hotline_import import OTHER

    client.force_login(org.leader)
    assert 'id="jw-hotline-platforms"' not in client.get(URL).content.decode()  # only 12345: no choice
    settings.WORKORDERS_HOTLINE_PLATFORMS = {"wuhai": OTHER}
    html = client.get(URL).content.decode()
    assert 'id="jw-hotline-platforms"' in html and 'href="/workorders/import/wuhai/"' in html
    other = client.get("/workorders/import/wuhai/")
    assert other.status_code == 200 and "乌海12345工单导入" in other.content.decode()
    assert 'name="platform" value="wuhai"' in other.content.decode()
    assert client.get("/workorders/import/nowhere/").status_code == 404
    same_phone = ["2023050800009", "2023-05-09 09:00", "王女士", "13912345678", "求助类", "别处", "还是乱停车"]
    done = client.post("/workorders/import/wuhai/", {"action": "import", "file": upload(xlsx([*ROWS, same_phone]))})
    assert done.status_code == 200
    page = done.content.decode()
    order = WorkOrder.objects.get(source_number="2023050800009")
    assert 'id="jw-import-repeats"' in page and f"/workorders/{order.pk}/repeats/" in page
    assert set(WorkOrder.objects.values_list("source_platform", flat=True)) == {"wuhai"}
