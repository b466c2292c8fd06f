"""Notification centre, header bell and channel management pages."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from jingwu.core import notifications
from jingwu.core.models import AuditLog, Notification, NotificationChannel

LIST = "/core/notifications/"


def login(client, user):
    client.force_login(user)
    return client


def test_anonymous_is_sent_to_login(client, org):
    n = notifications.notify(recipients=[org.lead_a], kind="k", title="t")[0]
    for response in (
        client.get(LIST),
        client.post(reverse("core:notification-read", args=[n.pk])),
        client.get(reverse("core:channel-list")),
    ):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    n.refresh_from_db()
    assert n.read_at is None


def test_centre_lists_only_own_notifications_unread_first(client, org):
    notifications.notify(recipients=[org.lead_a], kind="k", title="较早已读")
    notifications.mark_read(org.lead_a, "all")
    notifications.notify(recipients=[org.lead_a], kind="k", title="新的未读")
    notifications.notify(recipients=[org.lead_b], kind="k", title="别人的通知")
    html = login(client, org.lead_a).get(LIST).content.decode()
    assert "新的未读" in html and "较早已读" in html
    assert "别人的通知" not in html
    assert html.index("新的未读") < html.index("较早已读")


def test_unread_filter(client, org):
    notifications.notify(recipients=[org.lead_a], kind="k", title="已读的")
    notifications.mark_read(org.lead_a, "all")
    notifications.notify(recipients=[org.lead_a], kind="k", title="未读的")
    html = login(client, org.lead_a).get(LIST + "?unread=1").content.decode()
    assert "未读的" in html and "已读的" not in html


def test_other_users_notification_is_404_and_untouched(client, org):
    theirs = notifications.notify(recipients=[org.lead_b], kind="k", title="t", url="/org/units/")[0]
    login(client, org.lead_a)
    assert client.post(reverse("core:notification-read", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("core:notification-open", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_mark_one_read(client, org):
    n = notifications.notify(recipients=[org.lead_a], kind="k", title="t")[0]
    response = login(client, org.lead_a).post(reverse("core:notification-read", args=[n.pk]))
    assert response.status_code == 302
    n.refresh_from_db()
    assert n.read_at is not None


def test_mark_read_with_htmx_returns_item_and_updates_bell(client, org):
    first, _ = (notifications.notify(recipients=[org.lead_a], kind="k", title=t)[0] for t in ("一", "二"))
    response = login(client, org.lead_a).post(
        reverse("core:notification-read", args=[first.pk]), HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert f'id="notification-{first.pk}"' in html and 'data-state="read"' in html
    assert 'id="jw-bell"' in html and 'hx-swap-oob="true"' in html and 'data-unread="1"' in html


def test_mark_all_read(client, org):
    for title in ("a", "b", "c"):
        notifications.notify(recipients=[org.lead_a], kind="k", title=title)
    notifications.notify(recipients=[org.lead_b], kind="k", title="x")
    login(client, org.lead_a).post(reverse("core:notification-read-all"))
    assert notifications.unread_count(org.lead_a) == 0
    assert notifications.unread_count(org.lead_b) == 1


def test_open_marks_read_and_follows_only_local_links(client, org):
    local = notifications.notify(recipients=[org.lead_a], kind="k", title="本地", url="/org/units/")[0]
    external = notifications.notify(recipients=[org.lead_a], kind="k", title="外部", url="https://evil.example/")[0]
    login(client, org.lead_a)
    response = client.post(reverse("core:notification-open", args=[local.pk]))
    assert response["Location"] == "/org/units/"
    response = client.post(reverse("core:notification-open", args=[external.pk]))
    assert response["Location"] == LIST
    assert not Notification.objects.filter(recipient=org.lead_a, read_at__isnull=True).exists()


def test_header_bell_shows_unread_count_with_one_query(client, org):
    for title in ("a", "b"):
        notifications.notify(recipients=[org.lead_a], kind="k", title=title)
    notifications.notify(recipients=[org.lead_b], kind="k", title="x")
    login(client, org.lead_a)
    with CaptureQueriesContext(connection) as queries:
        html = client.get("/").content.decode()
    assert 'id="jw-bell"' in html and 'data-unread="2"' in html
    assert sum("core_notification" in q["sql"] for q in queries.captured_queries) == 1
    notifications.mark_read(org.lead_a, "all")
    html = client.get("/").content.decode()
    assert 'id="jw-bell"' in html and "data-unread" not in html


def test_no_bell_for_anonymous(client, db):
    assert 'id="jw-bell"' not in client.get("/login/").content.decode()


# --- channels -------------------------------------------------------------------------------------


def test_channel_page_is_for_sysadmin_only(client, org):
    login(client, org.leader)
    assert client.get(reverse("core:channel-list")).status_code == 403
    response = client.post(
        reverse("core:channel-list"),
        {"name": "x", "kind": "webhook", "target": "https://gw.example.cn/h", "secret": "0123456789abcdef"},
    )
    assert response.status_code == 403
    assert not NotificationChannel.objects.exists()
    assert "通知渠道" not in client.get(LIST).content.decode()


def test_sysadmin_adds_and_disables_a_channel(client, org):
    login(client, org.sysadmin)
    assert "通知渠道" in client.get(LIST).content.decode()
    response = client.post(
        reverse("core:channel-list"),
        {
            "name": "市局消息网关",
            "kind": "webhook",
            "target": "https://gw.example.cn/hook",
            "secret": "0123456789abcdef-secret",
            "kinds": "core.audit_chain_broken, workorders.overdue",
        },
    )
    assert response.status_code == 302
    channel = NotificationChannel.objects.get()
    assert channel.kinds == ["core.audit_chain_broken", "workorders.overdue"]
    html = client.get(reverse("core:channel-list")).content.decode()
    assert "市局消息网关" in html and "0123456789abcdef-secret" not in html
    client.post(reverse("core:channel-toggle", args=[channel.pk]), {"enabled": "0"})
    channel.refresh_from_db()
    assert channel.enabled is False
    events = set(AuditLog.objects.filter(object_id=str(channel.pk)).values_list("event", flat=True))
    assert events == {"core.channel_create", "core.channel_disable"}


def test_invalid_channel_shows_the_error_and_saves_nothing(client, org):
    login(client, org.sysadmin)
    response = client.post(
        reverse("core:channel-list"),
        {"name": "x", "kind": "webhook", "target": "https://gw.example.cn/h", "secret": "short"},
    )
    assert response.status_code == 200
    assert "至少 16 个字符" in response.content.decode()
    assert not NotificationChannel.objects.exists()


@pytest.mark.parametrize("method", ["get", "post"])
def test_toggle_requires_post_and_capability(client, org, method):
    channel = NotificationChannel.objects.create(
        name="c", kind="webhook", target="https://x.example/h", secret="s" * 16
    )
    login(client, org.lead_a)
    response = getattr(client, method)(reverse("core:channel-toggle", args=[channel.pk]), {"enabled": "0"})
    assert response.status_code in {403, 405}
    channel.refresh_from_db()
    assert channel.enabled is True
