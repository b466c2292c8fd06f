"""Saved filters (常用筛选) of any list page: save the current querystring under a name, apply it,
delete it. Personal: every read goes through ``for_user`` and a filter of another user answers 404.

A list view adds ``saved_filter_context(request, "<app>.<list>")`` to its context and includes
``core/_saved_filters.html`` with ``sf=saved_filters``; the save/delete routes live in core's urls.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Any
from urllib.parse import parse_qsl, urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from jingwu.core import audit, compiled

from .models import SavedFilter

MAX_PER_LIST = 30
IGNORED_PARAMS = ("page", "export", "csrfmiddlewaretoken")


def clean_querystring(querystring: str) -> str:
    """The querystring without paging, empty values or a leading '?'."""
    pairs = parse_qsl((querystring or "").lstrip("?"), keep_blank_values=False)
    return urlencode([(k, v) for k, v in pairs if k not in IGNORED_PARAMS])


# --- selectors ---------------------------------------------------------------------------------


def for_user(user: Any, list_key: str | None = None) -> QuerySet[SavedFilter]:
    """The user's own saved filters (nobody else's, whatever their role)."""
    if not getattr(user, "is_authenticated", False):
        return SavedFilter.objects.none()
    return _of_user(user.pk, list_key)


def _of_user(user_id: int, list_key: str | None = None) -> QuerySet[SavedFilter]:
    qs = SavedFilter.objects.filter(user_id=user_id)
    return qs.filter(list_key=list_key) if list_key else qs


@dataclass(frozen=True)
class SavedFilterItem:
    pk: int
    name: str
    querystring: str
    active: bool


def saved_filter_context(request: HttpRequest, list_key: str) -> dict[str, Any]:
    """What ``core/_saved_filters.html`` needs: the user's filters, the current query, the list URL.
    Every list page runs this: the query is compiled once per list (``jingwu.core.compiled``)."""
    current = clean_querystring(request.GET.urlencode())
    user: Any = request.user
    found = (
        compiled.rows(("core.saved_filters", list_key), partial(_items, list_key), user.pk)
        if getattr(user, "is_authenticated", False)
        else []
    )
    saved = [
        SavedFilterItem(pk=pk, name=name, querystring=query, active=bool(current) and query == current)
        for pk, name, query in found
    ]
    return {
        "saved_filters": {
            "items": saved,
            "list_key": list_key,
            "current": current,
            "list_url": request.path,
        }
    }


def _items(list_key: str, user_id: int) -> QuerySet[Any]:
    return _of_user(user_id, list_key).values_list("pk", "name", "querystring")


# --- services ----------------------------------------------------------------------------------


def saved_filter_create(*, actor: Any, list_key: str, name: str, querystring: str) -> SavedFilter:
    name = (name or "").strip()
    list_key = (list_key or "").strip()
    query = clean_querystring(querystring)
    if not name:
        raise ValidationError({"name": "请填写筛选名称 / the name is required"})
    if len(name) > 50:
        raise ValidationError({"name": "名称不能超过50字 / name too long"})
    if not list_key or len(list_key) > 64:
        raise ValidationError({"list_key": "未知的列表 / unknown list"})
    if len(query) > 2000:
        raise ValidationError({"querystring": "筛选条件过长 / the filter is too long"})
    if for_user(actor, list_key).count() >= MAX_PER_LIST:
        raise ValidationError({"name": f"每个列表最多保存{MAX_PER_LIST}个筛选 / too many saved filters"})
    try:
        with transaction.atomic():
            item = SavedFilter.objects.create(user=actor, list_key=list_key, name=name, querystring=query)
            audit.record("core.saved_filter.create", obj=item, actor=actor, changes={"list": list_key, "query": query})
    except IntegrityError:
        raise ValidationError({"name": f"已有名为“{name}”的筛选 / a filter with this name exists"}) from None
    return item


def saved_filter_delete(*, actor: Any, item: SavedFilter) -> None:
    if item.user_id != getattr(actor, "pk", None):
        raise ValidationError("只能删除自己的筛选 / you may delete only your own filters")
    with transaction.atomic():
        audit.record("core.saved_filter.delete", obj=item, actor=actor, changes={"list": item.list_key})
        item.delete()


# --- views (POST only; back to the list page) ----------------------------------------------------


def _back(request: HttpRequest, query: str = "") -> HttpResponse:
    target = request.POST.get("next", "") or "/"
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=False):
        target = "/"
    target = target.split("?", 1)[0]
    return HttpResponseRedirect(f"{target}?{query}" if query else target)


@login_required
@require_POST
def saved_filter_save(request: HttpRequest) -> HttpResponse:
    query = request.POST.get("querystring", "")
    try:
        item = saved_filter_create(
            actor=request.user,
            list_key=request.POST.get("list_key", ""),
            name=request.POST.get("name", ""),
            querystring=query,
        )
    except ValidationError as exc:
        messages.error(request, ";".join(exc.messages))
        return _back(request, clean_querystring(query))
    messages.success(request, f"已保存筛选“{item.name}”")
    return _back(request, item.querystring)


@login_required
@require_POST
def saved_filter_remove(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(for_user(request.user), pk=pk)
    saved_filter_delete(actor=request.user, item=item)
    messages.success(request, f"已删除筛选“{item.name}”")
    return _back(request)
