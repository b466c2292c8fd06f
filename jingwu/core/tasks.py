"""Core background tasks: thin, idempotent adapters over services (DESIGN.md, mechanism 8).

Tasks run in ``jingwu worker`` (database backend) or inline (ImmediateBackend, tests). They set the
action context to ``origin="task"`` so audit rows written by the services they call say so.
"""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from typing import Any

from django.utils import timezone
from django_tasks import task

from . import context, jobs, notifications
from .models import Notification, NotificationChannel

logger = logging.getLogger("jingwu.tasks")


@task()
def send_notification_task(notification_id: int, channel_id: int | None = None, attempt: int = 1) -> dict[str, Any]:
    """Deliver one notification to its external channels (or to one channel, on a retry).

    A channel that fails is retried on its own, at most ``notifications.MAX_ATTEMPTS`` times in
    all, so a retry never re-sends to the channels that already succeeded. Never raises for a
    delivery failure: the failure is logged and the result row says which channels failed.
    """
    result: dict[str, Any] = {"delivered": [], "retrying": [], "failed": []}
    with context.acting(origin="task"):
        notification = Notification.objects.select_related("recipient").filter(pk=notification_id).first()
        if notification is None:
            return {**result, "skipped": "notification gone"}
        if channel_id is None:
            channels = notifications.channels_for(notification.kind)
        else:  # a retry: only if the channel is still enabled
            channels = list(NotificationChannel.objects.filter(pk=channel_id, enabled=True))
        for channel in channels:
            try:
                notifications.deliver(notification, channel)
            except Exception as exc:
                if attempt < notifications.MAX_ATTEMPTS:
                    logger.warning(
                        "notification %s via channel %s failed (attempt %s), will retry: %s",
                        notification_id,
                        channel.pk,
                        attempt,
                        exc,
                    )
                    _retry(notification_id, channel.pk, attempt)
                    result["retrying"].append(channel.pk)
                else:
                    logger.error(
                        "notification %s via channel %s failed after %s attempts, giving up: %s",
                        notification_id,
                        channel.pk,
                        attempt,
                        exc,
                    )
                    result["failed"].append(channel.pk)
            else:
                result["delivered"].append(channel.pk)
    return result


def _retry(notification_id: int, channel_id: int, attempt: int) -> None:
    retry = send_notification_task
    if retry.get_backend().supports_defer:
        delay = notifications.RETRY_DELAYS[min(attempt, len(notifications.RETRY_DELAYS)) - 1]
        retry = retry.using(run_after=timezone.now() + timedelta(seconds=delay))
    try:
        retry.enqueue(notification_id, channel_id, attempt + 1)
    except Exception:
        logger.exception("could not enqueue retry of notification %s via channel %s", notification_id, channel_id)


@task()
def run_periodic_job(job: str, period: str) -> Any:
    """Run one periodic job for one period. Raises on failure so the result row shows FAILED
    (the scheduler then retries it within the period, see ``jobs.MAX_ATTEMPTS_PER_PERIOD``)."""
    with context.acting(origin="task"):
        value = jobs.run(job, period)
    return json.loads(json.dumps(value, ensure_ascii=False, default=str))


@task()
def run_periodic_jobs() -> list[str]:
    """Enqueue every due periodic job (what the worker's scheduler does on each tick)."""
    return jobs.enqueue_due()
