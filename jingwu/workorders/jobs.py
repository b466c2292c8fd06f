"""Periodic jobs of 接诉即办 (run by ``jingwu worker``)."""

from __future__ import annotations

from typing import Any

from jingwu.core.jobs import JobContext, periodic


@periodic(name="workorders.urge_overdue", daily_at="08:40")
def urge_overdue_daily(run: JobContext) -> dict[str, Any]:
    """超期工单自动催办(超期次一工作日),催办后仍未办结的予以通报。"""
    from .services import urge_overdue

    return urge_overdue(run.now)
