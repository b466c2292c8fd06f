"""Who is acting, from where: set by the request middleware, by commands and by tasks.

The audit log reads this so that a change made outside any request (a command, a task) still
records its actor and origin.
"""

from __future__ import annotations

import contextvars
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any


@dataclass
class ActionContext:
    user: Any = None
    ip: str = ""
    request_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    origin: str = "system"  # web / api / command / task / system


_current: contextvars.ContextVar[ActionContext | None] = contextvars.ContextVar("jingwu_action", default=None)


def current() -> ActionContext:
    ctx = _current.get()
    return ctx if ctx is not None else ActionContext()


@contextmanager
def acting(**kwargs: Any) -> Iterator[ActionContext]:
    ctx = ActionContext(**kwargs)
    token = _current.set(ctx)
    try:
        yield ctx
    finally:
        _current.reset(token)
