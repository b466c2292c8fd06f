"""Workflow: one declarative state machine for every stateful object (work orders, cases, measures ...).

A model declares its states (the ``choices`` of a CharField) and its transitions::

    class Ticket(models.Model):
        state = models.CharField(max_length=20, choices=State.choices, default=State.DRAFT)
        workflow = Workflow(
            state_field="state",
            transitions=[
                Transition("approve", "批准", source=State.SUBMITTED, target=State.APPROVED,
                           capability=Cap.APPROVE, not_by=("requester",)),
                Transition("reject", "退回", source=State.SUBMITTED, target=State.DRAFT, reason_required=True),
            ],
        )

and every state change goes through :func:`perform`, which locks the row, re-reads its state from
the database (so two concurrent transitions cannot both succeed), checks the guards (capability,
data scope, no self-approval, custom callables), saves with ``update_fields`` and writes a
:class:`~jingwu.core.models.TransitionEvent` and an audit row in the same transaction. Anything
refused raises :class:`TransitionNotAllowed` (or ``ValidationError`` for a missing reason) and
changes nothing.

We do not use django-fsm's decorated methods: they change state in memory and leave locking,
re-checking, event rows and audit to every caller; here one function does all of it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import OperationalError, connections, models, router, transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

from . import audit
from .inserts import insert
from .models import TransitionEvent

ANY_STATE = "*"
SQLITE_LOCK_WAIT_SECONDS = 10.0  # as long as the busy_timeout the settings give file databases

# A guard gets (obj, actor, payload) and returns None/True when the transition may proceed, or
# False / a message (Chinese / English) explaining why not.
Guard = Callable[[Any, Any, dict[str, Any]], "bool | str | None"]
# An effect gets (obj, actor, payload) after the guards pass, may set more fields on ``obj`` and
# returns the names of the fields it changed (they are saved with the state).
Effect = Callable[[Any, Any, dict[str, Any]], "Iterable[str] | None"]


class TransitionNotAllowed(Exception):
    """A transition was refused; nothing was changed.

    ``code`` says why: unknown / state / stale / actor / capability / scope / self_approval / guard.
    Views map ``scope`` to 404 (out-of-scope objects do not exist for the actor) and the rest to a
    message next to the buttons.
    """

    def __init__(self, message: str, code: str = "guard") -> None:
        super().__init__(message)
        self.message = message
        self.code = code


@dataclass(frozen=True)
class Transition:
    """One declared transition. ``source`` is a state, a list of states or ``"*"`` (any state);
    ``target`` ``None`` keeps the state (an event such as 催办 that changes nothing else)."""

    name: str
    label: str | Promise  # shown translated
    source: str | Sequence[str]
    target: str | None
    capability: str | None = None  # the actor must hold a role carrying it (and see the object through it)
    scoped: bool = True  # the actor must see the object through ``visible_to``
    not_by: tuple[str, ...] = ()  # fields naming a user or person who must not perform it (no self-approval)
    guards: tuple[Guard, ...] = ()
    reason_required: bool = False
    effect: Effect | None = None
    by_system: bool = False  # a task may perform it without an actor (escalations, timeouts)
    style: str = "primary"  # button colour for the UI (Bootstrap contextual name)

    def sources(self) -> tuple[str, ...]:
        if isinstance(self.source, str):
            return (self.source,)
        return tuple(self.source)

    def allowed_from(self, state: str) -> bool:
        sources = self.sources()
        return ANY_STATE in sources or state in sources


@dataclass
class Workflow:
    """The states and transitions of one model; put it on the model as a class attribute."""

    transitions: Sequence[Transition]
    state_field: str = "state"
    model: type[models.Model] | None = field(default=None, init=False)
    attribute: str = field(default="workflow", init=False)

    def contribute_to_class(self, cls: type[models.Model], name: str) -> None:
        # Django calls this while building the model class: bind the workflow to its model.
        names = [t.name for t in self.transitions]
        if len(names) != len(set(names)):
            raise ImproperlyConfigured(f"{cls.__name__}: duplicate transition names in {names}")
        if not cls._meta.abstract:
            self.model = cls
        self.attribute = name
        setattr(cls, name, self)

    def get(self, name: str) -> Transition:
        for t in self.transitions:
            if t.name == name:
                return t
        raise TransitionNotAllowed(f"未定义的流转“{name}” / unknown transition {name!r}", code="unknown")

    def state_labels(self) -> dict[str, str]:
        assert self.model is not None
        field_ = self.model._meta.get_field(self.state_field)
        return {str(k): str(v) for k, v in field_.flatchoices}  # type: ignore[union-attr]

    def state_label(self, state: str) -> str:
        return self.state_labels().get(state, state)


_WORKFLOWS: dict[type, Workflow] = {}


def workflow_of(obj: models.Model | type[models.Model]) -> Workflow:
    model = obj if isinstance(obj, type) else type(obj)
    found = _WORKFLOWS.get(model)
    if found is not None:
        return found
    for klass in model.__mro__:
        for value in vars(klass).values():
            if isinstance(value, Workflow):
                _WORKFLOWS[model] = value
                return value
    raise ImproperlyConfigured(f"{model.__name__} declares no Workflow")


# --- guards ------------------------------------------------------------------------------------


def _actor_label(actor: Any) -> str:
    person = getattr(actor, "person", None)
    return getattr(person, "name", "") or getattr(actor, "username", "") or str(gettext_lazy("系统"))


def _same_party(obj: models.Model, field_name: str, actor: Any) -> bool:
    """Whether the user or person named by ``obj.<field_name>`` is the actor."""
    field_ = obj._meta.get_field(field_name)
    value = getattr(obj, field_.attname)  # type: ignore[union-attr]
    if value is None:
        return False
    related = getattr(field_, "related_model", None)
    if related is not None and related._meta.label == settings.AUTH_USER_MODEL:
        return value == actor.pk
    if related is not None and related._meta.label == "org.Person":
        return actor.person_id is not None and value == actor.person_id
    raise ImproperlyConfigured(f"not_by field {field_name!r} must point to a user or a person")


def _visible(obj: models.Model, actor: Any, capability: str | None) -> bool:
    manager = type(obj)._default_manager
    if not hasattr(manager, "visible_to"):
        raise ImproperlyConfigured(
            f"{type(obj).__name__} has no scoped manager (visible_to); declare scoped=False on its transitions"
        )
    return manager.visible_to(actor, capability).filter(pk=obj.pk).exists()


def check(
    obj: models.Model,
    transition: Transition,
    actor: Any,
    payload: dict[str, Any] | None = None,
    *,
    in_scope: bool = False,
) -> None:
    """Raise :class:`TransitionNotAllowed` unless ``actor`` may perform ``transition`` on ``obj`` now.

    ``in_scope``: the caller has established that ``obj`` lies in the actor's scope (see
    :func:`perform_created`); the scope query is then left out."""
    wf = workflow_of(obj)
    payload = payload or {}
    state = getattr(obj, wf.state_field)
    if not transition.allowed_from(state):
        raise TransitionNotAllowed(
            f"当前状态“{wf.state_label(state)}”不能{transition.label} / "
            f"{transition.name!r} is not allowed from state {state!r}",
            code="state",
        )
    if actor is None:
        if transition.by_system:
            return
        raise TransitionNotAllowed("该操作需要登录用户 / this transition needs a signed-in user", code="actor")
    if not getattr(actor, "is_authenticated", False) or not getattr(actor, "is_active", True):
        raise TransitionNotAllowed("该操作需要登录用户 / this transition needs a signed-in user", code="actor")
    if transition.scoped and not in_scope and not _visible(obj, actor, transition.capability):
        raise TransitionNotAllowed("对象不在您的数据权限范围内 / the object is outside your data scope", code="scope")
    if transition.capability and not actor.has_cap(transition.capability):
        raise TransitionNotAllowed(
            f"您没有“{transition.label}”的权限 / you lack the capability {transition.capability}", code="capability"
        )
    for field_name in transition.not_by:
        if _same_party(obj, field_name, actor):
            verbose = obj._meta.get_field(field_name).verbose_name  # type: ignore[union-attr]
            raise TransitionNotAllowed(
                f"{verbose}本人不得{transition.label} / the {field_name} may not {transition.name} their own item",
                code="self_approval",
            )
    for guard in transition.guards:
        verdict = guard(obj, actor, payload)
        if verdict is None or verdict is True:
            continue
        message = verdict if isinstance(verdict, str) else f"不满足{transition.label}的条件 / a guard refused"
        raise TransitionNotAllowed(message, code="guard")


def available_transitions(obj: models.Model, actor: Any) -> list[Transition]:
    """The transitions ``actor`` may perform on ``obj`` in its current state (for the UI buttons)."""
    wf = workflow_of(obj)
    out = []
    for transition in wf.transitions:
        try:
            check(obj, transition, actor)
        except TransitionNotAllowed:
            continue
        out.append(transition)
    return out


# --- perform ------------------------------------------------------------------------------------


def _auto_now_fields(model: type[models.Model]) -> list[str]:
    return [f.name for f in model._meta.concrete_fields if getattr(f, "auto_now", False)]


def _asked(
    obj: models.Model, transition_name: str, reason: str, payload: dict[str, Any] | None
) -> tuple[Workflow, Transition, str, dict[str, Any]]:
    """The object's workflow, the named transition, the trimmed reason (refused when the transition
    requires one and none is given) and a copy of the payload: what every transition starts from."""
    wf = workflow_of(obj)
    transition = wf.get(transition_name)
    reason = (reason or "").strip()
    if transition.reason_required and not reason:
        raise ValidationError(
            {"reason": f"“{transition.label}”必须填写原因 / a reason is required to {transition.name}"}
        )
    return wf, transition, reason, dict(payload or {})


def perform(
    obj: models.Model,
    transition_name: str,
    *,
    actor: Any,
    reason: str = "",
    payload: dict[str, Any] | None = None,
) -> TransitionEvent:
    """Perform one transition in one transaction; return its event row.

    Locks the row (``select_for_update``; on SQLite the IMMEDIATE transaction serialises writers)
    and works on the freshly read row, so a state changed by someone else since ``obj`` was loaded
    refuses the transition instead of overwriting it. ``obj`` gets the new field values.
    """
    wf, transition, reason, payload = _asked(obj, transition_name, reason, payload)
    db = router.db_for_write(type(obj))
    outermost = not transaction.get_connection(db).in_atomic_block
    deadline = time.monotonic() + SQLITE_LOCK_WAIT_SECONDS
    pause = 0.01
    while True:
        try:
            return _perform_once(obj, wf, transition, actor=actor, reason=reason, payload=payload)
        except OperationalError as exc:
            # SQLite's shared-cache mode (in-memory databases) reports a competing writer at once
            # instead of waiting as busy_timeout does for files: wait and retry the whole
            # transaction, which then re-reads the winner's state.
            if not (outermost and connections[db].vendor == "sqlite" and "locked" in str(exc)):
                raise
            if time.monotonic() > deadline:
                raise TransitionNotAllowed(
                    "对象正被他人处理,请稍后重试 / the object is being changed by someone else, try again",
                    code="busy",
                ) from exc
            time.sleep(pause)
            pause = min(pause * 2, 0.2)


def _perform_once(
    obj: models.Model,
    wf: Workflow,
    transition: Transition,
    *,
    actor: Any,
    reason: str,
    payload: dict[str, Any],
) -> TransitionEvent:
    model = type(obj)
    with transaction.atomic():
        locked = model._base_manager.select_for_update().get(pk=obj.pk)
        before = getattr(locked, wf.state_field)
        seen = getattr(obj, wf.state_field)
        if before != seen:
            raise TransitionNotAllowed(
                f"状态已被他人改为“{wf.state_label(before)}”,请刷新后重试 / "
                f"the state changed to {before!r} meanwhile; reload and try again",
                code="stale",
            )
        check(locked, transition, actor, payload)
        after = transition.target if transition.target is not None else before
        changed = [wf.state_field]
        setattr(locked, wf.state_field, after)
        if transition.effect is not None:
            changed += list(transition.effect(locked, actor, payload) or ())
        update_fields = list(dict.fromkeys([*changed, *_auto_now_fields(model)]))
        locked.save(update_fields=update_fields)
        event = _record(locked, wf, transition, before, after, actor=actor, reason=reason, payload=payload)
    for name in update_fields:
        f = model._meta.get_field(name)
        setattr(obj, f.attname, getattr(locked, f.attname))  # type: ignore[union-attr]
    return event


def perform_created(
    obj: models.Model,
    transition_name: str,
    *,
    actor: Any,
    in_scope: bool,
    reason: str = "",
    payload: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> TransitionEvent:
    """The first transition of an object the caller has just inserted in the current transaction
    (受理 of a new work order): the same checks, event row and audit row as :func:`perform`, without
    re-reading what was just written.

    No other transaction can see, lock or change a row this one inserted and has not committed, so
    the row is not re-read ``FOR UPDATE`` and ``obj`` is the row. ``in_scope=True`` says the caller
    checked that the actor may place the object where it is (``require_unit_in_scope`` on its unit
    with the transition's capability); ``False`` checks it with the usual query. A transition that
    keeps the state and has no effect saves nothing. ``at`` dates the event when the step's own time
    is known and earlier (受理 at the time the demand came in); later transitions go through
    :func:`perform` and are dated when they are recorded."""
    wf, transition, reason, payload = _asked(obj, transition_name, reason, payload)
    model = type(obj)
    if obj.pk is None or not transaction.get_connection(router.db_for_write(model)).in_atomic_block:
        raise ImproperlyConfigured("perform_created needs an object inserted in the current transaction")
    check(obj, transition, actor, payload, in_scope=in_scope)
    before = getattr(obj, wf.state_field)
    after = transition.target if transition.target is not None else before
    changed: list[str] = []
    if after != before:
        setattr(obj, wf.state_field, after)
        changed.append(wf.state_field)
    if transition.effect is not None:
        changed += list(transition.effect(obj, actor, payload) or ())
    if changed:
        obj.save(update_fields=list(dict.fromkeys([*changed, *_auto_now_fields(model)])))
    return _record(obj, wf, transition, before, after, actor=actor, reason=reason, payload=payload, at=at)


def _record(
    obj: models.Model,
    wf: Workflow,
    transition: Transition,
    before: str,
    after: str,
    *,
    actor: Any,
    reason: str,
    payload: dict[str, Any],
    at: datetime | None = None,
) -> TransitionEvent:
    """The transition's event row and its audit row (in the caller's transaction)."""
    model = type(obj)
    event = TransitionEvent(
        object_type=model._meta.label_lower,
        object_id=str(obj.pk),
        transition=transition.name,
        from_state=before,
        to_state=after,
        actor=actor,
        occurred_at=at or timezone.now(),
        reason=reason,
        payload=audit._jsonable(payload),
    )
    insert(event)  # one kept INSERT statement: every transition of every module writes one
    audit.record(
        f"workflow.{model._meta.model_name}.{transition.name}",
        obj=obj,
        actor=actor,
        changes={wf.state_field: [before, after], "reason": reason, "payload": payload, "event": event.pk},
    )
    return event


# --- timeline -----------------------------------------------------------------------------------


def timeline(obj: models.Model) -> list[TransitionEvent]:
    """The object's events, oldest first, each with ``transition_label``, ``from_label``,
    ``to_label`` and ``actor_name`` for display (see the ``core/timeline.html`` partial).

    The caller has already loaded ``obj`` through ``visible_to``: whoever sees the object sees its
    history."""
    wf = workflow_of(obj)
    labels = wf.state_labels()
    names = {t.name: t.label for t in wf.transitions}
    events = list(
        TransitionEvent.objects.filter(object_type=type(obj)._meta.label_lower, object_id=str(obj.pk))
        .select_related("actor__person")
        .order_by("occurred_at", "id")
    )
    for event in events:
        event.transition_label = names.get(event.transition, event.transition)  # type: ignore[attr-defined]
        event.from_label = labels.get(event.from_state, event.from_state)  # type: ignore[attr-defined]
        event.to_label = labels.get(event.to_state, event.to_state)  # type: ignore[attr-defined]
        event.actor_name = _actor_label(event.actor) if event.actor_id else gettext_lazy("系统")  # type: ignore[attr-defined]
    return events
