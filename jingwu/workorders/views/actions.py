"""The action panel of an order and its POST endpoint ``/workorders/<pk>/act/<action>/``.

The panel shows only what the user may do now: ``workflow.available_transitions`` (state,
capability, scope, declared guards) decides; the services decide the rest (no self-approval,
required reasons, deadlines) and their ValidationError / TransitionNotAllowed show on the form in
Chinese, with nothing changed. Success → redirect to the order with a message.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from jingwu.core.scope import unit_in_scope
from jingwu.core.workflow import TransitionNotAllowed, available_transitions
from jingwu.org.roles import Cap

from .. import services
from ..forms import (
    AppealForm,
    AssignHandlerForm,
    AssistAcceptForm,
    AssistForm,
    AssistReplyForm,
    CallbackForm,
    CompleteForm,
    ContactForm,
    DecideForm,
    DispatchForm,
    EmptyForm,
    ExtensionForm,
    MarkComplaintForm,
    ReturnForm,
    Styled,
    SupervisionForm,
    SuspensionForm,
    apply_service_errors,
)
from ..models import Assignment, RepeatLink, RequestStatus, WorkOrder
from ..selectors import assist_leg_of
from ..services import flow
from ..services.conflict import may_be_marked, order_hint
from .common import require_cap, visible_order

Run = Callable[[Any, WorkOrder, dict[str, Any]], str]


@dataclass(frozen=True)
class Action:
    key: str
    label: str | Promise  # translated when shown
    transitions: tuple[str, ...]  # shown when any of them is available to the user
    capability: str
    form: type[Styled]
    run: Run
    style: str = "primary"
    needs_context: bool = False  # the form takes user= and order=
    pending: str = ""  # the related name of the pending request this decides


def _pending(order: WorkOrder, related: str, pk: int) -> Any:
    request = getattr(order, related).filter(pk=pk, status=RequestStatus.PENDING).first()
    if request is None:
        raise ValidationError("该申请不存在或已审批 / no such pending request")
    return request


def _dispatch(user: Any, order: WorkOrder, d: dict[str, Any]) -> str:
    leg = services.work_order_dispatch(
        actor=user,
        order=order,
        unit=None if d.get("by_rule") and not d.get("unit") else d["unit"],
        reason=d["reason"],
        due_at=d.get("due_at"),
    )
    return f"已派单至{leg.to_unit.name}"


def _mark_complaint(user: Any, order: WorkOrder, d: dict[str, Any]) -> str:
    leg = services.work_order_mark_complaint(
        actor=user,
        order=order,
        accused_unit=d.get("accused_unit"),
        accused_person=d.get("accused_person"),
        reason=d["reason"],
    )
    return f"已认定为涉警投诉,转{leg.to_unit.name}督察办理,被投诉单位不可见"


def _assist(user: Any, order: WorkOrder, d: dict[str, Any]) -> str:
    leg = services.work_order_assist(actor=user, order=order, unit=d["unit"], task=d["task"])
    return f"已派协办单位{leg.to_unit.name}"


def _assign(user: Any, order: WorkOrder, d: dict[str, Any]) -> str:
    services.work_order_assign_handler(actor=user, order=order, person=d["person"])
    return f"已指定承办人{d['person'].name}"


def _accept(user: Any, order: WorkOrder, d: dict[str, Any]) -> str:
    services.work_order_accept(actor=user, order=order)
    return "已签收"


def _return(user: Any, order: WorkOrder, d: dict[str, Any]) -> str:
    services.work_order_return(actor=user, order=order, reason_code=d["reason_code"], reason=d["reason"])
    return "退单申请已提交,待派单方审批"


def _decide_return(user: Any, order: WorkOrder, d: dict[str, Any]) -> str:
    request = _pending(order, "return_requests", d["request_id"])
    services.return_decide(actor=user, request=request, approve=d["approve"], decision=d["decision"])
    return "已同意退单" if d["approve"] else "已驳回退单"


def _contact(user: Any, order: WorkOrder, d: dict[str, Any]) -> str:
    # "Now" is taken here, before the service's own clock (it refuses a contact in the future and
    # would read a later now for an empty time).
    at = d.get("contacted_at") or timezone.now()
    services.work_order_contact(actor=user, order=order, channel=d["channel"], result=d["result"], contacted_at=at)
    return "已记录联系"


def _suspend(user: Any, order: WorkOrder, d: dict[str, Any]) -> str:
    services.suspension_request(actor=user, order=order, reason=d["reason"], resume_by=d.get("resume_by"))
    return "挂起申请已提交"


def _decide_suspension(user: Any, order: WorkOrder, d: dict[str, Any]) -> str:
    request = _pending(order, "suspensions", d["request_id"])
    services.suspension_decide(actor=user, request=request, approve=d["approve"], decision=d["decision"])
    return "已批准挂起" if d["approve"] else "已驳回挂起"


def _resume(user: Any, order: WorkOrder, d: dict[str, Any]) -> str:
    services.work_order_resume(actor=user, order=order)
    return "已恢复办理"


def _extend(user: Any, order: WorkOrder, d: dict[str, Any]) -> str:
    services.extension_request(actor=user, order=order, reason=d["reason"], new_due_at=d["new_due_at"])
    return "延期申请已提交"


def _decide_extension(user: Any, order: WorkOrder, d: dict[str, Any]) -> str:
    request = _pending(order, "extensions", d["request_id"])
    services.extension_decide(actor=user, request=request, approve=d["approve"], decision=d["decision"])
    return "已批准延期" if d["approve"] else "已驳回延期"


def _complete(user: Any, order: WorkOrder, d: dict[str, Any]) -> str:
    services.work_order_complete(
        actor=user, order=order, reply=d["reply"], result=d["result"], attachments=d.get("attachments") or []
    )
    return "已办结,待回访"


def _callback(user: Any, order: WorkOrder, d: dict[str, Any]) -> str:
    services.work_order_callback(
        actor=user,
        order=order,
        reached=d["reached"],
        resolved=d.get("resolved") if d["reached"] else None,
        satisfaction=(d.get("satisfaction") or "") if d["reached"] else "",
        comment=d.get("comment", ""),
        new_due_at=d.get("new_due_at"),
    )
    order.refresh_from_db()
    if order.state == WorkOrder.State.HANDLING:
        return "回访已记录:不满意或未解决,工单已重办"
    if order.state == WorkOrder.State.CLOSED:
        return "回访已记录,工单已办结"
    return "回访已记录(未接通)"


def _supervise(user: Any, order: WorkOrder, d: dict[str, Any]) -> str:
    if d["kind"] == "notice":
        services.work_order_notice(actor=user, order=order, content=d["content"])
        return "已通报"
    services.work_order_urge(actor=user, order=order, content=d["content"])
    return "已催办"


def _appeal(user: Any, order: WorkOrder, d: dict[str, Any]) -> str:
    services.appeal_request(actor=user, order=order, reason_code=d["reason_code"], reason=d["reason"])
    return "申诉已提交"


def _decide_appeal(user: Any, order: WorkOrder, d: dict[str, Any]) -> str:
    appeal = _pending(order, "appeals", d["request_id"])
    services.appeal_decide(actor=user, appeal=appeal, approve=d["approve"], decision=d["decision"])
    return "已批准申诉(免考核)" if d["approve"] else "已驳回申诉"


def _assist_leg(order: WorkOrder, leg_id: int) -> Assignment:
    leg = assist_leg_of(order, leg_id)
    if leg is None:
        raise ValidationError({"leg_id": "协办任务不存在 / no such task"})
    return leg


def _assist_accept(user: Any, order: WorkOrder, d: dict[str, Any]) -> str:
    services.assist_accept(actor=user, leg=_assist_leg(order, d["leg_id"]))
    return "已签收协办任务"


def _assist_reply(user: Any, order: WorkOrder, d: dict[str, Any]) -> str:
    services.assist_reply(actor=user, leg=_assist_leg(order, d["leg_id"]), reply=d["reply"])
    return "协办反馈已提交"


H, D, A, C, S = (
    Cap.WORKORDER_HANDLE,
    Cap.WORKORDER_DISPATCH,
    Cap.WORKORDER_APPROVE,
    Cap.WORKORDER_CALLBACK,
    Cap.WORKORDER_SUPERVISE,
)
ACTIONS: dict[str, Action] = {
    a.key: a
    for a in [
        Action("dispatch", _("派单"), ("dispatch",), D, DispatchForm, _dispatch, needs_context=True),
        Action("accept", _("签收"), ("accept",), H, EmptyForm, _accept, "success"),
        Action(
            "assign_handler", _("指定承办人"), ("assign_handler",), D, AssignHandlerForm, _assign, needs_context=True
        ),
        Action("assist", _("协办派单"), ("assist",), D, AssistForm, _assist, "outline-primary", needs_context=True),
        Action("return_order", _("退单"), ("return_order",), H, ReturnForm, _return, "warning"),
        Action(
            "decide_return",
            _("审批退单"),
            ("approve_return", "reject_return"),
            D,
            DecideForm,
            _decide_return,
            pending="return_requests",
        ),
        Action("contact", _("联系诉求人"), ("contact",), H, ContactForm, _contact),
        Action("complete", _("办结"), ("complete",), H, CompleteForm, _complete, "success"),
        Action(
            "request_suspension",
            _("申请挂起"),
            ("request_suspension",),
            H,
            SuspensionForm,
            _suspend,
            "outline-secondary",
        ),
        Action(
            "decide_suspension",
            _("审批挂起"),
            ("approve_suspension", "reject_suspension"),
            A,
            DecideForm,
            _decide_suspension,
            pending="suspensions",
        ),
        Action("resume", _("恢复办理"), ("resume",), H, EmptyForm, _resume),
        Action(
            "request_extension", _("申请延期"), ("request_extension",), H, ExtensionForm, _extend, "outline-secondary"
        ),
        Action(
            "decide_extension",
            _("审批延期"),
            ("approve_extension", "reject_extension"),
            A,
            DecideForm,
            _decide_extension,
            pending="extensions",
        ),
        Action("callback", _("回访"), ("callback",), C, CallbackForm, _callback),
        Action("supervise", _("督办/通报"), ("urge", "notice"), S, SupervisionForm, _supervise, "danger"),
        Action("appeal", _("申诉免考核"), ("appeal",), H, AppealForm, _appeal, "outline-secondary"),
        Action(
            "mark_complaint",
            _("认定涉警投诉"),
            ("mark_complaint",),
            Cap.WORKORDER_CONFLICT,
            MarkComplaintForm,
            _mark_complaint,
            "outline-danger",
            needs_context=True,
        ),
        Action("decide_appeal", _("审批申诉"), ("decide_appeal",), A, DecideForm, _decide_appeal, pending="appeals"),
        Action("assist_accept", _("协办签收"), (), H, AssistAcceptForm, _assist_accept, "success"),
        Action("assist_reply", _("协办反馈"), (), H, AssistReplyForm, _assist_reply),
    ]
}


def _make_form(action: Action, request: HttpRequest, order: WorkOrder, data: Any = None, **initial: Any) -> Styled:
    kwargs: dict[str, Any] = {"prefix": action.key}
    if initial:
        kwargs["initial"] = initial
    if action.needs_context:
        kwargs.update(user=request.user, order=order)
    files = request.FILES if data is not None else None  # 办结 carries attachments
    return action.form(data, files, **kwargs)


ASSIST_STEPS = ("assist_accept", "assist_reply")


def _open_assist_legs(request: HttpRequest, order: WorkOrder) -> list[Assignment]:
    """The assist legs of the order that are the user's unit's task (协办签收 / 协办反馈)."""
    user: Any = request.user
    if not user.has_cap(Cap.WORKORDER_HANDLE) or order.state not in WorkOrder.OPEN_STATES:
        return []
    legs = order.legs.filter(role=Assignment.Role.ASSIST, done_at__isnull=True, closed_at__isnull=True)
    return [leg for leg in legs.select_related("to_unit") if unit_in_scope(user, leg.to_unit, Cap.WORKORDER_HANDLE)]


def _suspension_new_due(order: WorkOrder, pending: Any) -> Any:
    """The completion deadline a pending 挂起申请 gives if approved now (None for other requests)."""
    resume_by = getattr(pending, "resume_by", None)
    now = timezone.now()
    if resume_by is None or resume_by <= now:
        return None
    try:
        return flow.due_after_pause(order, now, resume_by)
    except ValidationError:
        return None


def _may_decide(user: Any, action: Action, pending: Any) -> bool:
    """What the service would allow: never the requester (no self-approval); a return only by a
    dispatcher of the unit the returned leg came from (``return_decide``)."""
    if pending.requested_by_id == user.pk:
        return False
    if action.key == "decide_return":
        return unit_in_scope(user, pending.leg.from_unit, Cap.WORKORDER_DISPATCH)
    return True


def police_hint(order: WorkOrder) -> list[str]:
    """The words that make the order a suspected complaint about the police (疑似涉警投诉)."""
    return order_hint(order)


def action_panel(request: HttpRequest, order: WorkOrder, bound: tuple[str, Any] | None = None) -> list[dict[str, Any]]:
    """One entry per action the user may take now, each with its (unbound, or bound with errors) form."""
    user: Any = request.user
    available = {t.name for t in available_transitions(order, user)}
    entries: list[dict[str, Any]] = []
    for action in ACTIONS.values():
        if action.key in ASSIST_STEPS:
            continue
        if not available.intersection(action.transitions):
            continue
        if action.key == "mark_complaint" and not may_be_marked(order):  # the service would refuse
            continue
        if action.pending:
            for pending in (
                getattr(order, action.pending)
                .filter(status=RequestStatus.PENDING)
                .select_related("requested_by__person")
            ):
                if not _may_decide(user, action, pending):
                    continue
                form = (
                    bound[1]
                    if bound
                    and bound[0] == action.key
                    and bound[1].data.get(f"{action.key}-request_id") == str(pending.pk)
                    else _make_form(action, request, order, request_id=pending.pk)
                )
                entries.append(
                    {
                        "action": action,
                        "form": form,
                        "pending": pending,
                        "open": bound is not None and form is bound[1],
                        "new_due": _suspension_new_due(order, pending),
                    }
                )
            continue
        form = bound[1] if bound and bound[0] == action.key else _make_form(action, request, order)
        entry: dict[str, Any] = {"action": action, "form": form, "open": bound is not None and bound[0] == action.key}
        if action.key == "dispatch":
            entry["suggestion"] = services.route_for(order, user)
        # a squadron that signed for has no unit below to send it on to: no button that cannot work
        no_unit = action.key in ("dispatch", "assist") and not entry["open"] and not entry.get("suggestion")
        if no_unit and not form.fields["unit"].queryset.exists():  # type: ignore[attr-defined,union-attr]
            continue
        if action.key == "mark_complaint":
            entry["hint"] = police_hint(order)
        entries.append(entry)
    for leg in _open_assist_legs(request, order):
        for key in ASSIST_STEPS:
            if key == "assist_accept" and leg.accepted_at is not None:
                continue
            action = ACTIONS[key]
            form = (
                bound[1]
                if bound and bound[0] == key and bound[1].data.get(f"{key}-leg_id") == str(leg.pk)
                else _make_form(action, request, order, leg_id=leg.pk)
            )
            entries.append({"action": action, "form": form, "leg": leg, "open": bound is not None and form is bound[1]})
    return entries


def order_records(order: WorkOrder) -> dict[str, Any]:
    """Everything recorded on the order, for the detail page."""
    people = ("requested_by__person", "decided_by__person")
    legs = list(
        order.legs.select_related("from_unit", "to_unit", "dispatched_by__person", "accepted_by__person", "by_rule")
    )
    return {
        "legs": legs,
        "returns": list(order.return_requests.select_related("unit", *people)),
        "suspensions": list(order.suspensions.select_related(*people)),
        "extensions": list(order.extensions.select_related(*people)),
        "appeals": list(order.appeals.select_related(*people)),
        "contacts": list(order.contacts.select_related("recorded_by__person")),
        "completions": list(order.completions.select_related("completed_by__person")),
        "callbacks": list(order.callbacks.select_related("called_by__person")),
        "notices": list(order.notices.select_related("unit", "issued_by__person")),
        "sources": list(order.sources.all()),
        "links": list(order.repeat_links.select_related("other")),
        "linked_from": list(RepeatLink.objects.filter(other=order).select_related("order")),
    }


@require_cap(Cap.VIEW_WORKORDER)
@require_POST
def order_act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    spec = ACTIONS.get(action)
    if spec is None:
        raise Http404("未知的操作 / unknown action")
    order = visible_order(request, pk)
    user: Any = request.user
    if not user.has_cap(spec.capability):
        raise PermissionDenied("您没有此操作的权限 / you may not take this action")
    form = _make_form(spec, request, order, request.POST)
    status = 400
    if form.is_valid():
        try:
            message = spec.run(user, order, form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        except TransitionNotAllowed as exc:
            if exc.code == "scope":
                raise Http404("工单不存在 / no such order") from None
            form.add_error(None, exc.message)
            status = 409
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
            status = 403
        else:
            messages.success(request, message)
            return redirect("workorders:detail", pk=order.pk)
    from .pages import detail_context

    order = visible_order(request, pk)  # fresh: nothing changed, but show the current state
    context = detail_context(request, order, bound=(spec.key, form))
    errors = []
    for field, messages_ in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        errors += [f"{label}:{m}" if label else str(m) for m in messages_]
    context["action_error"] = {"label": spec.label, "errors": errors}
    return render(request, "workorders/order_detail.html", context, status=status)
