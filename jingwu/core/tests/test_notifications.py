"""Notification service: in-app rows, dedupe, delivery to webhook and email channels, retries."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import override_settings

from jingwu.core import notifications
from jingwu.core.models import AuditLog, Notification, NotificationChannel

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
SECRET = "s3cret-signing-key-0123456789"


class _HookHandler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        server = self.server
        server.received.append({"headers": {k.lower(): v for k, v in self.headers.items()}, "body": body})
        status = server.statuses.pop(0) if server.statuses else 200
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


@contextmanager
def webhook_server(statuses: list[int] | None = None) -> Iterator[ThreadingHTTPServer]:
    """A tiny HTTP receiver on 127.0.0.1; answers the given statuses in turn, then 200."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _HookHandler)
    server.received = []
    server.statuses = list(statuses or [])
    server.url = f"http://127.0.0.1:{server.server_port}/hook"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def make_channel(kind: str, target: str, kinds: list[str] | None = None, **extra) -> NotificationChannel:
    return NotificationChannel.objects.create(
        name=f"{kind} channel", kind=kind, target=target, secret=extra.pop("secret", SECRET), kinds=kinds or [], **extra
    )


# --- notify: in-app rows -------------------------------------------------------------------------


def test_notify_creates_one_row_per_recipient(org):
    created = notifications.notify(
        recipients=[org.lead_a, org.officer_a], kind="workorders.due_soon", title="工单即将超期", url="/wo/1/"
    )
    assert len(created) == 2
    rows = Notification.objects.filter(kind="workorders.due_soon")
    assert {n.recipient_id for n in rows} == {org.lead_a.pk, org.officer_a.pk}
    assert all(n.read_at is None and n.url == "/wo/1/" for n in rows)
    assert notifications.unread_count(org.lead_a) == 1


def test_notify_with_dedupe_key_creates_each_recipient_row_once(org):
    first = notifications.notify(recipients=[org.lead_a], kind="k", title="提醒", dedupe_key="wo:1:due")
    again = notifications.notify(recipients=[org.lead_a, org.lead_b], kind="k", title="提醒", dedupe_key="wo:1:due")
    third = notifications.notify(recipients=[org.lead_a, org.lead_b], kind="k", title="提醒", dedupe_key="wo:1:due")
    assert len(first) == 1
    assert [n.recipient_id for n in again] == [org.lead_b.pk]
    assert third == []
    assert Notification.objects.filter(dedupe_key="wo:1:due").count() == 2


def test_notify_without_dedupe_key_repeats(org):
    notifications.notify(recipients=org.lead_a, kind="k", title="一")
    notifications.notify(recipients=[org.lead_a.pk], kind="k", title="二")
    assert Notification.objects.filter(recipient=org.lead_a).count() == 2


def test_notify_rejects_unknown_level(org):
    with pytest.raises(ValidationError):
        notifications.notify(recipients=[org.lead_a], kind="k", title="x", level="panic")
    assert not Notification.objects.exists()


def test_mark_read_touches_only_own_notifications(org):
    mine = notifications.notify(recipients=[org.lead_a], kind="k", title="mine")[0]
    theirs = notifications.notify(recipients=[org.lead_b], kind="k", title="theirs")[0]
    assert notifications.mark_read(org.lead_a, [mine.pk, theirs.pk]) == 1
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.read_at is not None and theirs.read_at is None
    notifications.notify(recipients=[org.lead_a], kind="k", title="a")
    notifications.notify(recipients=[org.lead_a], kind="k", title="b")
    assert notifications.unread_count(org.lead_a) == 2
    assert notifications.mark_read(org.lead_a, "all") == 2
    assert notifications.unread_count(org.lead_a) == 0
    assert notifications.unread_count(org.lead_b) == 1


# --- delivery -------------------------------------------------------------------------------------


@override_settings(TASKS=IMMEDIATE)
def test_webhook_receives_signed_json(org, django_capture_on_commit_callbacks):
    with webhook_server() as server:
        make_channel("webhook", server.url)
        with django_capture_on_commit_callbacks(execute=True):
            notifications.notify(
                recipients=[org.lead_a],
                kind="workorders.overdue",
                title="工单已超期",
                body="请尽快办理",
                url="/wo/7/",
                level="warning",
            )
    assert len(server.received) == 1
    hit = server.received[0]
    assert json.loads(hit["body"]) == {
        "kind": "workorders.overdue",
        "title": "工单已超期",
        "body": "请尽快办理",
        "url": "/wo/7/",
        "level": "warning",
        "recipient": "lead_a",
    }
    expected = "sha256=" + hmac.new(SECRET.encode(), hit["body"], hashlib.sha256).hexdigest()
    assert hmac.compare_digest(hit["headers"]["x-jingwu-signature"], expected)
    assert hit["headers"]["content-type"].startswith("application/json")


@override_settings(TASKS=IMMEDIATE, SITE_URL="https://jingwu.example.cn")
def test_channels_filter_by_kind_and_enabled(org, django_capture_on_commit_callbacks):
    with webhook_server() as wanted, webhook_server() as other, webhook_server() as disabled:
        make_channel("webhook", wanted.url, kinds=["workorders.overdue"])
        make_channel("webhook", other.url, kinds=["training.reminder"])
        make_channel("webhook", disabled.url, enabled=False)
        with django_capture_on_commit_callbacks(execute=True):
            notifications.notify(recipients=[org.lead_a], kind="workorders.overdue", title="超期", url="/wo/1/")
    assert len(wanted.received) == 1
    assert json.loads(wanted.received[0]["body"])["url"] == "https://jingwu.example.cn/wo/1/"
    assert other.received == [] and disabled.received == []


@override_settings(TASKS=IMMEDIATE)
def test_email_channel_sends_to_fixed_address_and_recipient(org, mailoutbox, django_capture_on_commit_callbacks):
    org.lead_a.email = "lead_a@unit.example.cn"
    org.lead_a.save(update_fields=["email"])
    make_channel("email", "duty@unit.example.cn, @recipient", secret="")
    with django_capture_on_commit_callbacks(execute=True):
        notifications.notify(recipients=[org.lead_a], kind="k", title="审计告警", body="链断了", url="/core/audit/")
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert "审计告警" in mail.subject
    assert set(mail.to) == {"duty@unit.example.cn", "lead_a@unit.example.cn"}
    assert "链断了" in mail.body and "/core/audit/" in mail.body


@override_settings(TASKS=IMMEDIATE)
def test_failing_webhook_does_not_break_notify_and_is_retried_three_times(
    org, django_capture_on_commit_callbacks, caplog
):
    with webhook_server(statuses=[500, 502, 503, 500]) as server:
        make_channel("webhook", server.url)
        with django_capture_on_commit_callbacks(execute=True):
            created = notifications.notify(recipients=[org.lead_a], kind="k", title="不会送达")
    assert len(created) == 1 and Notification.objects.filter(title="不会送达").exists()
    assert len(server.received) == notifications.MAX_ATTEMPTS == 3
    assert "giving up" in caplog.text


@override_settings(TASKS=IMMEDIATE)
def test_flaky_webhook_is_delivered_on_retry_and_other_channels_not_resent(org, django_capture_on_commit_callbacks):
    with webhook_server(statuses=[500]) as flaky, webhook_server() as healthy:
        make_channel("webhook", flaky.url)
        make_channel("webhook", healthy.url)
        with django_capture_on_commit_callbacks(execute=True):
            notifications.notify(recipients=[org.lead_a], kind="k", title="重试后送达")
    assert len(flaky.received) == 2
    assert len(healthy.received) == 1


@override_settings(TASKS=IMMEDIATE)
def test_unreachable_webhook_does_not_raise(org, django_capture_on_commit_callbacks):
    with webhook_server() as server:
        url = server.url
    make_channel("webhook", url)  # the server is gone: connection refused
    with django_capture_on_commit_callbacks(execute=True):
        created = notifications.notify(recipients=[org.lead_a], kind="k", title="无人接收")
    assert len(created) == 1


def test_delivery_is_queued_only_when_a_channel_wants_it(org, django_capture_on_commit_callbacks):
    from django_tasks_db.models import DBTaskResult

    with django_capture_on_commit_callbacks(execute=True):
        notifications.notify(recipients=[org.lead_a, org.lead_b], kind="k", title="只在站内")
    assert not DBTaskResult.objects.exists()
    make_channel("webhook", "http://127.0.0.1:9/hook", kinds=["k"])
    with django_capture_on_commit_callbacks(execute=True):
        created = notifications.notify(recipients=[org.lead_a, org.lead_b], kind="k", title="也推送")
    queued = DBTaskResult.objects.filter(task_path="jingwu.core.tasks.send_notification_task")
    assert sorted(r.args_kwargs["args"][0] for r in queued) == sorted(n.pk for n in created)


def test_nothing_is_queued_when_the_transaction_rolls_back(org, django_capture_on_commit_callbacks):
    from django.db import transaction
    from django_tasks_db.models import DBTaskResult

    make_channel("webhook", "http://127.0.0.1:9/hook")
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                notifications.notify(recipients=[org.lead_a], kind="k", title="回滚")
                raise RuntimeError("business rule failed")
        except RuntimeError:
            pass
    assert not Notification.objects.exists()
    assert not DBTaskResult.objects.exists()


# --- channel management ---------------------------------------------------------------------------


def test_channel_create_is_audited_with_secret_masked(org):
    channel = notifications.channel_create(
        actor=org.sysadmin, name="钉钉网关", kind="webhook", target="https://gw.example.cn/hook", secret=SECRET
    )
    row = AuditLog.objects.get(event="core.channel_create", object_id=str(channel.pk))
    assert row.actor_id == org.sysadmin.pk
    assert row.changes["secret"] == ["***", "***"]
    assert SECRET not in json.dumps(row.changes)


def test_channel_management_needs_the_capability(org):
    with pytest.raises(PermissionDenied):
        notifications.channel_create(
            actor=org.leader, name="x", kind="webhook", target="https://gw.example.cn/hook", secret=SECRET
        )
    assert not NotificationChannel.objects.exists()


@pytest.mark.parametrize(
    ("kind", "target", "secret", "field"),
    [
        ("webhook", "ftp://gw.example.cn/hook", SECRET, "target"),
        ("webhook", "https://gw.example.cn/hook", "short", "secret"),
        ("email", "not-an-address", "", "target"),
    ],
)
def test_channel_validation(org, kind, target, secret, field):
    with pytest.raises(ValidationError) as exc:
        notifications.channel_create(actor=org.sysadmin, name="x", kind=kind, target=target, secret=secret)
    assert field in exc.value.message_dict
    assert not NotificationChannel.objects.exists()


def test_channel_disable_is_audited_and_stops_delivery(org):
    channel = make_channel("webhook", "https://gw.example.cn/hook")
    notifications.channel_set_enabled(actor=org.sysadmin, channel=channel, enabled=False)
    channel.refresh_from_db()
    assert channel.enabled is False
    assert AuditLog.objects.filter(event="core.channel_disable", object_id=str(channel.pk)).count() == 1
    assert notifications.channels_for("anything") == []
