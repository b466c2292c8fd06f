"""Demo loaders: each app may have a ``demo`` module with ``load(seed=, scale=, stdout=)``.

``jingwu demo`` calls them in INSTALLED_APPS order (org first), so a module built later extends the
demo unit with its own records without touching this file.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from django.apps import apps
from django.utils import timezone


def loaders() -> list[tuple[str, Callable[..., dict[str, Any]]]]:
    found = []
    for config in apps.get_app_configs():
        if not config.name.startswith("jingwu."):
            continue
        try:
            module = importlib.import_module(f"{config.name}.demo")
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.demo":
                raise
            continue
        if hasattr(module, "load"):
            found.append((config.label, module.load))
    return found


PROVISIONAL_AHEAD_DAYS = 45  # the demo's open orders and their limits reach this far ahead
FIXED_HOLIDAYS = [(1, 1, "元旦"), (5, 1, "劳动节"), (10, 1, "国庆节"), (10, 2, "国庆节"), (10, 3, "国庆节")]


def provisional_calendar(today: date | None = None) -> list[int]:
    """Years the demo's deadlines reach that have no published calendar yet (late in a year, before
    the State Council publishes the next one, or later): the holidays fixed by date (元旦, 劳动节,
    国庆节 1–3 October) entered, the rest completed as Monday–Friday working weeks — through
    ``calendar_day_set`` and ``calendar_year_complete``, audited, what an administrator would do by
    hand on the calendar page. A real unit enters the published arrangement instead (``jingwu calendar
    import``). Returns the years completed."""
    from jingwu.core import calendar

    today = today or timezone.localdate()
    done = []
    for year in range(today.year, (today + timedelta(days=PROVISIONAL_AHEAD_DAYS)).year + 1):
        if not calendar.year_coverage(year).covered:
            for month, day, name in FIXED_HOLIDAYS:
                calendar.calendar_day_set(actor=None, date=date(year, month, day), kind=calendar.HOLIDAY, name=name)
            calendar.calendar_year_complete(actor=None, year=year)
            done.append(year)
    return done
