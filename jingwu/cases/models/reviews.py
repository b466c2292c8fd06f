"""审核把关: the legal office's review and a leader's approval of the decisions the rules gate."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jingwu.core.scope import ScopedQuerySet
from jingwu.core.workflow import Transition, Workflow
from jingwu.org.roles import Cap

from .guards import DECISION_LABELS, not_handler_of

_not_handler = not_handler_of(lambda review: review.case)


def _legal(review: Review, actor: Any, payload: dict[str, Any]) -> list[str]:
    review.legal_reviewer = actor
    review.legal_opinion = payload.get("opinion", "")
    review.legal_at = timezone.now()
    return ["legal_reviewer", "legal_opinion", "legal_at"]


def _opinion_given(review: Review, actor: Any, payload: dict[str, Any]) -> str | None:
    if str(payload.get("opinion", "")).strip():
        return None
    return "请填写审核意见 / an opinion is required"


def _approve(review: Review, actor: Any, payload: dict[str, Any]) -> list[str]:
    review.approver = actor
    review.leader_opinion = payload.get("opinion", "") or "同意"
    review.approved_at = timezone.now()
    return ["approver", "leader_opinion", "approved_at"]


def _return(review: Review, actor: Any, payload: dict[str, Any]) -> list[str]:
    review.returned_by = actor
    review.return_reason = payload.get("why", "")
    review.returned_at = timezone.now()
    review.return_count += 1
    return ["returned_by", "return_reason", "returned_at", "return_count"]


def _may_return(review: Review, actor: Any, payload: dict[str, Any]) -> str | None:
    from jingwu.org.roles import Cap as C

    if review.state == Review.State.SUBMITTED and actor.has_cap(C.REVIEW_CASE):
        return None
    if review.state == Review.State.LEGAL_REVIEWED and actor.has_cap(C.APPROVE_CASE):
        return None
    return "只有法制审核人员或审批领导可以退回 / only the legal reviewer or the approving leader may return it"


def _resubmit(review: Review, actor: Any, payload: dict[str, Any]) -> list[str]:
    review.summary = payload.get("summary") or review.summary
    review.submitted_at = timezone.now()
    review.legal_reviewer = None
    review.legal_opinion = ""
    review.legal_at = None
    return ["summary", "submitted_at", "legal_reviewer", "legal_opinion", "legal_at"]


class Review(models.Model):
    """One review (审核把关) of a gated decision on a case: 立案, 强制措施, 移送起诉, 行政处罚.

    Submitted by a handling officer (``cases.handle``); the legal office (``cases.review``) gives
    its opinion, then a leader (``cases.approve``) approves. Neither the submitter nor any handling
    officer of the case may give the opinion or approve (no one approves their own case). Either
    may return it with a reason; the handler amends and resubmits. Seen with its case.
    """

    class Decision(models.TextChoices):
        FILE = "file", DECISION_LABELS["file"]
        MEASURE = "measure", DECISION_LABELS["measure"]
        PROSECUTION = "prosecution", DECISION_LABELS["prosecution"]
        PENALTY = "penalty", DECISION_LABELS["penalty"]

    class State(models.TextChoices):
        SUBMITTED = "submitted", _("待法制审核")
        LEGAL_REVIEWED = "legal_reviewed", _("待领导审批")
        APPROVED = "approved", _("已批准")
        RETURNED = "returned", _("已退回")

    case = models.ForeignKey("cases.Case", verbose_name="案件", on_delete=models.CASCADE, related_name="reviews")
    decision = models.CharField("审核事项", max_length=20, choices=Decision.choices)
    measure = models.ForeignKey(
        "cases.CoerciveMeasure",
        verbose_name="强制措施",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="reviews",
    )
    state = models.CharField("状态", max_length=20, choices=State.choices, default=State.SUBMITTED)
    summary = models.TextField("呈请事项")
    submitted_by = models.ForeignKey("org.User", verbose_name="呈请人", on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField("呈请时间")
    legal_reviewer = models.ForeignKey(
        "org.User", verbose_name="法制审核人", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    legal_opinion = models.TextField("法制审核意见", blank=True)
    legal_at = models.DateTimeField("审核时间", null=True, blank=True)
    approver = models.ForeignKey(
        "org.User", verbose_name="审批领导", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    leader_opinion = models.TextField("领导意见", blank=True)
    approved_at = models.DateTimeField("审批时间", null=True, blank=True)
    returned_by = models.ForeignKey(
        "org.User", verbose_name="退回人", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    return_reason = models.TextField("退回原因", blank=True)
    returned_at = models.DateTimeField("退回时间", null=True, blank=True)
    return_count = models.PositiveSmallIntegerField("退回次数", default=0)

    scope_unit_field = "case__unit"
    scope_owner_field = "case__lead_officer"
    objects = ScopedQuerySet.as_manager()

    workflow = Workflow(
        state_field="state",
        transitions=[
            Transition(
                "legal_opinion",
                _("法制审核通过"),
                source=State.SUBMITTED,
                target=State.LEGAL_REVIEWED,
                capability=Cap.REVIEW_CASE,
                not_by=("submitted_by",),
                guards=(_not_handler, _opinion_given),
                effect=_legal,
            ),
            Transition(
                "approve",
                _("领导审批通过"),
                source=State.LEGAL_REVIEWED,
                target=State.APPROVED,
                capability=Cap.APPROVE_CASE,
                not_by=("submitted_by", "legal_reviewer"),
                guards=(_not_handler,),
                effect=_approve,
                style="success",
            ),
            Transition(
                "return_review",
                _("退回"),
                source=[State.SUBMITTED, State.LEGAL_REVIEWED],
                target=State.RETURNED,
                not_by=("submitted_by",),
                reason_required=True,
                guards=(_not_handler, _may_return),
                effect=_return,
                style="danger",
            ),
            Transition(
                "resubmit",
                _("修改后重新呈请"),
                source=State.RETURNED,
                target=State.SUBMITTED,
                capability=Cap.HANDLE_CASE,
                effect=_resubmit,
            ),
        ],
    )

    class Meta:
        verbose_name = "审核把关"
        verbose_name_plural = "审核把关"
        ordering = ["-submitted_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_decision_display()}·{self.case.number}"
