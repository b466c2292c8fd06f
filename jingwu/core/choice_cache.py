"""Per-process cache of picker choices: the units of a scope, category trees, tags.

A list page's filter form shows the same pickers on every request; building them costs queries and
Python work each time. A ``ChoiceCache`` keeps what ``build`` returned under a key for ``ttl``
seconds, or until the ``version`` given with the key changes (a cheap query a module may run to
notice a change at once). Each gunicorn worker keeps its own entries: a change made in another
process shows here when its version changes, or after ``ttl`` at the latest; a change made in
this process calls ``clear``.

Who may see which units depends on the user's scope grants alone, so unit choices are kept per
``grants_key`` — never per user, and never shared between two different sets of grants.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

T = TypeVar("T")

_all: list[ChoiceCache] = []


class ChoiceCache:
    def __init__(self, ttl: float, max_entries: int = 1024) -> None:
        self.ttl = ttl
        self.max_entries = max_entries
        self._entries: dict[Hashable, tuple[Any, float, Any]] = {}
        _all.append(self)

    def get(self, key: Hashable, build: Callable[[], T], *, version: Any = None) -> T:
        """The value kept under ``key`` if it was built under the same ``version`` less than ``ttl``
        seconds ago; otherwise ``build()``, kept."""
        entry = self._entries.get(key)
        now = time.monotonic()
        if entry is not None and entry[0] == version and now - entry[1] < self.ttl:
            return entry[2]  # type: ignore[no-any-return]
        value = build()
        if len(self._entries) >= self.max_entries:  # many scopes × chosen units: start again
            self._entries.clear()
        self._entries[key] = (version, now, value)
        return value

    def clear(self) -> None:
        self._entries.clear()


def clear_all() -> None:
    """Forget every cache's entries (a rolled-back test's rows die with it)."""
    for cache in _all:
        cache.clear()


def grants_key(user: Any, capability: str | None) -> Hashable:
    """The user's scope grants for ``capability`` as a key: users with the same grants see the same units."""
    return tuple(
        sorted(
            (str(g.scope), g.unit_id or 0, g.unit_path or "", g.person_id or 0) for g in user.scope_grants(capability)
        )
    )
