"""Paging of the work-order list (page and API): a bounded count, and the newest orders read first.

A province holds ten million orders; a brigade's list over five years is ~20,000 of them. Sorting
them all to show the newest 20 cost the database ~50 ms a request (an on-disk sort of wide rows).
Newest first, the first pages are nearly always among the last month's orders: ``BoundedPaginator``
reads the page from those when they fill it, which the index on (unit, received) answers at once.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import partial
from typing import Any, cast

from django.core.paginator import Page, Paginator
from django.utils import timezone
from django.utils.functional import cached_property

from jingwu.core.api import Pagination

RECENT_DAYS = 31  # a newest-first list reads a page from the last month's orders when they fill it


def recent_start(params: Any, order_param: str) -> datetime | None:
    """Where a newest-first list may start reading (``BoundedPaginator(recent=…)``): a month ago
    when ``params`` ask for neither another order (``order_param``) nor a received period; else None."""
    if params.get(order_param) or params.get("received_from") or params.get("received_to"):
        return None
    return timezone.now() - timedelta(days=RECENT_DAYS)


class BoundedPaginator(Paginator):
    """The exact count for a filtered list (the pager stays right); for an unfiltered one, a count
    bounded at ``cap`` (``SELECT COUNT(*) FROM (… LIMIT cap+1)``, unordered): a province holds millions of orders
    and nobody pages through them — past the cap the pager says "2000+" and filters narrow it."""

    def __init__(self, object_list: Any, per_page: int, *, cap: int | None = None, recent: Any = None) -> None:
        super().__init__(object_list, per_page)
        self.cap = cap
        self.capped = False
        self.recent = recent

    def page(self, number: Any) -> Any:
        """With ``recent`` (a moment; the list in its default order, newest received first): read the
        page from the orders received since then when they fill it. Every order left out is older
        than every one read, so the page is the same; the unit + received index serves it instead of
        sorting all of a brigade's orders of five years. Otherwise the whole list, as usual."""
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = min(bottom + self.per_page, self.count)
        rows: Any = None
        if self.recent is not None and top > bottom:
            orders: Any = self.object_list  # a QuerySet here
            rows = list(orders.filter(received_at__gte=self.recent)[bottom:top])
            if len(rows) < top - bottom:
                rows = None
        if rows is None:
            rows = self.object_list[bottom:top]
        return Page(rows, number, self)

    @cached_property
    def count(self) -> int:
        if self.cap is None:
            return super().count
        n = self.object_list.order_by()[: self.cap + 1].count()  # type: ignore[attr-defined]  # a QuerySet here
        self.capped = n > self.cap
        return min(n, self.cap)


class OrderPagination(Pagination):
    """The API's pages of orders: in the default order (newest received first) and with no received
    period asked for, the page is read from the last month's orders when they fill it (the same
    page: see ``BoundedPaginator.page``); the count stays exact."""

    def paginate_queryset(self, queryset: Any, request: Any, view: Any = None) -> Any:
        recent = recent_start(request.query_params, "ordering")
        self.django_paginator_class = cast(Any, partial(BoundedPaginator, recent=recent))  # called as the class is
        return super().paginate_queryset(queryset, request, view)
