"""The demo near a year's end: deadlines reaching an unpublished year get a provisional calendar."""

from __future__ import annotations

from datetime import date

import pytest

from jingwu.core import calendar
from jingwu.core.demo import provisional_calendar
from jingwu.core.models import AuditLog

pytestmark = pytest.mark.django_db


def test_a_year_the_demo_reaches_without_a_published_calendar_is_completed_provisionally():
    unpublished = next(y for y in range(2026, 2100) if not calendar.is_published_year(y))
    with pytest.raises(calendar.CalendarUnavailable):
        calendar.is_workday(date(unpublished, 1, 4))
    assert provisional_calendar(date(unpublished - 1, 12, 20)) == [unpublished]
    assert calendar.year_coverage(unpublished).covered
    assert not calendar.is_workday(date(unpublished, 1, 1))  # 元旦, fixed by date
    assert not calendar.is_workday(date(unpublished, 10, 2))  # 国庆节
    monday = next(date(unpublished, 3, d) for d in range(1, 8) if date(unpublished, 3, d).weekday() == 0)
    assert calendar.is_workday(monday) and not calendar.is_workday(date.fromordinal(monday.toordinal() - 1))
    assert AuditLog.objects.filter(event="calendar.year_complete").count() == 1
    assert provisional_calendar(date(unpublished - 1, 12, 20)) == []  # once


def test_nothing_is_added_far_from_the_year_end():
    published = max(y for y in range(2004, 2100) if calendar.is_published_year(y))
    assert provisional_calendar(date(published, 3, 1)) == []
