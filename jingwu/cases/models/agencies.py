"""行刑衔接: partner agencies, their accounts, and case transfers between an agency and a police unit.

Inbound (agency → police): the agency transfers a suspected crime with its documents; the police
unit acknowledges (接收), decides 立案 or 不予立案 with the reason within the agreed limit
(行政执法机关移送涉嫌犯罪案件的规定 第八条: 3 days from acceptance — counted here as working days on
the working calendar), and gives feedback the agency reads. Outbound (police → agency): a matter
that is not a crime but breaks the agency's rules is transferred out; the agency acknowledges and
records how it handled it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Self

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jingwu.core.scope import ScopedQuerySet
from jingwu.core.workflow import Transition, Workflow
from jingwu.org.roles import Cap

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from jingwu.core.scope import ScopedUser

DEFAULT_DECISION_DAYS = 3  # working days from acceptance (移送规定 第八条)


class Agency(models.Model):
    """A partner agency (合作单位) such as a 水利局. Seen by police users who handle cases (to pick it
    when transferring out) and by the agency's own accounts; created by a system administrator."""

    class Kind(models.TextChoices):
        WATER = "water", _("水利局")
        ENVIRONMENT = "environment", _("生态环境局")
        MARKET = "market", _("市场监督管理局")
        FORESTRY = "forestry", _("林业和草原局")
        NATURAL_RESOURCES = "natural_resources", _("自然资源局")
        AGRICULTURE = "agriculture", _("农牧局")
        OTHER = "other", _("其他")

    name = models.CharField("单位名称", max_length=100, unique=True)
    kind = models.CharField("类型", max_length=20, choices=Kind.choices)
    # The police unit that receives this agency's transfers (行刑衔接 counterpart): a partner account
    # never picks a unit, so it never sees the unit tree.
    receiving_unit = models.ForeignKey(
        "org.Unit", verbose_name="对接公安单位", on_delete=models.PROTECT, related_name="+"
    )
    contact_name = models.CharField("联系人", max_length=50, blank=True)
    contact_phone = models.CharField("联系电话", max_length=30, blank=True)
    address = models.CharField("地址", max_length=200, blank=True)
    active = models.BooleanField("启用", default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "合作单位"
        verbose_name_plural = "合作单位"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class PartnerAccount(models.Model):
    """Links a login (role ``partner``) to exactly one agency; the account sees only that agency's
    transfers. Created by a system administrator through ``services.agencies.partner_account_create``."""

    user = models.OneToOneField("org.User", on_delete=models.CASCADE, related_name="partner_account")
    agency = models.ForeignKey(Agency, verbose_name="所属合作单位", on_delete=models.PROTECT, related_name="accounts")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "合作单位账号"
        verbose_name_plural = "合作单位账号"

    def __str__(self) -> str:
        return f"{self.agency} · {self.user.username}"


def agency_of(user: Any) -> Agency | None:
    """The agency a partner account belongs to (None for everyone else)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.has_cap(Cap.PARTNER):
        return None
    account = PartnerAccount.objects.select_related("agency").filter(user_id=user.pk).first()
    return account.agency if account is not None and account.agency.active else None


class TransferQuerySet(ScopedQuerySet["InterAgencyTransfer"]):
    def visible_to(self, user: ScopedUser | AnonymousUser | None, capability: str | None = None) -> Self:
        """Police users: the transfers of the units their roles cover; a partner account: its own
        agency's transfers and nothing else (asked with ``cases.partner`` or no capability)."""
        if capability in (None, Cap.PARTNER) and user is not None and getattr(user, "is_authenticated", False):
            if user.has_cap(Cap.PARTNER):  # type: ignore[union-attr]
                agency = agency_of(user)
                return self.filter(agency=agency) if agency is not None else self.none()
            if capability == Cap.PARTNER:
                return self.none()
        return super().visible_to(user, capability)


def transfers_visible_to(user: Any) -> TransferQuerySet:
    """What a user sees of 行刑衔接: a partner account its own agency's transfers, a police user
    those of the units where they hold ``cases.view`` (used for the transfers' attachments)."""
    manager: Any = InterAgencyTransfer.objects
    if user is not None and getattr(user, "is_authenticated", False) and user.has_cap(Cap.PARTNER):
        return manager.visible_to(user, Cap.PARTNER)
    return manager.visible_to(user, Cap.VIEW_CASE)


class InterAgencyTransfer(models.Model):
    """One transfer between a partner agency and a police unit (see the module docstring).

    Police users see the transfers of the units in their scope (``cases.view``); a partner account
    sees its own agency's transfers only. Inbound: the agency creates it; police holders of
    ``cases.handle`` acknowledge it and give feedback; the decision (立案/不予立案) is a leader's
    (``cases.approve``) and not the acknowledging officer's. Outbound: police create it; only the
    agency's accounts acknowledge it and record their handling.
    """

    class Direction(models.TextChoices):
        INBOUND = "inbound", _("移入(合作单位→公安)")
        OUTBOUND = "outbound", _("移出(公安→合作单位)")

    class State(models.TextChoices):
        SUBMITTED = "submitted", _("已移送")
        ACKNOWLEDGED = "acknowledged", _("已接收")
        FILED = "filed", _("已立案")
        REFUSED = "refused", _("不予立案")
        FEEDBACK = "feedback", _("已反馈")
        HANDLED = "handled", _("已处理")

    class Decision(models.TextChoices):
        FILED = "filed", _("立案")
        REFUSED = "refused", _("不予立案")

    direction = models.CharField("方向", max_length=10, choices=Direction.choices)
    agency = models.ForeignKey(Agency, verbose_name="合作单位", on_delete=models.PROTECT, related_name="transfers")
    unit = models.ForeignKey("org.Unit", verbose_name="公安机关单位", on_delete=models.PROTECT, related_name="+")
    title = models.CharField("案件名称", max_length=200)
    summary = models.TextField("简要案情")
    documents = models.TextField("移送材料", blank=True, help_text="每行一份材料,如:涉嫌犯罪案件移送书")
    transferred_at = models.DateTimeField("移送时间", db_index=True)
    decision_limit_days = models.PositiveSmallIntegerField("决定期限(工作日)", default=DEFAULT_DECISION_DAYS)
    decision_due_at = models.DateTimeField("决定期限", null=True, blank=True)
    state = models.CharField("状态", max_length=20, choices=State.choices, default=State.SUBMITTED)
    acknowledged_at = models.DateTimeField("接收时间", null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        "org.User", verbose_name="接收人", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField("决定时间", null=True, blank=True)
    decided_by = models.ForeignKey(
        "org.User", verbose_name="决定人", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decision = models.CharField("决定", max_length=10, choices=Decision.choices, blank=True)
    decision_reason = models.TextField("决定理由", blank=True)
    case = models.ForeignKey(
        "cases.Case",
        verbose_name="关联案件",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="agency_transfers",
    )
    feedback = models.TextField("反馈意见", blank=True)
    feedback_at = models.DateTimeField("反馈时间", null=True, blank=True, db_index=True)
    handling = models.TextField("处理情况", blank=True)
    handled_at = models.DateTimeField("处理时间", null=True, blank=True)
    created_by = models.ForeignKey(
        "org.User", verbose_name="移送经办人", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    scope_unit_field = "unit"
    objects = TransferQuerySet.as_manager()

    workflow = Workflow(
        state_field="state",
        transitions=[
            Transition(
                "acknowledge",
                _("接收"),
                source=State.SUBMITTED,
                target=State.ACKNOWLEDGED,
                capability=Cap.HANDLE_CASE,
                guards=(lambda t, a, p: _direction(t, "inbound"),),
                effect=lambda t, a, p: _stamp_actor(t, a, "acknowledged"),
            ),
            Transition(
                "file",
                _("立案"),
                source=State.ACKNOWLEDGED,
                target=State.FILED,
                capability=Cap.APPROVE_CASE,
                not_by=("acknowledged_by",),
                guards=(lambda t, a, p: _direction(t, "inbound"),),
                effect=lambda t, a, p: _decide(t, a, p),
                style="success",
            ),
            Transition(
                "refuse",
                _("不予立案"),
                source=State.ACKNOWLEDGED,
                target=State.REFUSED,
                capability=Cap.APPROVE_CASE,
                not_by=("acknowledged_by",),
                reason_required=True,
                guards=(lambda t, a, p: _direction(t, "inbound"),),
                effect=lambda t, a, p: _decide(t, a, p),
                style="secondary",
            ),
            Transition(
                "give_feedback",
                _("反馈移送单位"),
                source=[State.FILED, State.REFUSED],
                target=State.FEEDBACK,
                capability=Cap.HANDLE_CASE,
                guards=(lambda t, a, p: _direction(t, "inbound"), lambda t, a, p: _text(p, "feedback", "反馈意见")),
                effect=lambda t, a, p: _set_text(t, p, "feedback"),
            ),
            Transition(
                "link_case",
                _("关联案件"),
                source=[State.FILED, State.FEEDBACK],
                target=None,
                capability=Cap.HANDLE_CASE,
                guards=(lambda t, a, p: _direction(t, "inbound"),),
                effect=lambda t, a, p: _link(t, p),
                style="outline-primary",
            ),
            Transition(
                "agency_acknowledge",
                _("合作单位接收"),
                source=State.SUBMITTED,
                target=State.ACKNOWLEDGED,
                capability=Cap.PARTNER,
                guards=(lambda t, a, p: _direction(t, "outbound"),),
                effect=lambda t, a, p: _stamp_actor(t, a, "acknowledged"),
            ),
            Transition(
                "agency_handle",
                _("登记处理情况"),
                source=State.ACKNOWLEDGED,
                target=State.HANDLED,
                capability=Cap.PARTNER,
                guards=(lambda t, a, p: _direction(t, "outbound"), lambda t, a, p: _text(p, "handling", "处理情况")),
                effect=lambda t, a, p: _set_text(t, p, "handling"),
                style="success",
            ),
        ],
    )

    class Meta:
        verbose_name = "行刑衔接移送"
        verbose_name_plural = "行刑衔接移送"
        ordering = ["-transferred_at", "-id"]
        indexes = [models.Index(fields=["agency", "direction", "state"]), models.Index(fields=["unit", "direction"])]

    def __str__(self) -> str:
        return f"{self.agency} · {self.title}"

    @property
    def is_inbound(self) -> bool:
        return self.direction == self.Direction.INBOUND

    def document_list(self) -> list[str]:
        return [line.strip() for line in self.documents.splitlines() if line.strip()]

    def decision_status(self) -> Any:
        """The decision clock (on time / due soon / overdue / met), from timestamps alone."""
        from jingwu.core.deadlines import deadline_state

        if not self.is_inbound or self.decision_due_at is None:
            return None
        return deadline_state(timezone.now(), self.decision_due_at, self.feedback_at)

    @property
    def feedback_on_time(self) -> bool | None:
        if self.feedback_at is None or self.decision_due_at is None:
            return None
        return self.feedback_at <= self.decision_due_at


# --- workflow helpers -------------------------------------------------------------------------------


def _direction(t: InterAgencyTransfer, direction: str) -> str | None:
    if t.direction == direction:
        return None
    return "此操作不适用于该方向的移送 / not for a transfer in this direction"


def _stamp_actor(t: InterAgencyTransfer, actor: Any, what: str) -> list[str]:
    setattr(t, f"{what}_at", timezone.now())
    setattr(t, f"{what}_by", actor)
    return [f"{what}_at", f"{what}_by"]


def _decide(t: InterAgencyTransfer, actor: Any, payload: dict[str, Any]) -> list[str]:
    t.decided_at = timezone.now()
    t.decided_by = actor
    t.decision = "filed" if t.state == InterAgencyTransfer.State.FILED else "refused"
    t.decision_reason = str(payload.get("reason_text") or "").strip()
    return ["decided_at", "decided_by", "decision", "decision_reason"]


def _text(payload: dict[str, Any], key: str, label: str) -> str | None:
    if str(payload.get(key) or "").strip():
        return None
    return f"请填写{label} / {key} is required"


def _set_text(t: InterAgencyTransfer, payload: dict[str, Any], key: str) -> list[str]:
    setattr(t, key, str(payload[key]).strip())
    setattr(t, f"{'feedback' if key == 'feedback' else 'handled'}_at", timezone.now())
    return [key, "feedback_at" if key == "feedback" else "handled_at"]


def _link(t: InterAgencyTransfer, payload: dict[str, Any]) -> list[str]:
    t.case_id = payload["case_id"]
    return ["case"]
