"""What every list page shares: the query string with some parameters changed, and the sortable
column headers (``?o=key`` ascending, ``?o=-key`` descending), built in Python because a template
include per header costs every list request."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.safestring import mark_safe

SORT_ARIA = {"asc": ' aria-sort="ascending"', "desc": ' aria-sort="descending"'}
SORT_ICONS = {"asc": "bi-sort-up", "desc": "bi-sort-down", "": "bi-arrow-down-up opacity-50"}


def querystring(request: HttpRequest, **changes: str | None) -> str:
    """The request's query string with ``changes`` applied (``None`` or "" drops a parameter)."""
    params = request.GET.copy()
    for key, value in changes.items():
        params.pop(key, None)
        if value:
            params[key] = value
    return params.urlencode()


def sort_th(col: Mapping[str, Any], key: str, cls: str = "") -> str:
    """One sortable ``<th>``: a link to the other direction, the current one marked for screen readers."""
    state = col["state"]
    return format_html(
        '<th scope="col"{}{}><a class="jw-sort{}" href="{}" data-sort="{}">{} '
        '<i class="bi {}" aria-hidden="true"></i></a></th>',
        format_html(' class="{}"', cls) if cls else "",
        mark_safe(SORT_ARIA.get(state, "")),  # noqa: S308 - constant
        " active" if state else "",
        col["url"],
        key,
        col["label"],
        SORT_ICONS.get(state, SORT_ICONS[""]),
    )


def sort_headers(
    request: HttpRequest, labels: Mapping[str, Any], classes: Mapping[str, str] | None = None
) -> dict[str, dict[str, Any]]:
    """Per sortable column: its label, state ("asc", "desc" or ""), the URL that sorts by it (back
    to page 1) and the ready ``html`` of its header cell."""
    current = request.GET.get("o", "")
    headers = {}
    for key, label in labels.items():
        if current == key:
            state, target = "asc", f"-{key}"
        elif current == f"-{key}":
            state, target = "desc", key
        else:
            state, target = "", key
        col: dict[str, Any] = {"label": label, "state": state, "url": "?" + querystring(request, o=target, page=None)}
        col["html"] = sort_th(col, key, (classes or {}).get(key, ""))
        headers[key] = col
    return headers
