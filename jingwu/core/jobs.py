"""Periodic jobs: declared once in each module's ``jobs.py``, run by ``jingwu worker``.

A module declares a job with ``@periodic(name=..., every=timedelta(...))`` or
``@periodic(name=..., daily_at="HH:MM")`` (Asia/Shanghai wall time). ``autodiscover()`` imports the
``jobs`` module of every Jingwu app explicitly (no signals, no import side effects elsewhere).

Every job run belongs to a *period* (the day of a daily job, the aligned slot of an interval job).
The scheduler enqueues the ``run_periodic_job`` task with ``{job, period}``; with the database task
backend that result row is the record of "this period has run", so no table of our own is needed.
Jobs must still be idempotent (notifications carry a dedupe key built from the period), because
two schedulers racing, a non-database backend or a manual re-run may run a period twice.
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

logger = logging.getLogger("jingwu.jobs")

SHANGHAI = ZoneInfo("Asia/Shanghai")
# Interval periods are aligned to this local midnight (a Monday), so "every 1 hour" runs once per clock hour.
EPOCH = datetime(2000, 1, 3, tzinfo=SHANGHAI)
RUN_TASK_PATH = "jingwu.core.tasks.run_periodic_job"
# A failed run is retried in the same period, at most this often and not sooner than RETRY_FAILED_AFTER.
MAX_ATTEMPTS_PER_PERIOD = 3
RETRY_FAILED_AFTER = timedelta(minutes=5)


@dataclass(frozen=True)
class JobContext:
    """What a job function receives: which job, which period, and when the run started."""

    job: str
    period: str
    period_start: datetime
    now: datetime

    def dedupe_key(self, *parts: object) -> str:
        """A notification dedupe key unique to this job, this period and ``parts``."""
        return ":".join([self.job, self.period, *(str(p) for p in parts)])[:200]


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    func: Callable[[JobContext], Any]
    every: timedelta | None = None
    daily_at: time | None = None
    description: str = ""

    @property
    def func_path(self) -> str:
        return f"{self.func.__module__}.{self.func.__qualname__}"

    @property
    def schedule(self) -> str:
        if self.daily_at is not None:
            return f"每日 / daily {self.daily_at:%H:%M} (Asia/Shanghai)"
        return f"每 / every {self.every}"

    def current_period(self, now: datetime) -> tuple[str, datetime]:
        """The key and start of the period ``now`` falls in (the most recent scheduled moment)."""
        local = now.astimezone(SHANGHAI)
        if self.daily_at is not None:
            start = datetime.combine(local.date(), self.daily_at, tzinfo=SHANGHAI)
            if local < start:
                start -= timedelta(days=1)
            return start.date().isoformat(), start
        assert self.every is not None
        slots = (local - EPOCH) // self.every
        start = EPOCH + slots * self.every
        return start.strftime("%Y-%m-%dT%H:%M:%S"), start

    def context(self, now: datetime, period: str | None = None) -> JobContext:
        key, start = self.current_period(now)
        return JobContext(job=self.name, period=period or key, period_start=start, now=now)


_registry: dict[str, PeriodicJob] = {}


def _parse_daily(value: str | time) -> time:
    if isinstance(value, time):
        return value
    try:
        hour, minute = (int(part) for part in value.split(":"))
        return time(hour, minute)
    except ValueError as exc:
        raise ImproperlyConfigured(f"daily_at 应为 HH:MM / daily_at must be HH:MM, got {value!r}") from exc


def periodic(
    *,
    name: str,
    every: timedelta | None = None,
    daily_at: str | time | None = None,
    description: str = "",
) -> Callable[[Callable[[JobContext], Any]], Callable[[JobContext], Any]]:
    """Declare a periodic job; the function receives a ``JobContext`` and must be idempotent."""
    if (every is None) == (daily_at is None):
        raise ImproperlyConfigured(f"{name}: 需且仅需指定 every 或 daily_at / give exactly one of every, daily_at")
    if every is not None and every < timedelta(minutes=1):
        raise ImproperlyConfigured(f"{name}: 周期不得短于 1 分钟 / every must be at least one minute")

    def register(func: Callable[[JobContext], Any]) -> Callable[[JobContext], Any]:
        job = PeriodicJob(
            name=name,
            func=func,
            every=every,
            daily_at=_parse_daily(daily_at) if daily_at is not None else None,
            description=description or next(iter((func.__doc__ or "").strip().splitlines()), ""),
        )
        existing = _registry.get(name)
        if existing is not None and existing.func_path != job.func_path:
            raise ImproperlyConfigured(f"定时作业重名 / duplicate periodic job name {name!r}: {existing.func_path}")
        _registry[name] = job
        return func

    return register


def unregister(name: str) -> None:
    """Remove a job (tests register throw-away jobs)."""
    _registry.pop(name, None)


def registry() -> dict[str, PeriodicJob]:
    return dict(_registry)


def get(name: str) -> PeriodicJob:
    autodiscover()
    try:
        return _registry[name]
    except KeyError:
        raise LookupError(f"没有名为 {name!r} 的定时作业 / no periodic job named {name!r}") from None


def autodiscover() -> None:
    """Import ``<app>.jobs`` for every installed Jingwu app (idempotent: Python caches imports)."""
    for config in apps.get_app_configs():
        if not config.name.startswith("jingwu."):
            continue
        module = f"{config.name}.jobs"
        if importlib.util.find_spec(module) is not None:
            importlib.import_module(module)


def _uses_database_backend() -> bool:
    from django_tasks import task_backends
    from django_tasks_db.backend import DatabaseBackend

    from .tasks import run_periodic_job

    return isinstance(task_backends[run_periodic_job.backend], DatabaseBackend)


def _already_ran(job: PeriodicJob, period: str, now: datetime) -> bool:
    """Whether the task result table shows a run of this period (pending, running, done, or failed too often)."""
    from django_tasks_db.models import DBTaskResult

    rows = list(
        DBTaskResult.objects.filter(
            task_path=RUN_TASK_PATH,
            args_kwargs__kwargs__job=job.name,
            args_kwargs__kwargs__period=period,
        ).values_list("status", "finished_at")
    )
    failed = [finished for status, finished in rows if status == "FAILED"]
    if len(failed) < len(rows):
        return True  # ready, running or successful
    if len(failed) >= MAX_ATTEMPTS_PER_PERIOD:
        return True
    last_failure = max((f for f in failed if f is not None), default=None)
    return last_failure is not None and now - last_failure < RETRY_FAILED_AFTER


def due(now: datetime | None = None, seen: set[tuple[str, str]] | None = None) -> list[tuple[PeriodicJob, str]]:
    """Jobs whose current period has not run yet. ``seen`` is the caller's in-memory memory of
    enqueued periods (the only memory there is when the task backend is not the database)."""
    autodiscover()
    now = now or timezone.now()
    use_db = _uses_database_backend()
    out = []
    for job in sorted(_registry.values(), key=lambda j: j.name):
        period, _start = job.current_period(now)
        if seen is not None and (job.name, period) in seen:
            continue
        if use_db and _already_ran(job, period, now):
            continue
        out.append((job, period))
    return out


def enqueue_due(now: datetime | None = None, seen: set[tuple[str, str]] | None = None) -> list[str]:
    """Enqueue one ``run_periodic_job`` task per due job; returns ``job@period`` labels."""
    from .tasks import run_periodic_job

    enqueued = []
    for job, period in due(now, seen):
        try:
            run_periodic_job.enqueue(job=job.name, period=period)
        except Exception:
            logger.exception("could not enqueue periodic job %s for %s", job.name, period)
            continue
        if seen is not None:
            seen.add((job.name, period))
        enqueued.append(f"{job.name}@{period}")
    return enqueued


def run(name: str, period: str | None = None, now: datetime | None = None) -> Any:
    """Run one job now (the task calls this; so can an operator from a shell)."""
    job = get(name)
    ctx = job.context(now or timezone.now(), period)
    logger.info("running periodic job %s for period %s", job.name, ctx.period)
    return job.func(ctx)


# --- Core's own jobs ------------------------------------------------------------------------------

AUDIT_CHAIN_BROKEN = "core.audit_chain_broken"


@periodic(name="core.audit_verify_daily", daily_at="02:30")
def audit_verify_daily(run: JobContext) -> dict[str, Any]:
    """校验审计日志哈希链;断链时通知审计管理员(每天至多一次)。"""
    from django.contrib.auth import get_user_model
    from django.urls import NoReverseMatch, reverse

    from . import audit
    from .notifications import notify

    problems = audit.verify()
    if not problems:
        return {"ok": True, "problems": 0}
    try:
        url = reverse("core:audit-list")
    except NoReverseMatch:
        url = ""
    recipients = (
        get_user_model().objects.filter(role_assignments__role="auditadmin", is_active=True).distinct().only("pk")
    )
    lines = [str(problem) for problem in problems[:20]]
    notify(
        recipients=recipients,
        kind=AUDIT_CHAIN_BROKEN,
        level="danger",
        title=f"审计日志哈希链校验失败:{len(problems)} 处断链",
        body="审计日志可能被篡改或删除,请立即核查。/ The audit chain is broken; check it now.\n" + "\n".join(lines),
        url=url,
        dedupe_key=f"core.audit_verify:{run.period}",
    )
    return {"ok": False, "problems": len(problems)}
