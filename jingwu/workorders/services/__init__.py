"""Writes of 接诉即办: every service is ``<entity>_<verb>(*, actor, ...)``, one transaction, validated,
with the workflow event and audit rows inside it."""

from .attachments import work_order_attach
from .config import category_save, routing_rule_save
from .conflict import police_complaint_hint, work_order_mark_complaint
from .flow import (
    assist_accept,
    assist_reply,
    extension_decide,
    extension_request,
    resolve_route,
    return_decide,
    route_for,
    suspension_decide,
    suspension_request,
    work_order_accept,
    work_order_assign_handler,
    work_order_assist,
    work_order_callback,
    work_order_complete,
    work_order_contact,
    work_order_dispatch,
    work_order_resume,
    work_order_return,
)
from .hotline import hotline_import, platforms
from .intake import (
    IntakeResult,
    discipline_unit_for,
    work_order_intake,
    work_order_link,
    work_order_merge,
    work_order_repeat_action,
)
from .signing import sign_watch
from .supervision import appeal_decide, appeal_request, urge_overdue, work_order_notice, work_order_urge

__all__ = [
    "IntakeResult",
    "appeal_decide",
    "appeal_request",
    "assist_accept",
    "assist_reply",
    "category_save",
    "discipline_unit_for",
    "extension_decide",
    "extension_request",
    "hotline_import",
    "platforms",
    "police_complaint_hint",
    "resolve_route",
    "return_decide",
    "route_for",
    "routing_rule_save",
    "sign_watch",
    "suspension_decide",
    "suspension_request",
    "urge_overdue",
    "work_order_accept",
    "work_order_assign_handler",
    "work_order_assist",
    "work_order_attach",
    "work_order_callback",
    "work_order_complete",
    "work_order_contact",
    "work_order_dispatch",
    "work_order_intake",
    "work_order_link",
    "work_order_mark_complaint",
    "work_order_merge",
    "work_order_repeat_action",
    "work_order_notice",
    "work_order_resume",
    "work_order_return",
    "work_order_urge",
]
