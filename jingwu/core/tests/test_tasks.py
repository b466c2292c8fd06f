"""Periodic jobs, the task functions and ``jingwu worker --once``."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db.models import F
from django.test import override_settings
from django_tasks_db.models import DBTaskResult

from jingwu.core import audit, jobs, notifications
from jingwu.core.models import AuditLane, Notification, NotificationChannel
from jingwu.core.tasks import send_notification_task

from .test_notifications import IMMEDIATE, SECRET, webhook_server

SH = jobs.SHANGHAI
JOB_PATH = jobs.RUN_TASK_PATH


def worker_once() -> str:
    out = StringIO()
    call_command("worker", "--once", stdout=out)
    return out.getvalue()


def break_audit_chain() -> None:
    audit.record("test.event", message="something happened")
    # The lane's head now claims a row the table does not have: verify() reports it as deleted.
    AuditLane.objects.update(seq=F("seq") + 1)
    assert audit.verify()


@pytest.fixture
def counting_job():
    """A throw-away hourly job that records each run as a notification-free call."""
    calls: list[jobs.JobContext] = []

    @jobs.periodic(name="test.hourly", every=timedelta(hours=1))
    def hourly(run: jobs.JobContext) -> dict:
        calls.append(run)
        return {"period": run.period}

    yield calls
    jobs.unregister("test.hourly")


# --- the registry and its periods -----------------------------------------------------------------


def test_daily_period_is_the_most_recent_local_run_time():
    job = jobs.registry()["core.audit_verify_daily"]
    before = datetime(2025, 3, 10, 2, 0, tzinfo=SH)
    after = datetime(2025, 3, 10, 2, 30, tzinfo=SH)
    assert job.current_period(before)[0] == "2025-03-09"
    assert job.current_period(after)[0] == "2025-03-10"
    # 2025-03-09 18:30 UTC is 02:30 on the 10th in Beijing.
    assert job.current_period(datetime(2025, 3, 9, 18, 30, tzinfo=UTC))[0] == "2025-03-10"
    assert job.current_period(datetime(2025, 3, 9, 18, 29, tzinfo=UTC))[0] == "2025-03-09"


def test_interval_periods_align_to_the_clock(counting_job):
    job = jobs.registry()["test.hourly"]
    a = job.current_period(datetime(2025, 3, 10, 9, 5, tzinfo=SH))
    b = job.current_period(datetime(2025, 3, 10, 9, 55, tzinfo=SH))
    c = job.current_period(datetime(2025, 3, 10, 10, 0, tzinfo=SH))
    assert a == b and a[0] == "2025-03-10T09:00:00"
    assert c[0] == "2025-03-10T10:00:00"


@pytest.mark.parametrize(
    "kwargs",
    [{}, {"every": timedelta(hours=1), "daily_at": "02:00"}, {"every": timedelta(seconds=5)}, {"daily_at": "25:99"}],
)
def test_bad_declarations_are_refused(kwargs):
    with pytest.raises(ImproperlyConfigured):
        jobs.periodic(name="test.bad", **kwargs)(lambda run: None)
    assert "test.bad" not in jobs.registry()


def test_a_job_name_cannot_be_taken_twice(counting_job):
    def other(run):
        return None

    with pytest.raises(ImproperlyConfigured):
        jobs.periodic(name="test.hourly", every=timedelta(hours=2))(other)


def test_due_uses_the_task_result_table_as_last_run(db, counting_job):
    now = datetime(2025, 3, 10, 9, 5, tzinfo=SH)
    assert "test.hourly@2025-03-10T09:00:00" in jobs.enqueue_due(now)
    assert "test.hourly" not in [job.name for job, _ in jobs.due(now + timedelta(minutes=30))]
    assert "test.hourly" in [job.name for job, _ in jobs.due(now + timedelta(hours=1))]


def test_failed_run_is_retried_later_in_the_period_at_most_three_times(db, counting_job):
    now = datetime(2025, 3, 10, 9, 5, tzinfo=SH)
    period = "2025-03-10T09:00:00"

    def fail_at(when):
        DBTaskResult.objects.create(
            task_path=JOB_PATH,
            args_kwargs={"args": [], "kwargs": {"job": "test.hourly", "period": period}},
            backend_name="default",
            status="FAILED",
            finished_at=when,
        )

    def is_due(when):
        return "test.hourly" in [job.name for job, _ in jobs.due(when)]

    fail_at(now)
    assert not is_due(now + timedelta(minutes=1))
    assert is_due(now + timedelta(minutes=6))
    fail_at(now + timedelta(minutes=6))
    fail_at(now + timedelta(minutes=12))
    assert not is_due(now + timedelta(minutes=40))


# --- worker --once ------------------------------------------------------------------------------


def test_worker_once_runs_due_job_once_per_period(db, counting_job):
    worker_once()
    worker_once()
    assert len(counting_job) == 1
    rows = DBTaskResult.objects.filter(task_path=JOB_PATH, args_kwargs__kwargs__job="test.hourly")
    assert [r.status for r in rows] == ["SUCCESSFUL"]
    assert rows[0].return_value == {"period": counting_job[0].period}


def test_audit_job_notifies_auditadmins_once_when_chain_is_broken(org):
    break_audit_chain()
    worker_once()
    worker_once()
    alerts = Notification.objects.filter(kind=jobs.AUDIT_CHAIN_BROKEN)
    assert [n.recipient_id for n in alerts] == [org.auditadmin.pk]
    assert alerts[0].level == "danger"
    assert (
        DBTaskResult.objects.filter(task_path=JOB_PATH, args_kwargs__kwargs__job="core.audit_verify_daily").count() == 1
    )


def test_audit_job_is_silent_when_chain_is_intact(org):
    audit.record("test.event")
    worker_once()
    assert not Notification.objects.filter(kind=jobs.AUDIT_CHAIN_BROKEN).exists()


@override_settings(TASKS=IMMEDIATE)
def test_audit_job_is_idempotent_without_the_database_backend(org):
    """With no result table to remember runs, the job's dedupe key alone prevents duplicates."""
    break_audit_chain()
    worker_once()
    worker_once()
    assert Notification.objects.filter(kind=jobs.AUDIT_CHAIN_BROKEN).count() == 1


def test_audit_job_dedupes_per_day_across_manual_runs(org):
    break_audit_chain()
    day = datetime(2025, 3, 10, 3, 0, tzinfo=SH)
    jobs.run("core.audit_verify_daily", now=day)
    jobs.run("core.audit_verify_daily", now=day + timedelta(hours=5))
    assert Notification.objects.filter(kind=jobs.AUDIT_CHAIN_BROKEN).count() == 1
    jobs.run("core.audit_verify_daily", now=day + timedelta(days=1))
    assert Notification.objects.filter(kind=jobs.AUDIT_CHAIN_BROKEN).count() == 2


@pytest.mark.django_db(transaction=True)
def test_database_backend_end_to_end_job_to_webhook(org):
    """The real path: committed transactions, the database queue, the worker, an HTTP receiver."""
    with webhook_server() as server:
        NotificationChannel.objects.create(
            name="gw", kind="webhook", target=server.url, secret=SECRET, kinds=[jobs.AUDIT_CHAIN_BROKEN]
        )
        break_audit_chain()
        output = worker_once()
        assert "core.audit_verify_daily@" in output
        worker_once()
    assert Notification.objects.filter(kind=jobs.AUDIT_CHAIN_BROKEN).count() == 1
    assert len(server.received) == 1
    body = json.loads(server.received[0]["body"])
    assert body["kind"] == jobs.AUDIT_CHAIN_BROKEN and body["recipient"] == "auditadmin"
    assert server.received[0]["headers"]["x-jingwu-signature"] == notifications.sign(SECRET, server.received[0]["body"])
    deliveries = DBTaskResult.objects.filter(task_path="jingwu.core.tasks.send_notification_task")
    assert [d.status for d in deliveries] == ["SUCCESSFUL"]


def test_failed_delivery_is_retried_later_through_the_database_queue(org, django_capture_on_commit_callbacks):
    with webhook_server(statuses=[500]) as server:
        NotificationChannel.objects.create(name="gw", kind="webhook", target=server.url, secret=SECRET)
        with django_capture_on_commit_callbacks(execute=True):
            notifications.notify(recipients=[org.lead_a], kind="k", title="稍后重试")
        worker_once()
        assert len(server.received) == 1
        retry = DBTaskResult.objects.get(task_path="jingwu.core.tasks.send_notification_task", status="READY")
        assert retry.args_kwargs["args"][2] == 2  # second attempt
        assert retry.run_after > retry.enqueued_at + timedelta(seconds=30)
        worker_once()  # not due yet
        assert len(server.received) == 1
        DBTaskResult.objects.filter(pk=retry.pk).update(run_after=retry.enqueued_at)
        worker_once()
        assert len(server.received) == 2
    retry.refresh_from_db()
    assert retry.status == "SUCCESSFUL" and retry.return_value["delivered"]


def test_delivery_task_for_a_deleted_notification_does_nothing(db):
    result = send_notification_task.call(999999)
    assert result["skipped"] and result["delivered"] == []


def test_worker_lists_jobs(db):
    out = StringIO()
    call_command("worker", "--list", stdout=out)
    assert "core.audit_verify_daily" in out.getvalue() and "02:30" in out.getvalue()
