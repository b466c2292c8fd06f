"""Metric definitions, periods, figures and the registry."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.db.models import QuerySet
from django.utils.translation import pgettext

from .formatting import DASH, format_amount_yuan, format_number, format_percent

DISPLAY_TZ = ZoneInfo("Asia/Shanghai")
KINDS = ("count", "rate", "sum", "score")
SIDES = ("numerator", "denominator")
MIN_YEAR, MAX_YEAR = 1900, 9998  # a period's days, as Asia/Shanghai instants in UTC, stay in range

Number = Decimal | int


def _suffix(suffix: str) -> str:
    """The measure word after a count in the current language: 件/起/人/次 in Chinese; English
    writes the bare number (the figure's label says what is counted)."""
    return pgettext("figure suffix", suffix).strip() if suffix else ""


@dataclass(frozen=True)
class Period:
    """Calendar days ``start``..``end`` inclusive, in Asia/Shanghai."""

    start: dt.date
    end: dt.date

    def __post_init__(self) -> None:
        if self.start > self.end:
            raise ValueError(f"开始日期晚于结束日期 / the period starts ({self.start}) after it ends ({self.end})")
        # Its bounds are instants in Asia/Shanghai, stored in UTC: year 1 or 9999 would overflow.
        if self.start.year < MIN_YEAR or self.end.year > MAX_YEAR:
            raise ValueError(
                f"日期须在 {MIN_YEAR} 至 {MAX_YEAR} 年之间 / dates must lie in the years {MIN_YEAR}–{MAX_YEAR}"
            )

    @classmethod
    def of(cls, start: dt.date | str, end: dt.date | str) -> Period:
        return cls(_as_date(start), _as_date(end))

    @property
    def start_at(self) -> dt.datetime:
        return dt.datetime.combine(self.start, dt.time.min, tzinfo=DISPLAY_TZ)

    @property
    def end_before(self) -> dt.datetime:
        """The first instant after the period (exclusive bound)."""
        return dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time.min, tzinfo=DISPLAY_TZ)

    def __str__(self) -> str:
        return f"{self.start:%Y-%m-%d} 至 {self.end:%Y-%m-%d}"


def _as_date(value: dt.date | str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.astimezone(DISPLAY_TZ).date() if value.tzinfo else value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValueError(f"日期格式应为 YYYY-MM-DD / dates are written YYYY-MM-DD, not {value!r}") from None


# A side gets the rows of the model already restricted to the unit subtree, the period (when the
# metric names a ``period_field``) and the user's data scope, and returns the rows it counts.
Side = Callable[[QuerySet[Any], Period], QuerySet[Any]]


@dataclass(frozen=True)
class Column:
    """One column of the drill-down table: a label and a dotted attribute path (a callable at the
    end of the path, such as ``get_kind_display``, is called) or a function of the row."""

    label: str
    accessor: str | Callable[[Any], Any]

    def value(self, obj: Any) -> Any:
        if callable(self.accessor):
            return self.accessor(obj)
        value = obj
        for part in self.accessor.split("."):
            value = getattr(value, part, None)
            if value is None:
                return ""
            if callable(value) and not isinstance(value, models.Model):
                value = value()
        return value


@dataclass(frozen=True)
class Metric:
    """A named, versioned figure: what is counted (numerator) out of what (denominator).

    ``kind``: ``count`` (rows of the numerator), ``sum`` (``value_field`` summed over them),
    ``rate`` (numerator / denominator, shown as a percentage; "—" when the denominator is 0) or
    ``score`` (a weighted sum of other metrics' values, rates counted in percent, from
    ``components``; or numerator / denominator as a plain number when there are none).
    """

    name: str
    label: str
    kind: str
    model: str | type[models.Model] = ""
    numerator: Side | None = None
    denominator: Side | None = None
    unit_field: str = "unit"  # path from the row to its org.Unit ("self" when the rows are units)
    period_field: str | None = None  # path to the date/datetime that puts a row into a period
    value_field: str | None = None  # sum: the field summed; count/rate: count distinct values of it
    numerator_value: Any = None  # an aggregate expression overriding how the numerator is aggregated
    denominator_value: Any = None
    capability: str | None = None  # rows are read through visible_to(user, capability)
    version: str = "1"
    description: str = ""
    numerator_label: str = ""
    denominator_label: str = ""
    suffix: str = ""  # 人 / 件 / 起 after a count
    format: str | Callable[[Figure], str] | None = None  # "amount_yuan", "percent", "number" or a function
    components: tuple[tuple[str, float], ...] = ()  # score: (metric name, weight)
    row_columns: tuple[Column, ...] = ()
    select_related: tuple[str, ...] = ()
    ordering: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        where = f"metric {self.name!r}"
        if self.kind not in KINDS:
            raise ImproperlyConfigured(f"{where}: kind must be one of {KINDS}")
        if self.kind == "score" and self.components:
            return
        if not self.model or self.numerator is None:
            raise ImproperlyConfigured(f"{where}: needs a model and a numerator")
        if self.kind == "rate" and self.denominator is None:
            raise ImproperlyConfigured(f"{where}: a rate needs a denominator")
        if self.kind == "sum" and not (self.value_field or self.numerator_value is not None):
            raise ImproperlyConfigured(f"{where}: a sum needs value_field")

    @property
    def model_class(self) -> type[models.Model]:
        if isinstance(self.model, str):
            return apps.get_model(self.model)
        return self.model

    @property
    def has_denominator(self) -> bool:
        return self.denominator is not None

    @property
    def is_composite(self) -> bool:
        return self.kind == "score" and bool(self.components)

    def side(self, which: str) -> Side | None:
        if which not in SIDES:
            raise ValueError(f"which 只能是 numerator 或 denominator / which must be one of {SIDES}")
        return self.numerator if which == "numerator" else self.denominator

    def side_label(self, which: str) -> str:
        if which == "numerator":
            return self.numerator_label or self.label
        return self.denominator_label or "分母"

    def aggregate(self, which: str) -> Any:
        custom = self.numerator_value if which == "numerator" else self.denominator_value
        if custom is not None:
            return custom
        if self.kind == "sum" and which == "numerator":
            return models.Sum(self.value_field)
        if self.value_field:
            return models.Count(self.value_field, distinct=True)
        return models.Count("pk")

    def unit_path_lookup(self) -> str:
        return "path" if self.unit_field == "self" else f"{self.unit_field}__path"

    def value_of(self, numerator: Number | None, denominator: Number | None) -> Number | None:
        if self.kind in ("count", "sum"):
            return numerator if numerator is not None else 0
        if not denominator:
            return None
        return Decimal(str(numerator or 0)) / Decimal(str(denominator))

    def display(self, figure: Figure) -> str:
        if callable(self.format):
            return self.format(figure)
        if figure.value is None:
            return DASH
        fmt = self.format or {"rate": "percent", "score": "number"}.get(self.kind, "number")
        if fmt == "percent":
            return format_percent(figure.value)
        if fmt == "amount_yuan":
            return format_amount_yuan(figure.value)
        return format_number(figure.value, _suffix(self.suffix))


@dataclass(frozen=True)
class Figure:
    """One computed figure, with the definition version it came from."""

    metric: str
    label: str
    version: str
    kind: str
    unit_code: str
    unit_name: str
    period: Period
    value: Number | None
    numerator: Number | None
    denominator: Number | None
    display: str = ""
    components: dict[str, Figure] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "metric": self.metric,
            "label": self.label,
            "version": self.version,
            "kind": self.kind,
            "unit": self.unit_code,
            "unit_name": self.unit_name,
            "from": self.period.start.isoformat(),
            "to": self.period.end.isoformat(),
            "value": _json_number(self.value),
            "numerator": _json_number(self.numerator),
            "denominator": _json_number(self.denominator),
            "display": self.display,
        }


def _json_number(n: Number | None) -> int | float | None:
    if n is None:
        return None
    if isinstance(n, Decimal):
        return int(n) if n == n.to_integral_value() else float(round(n, 6))
    return n


# --- registry -----------------------------------------------------------------------------------

_REGISTRY: dict[str, Metric] = {}


class UnknownMetric(LookupError):
    pass


def register(metric: Metric) -> Metric:
    """Add a definition; a second, different definition under the same name is a configuration error."""
    existing = _REGISTRY.get(metric.name)
    if existing is not None and existing is not metric:
        raise ImproperlyConfigured(f"metric {metric.name!r} is defined twice")
    _REGISTRY[metric.name] = metric
    return metric


def unregister(name: str) -> None:
    _REGISTRY.pop(name, None)


def get(name: str) -> Metric:
    try:
        return _REGISTRY[name]
    except KeyError:
        raise UnknownMetric(f"未定义的指标“{name}” / unknown metric {name!r}") from None


def all_metrics() -> list[Metric]:
    return [_REGISTRY[name] for name in sorted(_REGISTRY)]
