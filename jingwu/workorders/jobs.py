"""Periodic jobs of 接诉即办 (run by ``jingwu worker``)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from jingwu.core.jobs import JobContext, periodic

# How often unsigned dispatch legs are checked: the shortest sign-for limit is one hour (urgent).
SIGN_WATCH_EVERY = timedelta(minutes=10)


@periodic(name="workorders.urge_overdue", daily_at="08:40")
def urge_overdue_daily(run: JobContext) -> dict[str, Any]:
    """超期工单自动催办(超期次一工作日),催办后仍未办结的予以通报。"""
    from .services import urge_overdue

    return urge_overdue(run.now)


@periodic(name="workorders.sign_watch", every=SIGN_WATCH_EVERY)
def sign_watch(run: JobContext) -> dict[str, Any]:
    """未签收的派单:过签收时限一定比例时提醒承办单位,超过签收时限上报派单人(每条派单各一次)。"""
    from .services.signing import sign_watch as watch

    return watch(run.now)


@periodic(name="workorders.resume_suspended", every=SIGN_WATCH_EVERY)
def resume_suspended(run: JobContext) -> dict[str, Any]:
    """挂起到期的工单自动恢复办理(挂起至时间到达时),办结期限为批准时的顺延期限。"""
    from .services.flow import resume_due_suspensions

    return resume_due_suspensions(run.now)
