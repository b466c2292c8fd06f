"""The working calendar: published holidays, 调休, administrator overrides, the command and the page."""

from __future__ import annotations

from datetime import date, timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from jingwu.core import calendar
from jingwu.core.calendar import CalendarError, CalendarUnavailable, holiday_name, is_workday
from jingwu.core.models import AuditLog, CalendarDay
from jingwu.core.navigation import navigation_for

pytestmark = pytest.mark.django_db


def days(start: date, end: date) -> list[date]:
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


# --- published calendar ---------------------------------------------------------------------------


def test_may_day_2023():
    assert not any(is_workday(d) for d in days(date(2023, 4, 29), date(2023, 5, 3)))
    assert is_workday(date(2023, 4, 23))  # Sunday, worked
    assert is_workday(date(2023, 5, 6))  # Saturday, worked
    assert is_workday(date(2023, 4, 28)) and is_workday(date(2023, 5, 4))
    assert holiday_name(date(2023, 5, 1)) == "劳动节"
    assert holiday_name(date(2023, 5, 6)) is None  # a working day has no holiday name
    assert calendar.day_info(date(2023, 5, 6)).name == "劳动节调休"


def test_spring_festival_2024():
    assert not any(is_workday(d) for d in days(date(2024, 2, 10), date(2024, 2, 17)))
    assert is_workday(date(2024, 2, 4)) and is_workday(date(2024, 2, 18))  # both Sundays
    assert holiday_name(date(2024, 2, 12)) == "春节"


def test_national_day_and_mid_autumn_2025():
    assert not any(is_workday(d) for d in days(date(2025, 10, 1), date(2025, 10, 8)))
    assert is_workday(date(2025, 9, 28))  # Sunday
    assert is_workday(date(2025, 10, 11))  # Saturday
    assert holiday_name(date(2025, 10, 1)) == "国庆节"
    assert holiday_name(date(2025, 10, 6)) == "中秋"
    assert holiday_name(date(2025, 10, 12)) is None  # an ordinary Sunday


def test_unpublished_year_raises_with_instructions():
    with pytest.raises(CalendarUnavailable) as err:
        is_workday(date(2027, 3, 1))
    message = str(err.value)
    assert err.value.year == 2027
    assert "2027" in message and "jingwu calendar import" in message and "工作日历" in message
    with pytest.raises(CalendarUnavailable):
        is_workday(date(2003, 6, 2))


# --- overrides ------------------------------------------------------------------------------------


def test_override_makes_a_2027_date_computable_but_not_its_neighbours(org):
    calendar.calendar_day_set(actor=org.sysadmin, date=date(2027, 2, 8), kind="holiday", name="春节")
    assert not is_workday(date(2027, 2, 8))
    assert holiday_name(date(2027, 2, 8)) == "春节"
    with pytest.raises(CalendarUnavailable):
        is_workday(date(2027, 2, 9))


def test_override_wins_over_the_published_calendar_and_the_cache_follows_changes(org):
    monday = date(2024, 2, 19)
    assert is_workday(monday)  # now cached
    calendar.calendar_day_set(actor=org.sysadmin, date=monday, kind="holiday", name="地方节日")
    assert not is_workday(monday)
    assert holiday_name(monday) == "地方节日"
    calendar.calendar_day_set(actor=org.sysadmin, date=date(2024, 2, 17), kind="workday")  # a holiday Saturday
    assert is_workday(date(2024, 2, 17))
    calendar.calendar_day_delete(actor=org.sysadmin, date=monday)
    assert is_workday(monday)


def test_overrides_are_read_once_per_year(django_assert_num_queries):
    with django_assert_num_queries(1):
        workdays = [d for d in days(date(2023, 1, 1), date(2023, 12, 31)) if is_workday(d)]
    assert len(workdays) == 249  # 2023: 260 weekdays − 18 weekday holidays + 7 worked weekend days


def test_calendar_services_validate_and_audit(org):
    day = calendar.calendar_day_set(actor=org.sysadmin, date=date(2027, 1, 1), kind="holiday", name="元旦")
    row = AuditLog.objects.get(event="calendar.day_set")
    assert row.actor_id == org.sysadmin.pk and row.object_id == str(day.pk)
    assert row.changes == {"date": "2027-01-01", "kind": "holiday", "name": "元旦"}
    with pytest.raises(CalendarError, match="只能调整一次"):
        calendar.calendar_day_set(actor=org.sysadmin, date=date(2027, 1, 1), kind="workday")
    with pytest.raises(CalendarError, match="类型"):
        calendar.calendar_day_set(actor=org.sysadmin, date=date(2027, 1, 2), kind="")
    assert CalendarDay.objects.count() == 1
    calendar.calendar_day_delete(actor=org.sysadmin, date=date(2027, 1, 1))
    deleted = AuditLog.objects.get(event="calendar.day_delete")
    assert deleted.changes["before"]["name"] == "元旦"
    assert not CalendarDay.objects.exists()


def test_completing_an_unpublished_year(org):
    calendar.calendar_day_set(actor=org.sysadmin, date=date(2027, 2, 8), kind="holiday", name="春节")
    calendar.calendar_day_set(actor=org.sysadmin, date=date(2027, 2, 20), kind="workday", name="春节调休")
    assert not calendar.year_coverage(2027).covered
    added = calendar.calendar_year_complete(actor=org.sysadmin, year=2027)
    assert added == 363
    assert calendar.year_coverage(2027).covered
    assert is_workday(date(2027, 3, 1)) and not is_workday(date(2027, 3, 6))
    assert not is_workday(date(2027, 2, 8)) and is_workday(date(2027, 2, 20))  # entered days kept
    assert AuditLog.objects.filter(event="calendar.year_complete").count() == 1
    with pytest.raises(CalendarError):
        calendar.calendar_year_complete(actor=org.sysadmin, year=2024)  # published: refused


# --- command --------------------------------------------------------------------------------------


def run(*args: str) -> str:
    out = StringIO()
    call_command("calendar", *args, stdout=out)
    return out.getvalue()


def test_command_show_lists_holidays_and_swaps():
    out = run("show", "2023")
    assert "2023-04-23 周日 调休上班 劳动节调休" in out
    assert "2023-05-01 周一 休息" in out
    assert "2023-05-08" not in out  # an ordinary Monday is not listed


def test_command_check():
    assert "2025 年已覆盖" in run("check", "2025")
    with pytest.raises(CommandError, match="2027 年未覆盖"):
        run("check", "2027")


def test_command_import_is_all_or_nothing_with_line_numbers(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "date,kind,name\n2027-01-01,holiday,元旦\n2027-13-01,holiday,x\n2027-01-04,maybe,\n", encoding="utf-8"
    )
    with pytest.raises(CommandError) as err:
        run("import", str(bad))
    assert "第 3 行" in str(err.value) and "第 4 行" in str(err.value)
    assert not CalendarDay.objects.exists()
    assert not AuditLog.objects.filter(event="calendar.import").exists()


def test_command_import_and_complete_year(tmp_path, org):
    good = tmp_path / "2027.csv"
    good.write_text(
        "\ufeffdate,kind,name\n2027-01-01,休息日,元旦\n# 春节\n2027-02-06,holiday,春节\n2027-02-20,工作日,春节调休\n",
        encoding="utf-8",
    )
    out = run("import", str(good), "--complete-year", "2027", "--user", "sysadmin")
    assert "已导入 3 条" in out and "2027 年已覆盖" in out
    assert not is_workday(date(2027, 1, 1)) and is_workday(date(2027, 2, 20)) and is_workday(date(2027, 1, 4))
    row = AuditLog.objects.get(event="calendar.import")
    assert row.actor_id == org.sysadmin.pk and row.origin == "command" and row.changes["count"] == 3
    # Importing the same dates again is refused unless --replace is given.
    with pytest.raises(CommandError, match="已有调整"):
        run("import", str(good))
    run("import", str(good), "--replace")
    assert CalendarDay.objects.filter(date__year=2027).count() == 365


# --- the override page ----------------------------------------------------------------------------

URL = "/core/calendar/"


def test_page_scope(client, org):
    response = client.get(URL)
    assert response.status_code == 302 and "/login/" in response["Location"]
    client.force_login(org.lead_a)
    assert client.get(URL).status_code == 403
    assert client.post(f"{URL}add/", {"date": "2027-01-01", "kind": "holiday", "year": "2027"}).status_code == 403
    assert not CalendarDay.objects.exists()
    client.force_login(org.sysadmin)
    response = client.get(URL, {"year": "2023"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "已覆盖" in page and "劳动节调休" in page
    assert 'href="/core/calendar/"' in page  # the sidebar entry


def test_navigation_entry_only_for_calendar_managers(org):
    def labels(user):  # type: ignore[no-untyped-def]
        return [item.label for group in navigation_for(user, "/") for item in group.items]

    assert "工作日历" in labels(org.sysadmin)
    assert "工作日历" not in labels(org.lead_a)


def test_page_add_and_delete_are_audited(client, org):
    client.force_login(org.sysadmin)
    response = client.post(f"{URL}add/", {"date": "2027-01-01", "kind": "holiday", "name": "元旦", "year": "2027"})
    assert response.status_code == 302 and response["Location"] == f"{URL}?year=2027"
    assert CalendarDay.objects.get(date=date(2027, 1, 1)).name == "元旦"
    row = AuditLog.objects.get(event="calendar.day_set")
    assert row.actor_username == "sysadmin" and row.origin == "web"
    page = client.get(URL, {"year": "2027"}).content.decode()
    assert "元旦" in page and "未覆盖" in page

    duplicate = client.post(f"{URL}add/", {"date": "2027-01-01", "kind": "workday", "year": "2027"})
    assert duplicate.status_code == 400 and "只能调整一次" in duplicate.content.decode()
    no_kind = client.post(f"{URL}add/", {"date": "2027-01-02", "kind": "", "year": "2027"})
    assert no_kind.status_code == 400 and "请选择类型" in no_kind.content.decode()
    assert CalendarDay.objects.count() == 1

    response = client.post(f"{URL}2027-01-01/delete/")
    assert response.status_code == 302
    assert not CalendarDay.objects.exists()
    assert AuditLog.objects.filter(event="calendar.day_delete", actor_id=org.sysadmin.pk).count() == 1
    assert client.post(f"{URL}2027-01-01/delete/").status_code == 404


def test_page_completes_an_unpublished_year(client, org):
    client.force_login(org.sysadmin)
    response = client.post(f"{URL}2027/complete/")
    assert response.status_code == 302
    assert calendar.year_coverage(2027).covered
    client.post(f"{URL}2024/complete/")  # published year: refused with a message, nothing stored
    assert not CalendarDay.objects.filter(date__year=2024).exists()
