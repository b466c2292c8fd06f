"""What every list page shares: the query string with some parameters changed, and the sortable
column headers (``?o=key`` ascending, ``?o=-key`` descending), built in Python because a template
include per header costs every list request."""

from __future__ import annotations

from collections.abc import Mapping
from html import escape
from typing import Any
from urllib.parse import quote_plus, urlencode

from django.http import HttpRequest
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

SORT_ARIA = {"asc": ' aria-sort="ascending"', "desc": ' aria-sort="descending"'}
SORT_ICONS = {"asc": "bi-sort-up", "desc": "bi-sort-down", "": "bi-arrow-down-up opacity-50"}


def querystring(request: HttpRequest, **changes: str | None) -> str:
    """The request's query string with ``changes`` applied (``None`` or "" drops a parameter; a
    changed one moves to the end), encoded as ``QueryDict.urlencode`` does — without its deep copy
    of the request's parameters, which a list page paid once per sortable column."""
    pairs = [(key, value) for key, values in request.GET.lists() if key not in changes for value in values]
    pairs.extend((key, value) for key, value in changes.items() if value)
    return urlencode(pairs)


def sort_th(col: Mapping[str, Any], key: str, cls: str = "") -> str:
    """One sortable ``<th>``: a link to the other direction, the current one marked for screen readers."""
    state = col["state"]
    th_class = f' class="{escape(cls)}"' if cls else ""
    return mark_safe(  # noqa: S308 - every value is escaped
        f'<th scope="col"{th_class}{SORT_ARIA.get(state, "")}>'
        f'<a class="jw-sort{" active" if state else ""}" href="{escape(col["url"])}" data-sort="{escape(key)}">'
        f'{conditional_escape(col["label"])} <i class="bi {SORT_ICONS.get(state, SORT_ICONS[""])}" aria-hidden="true"></i></a></th>'
    )


def sort_headers(
    request: HttpRequest, labels: Mapping[str, Any], classes: Mapping[str, str] | None = None
) -> dict[str, dict[str, Any]]:
    """Per sortable column: its label, state ("asc", "desc" or ""), the URL that sorts by it (back
    to page 1) and the ready ``html`` of its header cell."""
    current = request.GET.get("o", "")
    others = querystring(request, o=None, page=None)
    headers = {}
    for key, label in labels.items():
        if current == key:
            state, target = "asc", f"-{key}"
        elif current == f"-{key}":
            state, target = "desc", key
        else:
            state, target = "", key
        url = f"?{others}&o={quote_plus(target)}" if others else f"?o={quote_plus(target)}"
        col: dict[str, Any] = {"label": label, "state": state, "url": url}
        col["html"] = sort_th(col, key, (classes or {}).get(key, ""))
        headers[key] = col
    return headers
