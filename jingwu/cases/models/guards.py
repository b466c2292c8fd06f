"""Guards shared by the workflows of cases, measures and reviews (see docs/workflow.md)."""

from __future__ import annotations

from typing import Any

DECISION_LABELS = {
    "file": "立案",
    "measure": "强制措施",
    "prosecution": "移送起诉",
    "penalty": "行政处罚",
}


def handles(case: Any, actor: Any) -> bool:
    """Whether the actor is one of the case's handling officers (or its lead officer)."""
    person_id = getattr(actor, "person_id", None)
    if person_id is None:
        return False
    if case.lead_officer_id == person_id:
        return True
    return case.handling_officers.filter(pk=person_id).exists()


def not_handler_of(case_of: Any) -> Any:
    """A guard refusing the case's own handling officers (no one approves their own case)."""

    def guard(obj: Any, actor: Any, payload: dict[str, Any]) -> str | None:
        if actor is not None and handles(case_of(obj), actor):
            return "办案民警不得审批本人承办的案件 / a handling officer may not approve their own case"
        return None

    return guard


def approved_review(decision: str) -> Any:
    """A guard requiring an approved review (审核把关) of ``decision`` on the case."""

    def guard(case: Any, actor: Any, payload: dict[str, Any]) -> str | None:
        if case.reviews.filter(decision=decision, state="approved").exists():
            return None
        label = DECISION_LABELS[decision]
        return f"“{label}”须经法制审核和领导审批通过 / {decision} needs an approved legal review first"

    return guard


def of_kind(kind: str, label: str) -> Any:
    def guard(case: Any, actor: Any, payload: dict[str, Any]) -> str | None:
        if case.kind == kind:
            return None
        return f"仅{label}案件可以执行此操作 / only {kind} cases may do this"

    return guard
