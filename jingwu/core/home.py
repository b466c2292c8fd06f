"""What the home page lists as pending (待办) and due soon / overdue (临期/超期).

A module registers a provider once (in its ``AppConfig.ready``)::

    from jingwu.core.home import register_pending
    register_pending(my_pending_items)  # my_pending_items(user) -> [{"title", "url", "due", "state"}]

``state`` is one of ``on_time``, ``due_soon``, ``overdue`` (the deadline service's words); ``due``
is an aware datetime or ``None``. Providers read through ``visible_to(user)`` like every other read.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)

PendingProvider = Callable[[Any], list[dict[str, Any]]]
_providers: list[PendingProvider] = []

DUE_STATES = {"due_soon": _("临期"), "overdue": _("超期")}


def register_pending(provider: PendingProvider) -> PendingProvider:
    """Add a provider (idempotent); usable as a decorator."""
    if provider not in _providers:
        _providers.append(provider)
    return provider


def unregister_pending(provider: PendingProvider) -> None:
    if provider in _providers:
        _providers.remove(provider)


@dataclass(frozen=True)
class PendingItem:
    title: str
    url: str
    due: datetime | None
    state: str

    @property
    def state_label(self) -> str:
        return str(DUE_STATES.get(self.state, ""))


@dataclass
class Pending:
    items: list[PendingItem]
    failed: int  # providers that raised; the page says so instead of silently showing less

    @property
    def due(self) -> list[PendingItem]:
        return [item for item in self.items if item.state in DUE_STATES]


def pending_for(user: Any) -> Pending:
    """Every provider's items, soonest deadline first (items without a deadline last)."""
    items: list[PendingItem] = []
    failed = 0
    for provider in list(_providers):
        try:
            rows = provider(user)
        except Exception:
            # One broken module must not take the home page down; the failure is logged and shown.
            logger.exception("pending provider %r failed", provider)
            failed += 1
            continue
        for row in rows:
            items.append(
                PendingItem(
                    title=str(row["title"]), url=str(row.get("url", "")), due=row.get("due"), state=row.get("state", "")
                )
            )
    items.sort(key=lambda i: (i.due is None, i.due or datetime.max))
    return Pending(items=items, failed=failed)
