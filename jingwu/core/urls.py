app_name = "core"
urlpatterns: list = []

# Notification centre and channels (background tasks & notifications).
from django.urls import path as _path  # noqa: E402

from . import views_notifications as _notification_views  # noqa: E402

urlpatterns += [
    _path("notifications/", _notification_views.notification_list, name="notification-list"),
    _path("notifications/read-all/", _notification_views.notification_read_all, name="notification-read-all"),
    _path("notifications/<int:pk>/read/", _notification_views.notification_read, name="notification-read"),
    _path("notifications/<int:pk>/open/", _notification_views.notification_open, name="notification-open"),
    _path("notifications/channels/", _notification_views.channel_list, name="channel-list"),
    _path("notifications/channels/<int:pk>/toggle/", _notification_views.channel_toggle, name="channel-toggle"),
]

# Working calendar overrides (工作日历).
from . import views_calendar as _calendar_views  # noqa: E402

urlpatterns += [
    _path("calendar/", _calendar_views.calendar_overrides, name="calendar"),
    _path("calendar/add/", _calendar_views.calendar_override_add, name="calendar-add"),
    _path("calendar/<str:day>/delete/", _calendar_views.calendar_override_delete, name="calendar-delete"),
    _path("calendar/<int:year>/complete/", _calendar_views.calendar_year_complete, name="calendar-complete"),
]

# Audit log (审计管理员, read-only).
from . import views_audit as _audit_views  # noqa: E402

urlpatterns += [
    _path("audit/", _audit_views.audit_list, name="audit-list"),
    _path("audit/export/", _audit_views.audit_export, name="audit-export"),
    _path("audit/<int:pk>/", _audit_views.audit_detail, name="audit-detail"),
]

# Metrics: definitions and the drill-down from a figure to its rows.
from . import views_metrics as _metric_views  # noqa: E402

urlpatterns += [
    _path("metrics/", _metric_views.metric_list, name="metric-list"),
    _path("metrics/<str:name>/", _metric_views.metric_detail, name="metric-detail"),
]
