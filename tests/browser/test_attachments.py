"""Attachments in a real browser: a photo chosen on the intake form is on the order's page and
downloads under its Chinese name; an executable dressed as a photo is refused on the form."""

from __future__ import annotations

import pytest

from jingwu.core.models import Attachment
from jingwu.core.tests.test_attachments import EXE, PNG
from jingwu.testing.factories import PASSWORD, build_org_tree
from jingwu.workorders.models import Category, WorkOrder

from .conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def fill_intake(page, base: str) -> None:
    page.goto(f"{base}/workorders/intake/")
    page.fill("#id_citizen_name", "王女士")
    page.fill("#id_citizen_phone", "13912345678")
    page.fill("#id_address", "幸福路88号")
    page.select_option("#id_category", label="求助")
    page.fill("#id_content", "小区门口机动车乱停放,附现场照片")


def test_a_file_chosen_on_the_intake_form_is_on_the_order_page(page, live_server, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    Category.objects.get_or_create(code="help", defaults={"name": "求助"})  # flushed data migration
    build_org_tree()
    base = live_server.url
    login(page, base, "leader", PASSWORD)

    # A disguised executable is refused on the form, naming the file; nothing is taken in.
    fill_intake(page, base)
    page.set_input_files("#id_attachments", [{"name": "照片.jpg", "mimeType": "image/jpeg", "buffer": EXE}])
    page.click("#jw-wo-intake-submit")
    page.wait_for_load_state("networkidle")
    assert "“照片.jpg”:文件内容是Windows可执行程序" in page.inner_text("#jw-wo-intake-form")
    assert not WorkOrder.objects.exists() and not Attachment.objects.exists()

    # A real photo goes with the order and is listed on its page.
    fill_intake(page, base)
    page.set_input_files("#id_attachments", [{"name": "现场照片.png", "mimeType": "image/png", "buffer": PNG}])
    page.click("#jw-wo-intake-submit")
    page.wait_for_load_state("networkidle")
    order = WorkOrder.objects.get()
    assert page.url.endswith(f"/workorders/{order.pk}/")
    card = page.locator("#jw-wo-attachments")
    assert "现场照片.png" in card.inner_text() and "受理" in card.inner_text()
    with page.expect_download() as info:
        card.locator("a.jw-attachment-link").click()
    download = info.value
    assert download.suggested_filename == "现场照片.png"
    with open(download.path(), "rb") as fh:
        assert fh.read() == PNG
