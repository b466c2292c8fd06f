"""Metrics: every figure Jingwu shows is a named, versioned definition computed by SQL aggregation
for a unit subtree and a period, with a drill-down to the rows behind it (see docs/metrics.md).

Modules declare their definitions in ``jingwu/<app>/metrics.py``; ``autodiscover()`` (called from
the core app's ``ready()``) imports them.
"""

from __future__ import annotations

from importlib import import_module
from importlib.util import find_spec

from .compute import (
    SYSTEM,
    MetricScopeError,
    RankRow,
    TrendPoint,
    base_rows,
    compute,
    compute_many,
    make_figure,
    rank,
    rows,
    trend,
)
from .definitions import (
    Column,
    Figure,
    Metric,
    Period,
    UnknownMetric,
    all_metrics,
    get,
    register,
    unregister,
)
from .formatting import DASH, format_amount_yuan, format_number, format_percent, percent_points, trim_below

__all__ = [
    "DASH",
    "SYSTEM",
    "Column",
    "Figure",
    "Metric",
    "MetricScopeError",
    "Period",
    "RankRow",
    "TrendPoint",
    "UnknownMetric",
    "all_metrics",
    "autodiscover",
    "base_rows",
    "compute",
    "compute_many",
    "format_amount_yuan",
    "format_number",
    "format_percent",
    "get",
    "make_figure",
    "percent_points",
    "rank",
    "register",
    "rows",
    "trend",
    "trim_below",
    "unregister",
]


def autodiscover() -> list[str]:
    """Import ``jingwu.<app>.metrics`` of every installed Jingwu app; return the modules imported."""
    from django.apps import apps

    loaded = []
    for config in apps.get_app_configs():
        if not config.name.startswith("jingwu.") or config.name == "jingwu.core":
            continue
        module = f"{config.name}.metrics"
        if find_spec(module) is None:
            continue
        import_module(module)
        loaded.append(module)
    return loaded
