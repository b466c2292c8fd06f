"""English as the second UI language: Chinese stays the default, English follows the language
cookie, ``Accept-Language: en`` or the header's language switcher (Django's set_language view);
the English catalogue is complete and compiled."""

from __future__ import annotations

import gettext
import io
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from jingwu.org import ledger

LOCALE = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES"


def _html(response) -> str:  # type: ignore[no-untyped-def]
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def english(client):  # type: ignore[no-untyped-def]
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


# --- pages ---------------------------------------------------------------------------------------


def test_login_page_is_chinese_by_default_and_english_on_request(client, db):
    html = _html(client.get(reverse("login")))
    assert '<html lang="zh-hans">' in html and "用户名" in html and "登录" in html
    assert "Sign in" not in html

    html = _html(client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en"))
    assert '<html lang="en">' in html
    assert "Sign in" in html and "Username" in html and "Password" in html
    assert "用户名" not in html


def test_home_page_in_english(english, org):
    english.force_login(org.lead_a)
    html = _html(english.get(reverse("home")))
    for label in ("Workbench", "Home", "Units", "People", "Unit lead", "Active police officers", "To do"):
        assert label in html, label
    assert "中队长/科室负责人" not in html and "待办事项" not in html
    assert "王中队" in html  # data is never translated


def test_home_page_in_chinese_by_default(client, org):
    client.force_login(org.lead_a)
    html = _html(client.get(reverse("home")))
    assert "中队长/科室负责人" in html and "在岗民警" in html and "人员" in html
    assert "Unit lead" not in html and "Workbench" not in html


def test_people_list_in_english(english, org):
    english.force_login(org.lead_a)
    html = _html(english.get(reverse("org:person-list")))
    for label in ("People", "Search", "All units", "Police no.", ">Police<", "Include sub-units", "Reset"):
        assert label in html, label
    assert "张三丰" in html
    assert "全部单位" not in html and "警号" not in html


def test_people_list_in_chinese_by_default(client, org):
    client.force_login(org.lead_a)
    html = _html(client.get(reverse("org:person-list")))
    assert "全部单位" in html and "警号" in html and "民警" in html
    assert "All units" not in html and "Police no." not in html


def test_person_detail_in_english_and_chinese(client, org):
    client.force_login(org.lead_a)
    url = reverse("org:person-detail", args=[org.person_a.pk])
    html = _html(client.get(url))
    assert "身份信息" in html and "身份证号" in html and "在岗" in html

    html = _html(client.get(url, HTTP_ACCEPT_LANGUAGE="en"))
    for label in ("Identity", "ID number", "Employment", "Active", "Police", "Edit"):
        assert label in html, label
    assert "身份信息" not in html and "张三丰" in html


def test_unit_list_counts_in_english(english, org):
    english.force_login(org.lead_a)
    html = _html(english.get(reverse("org:unit-list")))
    assert "Unit tree" in html and re.search(r"\d+ (person|people)\b", html)
    assert "单位树" not in html


def test_language_switcher_posts_to_set_language(client, org):
    client.force_login(org.lead_a)
    people = reverse("org:person-list")
    response = client.post(reverse("set_language"), {"language": "en", "next": people})
    assert response.status_code == 302 and response["Location"] == people
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert "Search" in _html(client.get(people))

    client.post(reverse("set_language"), {"language": "zh-hans", "next": people})
    html = _html(client.get(people))
    assert "搜索" in html and "Search" not in html


def test_flash_messages_follow_the_language(english, org):
    english.force_login(org.sysadmin)
    response = english.post(
        reverse("org:unit-edit", args=[org.squadron_a.pk]),
        {"name": org.squadron_a.name, "short_name": "", "code": org.squadron_a.code, "kind": "squadron", "order": 0},
        follow=True,
    )
    assert "Unit saved" in _html(response)


def test_ledger_export_stays_chinese_in_an_english_session(org):
    """The 台账 is a Chinese document that imports back; the page language does not change it."""
    with translation.override("en"):
        data, _name = ledger.export_people(actor=org.lead_a, params={})
    sheet = load_workbook(io.BytesIO(data)).active
    values = {str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None}
    assert "民警" in values and "在岗" in values
    assert "Police" not in values and "Active" not in values


# --- catalogue -----------------------------------------------------------------------------------


def _po_entries() -> list[dict[str, object]]:
    """(context, msgid, msgstrs, flags) of every entry of the English .po, header excluded."""
    text = (LOCALE / "django.po").read_text(encoding="utf-8")
    entries = []
    for block in text.strip().split("\n\n"):
        lines = block.splitlines()
        flags = [line for line in lines if line.startswith("#,")]
        fields: dict[str, str] = {}
        key = None
        for line in lines:
            if line.startswith("#"):
                continue
            match = re.match(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d\])?) "(.*)"$', line)
            if match:
                key = match.group(1)
                fields[key] = match.group(2)
            elif line.startswith('"') and key:
                fields[key] += line[1:-1]
        fields = {k: v.replace('\\"', '"').replace("\\n", "\n").replace("\\\\", "\\") for k, v in fields.items()}
        if fields.get("msgid") == "":
            continue
        entries.append(
            {
                "context": fields.get("msgctxt"),
                "msgid": fields["msgid"],
                "plural": "msgid_plural" in fields,
                "msgstrs": [v for k, v in fields.items() if k.startswith("msgstr")],
                "flags": flags,
            }
        )
    return entries


def test_english_catalogue_is_complete():
    entries = _po_entries()
    assert len(entries) > 300
    for entry in entries:
        assert entry["msgstrs"] and all(entry["msgstrs"]), f"untranslated: {entry['msgid']}"
        assert not any("fuzzy" in flag for flag in entry["flags"]), f"fuzzy: {entry['msgid']}"  # type: ignore[attr-defined]


def test_compiled_catalogue_matches_the_po():
    """The .mo in the tree (CI has no gettext) carries every translation of the .po."""
    with open(LOCALE / "django.mo", "rb") as fh:
        catalogue = gettext.GNUTranslations(fh)
    for entry in _po_entries():
        msgid, context = str(entry["msgid"]), entry["context"]
        if entry["plural"]:
            assert catalogue.ngettext(msgid, msgid, 2) == entry["msgstrs"][1], msgid  # type: ignore[index]
        elif context:
            assert catalogue.pgettext(str(context), msgid) == entry["msgstrs"][0], msgid  # type: ignore[index]
        else:
            assert catalogue.gettext(msgid) == entry["msgstrs"][0], msgid  # type: ignore[index]


def test_lazy_labels_make_no_migration(db):
    call_command("makemigrations", "org", "core", check=True, dry_run=True, verbosity=0)
