"""Models of 接诉即办 (see each model's docstring for who sees and changes it)."""

from .config import Category, RoutingRule
from .open311 import ApiKey, Open311Account, Open311Request  # noqa: F401  (Open311 GeoReport v2)
from .orders import Assignment, OrderSource, RepeatLink, WorkOrder
from .steps import (
    Appeal,
    Callback,
    Completion,
    Contact,
    ExtensionRequest,
    RequestStatus,
    ReturnRequest,
    SupervisionNotice,
    SuspensionRequest,
)

__all__ = [
    "Appeal",
    "Assignment",
    "Callback",
    "Category",
    "Completion",
    "Contact",
    "ExtensionRequest",
    "OrderSource",
    "RepeatLink",
    "RequestStatus",
    "ReturnRequest",
    "RoutingRule",
    "SupervisionNotice",
    "SuspensionRequest",
    "WorkOrder",
]
