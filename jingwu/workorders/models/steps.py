"""The records of each step of an order: returns, suspensions, extensions, contacts, completions,
callbacks, supervision notices and appeals. Every one is seen by whoever sees its order
(``visible_to`` goes through the order's scope, so a complaint hidden from the accused unit hides
its steps too) and is written only by the services, next to the order's transition event."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from .orders import ChildManager, WorkOrder


class RequestStatus(models.TextChoices):
    PENDING = "pending", _("待审批")
    APPROVED = "approved", _("已批准")
    REJECTED = "rejected", _("已驳回")


class _Request(models.Model):
    """What every request of a step shares: who asked and when, and the approver's decision."""

    requested_by = models.ForeignKey("org.User", on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField()
    status = models.CharField("审批", max_length=10, choices=RequestStatus.choices, default=RequestStatus.PENDING)
    decided_by = models.ForeignKey("org.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision = models.TextField("审批意见", blank=True)

    objects = ChildManager()

    class Meta:
        abstract = True
        ordering = ["requested_at", "id"]


class ReturnRequest(_Request):
    """退单: the unit of a dispatch leg asks to give the order back, with a reason code and text.
    Asked by the leg's unit (``workorders.handle``); decided by the dispatcher (``workorders.dispatch``
    over the leg's dispatching unit), never by the requester. Rejected returns count as 推诿."""

    class Reason(models.TextChoices):
        NOT_OUR_DUTY = "not_our_duty", _("不属于本单位职责")
        NOT_OUR_AREA = "not_our_area", _("不属于本辖区")
        ADDRESS_UNCLEAR = "address_unclear", _("地址不详")
        CONTENT_UNCLEAR = "content_unclear", _("诉求不清")
        DUPLICATE = "duplicate", _("重复工单")
        OTHER = "other", _("其他")

    order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="return_requests")
    leg = models.ForeignKey("workorders.Assignment", on_delete=models.PROTECT, related_name="returns")
    unit = models.ForeignKey("org.Unit", verbose_name="退单单位", on_delete=models.PROTECT, related_name="+")
    reason_code = models.CharField("退单原因", max_length=30, choices=Reason.choices)
    reason = models.TextField("说明")

    class Meta(_Request.Meta):
        verbose_name = "退单申请"

    def __str__(self) -> str:
        return f"{self.order.number} 退单({self.get_reason_code_display()})"


class SuspensionRequest(_Request):
    """挂起申请: the handling unit asks to stop the clock (reason, expected resume); an approver
    (``workorders.approve``, not the requester) decides. ``paused_at``/``resumed_at`` feed the
    deadline clock; a pause never resets it."""

    order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="suspensions")
    reason = models.TextField("挂起原因")
    resume_by = models.DateTimeField("预计恢复时间", null=True, blank=True)
    paused_at = models.DateTimeField(null=True, blank=True)
    resumed_at = models.DateTimeField(null=True, blank=True)

    class Meta(_Request.Meta):
        verbose_name = "挂起申请"

    def __str__(self) -> str:
        return f"{self.order.number} 挂起申请"


class ExtensionRequest(_Request):
    """延期申请: a new completion deadline asked with a reason; an approver who is not the requester
    decides. An approved extension moves the due time from where it stands (never restarts it)."""

    order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="extensions")
    reason = models.TextField("延期原因")
    new_due_at = models.DateTimeField("申请延至")
    clock_round = models.PositiveSmallIntegerField(default=0)  # the order's reopen_count when asked

    class Meta(_Request.Meta):
        verbose_name = "延期申请"

    def __str__(self) -> str:
        return f"{self.order.number} 延期至 {self.new_due_at:%Y-%m-%d %H:%M}"


class Contact(models.Model):
    """A contact with the citizen (time, channel, result); the first one is what the response rate
    measures. Recorded by the handling unit."""

    class Channel(models.TextChoices):
        PHONE = "phone", _("电话")
        VISIT = "visit", _("上门")
        SMS = "sms", _("短信")
        OTHER = "other", _("其他")

    order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="contacts")
    contacted_at = models.DateTimeField("联系时间")
    channel = models.CharField("方式", max_length=10, choices=Channel.choices)
    result = models.TextField("联系结果")
    recorded_by = models.ForeignKey("org.User", on_delete=models.PROTECT, related_name="+")
    # When the record was entered (``contacted_at`` is the time claimed). A contact entered after the
    # response limit expired while claiming a time within it is 补录: its claimed time does not count
    # for the response rate (the order's ``first_contact_at`` takes the recording time instead).
    recorded_at = models.DateTimeField("登记时间", null=True, blank=True)
    late_entry = models.BooleanField("补录", default=False)

    class Meta(_Request.Meta):
        verbose_name = "联系记录"
        ordering = ["contacted_at", "id"]

    def __str__(self) -> str:
        return f"{self.order.number} {self.get_channel_display()}联系"


class Completion(models.Model):
    """办结: the reply to the citizen and the result category, one per round (a reopened order is
    completed again). Written by the handling unit."""

    class Result(models.TextChoices):
        SOLVED = "solved", _("已解决")
        EXPLAINED = "explained", _("已解释说明")
        REFERRED = "referred", _("已转其他部门")
        UNSOLVABLE = "unsolvable", _("暂无法解决")

    order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="completions")
    round = models.PositiveSmallIntegerField("办理轮次", default=0)
    reply = models.TextField("答复内容")
    result = models.CharField("办理结果", max_length=20, choices=Result.choices)
    completed_by = models.ForeignKey("org.User", on_delete=models.PROTECT, related_name="+")
    completed_at = models.DateTimeField()
    # The round's clock, kept when the order is reopened (the order's own fields then start the next
    # round): 超期件 of past periods still see a late completion, or an order open past its deadline.
    round_started_at = models.DateTimeField("本轮计时起点", null=True, blank=True)
    round_due_at = models.DateTimeField("本轮办结时限", null=True, blank=True)

    class Meta(_Request.Meta):
        verbose_name = "办结记录"
        ordering = ["completed_at", "id"]

    def __str__(self) -> str:
        return f"{self.order.number} 第{self.round + 1}轮办结"


class Callback(models.Model):
    """回访: one attempt by someone other than the handler; reached or not (three failed attempts in
    a round make the order unreachable), 已解决/未解决 and 满意/基本满意/不满意 when reached."""

    order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="callbacks")
    round = models.PositiveSmallIntegerField("办理轮次", default=0)
    attempt = models.PositiveSmallIntegerField("第几次", default=1)
    called_at = models.DateTimeField("回访时间")
    called_by = models.ForeignKey("org.User", on_delete=models.PROTECT, related_name="+")
    reached = models.BooleanField("接通")
    resolved = models.BooleanField("已解决", null=True, blank=True)
    satisfaction = models.CharField("满意度", max_length=20, choices=WorkOrder.Satisfaction.choices, blank=True)
    comment = models.TextField("回访意见", blank=True)

    class Meta(_Request.Meta):
        verbose_name = "回访记录"
        ordering = ["called_at", "id"]

    def __str__(self) -> str:
        return f"{self.order.number} 回访{self.attempt}"


class SupervisionNotice(models.Model):
    """督办/催办 (urge) and 通报 (notice) on a late order: by the supervision role by hand, or by the
    daily job (``issued_by`` empty). ``key`` makes the automatic ones idempotent. Visible to the unit
    and counted on the order."""

    class Kind(models.TextChoices):
        URGE = "urge", _("催办")
        NOTICE = "notice", _("通报")

    order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="notices")
    kind = models.CharField("类型", max_length=10, choices=Kind.choices)
    unit = models.ForeignKey("org.Unit", verbose_name="被督办单位", on_delete=models.PROTECT, related_name="+")
    content = models.TextField("内容")
    issued_by = models.ForeignKey("org.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    issued_at = models.DateTimeField()
    key = models.CharField(max_length=100, blank=True)

    objects = ChildManager()  # seen with the order (the 催办/通报 figures read through it)

    class Meta(_Request.Meta):
        verbose_name = "督办通报"
        ordering = ["issued_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["order", "kind", "key"], condition=~models.Q(key=""), name="notice_key_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.order.number} {self.get_kind_display()}"


class Appeal(_Request):
    """申诉 (免考核): the responsible unit asks that an unreasonable or out-of-jurisdiction order leave
    the scoring; an approver who is not the requester decides. Approved → ``WorkOrder.exempted``."""

    class Reason(models.TextChoices):
        UNREASONABLE = "unreasonable", _("诉求不合理")
        OUT_OF_JURISDICTION = "out_of_jurisdiction", _("不属于管辖范围")
        FORCE_MAJEURE = "force_majeure", _("不可抗力")
        OTHER = "other", _("其他")

    order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="appeals")
    reason_code = models.CharField("申诉理由", max_length=30, choices=Reason.choices)
    reason = models.TextField("说明")

    class Meta(_Request.Meta):
        verbose_name = "申诉"

    def __str__(self) -> str:
        return f"{self.order.number} 申诉"
