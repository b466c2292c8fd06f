"""The Chinese working calendar: which dates are working days, and a unit's working hours.

Sources, in order of precedence:

1. ``CalendarDay`` rows: an administrator's override of one date (local holidays, corrections,
   years the ``chinese_calendar`` package does not publish yet). An override always wins.
2. The ``chinese_calendar`` package: statutory holidays and 调休 make-up workdays of the years the
   State Council has published.

A date in neither raises ``CalendarUnavailable``; the platform never guesses from the weekday,
because a deadline computed from a guessed calendar would be silently wrong for a whole year.

Overrides are cached per year in this process (a year's rows are one small query) and dropped
whenever they change through this module, through any ORM save/delete of ``CalendarDay``, or after
``CACHE_SECONDS`` so that other server processes pick up a change too.
"""

from __future__ import annotations

import contextlib
import csv
import io
import threading
import time as _time
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import chinese_calendar
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models.signals import post_delete, post_save

from . import audit
from .models import CalendarDay, WorkSchedule

TZ = ZoneInfo("Asia/Shanghai")
CACHE_SECONDS = 60
WEEKDAYS = "一二三四五六日"

WORKDAY = CalendarDay.Kind.WORKDAY
HOLIDAY = CalendarDay.Kind.HOLIDAY

_KIND_WORDS = {
    "workday": WORKDAY,
    "工作日": WORKDAY,
    "上班": WORKDAY,
    "班": WORKDAY,
    "holiday": HOLIDAY,
    "休息日": HOLIDAY,
    "休息": HOLIDAY,
    "休": HOLIDAY,
}


class CalendarUnavailable(ValidationError):
    """No calendar for a date: the package has not published its year and no override covers it.

    A ``ValidationError``: a step whose deadline falls in such a year (a dispatch in late December
    before next year's calendar is out) is refused with this message, as a form or API error, never
    a server error."""

    def __init__(self, day: date):
        self.date = day
        self.year = day.year
        super().__init__(
            f"{day.year} 年的工作日历尚未公布或录入({day.isoformat()} 无法判断是否为工作日),"
            f"请系统管理员在“工作日历”页面或用 `jingwu calendar import FILE` 补录该年度日历 / "
            f"no working calendar for year {day.year} ({day.isoformat()}): an administrator must add the "
            f"year's calendar on the calendar override page or with `jingwu calendar import FILE`"
        )

    def __str__(self) -> str:
        return str(self.message)  # the message itself, not ValidationError's list repr


class CalendarError(ValueError):
    """A refused calendar change (the message is shown to the administrator)."""


class CalendarImportError(CalendarError):
    def __init__(self, errors: list[tuple[int, str]]):
        self.errors = errors
        lines = "\n".join(f"第 {line} 行 / line {line}: {msg}" for line, msg in errors)
        super().__init__(f"导入失败,未做任何修改 / import failed, nothing was changed:\n{lines}")


# --- cache ---------------------------------------------------------------------------------------

_lock = threading.Lock()
_overrides: dict[int, tuple[float, dict[date, tuple[str, str]]]] = {}
_schedules: dict[str, Any] = {}


def clear_cache() -> None:
    """Forget cached overrides and schedules (after a change, and between tests)."""
    with _lock:
        _overrides.clear()
        _schedules.clear()


def _on_calendar_change(sender: Any, **kwargs: Any) -> None:
    # Cache upkeep only (no business rule): keeps direct ORM writes (fixtures, admin) visible.
    clear_cache()


post_save.connect(_on_calendar_change, sender=CalendarDay, dispatch_uid="jingwu_calendar_day_saved")
post_delete.connect(_on_calendar_change, sender=CalendarDay, dispatch_uid="jingwu_calendar_day_deleted")
post_save.connect(_on_calendar_change, sender=WorkSchedule, dispatch_uid="jingwu_schedule_saved")
post_delete.connect(_on_calendar_change, sender=WorkSchedule, dispatch_uid="jingwu_schedule_deleted")


def overrides_for_year(year: int) -> dict[date, tuple[str, str]]:
    """{date: (kind, name)} of the administrator's overrides in ``year`` (cached)."""
    now = _time.monotonic()
    with _lock:
        hit = _overrides.get(year)
        if hit is not None and now - hit[0] < CACHE_SECONDS:
            return hit[1]
    rows = CalendarDay.objects.filter(date__gte=date(year, 1, 1), date__lt=date(year + 1, 1, 1)).values_list(
        "date", "kind", "name"
    )
    data = {d: (kind, name) for d, kind, name in rows}
    with _lock:
        _overrides[year] = (now, data)
    return data


# --- working days --------------------------------------------------------------------------------


def is_published_year(year: int) -> bool:
    """Whether the installed ``chinese_calendar`` carries the State Council's calendar of ``year``."""
    try:
        chinese_calendar.is_workday(date(year, 1, 1))
    except NotImplementedError:
        return False
    return True


def _holiday_chinese(english: str | None) -> str:
    if not english:
        return ""
    try:
        return str(chinese_calendar.Holiday(english).chinese)
    except ValueError:
        return english


@dataclass(frozen=True)
class DayInfo:
    date: date
    is_workday: bool
    name: str  # 春节 / 劳动节调休 / an override's name; "" for an ordinary day
    source: str  # "override" or "published"

    @property
    def is_swap(self) -> bool:
        """A 调休 make-up workday: a Saturday or Sunday that is worked."""
        return self.is_workday and self.date.weekday() >= 5

    @property
    def is_weekday_off(self) -> bool:
        return not self.is_workday and self.date.weekday() < 5

    @property
    def weekday_label(self) -> str:
        return "周" + WEEKDAYS[self.date.weekday()]


def day_info(day: date) -> DayInfo:
    """Everything known about ``day``; raises ``CalendarUnavailable`` rather than guess."""
    if isinstance(day, datetime):
        day = local_date(day)
    override = overrides_for_year(day.year).get(day)
    if override is not None:
        kind, name = override
        return DayInfo(day, kind == WORKDAY, name, "override")
    try:
        on_holiday, english = chinese_calendar.get_holiday_detail(day)
    except NotImplementedError:
        raise CalendarUnavailable(day) from None
    name = _holiday_chinese(english)
    if not on_holiday and name:
        name += "调休"
    return DayInfo(day, not on_holiday, name, "published")


def is_workday(day: date) -> bool:
    return day_info(day).is_workday


def holiday_name(day: date) -> str | None:
    """The holiday's name (春节, 劳动节, an override's name) on a day off; None otherwise."""
    info = day_info(day)
    if info.is_workday or not info.name:
        return None
    return info.name


def next_workday(day: date, *, include: bool = False) -> date:
    """The first working day after ``day`` (or ``day`` itself when ``include`` and it is one)."""
    current = day if include else day + timedelta(days=1)
    for _ in range(370):  # no published year has a fortnight off; a year of days off is a data error
        if is_workday(current):
            return current
        current += timedelta(days=1)
    raise CalendarError(f"{day} 之后一年内没有工作日,请检查工作日历 / no working day within a year after {day}")


@dataclass(frozen=True)
class YearCoverage:
    year: int
    published: bool
    override_count: int
    days_in_year: int

    @property
    def complete_by_overrides(self) -> bool:
        return self.override_count >= self.days_in_year

    @property
    def covered(self) -> bool:
        return self.published or self.complete_by_overrides

    @property
    def missing_days(self) -> int:
        return 0 if self.covered else self.days_in_year - self.override_count


def year_coverage(year: int) -> YearCoverage:
    days = (date(year + 1, 1, 1) - date(year, 1, 1)).days
    return YearCoverage(year, is_published_year(year), len(overrides_for_year(year)), days)


def year_days(year: int) -> list[DayInfo]:
    """Every date of ``year`` that the calendar can answer for (unknown dates left out)."""
    out = []
    day = date(year, 1, 1)
    while day.year == year:
        with contextlib.suppress(CalendarUnavailable):
            out.append(day_info(day))
        day += timedelta(days=1)
    return out


def year_exceptions(year: int) -> list[DayInfo]:
    """Named holidays, weekday holidays, worked weekends and overrides of ``year``: what ``show`` lists."""
    return [d for d in year_days(year) if d.name or d.is_swap or d.is_weekday_off or d.source == "override"]


# --- working hours -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Schedule:
    """A unit's working hours: two periods a day, on working days only, in Asia/Shanghai."""

    morning_start: time = time(8, 30)
    morning_end: time = time(12, 0)
    afternoon_start: time = time(14, 30)
    afternoon_end: time = time(18, 0)
    due_soon_hours: int = 4

    def __post_init__(self) -> None:
        if not (self.morning_start < self.morning_end <= self.afternoon_start < self.afternoon_end):
            raise CalendarError(
                "作息时间须为 上午开始 < 上午结束 ≤ 下午开始 < 下午结束 / working hours must be ordered "
                "morning start < morning end ≤ afternoon start < afternoon end"
            )

    def periods(self, day: date) -> list[tuple[datetime, datetime]]:
        """The working periods of ``day`` as aware datetimes (whether ``day`` is worked is not checked)."""
        return [
            (datetime.combine(day, self.morning_start, TZ), datetime.combine(day, self.morning_end, TZ)),
            (datetime.combine(day, self.afternoon_start, TZ), datetime.combine(day, self.afternoon_end, TZ)),
        ]

    def end_of_day(self, day: date) -> datetime:
        return datetime.combine(day, self.afternoon_end, TZ)

    @property
    def seconds_per_day(self) -> float:
        return sum((b - a).total_seconds() for a, b in self.periods(date(2000, 1, 3)))

    @classmethod
    def from_row(cls, row: WorkSchedule) -> Schedule:
        return cls(row.morning_start, row.morning_end, row.afternoon_start, row.afternoon_end, row.due_soon_hours)


DEFAULT_SCHEDULE = Schedule()


def _schedule_rows() -> dict[int | None, Schedule]:
    now = _time.monotonic()
    with _lock:
        hit = _schedules.get("rows")
        if hit is not None and now - hit[0] < CACHE_SECONDS:
            return hit[1]
    rows = {row.unit_id: Schedule.from_row(row) for row in WorkSchedule.objects.all()}
    with _lock:
        _schedules["rows"] = (now, rows)
    return rows


def schedule_for(unit: Any = None) -> Schedule:
    """Working hours of ``unit``: its own, else its nearest ancestor's, else the default row, else built-in.

    ``unit`` may be a ``Unit``, ``None`` (the default) or already a ``Schedule``.
    """
    if isinstance(unit, Schedule):
        return unit
    rows = _schedule_rows()
    default = rows.get(None, DEFAULT_SCHEDULE)
    if unit is None:
        return default
    if unit.pk in rows:
        return rows[unit.pk]
    if not any(key is not None for key in rows):
        return default
    manager = type(unit).objects
    ancestors = manager.get_ancestors(unit) if hasattr(manager, "get_ancestors") else unit.get_ancestors()
    for ancestor_pk in reversed(list(ancestors.values_list("pk", flat=True))):
        if ancestor_pk in rows:
            return rows[ancestor_pk]
    return default


# --- time helpers --------------------------------------------------------------------------------


def require_aware(value: datetime, what: str = "时间") -> datetime:
    """Reject naive datetimes: a deadline off by eight hours is worse than an error."""
    if not isinstance(value, datetime):
        raise TypeError(f"{what} 必须是 datetime / {what} must be a datetime, got {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(
            f"{what} 缺少时区信息,拒绝计算({value.isoformat()}) / naive datetime rejected: {value.isoformat()} "
            "has no timezone; use an aware datetime (e.g. django.utils.timezone.now())"
        )
    return value.astimezone(TZ)


def local_date(value: datetime) -> date:
    return require_aware(value).date()


# --- administrator's changes (services) ----------------------------------------------------------


def _clean_kind(kind: str) -> str:
    value = _KIND_WORDS.get((kind or "").strip().lower())
    if value is None:
        raise CalendarError(
            f"类型必须为“工作日”或“休息日”(workday/holiday),收到“{kind}” / kind must be workday or holiday"
        )
    return str(value)


def _after_change() -> None:
    clear_cache()
    transaction.on_commit(clear_cache)


def calendar_day_set(*, actor: Any, date: date, kind: str, name: str = "") -> CalendarDay:
    """Add an override for ``date``; a date may be overridden only once (delete it first to change it)."""
    kind = _clean_kind(kind)
    name = (name or "").strip()
    if len(name) > 50:
        raise CalendarError("名称不能超过 50 个字 / name is limited to 50 characters")
    with transaction.atomic():
        if CalendarDay.objects.select_for_update().filter(date=date).exists():
            raise CalendarError(
                f"{date} 已有调整记录,一个日期只能调整一次;如需修改请先删除 / {date} is already overridden: delete it first"
            )
        day = CalendarDay.objects.create(date=date, kind=kind, name=name)
        audit.record(
            "calendar.day_set",
            obj=day,
            actor=actor,
            changes={"date": date.isoformat(), "kind": kind, "name": name},
        )
    _after_change()
    return day


def calendar_day_delete(*, actor: Any, date: date) -> None:
    with transaction.atomic():
        day = CalendarDay.objects.select_for_update().filter(date=date).first()
        if day is None:
            raise CalendarError(f"{date} 没有调整记录 / {date} has no override")
        before = {"date": day.date.isoformat(), "kind": day.kind, "name": day.name}
        audit.record("calendar.day_delete", obj=day, actor=actor, changes={"before": before})
        day.delete()
    _after_change()


def calendar_year_complete(*, actor: Any, year: int) -> int:
    """Store every date of an unpublished ``year`` that has no override: Monday–Friday work, weekends off.

    The administrator first enters the year's holidays and 调休 workdays, then declares the rest of
    the year ordinary; after that the year is covered. Refused for published years.
    """
    if is_published_year(year):
        raise CalendarError(f"{year} 年已有国家公布的日历,无需补全 / {year} is already published")
    with transaction.atomic():
        existing = set(
            CalendarDay.objects.select_for_update()
            .filter(date__gte=date(year, 1, 1), date__lt=date(year + 1, 1, 1))
            .values_list("date", flat=True)
        )
        new = []
        day = date(year, 1, 1)
        while day.year == year:
            if day not in existing:
                new.append(CalendarDay(date=day, kind=HOLIDAY if day.weekday() >= 5 else WORKDAY, name=""))
            day += timedelta(days=1)
        CalendarDay.objects.bulk_create(new)
        audit.record(
            "calendar.year_complete",
            actor=actor,
            object_type="core.calendarday",
            object_repr=f"{year} 年工作日历",
            changes={"year": year, "added": len(new), "kept": len(existing)},
        )
    _after_change()
    return len(new)


@dataclass(frozen=True)
class ImportRow:
    line: int
    date: date
    kind: str
    name: str


def parse_calendar_csv(text: str) -> list[ImportRow]:
    """Rows ``date,kind,name`` (header optional, ``#`` comments allowed); every error is collected."""
    errors: list[tuple[int, str]] = []
    rows: list[ImportRow] = []
    seen: dict[date, int] = {}
    for line_no, fields in enumerate(csv.reader(io.StringIO(text.lstrip("\ufeff"))), start=1):
        if not fields or all(not f.strip() for f in fields) or fields[0].strip().startswith("#"):
            continue
        if line_no == 1 and fields[0].strip().lower() in {"date", "日期"}:
            continue
        if len(fields) < 2:
            errors.append((line_no, "至少需要“日期,类型”两列 / expected date,kind[,name]"))
            continue
        raw_date, raw_kind = fields[0].strip(), fields[1].strip()
        name = fields[2].strip() if len(fields) > 2 else ""
        try:
            day = date.fromisoformat(raw_date)
        except ValueError:
            errors.append((line_no, f"日期“{raw_date}”无效,应为 YYYY-MM-DD / invalid date"))
            continue
        try:
            kind = _clean_kind(raw_kind)
        except CalendarError as exc:
            errors.append((line_no, str(exc)))
            continue
        if len(name) > 50:
            errors.append((line_no, "名称不能超过 50 个字 / name is limited to 50 characters"))
            continue
        if day in seen:
            errors.append((line_no, f"{day} 与第 {seen[day]} 行重复 / duplicate of line {seen[day]}"))
            continue
        seen[day] = line_no
        rows.append(ImportRow(line_no, day, kind, name))
    if errors:
        raise CalendarImportError(errors)
    if not rows:
        raise CalendarImportError([(1, "文件中没有日期 / the file has no dates")])
    return rows


def calendar_import(*, actor: Any, rows: list[ImportRow], replace: bool = False, source: str = "") -> int:
    """Store parsed rows, all or nothing. Without ``replace`` an already overridden date is an error."""
    with transaction.atomic():
        dates = [r.date for r in rows]
        existing = {d.date: d for d in CalendarDay.objects.select_for_update().filter(date__in=dates)}
        if existing and not replace:
            raise CalendarImportError(
                [
                    (r.line, f"{r.date} 已有调整记录(可用 --replace 覆盖) / already overridden (use --replace)")
                    for r in rows
                    if r.date in existing
                ]
            )
        replaced = [{"date": d.date.isoformat(), "kind": d.kind, "name": d.name} for d in existing.values()]
        CalendarDay.objects.filter(date__in=list(existing)).delete()
        CalendarDay.objects.bulk_create([CalendarDay(date=r.date, kind=r.kind, name=r.name) for r in rows])
        audit.record(
            "calendar.import",
            actor=actor,
            object_type="core.calendarday",
            object_repr=f"工作日历导入 {source}".strip()[:200],
            changes={
                "source": source,
                "count": len(rows),
                "first": min(dates).isoformat(),
                "last": max(dates).isoformat(),
                "rows": [[r.date.isoformat(), r.kind, r.name] for r in rows],
                "replaced": replaced,
            },
        )
    _after_change()
    return len(rows)
