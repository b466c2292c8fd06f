"""The one deadline service: limits, due times, pause (挂起), extension (延期) and derived states.

Pure functions over timezone-aware timestamps (plus the working calendar of ``core.calendar``);
nothing here stores anything or needs a background job: the state of a deadline at any moment is
computed from its timestamps. The rules are documented in docs/deadlines.md:

* ``natural_hours``: the due time is ``start + n`` hours of clock time.
* ``working_hours``: ``n`` hours counted inside the unit's working periods on working days only.
* ``working_days``: the end of the working day (``afternoon_end``) of the Nth working day after the
  start date. The start date itself never counts: received on a working day, day 1 is the next
  working day; received on a holiday or weekend, day 1 is likewise the first working day after it.
* ``same_day``: the end of the working day on which it is received; received on a day off or after
  that day's working hours, the end of the next working day.

A pause shifts the due time by the paused time (working time for working-time limits, clock time
for natural-hour limits), so a paused deadline cannot become overdue; a pause that starts after the
deadline has already passed gives nothing back. An extension moves the due time from where it
stands (it never restarts the clock).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from functools import cached_property
from typing import Any, cast

from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

from .calendar import (
    TZ,
    CalendarError,
    CalendarUnavailable,
    Schedule,
    is_workday,
    local_date,
    next_workday,
    require_aware,
    schedule_for,
)

NATURAL_HOURS = "natural_hours"
WORKING_HOURS = "working_hours"
WORKING_DAYS = "working_days"
SAME_DAY = "same_day"
LIMIT_UNITS = {
    NATURAL_HOURS: "小时",
    WORKING_HOURS: "工作小时",
    WORKING_DAYS: "个工作日",
    SAME_DAY: "当日",
}
# A run of consecutive days off longer than this means the calendar data is wrong, not a holiday.
_MAX_DAYS_OFF = 370


def _hours(n: float) -> timedelta:
    if n < 0:
        raise ValueError(f"时长不能为负数({n}) / a duration cannot be negative")
    return timedelta(hours=float(n))


# --- natural and working time --------------------------------------------------------------------


def add_natural_hours(start: datetime, n: float) -> datetime:
    """``start`` plus ``n`` hours of clock time (computed in UTC, shown in Asia/Shanghai)."""
    start = require_aware(start, "起始时间 start")
    return (start.astimezone(UTC) + _hours(n)).astimezone(TZ)


def _periods_from(moment: datetime, schedule: Schedule) -> Iterator[tuple[datetime, datetime]]:
    """Working periods (clipped to begin no earlier than ``moment``) from ``moment`` onwards."""
    day = moment.date()
    days_off = 0
    while True:
        if is_workday(day):
            days_off = 0
            for begin, end in schedule.periods(day):
                if end > moment:
                    yield max(begin, moment), end
        else:
            days_off += 1
            if days_off > _MAX_DAYS_OFF:
                raise CalendarError(f"{day} 之前连续一年没有工作日,请检查工作日历 / no working day for a year")
        day += timedelta(days=1)


def _add_working(start: datetime, amount: timedelta, schedule: Schedule) -> datetime:
    if amount <= timedelta(0):
        return start
    left = amount
    for begin, end in _periods_from(start, schedule):
        span = end - begin
        if left <= span:
            return begin + left
        left -= span
    raise AssertionError("unreachable")  # pragma: no cover - _periods_from never ends


def add_working_hours(start: datetime, n: float, unit: Any = None) -> datetime:
    """``start`` plus ``n`` hours counted inside working periods of working days.

    Time outside working hours is skipped: from a Friday 16:00 with 4 hours and 18:00 closing,
    2 hours are used on Friday and the remaining 2 from 08:30 on the next working day. A result that
    falls exactly on the end of a period is that end (12:00, not 14:30).
    """
    start = require_aware(start, "起始时间 start")
    return _add_working(start, _hours(n), schedule_for(unit))


def working_time_between(a: datetime, b: datetime, unit: Any = None) -> timedelta:
    """Working time inside [a, b] (zero when ``b`` is not after ``a``)."""
    a = require_aware(a, "开始 a")
    b = require_aware(b, "结束 b")
    return _working_between(a, b, schedule_for(unit))


def _working_between(a: datetime, b: datetime, schedule: Schedule) -> timedelta:
    total = timedelta(0)
    if b <= a:
        return total
    day = a.date()
    while day <= b.date():
        if is_workday(day):
            for begin, end in schedule.periods(day):
                lo, hi = max(begin, a), min(end, b)
                if hi > lo:
                    total += hi - lo
        day += timedelta(days=1)
    return total


def _day_of(value: date | datetime) -> date:
    if isinstance(value, datetime):
        return local_date(value)
    if isinstance(value, date):
        return value
    raise TypeError(f"需要日期或时间 / expected a date or datetime, got {type(value).__name__}")


def end_of_working_day(value: date | datetime, unit: Any = None) -> datetime:
    """The end of working hours of that date, or of the next working day when the date is a day off."""
    day = _day_of(value)
    return schedule_for(unit).end_of_day(next_workday(day, include=True))


def add_working_days(start: datetime, n: int, unit: Any = None) -> datetime:
    """The end of the ``n``th working day after the start date (the start date itself never counts)."""
    start = require_aware(start, "起始时间 start")
    if int(n) != n or n < 1:
        raise ValueError(f"工作日数须为正整数({n}) / working days must be a positive whole number")
    day = start.date()
    for _ in range(int(n)):
        day = next_workday(day)
    return schedule_for(unit).end_of_day(day)


def end_of_same_day(start: datetime, unit: Any = None) -> datetime:
    """``same_day``: end of the start's working day; after hours or on a day off, of the next working day."""
    start = require_aware(start, "起始时间 start")
    schedule = schedule_for(unit)
    day = start.date()
    if is_workday(day) and start < schedule.end_of_day(day):
        return schedule.end_of_day(day)
    return schedule.end_of_day(next_workday(day))


# --- limits --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LimitSpec:
    """A time limit: ``LimitSpec(3, "working_days")``, ``LimitSpec(24, "natural_hours")``, ``LimitSpec(1, "same_day")``."""

    amount: float
    unit: str

    def __post_init__(self) -> None:
        if self.unit not in LIMIT_UNITS:
            raise ValueError(f"未知的时限单位“{self.unit}” / unknown limit unit; use one of {', '.join(LIMIT_UNITS)}")
        if self.unit == WORKING_DAYS and (int(self.amount) != self.amount or self.amount < 1):
            raise ValueError("工作日时限须为正整数 / a working-day limit must be a positive whole number")
        if self.unit in (NATURAL_HOURS, WORKING_HOURS) and not self.amount > 0:
            raise ValueError("时限须大于 0 / a limit must be greater than zero")

    @property
    def is_working_time(self) -> bool:
        return self.unit != NATURAL_HOURS

    def __str__(self) -> str:
        if self.unit == SAME_DAY:
            return "当日办结"
        amount = int(self.amount) if float(self.amount).is_integer() else self.amount
        return f"{amount}{LIMIT_UNITS[self.unit]}"


def compute_due(start: datetime, spec: LimitSpec, unit: Any = None) -> datetime:
    """The due time of ``spec`` counted from ``start`` (see the module docstring for each unit)."""
    if spec.unit == NATURAL_HOURS:
        return add_natural_hours(start, spec.amount)
    if spec.unit == WORKING_HOURS:
        return add_working_hours(start, spec.amount, unit)
    if spec.unit == WORKING_DAYS:
        return add_working_days(start, int(spec.amount), unit)
    return end_of_same_day(start, unit)


def _extend(due: datetime, amount: float, unit: str, schedule: Schedule) -> datetime:
    if unit == NATURAL_HOURS:
        return add_natural_hours(due, amount)
    if unit == WORKING_HOURS:
        return _add_working(due, _hours(amount), schedule)
    return add_working_days(due, int(amount), schedule)


# --- states --------------------------------------------------------------------------------------


class DeadlineState(StrEnum):
    ON_TIME = "on_time"
    DUE_SOON = "due_soon"
    OVERDUE = "overdue"
    MET = "met"
    MET_LATE = "met_late"
    # Not yet past the deadline, but whether it is due soon needs a working calendar not yet
    # published (a deadline in a year without one): shown as such, never guessed.
    UNKNOWN = "unknown"

    @property
    def label(self) -> str | Promise:
        return {
            "on_time": gettext_lazy("正常"),
            "due_soon": gettext_lazy("临期"),
            "overdue": gettext_lazy("超期"),
            "met": gettext_lazy("按期办结"),
            "met_late": gettext_lazy("超期办结"),
            "unknown": gettext_lazy("日历未公布"),
        }[self.value]


def remaining(now: datetime, due: datetime, unit: Any = None, *, basis: str = "working") -> float:
    """Hours left until ``due`` (negative once overdue): working hours, or clock hours with basis="natural"."""
    now = require_aware(now, "当前时间 now")
    due = require_aware(due, "期限 due")
    if basis == "natural":
        return (due - now).total_seconds() / 3600
    schedule = schedule_for(unit)
    if due >= now:
        return _working_between(now, due, schedule).total_seconds() / 3600
    return -_working_between(due, now, schedule).total_seconds() / 3600


def deadline_state(
    now: datetime,
    due: datetime,
    completed_at: datetime | None = None,
    *,
    unit: Any = None,
    due_soon_hours: float | None = None,
    basis: str = "working",
) -> DeadlineState:
    """ON_TIME / DUE_SOON / OVERDUE, or MET / MET_LATE once completed; from timestamps alone.

    UNKNOWN when the deadline is still ahead but the working time up to it cannot be counted (it
    runs into a year whose working calendar is not published): a page shows that, it never fails."""
    due = require_aware(due, "期限 due")
    if completed_at is not None:
        return DeadlineState.MET if require_aware(completed_at, "办结时间") <= due else DeadlineState.MET_LATE
    now = require_aware(now, "当前时间 now")
    if now > due:
        return DeadlineState.OVERDUE
    threshold = schedule_for(unit).due_soon_hours if due_soon_hours is None else due_soon_hours
    try:
        left = remaining(now, due, unit, basis=basis)
    except CalendarUnavailable:
        return DeadlineState.UNKNOWN
    return DeadlineState.DUE_SOON if left <= threshold else DeadlineState.ON_TIME


# --- the clock: limit + pauses + extensions -------------------------------------------------------


@dataclass(frozen=True)
class Pause:
    """One 挂起: from ``paused_at`` until ``resumed_at`` (None while still paused)."""

    paused_at: datetime
    resumed_at: datetime | None = None


@dataclass(frozen=True)
class Extension:
    """One approved 延期: either a new due time or an added amount (in ``unit``, default the limit's)."""

    approved_at: datetime
    new_due: datetime | None = None
    amount: float | None = None
    unit: str | None = None

    def __post_init__(self) -> None:
        require_aware(self.approved_at, "延期批准时间 approved_at")
        if (self.new_due is None) == (self.amount is None):
            raise ValueError("延期须给出新期限或延长时长之一 / give either new_due or amount")
        if self.new_due is not None:
            require_aware(self.new_due, "新期限 new_due")
        if self.amount is not None and not self.amount > 0:
            raise ValueError("延长时长须大于 0 / an extension amount must be greater than zero")
        if self.unit is not None and self.unit not in LIMIT_UNITS:
            raise ValueError(f"未知的时限单位“{self.unit}” / unknown limit unit")


@dataclass(frozen=True)
class ClockStatus:
    state: DeadlineState
    due: datetime
    original_due: datetime
    remaining_hours: float  # working hours (clock hours for natural limits); negative when overdue
    paused: bool

    @property
    def label(self) -> str:
        return self.state.label + ("(挂起中)" if self.paused else "")


@dataclass(frozen=True)
class Clock:
    """A deadline's clock: start, limit, pauses and approved extensions; all derived on demand."""

    start: datetime
    spec: LimitSpec
    pauses: Sequence[Pause | tuple[datetime, datetime | None]] = field(default_factory=tuple)
    extensions: Sequence[Extension] = field(default_factory=tuple)
    unit: Any = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "start", require_aware(self.start, "起始时间 start"))
        pauses = tuple(self._normal_pause(p) for p in self.pauses)
        previous_end: datetime | None = self.start
        for index, pause in enumerate(pauses):
            paused_at = pause.paused_at
            if previous_end is None:
                raise ValueError("上一次挂起尚未恢复 / only the last pause may still be open")
            if paused_at < previous_end:
                raise ValueError(
                    f"第 {index + 1} 次挂起早于开始时间或上一次恢复 / pause {index + 1} starts before the "
                    "start or the previous resume (pauses must be in order and must not overlap)"
                )
            if pause.resumed_at is not None and pause.resumed_at < paused_at:
                raise ValueError(f"第 {index + 1} 次挂起的恢复时间早于挂起时间 / resumed before it was paused")
            previous_end = pause.resumed_at
        object.__setattr__(self, "pauses", pauses)
        extensions = tuple(self.extensions)
        for ext in extensions:
            if not isinstance(ext, Extension):
                raise TypeError("extensions 须为 Extension / extensions must be Extension objects")
            if ext.approved_at < self.start:
                raise ValueError("延期批准时间早于开始时间 / an extension approved before the start")
        object.__setattr__(self, "extensions", extensions)

    @staticmethod
    def _normal_pause(pause: Pause | tuple[datetime, datetime | None]) -> Pause:
        paused_at, resumed_at = (pause.paused_at, pause.resumed_at) if isinstance(pause, Pause) else pause
        return Pause(
            require_aware(paused_at, "挂起时间 paused_at"),
            require_aware(resumed_at, "恢复时间 resumed_at") if resumed_at is not None else None,
        )

    @property
    def pause_list(self) -> tuple[Pause, ...]:
        """The pauses, normalised to ``Pause`` values in Asia/Shanghai by ``__post_init__``."""
        return cast(tuple[Pause, ...], self.pauses)

    @cached_property
    def schedule(self) -> Schedule:
        return schedule_for(self.unit)

    @cached_property
    def original_due(self) -> datetime:
        return compute_due(self.start, self.spec, self.schedule)

    def _paused_time(self, a: datetime, b: datetime) -> timedelta:
        if self.spec.is_working_time:
            return _working_between(a, b, self.schedule)
        return b - a

    def _shift(self, due: datetime, paused: timedelta) -> datetime:
        if self.spec.is_working_time:
            return _add_working(due, paused, self.schedule)
        return (due.astimezone(UTC) + paused).astimezone(TZ)

    def due(self, now: datetime | None = None) -> datetime:
        """The effective due time as known at ``now`` (an open pause keeps pushing it while it lasts)."""
        now = require_aware(now, "当前时间 now") if now is not None else timezone.now().astimezone(TZ)
        approvals = sorted(e.approved_at for e in self.extensions if e.approved_at <= now)
        # Events in time order; a pause is cut at every approval inside it so that an extension
        # approved during a pause applies to the due time as it stood at approval, and the rest
        # of the pause still counts afterwards. At equal times an extension comes first.
        events: list[tuple[datetime, int, Any]] = []
        for index, pause in enumerate(self.pause_list):
            if pause.paused_at >= now:
                continue
            end = min(pause.resumed_at or now, now)
            points = [pause.paused_at, *[t for t in approvals if pause.paused_at < t < end], end]
            for a, b in zip(points, points[1:], strict=False):
                events.append((a, 1, ("pause", index, a, b)))
        for ext in self.extensions:
            if ext.approved_at <= now:
                events.append((ext.approved_at, 0, ("extension", ext)))
        events.sort(key=lambda e: (e[0], e[1]))

        due = self.original_due
        late_pauses: set[int] = set()
        for _, _, payload in events:
            if payload[0] == "pause":
                _, index, a, b = payload
                if index in late_pauses:
                    continue
                if a == self.pause_list[index].paused_at and a >= due:
                    late_pauses.add(index)  # paused after the deadline had passed: nothing given back
                    continue
                due = self._shift(due, self._paused_time(a, b))
            else:
                approved: Extension = payload[1]
                if approved.new_due is not None:
                    new_due = require_aware(approved.new_due)
                    if new_due <= due:
                        raise ValueError(
                            f"延期后的期限 {new_due:%Y-%m-%d %H:%M} 不晚于当前期限 {due:%Y-%m-%d %H:%M} / "
                            "an extension must move the due time later"
                        )
                    due = new_due
                else:
                    unit = approved.unit or (WORKING_DAYS if self.spec.unit == SAME_DAY else self.spec.unit)
                    due = _extend(due, float(approved.amount or 0), unit, self.schedule)
        return due

    def is_paused(self, now: datetime) -> bool:
        now = require_aware(now, "当前时间 now")
        return any(p.paused_at <= now and (p.resumed_at is None or p.resumed_at > now) for p in self.pause_list)

    def status(
        self,
        now: datetime | None = None,
        completed_at: datetime | None = None,
        *,
        due_soon_hours: float | None = None,
    ) -> ClockStatus:
        """State at ``now`` (or at completion): derived from the timestamps, no stored flag."""
        now = require_aware(now, "当前时间 now") if now is not None else timezone.now().astimezone(TZ)
        basis = "working" if self.spec.is_working_time else "natural"
        moment = require_aware(completed_at, "办结时间 completed_at") if completed_at is not None else now
        due = self.due(moment)
        left = remaining(moment, due, self.schedule, basis=basis)
        state = deadline_state(
            moment,
            due,
            completed_at=moment if completed_at is not None else None,
            unit=self.schedule,
            due_soon_hours=due_soon_hours,
            basis=basis,
        )
        paused = completed_at is None and self.is_paused(now)
        return ClockStatus(state, due, self.original_due, round(left, 4), paused)
