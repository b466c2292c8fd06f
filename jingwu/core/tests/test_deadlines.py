"""Deadlines on the Chinese working calendar: limits, pause (挂起), extension (延期) and states.

Default working hours: 08:30–12:00 and 14:30–18:00 (7 working hours a day), Asia/Shanghai.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from jingwu.core import calendar
from jingwu.core.calendar import TZ, CalendarUnavailable
from jingwu.core.deadlines import (
    Clock,
    DeadlineState,
    Extension,
    LimitSpec,
    Pause,
    add_natural_hours,
    add_working_days,
    add_working_hours,
    compute_due,
    deadline_state,
    end_of_working_day,
    remaining,
    working_time_between,
)
from jingwu.core.models import CalendarDay, WorkSchedule

pytestmark = pytest.mark.django_db


def at(y: int, m: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    return datetime(y, m, d, h, mi, tzinfo=TZ)


# --- working hours and working days ---------------------------------------------------------------


def test_four_working_hours_from_friday_afternoon_before_may_day_land_after_the_holiday():
    # Fri 28 Apr 16:00–18:00 uses 2 h; 29 Apr–3 May are off; Thu 4 May 08:30 + 2 h = 10:30.
    assert add_working_hours(at(2023, 4, 28, 16), 4) == at(2023, 5, 4, 10, 30)


def test_three_working_days_from_28_april_2023_end_on_the_saturday_make_up_workday():
    # Received Fri 28 Apr (a working day): the start day never counts, so day 1 is the next working
    # day. 29 Apr–3 May are the May Day holiday; day 1 = Thu 4 May, day 2 = Fri 5 May, day 3 =
    # Sat 6 May, a 调休 make-up workday. Due at the end of 6 May's working hours, not on 5 May.
    assert add_working_days(at(2023, 4, 28, 10), 3) == at(2023, 5, 6, 18)
    assert compute_due(at(2023, 4, 28, 10), LimitSpec(3, "working_days")) == at(2023, 5, 6, 18)


def test_working_day_limit_received_on_a_holiday_starts_counting_the_next_working_day():
    # Mon 12 Feb 2024 is inside the Spring Festival break (10–17 Feb); Sun 18 Feb is worked.
    assert add_working_days(at(2024, 2, 12, 10), 1) == at(2024, 2, 18, 18)
    assert add_working_days(at(2024, 2, 12, 10), 2) == at(2024, 2, 19, 18)


def test_working_day_limit_spanning_the_year_boundary():
    # Tue 30 Dec 2025: day 1 = Wed 31 Dec; 1–3 Jan 2026 are New Year's Day; Sun 4 Jan is worked
    # (day 2); Mon 5 Jan is day 3.
    assert add_working_days(at(2025, 12, 30, 9), 3) == at(2026, 1, 5, 18)


def test_working_hours_across_national_day_and_mid_autumn_2025():
    # Tue 30 Sep 17:00–18:00 is 1 h; 1–8 Oct are off; Thu 9 Oct 08:30 + 1 h.
    assert add_working_hours(at(2025, 9, 30, 17), 2) == at(2025, 10, 9, 9, 30)


def test_working_hours_skip_the_lunch_break_and_stop_at_a_period_end():
    assert add_working_hours(at(2024, 2, 9, 11), 3) == at(2024, 2, 9, 16, 30)
    assert add_working_hours(at(2023, 5, 4, 8, 30), 3.5) == at(2023, 5, 4, 12)
    # Starting before opening counts from 08:30.
    assert add_working_hours(at(2023, 5, 4, 6), 1) == at(2023, 5, 4, 9, 30)


def test_natural_hours_ignore_the_calendar():
    assert add_natural_hours(at(2023, 4, 28, 16), 24) == at(2023, 4, 29, 16)
    assert compute_due(at(2023, 4, 28, 16), LimitSpec(2, "natural_hours")) == at(2023, 4, 28, 18)


def test_end_of_working_day_and_same_day_limits():
    assert end_of_working_day(date(2023, 4, 28)) == at(2023, 4, 28, 18)
    assert end_of_working_day(date(2023, 4, 29)) == at(2023, 5, 4, 18)  # a holiday: next working day
    same_day = LimitSpec(1, "same_day")
    assert compute_due(at(2023, 4, 28, 17), same_day) == at(2023, 4, 28, 18)
    assert compute_due(at(2023, 4, 28, 19), same_day) == at(2023, 5, 4, 18)  # after hours
    assert compute_due(at(2023, 4, 30, 10), same_day) == at(2023, 5, 4, 18)  # on a holiday


def test_working_time_between_counts_only_working_periods():
    assert working_time_between(at(2023, 4, 28, 16), at(2023, 5, 4, 10, 30)).total_seconds() == 4 * 3600


def test_a_year_without_calendar_is_an_error_not_a_guess():
    # 31 Dec 2026 (Thu) is day 1; day 2 would be in 2027, which is not published.
    with pytest.raises(CalendarUnavailable) as err:
        add_working_days(at(2026, 12, 30, 10), 2)
    assert err.value.year == 2027
    with pytest.raises(CalendarUnavailable):
        compute_due(at(2027, 3, 1, 9), LimitSpec(4, "working_hours"))


def test_overrides_for_2027_make_its_dates_computable(org):
    for day, kind, name in [
        (date(2027, 1, 1), "holiday", "元旦"),
        (date(2027, 1, 2), "holiday", "元旦"),
        (date(2027, 1, 3), "holiday", "元旦"),
        (date(2027, 1, 4), "workday", ""),
    ]:
        calendar.calendar_day_set(actor=org.sysadmin, date=day, kind=kind, name=name)
    assert add_working_days(at(2026, 12, 31, 10), 1) == at(2027, 1, 4, 18)
    with pytest.raises(CalendarUnavailable):
        add_working_days(at(2026, 12, 31, 10), 2)  # 5 Jan 2027 still has no data


def test_naive_datetimes_are_rejected():
    naive = datetime(2023, 4, 28, 16)
    with pytest.raises(ValueError, match="naive"):
        add_working_hours(naive, 4)
    with pytest.raises(ValueError, match="naive"):
        Clock(naive, LimitSpec(3, "working_days"))
    with pytest.raises(ValueError, match="naive"):
        deadline_state(naive, at(2023, 5, 4, 10))
    with pytest.raises(ValueError, match="naive"):
        Clock(at(2023, 4, 24, 9), LimitSpec(8, "working_hours"), pauses=[(naive, None)])


def test_aware_datetimes_in_other_zones_are_counted_in_shanghai_time():
    start = datetime(2023, 4, 28, 8, 0, tzinfo=UTC)  # 16:00 in Beijing
    assert add_working_hours(start, 4) == at(2023, 5, 4, 10, 30)


def test_limit_spec_validation():
    for bad in [(0, "working_hours"), (1.5, "working_days"), (3, "fortnights"), (-1, "natural_hours")]:
        with pytest.raises(ValueError):
            LimitSpec(*bad)
    assert str(LimitSpec(3, "working_days")) == "3个工作日"


def test_unit_working_hours_come_from_the_nearest_schedule(org):
    WorkSchedule.objects.create(unit=None, afternoon_end=time(17, 30))
    WorkSchedule.objects.create(unit=org.brigade, afternoon_end=time(17, 0))
    WorkSchedule.objects.create(unit=org.squadron_a, afternoon_end=time(19, 0))
    start = at(2023, 4, 28, 10)
    assert add_working_days(start, 1, org.squadron_a) == at(2023, 5, 4, 19)  # its own
    assert add_working_days(start, 1, org.squadron_b) == at(2023, 5, 4, 17)  # the brigade's
    assert add_working_days(start, 1, org.detachment) == at(2023, 5, 4, 17, 30)  # the default row
    assert add_working_days(start, 1) == at(2023, 5, 4, 17, 30)


def test_built_in_hours_when_no_schedule_exists():
    assert not WorkSchedule.objects.exists()
    assert add_working_days(at(2023, 4, 28, 10), 1) == at(2023, 5, 4, 18)


# --- pause and resume ------------------------------------------------------------------------------

# Mon 24 Apr 2023 09:00 + 8 working hours: Mon 09:00–12:00 (3) + 14:30–18:00 (3.5) + Tue 08:30–10:00.
START = at(2023, 4, 24, 9)
EIGHT_HOURS = LimitSpec(8, "working_hours")
DUE = at(2023, 4, 25, 10)


def test_original_due_of_the_clock():
    assert Clock(START, EIGHT_HOURS).due(at(2023, 4, 24, 10)) == DUE


def test_pause_and_resume_exclude_the_paused_working_time():
    two_hours = Clock(START, EIGHT_HOURS, pauses=[(at(2023, 4, 24, 15), at(2023, 4, 24, 17))])
    assert two_hours.due(at(2023, 4, 25, 9)) == at(2023, 4, 25, 12)
    # Paused overnight: only Mon 17:00–18:00 and Tue 08:30–09:00 were working time (1.5 h).
    overnight = Clock(START, EIGHT_HOURS, pauses=[Pause(at(2023, 4, 24, 17), at(2023, 4, 25, 9))])
    assert overnight.due(at(2023, 4, 25, 9)) == at(2023, 4, 25, 11, 30)


def test_a_paused_deadline_cannot_become_overdue():
    clock = Clock(START, EIGHT_HOURS, pauses=[(at(2023, 4, 24, 15), None)])
    now = at(2023, 4, 26, 10)  # a day after the original due
    status = clock.status(now)
    assert status.state == DeadlineState.ON_TIME
    assert status.paused
    # The remaining time is frozen at what was left when it was paused: Mon 15–18 (3) + Tue 08:30–10 (1.5).
    assert status.remaining_hours == 4.5
    assert status.due == at(2023, 4, 26, 17)
    assert status.original_due == DUE


def test_a_pause_after_the_deadline_has_passed_gives_nothing_back():
    clock = Clock(START, EIGHT_HOURS, pauses=[(at(2023, 4, 25, 11), at(2023, 4, 25, 15))])
    status = clock.status(at(2023, 4, 25, 16))
    assert status.state == DeadlineState.OVERDUE
    assert status.due == DUE


def test_pause_of_a_natural_hour_limit_shifts_by_clock_time():
    clock = Clock(
        at(2023, 4, 28, 16), LimitSpec(24, "natural_hours"), pauses=[(at(2023, 4, 28, 20), at(2023, 4, 29, 8))]
    )
    assert clock.due(at(2023, 4, 29, 9)) == at(2023, 4, 30, 4)


def test_overlapping_or_unordered_pauses_are_refused():
    with pytest.raises(ValueError):
        Clock(START, EIGHT_HOURS, pauses=[(at(2023, 4, 24, 15), at(2023, 4, 24, 17)), (at(2023, 4, 24, 16), None)])
    with pytest.raises(ValueError):
        Clock(START, EIGHT_HOURS, pauses=[(at(2023, 4, 24, 15), None), (at(2023, 4, 24, 16), None)])
    with pytest.raises(ValueError):
        Clock(START, EIGHT_HOURS, pauses=[(at(2023, 4, 24, 8), None)])  # before the start


# --- extensions -------------------------------------------------------------------------------------


def test_extension_moves_the_due_time_without_resetting_the_clock():
    clock = Clock(START, EIGHT_HOURS, extensions=[Extension(at(2023, 4, 25, 9), amount=7)])
    # From the current due (Tue 10:00), not from the approval: Tue 10–12, 14:30–18, Wed 08:30–10:00.
    assert clock.due(at(2023, 4, 25, 10, 30)) == at(2023, 4, 26, 10)
    assert clock.status(at(2023, 4, 25, 10, 30)).state == DeadlineState.ON_TIME
    assert Clock(START, EIGHT_HOURS).status(at(2023, 4, 25, 10, 30)).state == DeadlineState.OVERDUE


def test_extension_counts_only_once_approved():
    clock = Clock(START, EIGHT_HOURS, extensions=[Extension(at(2023, 4, 25, 11), amount=7)])
    assert clock.status(at(2023, 4, 25, 10, 30)).state == DeadlineState.OVERDUE
    assert clock.due(at(2023, 4, 25, 11)) == at(2023, 4, 26, 10)


def test_extension_to_a_new_due_and_after_a_pause():
    clock = Clock(
        START,
        EIGHT_HOURS,
        pauses=[(at(2023, 4, 24, 15), at(2023, 4, 24, 17))],
        extensions=[Extension(at(2023, 4, 25, 11), amount=1, unit="working_days")],
    )
    # Pause → due Tue 12:00; +1 working day → end of Wed.
    assert clock.due(at(2023, 4, 25, 12)) == at(2023, 4, 26, 18)
    absolute = Clock(START, EIGHT_HOURS, extensions=[Extension(at(2023, 4, 25, 9), new_due=at(2023, 4, 28, 18))])
    assert absolute.due(at(2023, 4, 25, 9)) == at(2023, 4, 28, 18)


def test_extension_approved_during_a_pause_keeps_the_rest_of_the_pause():
    clock = Clock(
        START,
        EIGHT_HOURS,
        pauses=[(at(2023, 4, 24, 15), None)],
        extensions=[Extension(at(2023, 4, 24, 16), new_due=at(2023, 4, 27, 12))],
    )
    # New due Thu 12:00 as of approval; the pause continues one more working hour (16:00–17:00).
    assert clock.due(at(2023, 4, 24, 17)) == at(2023, 4, 27, 15, 30)


def test_extension_may_not_shorten_the_deadline():
    clock = Clock(START, EIGHT_HOURS, extensions=[Extension(at(2023, 4, 24, 10), new_due=at(2023, 4, 24, 18))])
    with pytest.raises(ValueError):
        clock.due(at(2023, 4, 24, 11))
    with pytest.raises(ValueError):
        Extension(at(2023, 4, 24, 10))  # neither a new due nor an amount


# --- states -----------------------------------------------------------------------------------------


def test_states_on_time_due_soon_overdue_met_and_met_late():
    clock = Clock(START, EIGHT_HOURS)
    assert clock.status(at(2023, 4, 24, 10)).state == DeadlineState.ON_TIME  # 7 h left
    soon = clock.status(at(2023, 4, 24, 16))  # 2 h today + 1.5 h tomorrow
    assert soon.state == DeadlineState.DUE_SOON and soon.remaining_hours == 3.5
    late = clock.status(at(2023, 4, 25, 11))
    assert late.state == DeadlineState.OVERDUE and late.remaining_hours == -1.0
    assert clock.status(at(2023, 4, 26, 9), completed_at=at(2023, 4, 25, 9, 59)).state == DeadlineState.MET
    met_late = clock.status(at(2023, 4, 26, 9), completed_at=at(2023, 4, 25, 10, 30))
    assert met_late.state == DeadlineState.MET_LATE and met_late.state.label == "超期办结"


def test_due_soon_threshold_is_configurable():
    clock = Clock(START, EIGHT_HOURS)
    assert clock.status(at(2023, 4, 24, 16), due_soon_hours=2).state == DeadlineState.ON_TIME
    WorkSchedule.objects.create(unit=None, due_soon_hours=8)
    assert Clock(START, EIGHT_HOURS).status(at(2023, 4, 24, 10)).state == DeadlineState.DUE_SOON


def test_due_soon_counts_working_hours_across_a_holiday():
    due = at(2023, 5, 4, 10, 30)
    # Friday 17:00: six calendar days away, but only 1 + 2 working hours remain.
    assert remaining(at(2023, 4, 28, 17), due) == 3.0
    assert deadline_state(at(2023, 4, 28, 17), due) == DeadlineState.DUE_SOON
    assert deadline_state(at(2023, 4, 28, 9), due) == DeadlineState.ON_TIME


def test_override_changes_a_computed_deadline(org):
    # A local holiday on Thu 4 May 2023 pushes the 4-working-hour example to Fri 5 May.
    calendar.calendar_day_set(actor=org.sysadmin, date=date(2023, 5, 4), kind="holiday", name="地方节日")
    assert add_working_hours(at(2023, 4, 28, 16), 4) == at(2023, 5, 5, 10, 30)
    assert CalendarDay.objects.count() == 1
