from django.urls import path

from . import saved_filters, views_audit, views_calendar, views_metrics, views_notifications
from .attachments import views as attachment_views

app_name = "core"
urlpatterns = [
    # Notification centre and channels.
    path("notifications/", views_notifications.notification_list, name="notification-list"),
    path("notifications/read-all/", views_notifications.notification_read_all, name="notification-read-all"),
    path("notifications/<int:pk>/read/", views_notifications.notification_read, name="notification-read"),
    path("notifications/<int:pk>/open/", views_notifications.notification_open, name="notification-open"),
    path("notifications/channels/", views_notifications.channel_list, name="channel-list"),
    path("notifications/channels/<int:pk>/toggle/", views_notifications.channel_toggle, name="channel-toggle"),
    # Working calendar overrides (工作日历).
    path("calendar/", views_calendar.calendar_overrides, name="calendar"),
    path("calendar/add/", views_calendar.calendar_override_add, name="calendar-add"),
    path("calendar/<str:day>/delete/", views_calendar.calendar_override_delete, name="calendar-delete"),
    path("calendar/<int:year>/complete/", views_calendar.calendar_year_complete, name="calendar-complete"),
    # Audit log (审计管理员, read-only).
    path("audit/", views_audit.audit_list, name="audit-list"),
    path("audit/export/", views_audit.audit_export, name="audit-export"),
    path("audit/<int:pk>/", views_audit.audit_detail, name="audit-detail"),
    # Metrics: definitions and the drill-down from a figure to its rows.
    path("metrics/", views_metrics.metric_list, name="metric-list"),
    path("metrics/<str:name>/", views_metrics.metric_detail, name="metric-detail"),
    # Attachments: download only through this scoped, audited view.
    path("attachments/<int:pk>/", attachment_views.attachment_download, name="attachment-download"),
    # Saved filters (常用筛选) of any list page; personal.
    path("saved-filters/", saved_filters.saved_filter_save, name="saved-filter-save"),
    path("saved-filters/<int:pk>/delete/", saved_filters.saved_filter_remove, name="saved-filter-delete"),
]
