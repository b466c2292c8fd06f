"""Field mapping between our categories and work orders and the GeoReport v2 documents.

The phone and the name of the citizen are never part of any document: the specification's GET has
no such fields, and this module is the only place documents are made.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from jingwu.core.deadlines import NATURAL_HOURS, SAME_DAY, WORKING_DAYS, WORKING_HOURS

from ..models import Category, Open311Request, WorkOrder
from .formats import w3c

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"

# Our states in the spec's two: every open state is "open"; completed (awaiting callback), closed
# after callback and merged into another order are "closed".
OPEN = "open"
CLOSED = "closed"
STATUS_OF: dict[str, str] = {str(state): OPEN for state in WorkOrder.OPEN_STATES}
STATUS_OF |= {WorkOrder.State.COMPLETED: CLOSED, WorkOrder.State.CLOSED: CLOSED, WorkOrder.State.MERGED: CLOSED}
STATES_OF = {
    OPEN: [s for s, status in STATUS_OF.items() if status == OPEN],
    CLOSED: [s for s, status in STATUS_OF.items() if status == CLOSED],
}
STATE_ENGLISH: dict[str, str] = {
    WorkOrder.State.RECEIVED: "received, awaiting dispatch",
    WorkOrder.State.DISPATCHED: "dispatched, awaiting sign-for",
    WorkOrder.State.ACCEPTED: "signed for by the responsible unit",
    WorkOrder.State.HANDLING: "in progress",
    WorkOrder.State.SUSPENDED: "suspended by an approved request",
    WorkOrder.State.COMPLETED: "completed, awaiting the callback",
    WorkOrder.State.CLOSED: "closed after the callback",
    WorkOrder.State.MERGED: "merged into another request",
}
_LIMIT_WORDS = {
    NATURAL_HOURS: ("小时", "hours"),
    WORKING_HOURS: ("工作小时", "working hours"),
    WORKING_DAYS: ("个工作日", "working days"),
}


def _limit(amount: Decimal, unit: str) -> tuple[str, str]:
    if unit == SAME_DAY:
        return "当日", "the same day"
    zh, en = _LIMIT_WORDS.get(unit, ("", unit))
    number = format(Decimal(amount).normalize(), "f")
    return f"{number}{zh}", f"{number} {en}"


def service_notice(category: Category) -> str:
    """What the citizen may expect, from the category's limits."""
    sign_zh, sign_en = _limit(category.sign_for_amount, category.sign_for_unit)
    done_zh, done_en = _limit(category.complete_amount, category.complete_unit)
    return (
        f"派单后{sign_zh}内签收、{done_zh}内办结,办结后回访 / "
        f"signed for within {sign_en} and completed within {done_en} of dispatch, then a callback"
    )


# --- services ---------------------------------------------------------------------------------


def service(category: Category, parents: dict[int, Category]) -> dict[str, Any]:
    parent = parents.get(category.parent_id) if category.parent_id else None
    keywords = [category.code, category.name]
    if category.urgency == Category.Urgency.URGENT:
        keywords.append("紧急")
    if category.is_complaint:
        keywords.append("投诉举报")
    return {
        "service_code": category.code,
        "service_name": category.name,
        "description": f"{category.name}类诉求。{service_notice(category)}",
        "metadata": False,  # no category asks for attributes beyond the standard fields
        "type": "realtime",  # the request id is returned at once (no token)
        "keywords": ",".join(keywords),
        "group": (parent or category).name,
    }


def service_definition(category: Category) -> dict[str, Any]:
    """The specification's service definition; no category defines extra attributes."""
    return {"service_code": category.code, "attributes": []}


# --- service requests -------------------------------------------------------------------------


def status_notes(order: WorkOrder) -> str:
    text = f"{order.get_state_display()} / {STATE_ENGLISH.get(order.state, order.state)}"
    if order.state == WorkOrder.State.MERGED and order.merged_into_id:
        into = getattr(order.merged_into, "number", "")
        text += f"(并入 {into} / merged into {into})"
    return text


def _coordinate(value: Decimal | None) -> Decimal | None:
    return None if value is None else value.normalize()


def service_request(order: WorkOrder, *, public: bool) -> dict[str, Any]:
    """One request. ``public`` (no key): what happened to a demand, not what it said or where —
    description, notes, address, coordinates and photo stay empty (they may identify the citizen)."""
    try:
        extra: Open311Request | None = order.open311  # type: ignore[attr-defined]  # reverse one-to-one
    except Open311Request.DoesNotExist:
        extra = None
    document: dict[str, Any] = {
        "service_request_id": order.number,
        "status": STATUS_OF.get(order.state, OPEN),
        "status_notes": None if public else status_notes(order),
        "service_name": order.category.name,
        "service_code": order.category.code,
        "description": None if public else order.content,
        "agency_responsible": order.unit.name,
        "service_notice": service_notice(order.category),
        "requested_datetime": w3c(order.received_at),
        "updated_datetime": w3c(order.updated_at),
        "expected_datetime": w3c(order.due_at),
        "address": None if public else (order.address or None),
        "address_id": None,
        "zipcode": None,
        "lat": None if public else _coordinate(order.latitude),
        "long": None if public else _coordinate(order.longitude),
        "media_url": None if public or extra is None else (extra.media_url or None),
    }
    return document


def created(order: WorkOrder) -> dict[str, Any]:
    """The answer to a POST: synchronous, so the id at once and no token."""
    return {"service_request_id": order.number, "service_notice": service_notice(order.category), "account_id": None}
