from .attachments import Attachment
from .audit import AuditLane, AuditLog
from .calendar import CalendarDay, WorkSchedule
from .notifications import Notification, NotificationChannel
from .saved_filters import SavedFilter
from .security import UserSession
from .workflow import TransitionEvent

__all__ = [
    "Attachment",
    "AuditLane",
    "AuditLog",
    "CalendarDay",
    "Notification",
    "NotificationChannel",
    "SavedFilter",
    "TransitionEvent",
    "UserSession",
    "WorkSchedule",
]
