"""``jingwu worker``: the background worker (database task queue) plus the periodic-job scheduler."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections
from django.utils import timezone
from django.utils.crypto import get_random_string
from django_tasks import DEFAULT_TASK_BACKEND_ALIAS, task_backends
from django_tasks_db.backend import DatabaseBackend

from jingwu.core import jobs


class Command(BaseCommand):
    help = (
        "运行后台任务和定时作业 / run background tasks and periodic jobs. "
        "--once: 执行到期作业和待办任务后退出 / run due jobs and pending tasks once, then exit (cron, tests)."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--once", action="store_true", help="执行一次后退出 / run once, then exit")
        parser.add_argument(
            "--interval", type=float, default=5.0, help="空闲时轮询间隔(秒)/ seconds between polls when idle"
        )
        parser.add_argument(
            "--queue-name", default="*", help="处理的队列,逗号分隔,* 为全部 / queues to process (default: all)"
        )
        parser.add_argument(
            "--no-scheduler",
            action="store_true",
            help="只处理任务,不调度定时作业(额外的工作进程)/ only run tasks (for extra worker processes)",
        )
        parser.add_argument("--list", action="store_true", help="列出已登记的定时作业 / list periodic jobs")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["interval"] <= 0:
            raise CommandError("--interval 须大于 0 / must be positive")
        jobs.autodiscover()
        if options["list"]:
            for job in sorted(jobs.registry().values(), key=lambda j: j.name):
                self.stdout.write(f"{job.name:<32} {job.schedule:<36} {job.description}")
            return
        backend = task_backends[DEFAULT_TASK_BACKEND_ALIAS]
        worker = None
        if isinstance(backend, DatabaseBackend):
            from django_tasks_db.management.commands.db_worker import Worker

            worker = Worker(
                queue_names=options["queue_name"].split(","),
                interval=options["interval"],
                batch=True,
                backend_name=backend.alias,
                startup_delay=False,
                max_tasks=None,
                worker_id=get_random_string(32),
                excluded_queue_names=[],
            )
        scheduler = not options["no_scheduler"]
        seen: set[tuple[str, str]] = set()

        if options["once"]:
            enqueued = jobs.enqueue_due(seen=seen) if scheduler else []
            ran = self._drain(worker)
            self._report(enqueued, ran, options["verbosity"])
            return

        if worker is None:
            self.stderr.write(
                "任务后端不是数据库,工作进程只调度定时作业 / backend is not the database: scheduling only"
            )
        else:
            worker.configure_signals()  # SIGTERM: finish the running task, then stop
        self.stdout.write(f"worker started: scheduler={'on' if scheduler else 'off'}, interval={options['interval']}s")
        while worker is None or worker.running:
            close_old_connections()
            enqueued = jobs.enqueue_due(seen=seen) if scheduler else []
            ran = self._drain(worker)
            self._report(enqueued, ran, options["verbosity"], quiet_when_idle=True)
            if worker is not None and not worker.running:
                break
            # Forget periods older than the current ones so the memory stays small.
            current = {(job.name, job.current_period(timezone.now())[0]) for job in jobs.registry().values()}
            seen &= current
            time.sleep(options["interval"])

    def _drain(self, worker: Any) -> int:
        """Run every ready task, then return (django_tasks_db's claim-and-run, minus its
        connection recycling, which the long-running loop does itself between rounds: recycling
        inside a caller's transaction, e.g. ``call_command("worker", "--once")`` in a test or a
        script, would close that transaction's connection)."""
        if worker is None:
            return 0
        from django.db import OperationalError
        from django_tasks_db.models import DBTaskResult
        from django_tasks_db.utils import exclusive_transaction, is_locked_database_exception

        ran = 0
        while worker.running:
            tasks = DBTaskResult.objects.ready().filter(backend_name=worker.backend_name)
            if not worker.process_all_queues:
                tasks = tasks.filter(queue_name__in=worker.queue_names)
            with exclusive_transaction(tasks.db):
                try:
                    task_result = tasks.get_locked()
                    if task_result is not None:
                        task_result.claim(worker.worker_id)  # no other worker may run it now
                except OperationalError as exc:
                    if not is_locked_database_exception(exc):
                        raise
                    task_result = None  # SQLite busy: try again next round
            if task_result is None:
                break
            worker.run_task(task_result)
            ran += 1
        return ran

    def _report(self, enqueued: list[str], ran: int, verbosity: int, quiet_when_idle: bool = False) -> None:
        if verbosity < 1 or (quiet_when_idle and not enqueued and not ran):
            return
        jobs_text = ", ".join(enqueued) if enqueued else "-"
        self.stdout.write(f"定时作业 / jobs enqueued: {jobs_text}; 任务 / tasks run: {ran}")
