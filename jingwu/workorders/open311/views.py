"""The Open311 GeoReport v2 endpoints (plain Django views: the documents are exactly the spec's).

Authentication is the ``api_key`` parameter only — never the session cookie — so POST needs no CSRF
token. Writes go through ``services.work_order_intake``; reads through ``WorkOrder.objects.visible_to``
with the key's account (its unit subtree) or the public reader (see ``keys.PublicReader``).
No rate limit yet (see docs/open311.md).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.db import transaction
from django.db.models import Max, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.views.decorators.csrf import csrf_exempt

from jingwu.core import audit
from jingwu.core.calendar import TZ
from jingwu.core.models import AuditLog
from jingwu.core.workflow import TransitionNotAllowed
from jingwu.org.roles import Cap

from .. import services
from ..models import Category, Open311Request, WorkOrder
from ..services.common import setting
from . import keys, mapping
from .formats import FORMATS, Open311Error, error_response, render, w3c

# When this endpoint's behaviour last changed; the discovery's changeset is the later of this and
# the last change to the services (a category saved through ``category_save``, which is audited).
CHANGESET = "2026-11-29T00:00:00+08:00"
MAX_EMAIL = 254
MAX_DEVICE_ID = 100
MAX_REQUESTS = 1000
MAX_SPAN = timedelta(days=90)
MAX_DESCRIPTION = 4000  # the specification's limit
# Intake's field names → the parameter the client sent (for error descriptions).
PARAMETER_OF = {
    "citizen_phone": "phone",
    "content": "description",
    "latitude": "lat",
    "longitude": "long",
    "address": "address_string",
    "citizen_name": "first_name/last_name",
    "category": "service_code",
}


def endpoint(*methods: str) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Allowed methods, the spec's error format for every refusal, no CSRF (no cookies are read)."""

    def wrap(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        def run(request: HttpRequest, *args: Any, fmt: str = "xml", **kwargs: Any) -> HttpResponse:
            if request.method not in methods:
                response = error_response(
                    fmt, Open311Error(405, f"不支持 {request.method} 方法 / method {request.method} not allowed")
                )
                response["Allow"] = ", ".join(methods)
                return response
            try:
                _refuse_nul(request, kwargs)
                return view(request, *args, fmt=fmt, **kwargs)
            except Open311Error as exc:
                return error_response(fmt, exc)

        run.__name__ = view.__name__
        run.__doc__ = view.__doc__
        return csrf_exempt(run)

    return wrap


def _refuse_nul(request: HttpRequest, path_values: dict[str, Any]) -> None:
    """A NUL character in any parameter (query, form or path) is the spec's 400, never a database
    error (PostgreSQL cannot take one even in a query)."""
    values = [*path_values.values()]
    for data in (request.GET, request.POST) if request.method == "POST" else (request.GET,):
        for name, items in data.lists():
            values.append(name)
            values += items
    if any(isinstance(v, str) and "\x00" in v for v in values):
        raise Open311Error(400, "参数不能包含空字符(NUL) / parameters must not contain NUL characters")


# --- discovery and services ----------------------------------------------------------------------


def changeset() -> str:
    """The later of the endpoint's own changeset and the last saved service (category)."""
    latest = AuditLog.objects.filter(event="workorders.category_save").aggregate(at=Max("occurred_at"))["at"]
    base = datetime.fromisoformat(CHANGESET)
    return w3c(max(base, latest) if latest is not None else base) or CHANGESET


@endpoint("GET", "HEAD")
def discovery(request: HttpRequest, fmt: str) -> HttpResponse:
    base = request.build_absolute_uri(reverse("open311:discovery", kwargs={"fmt": "json"})).rsplit("/", 1)[0]
    current = changeset()
    document = {
        "changeset": current,
        "contact": setting("OPEN311_CONTACT", "请拨打12345政务服务便民热线 / call the 12345 government hotline"),
        "key_service": setting(
            "OPEN311_KEY_SERVICE",
            "API 密钥由本单位系统管理员发放 / API keys are issued by the system administrator of the agency",
        ),
        "endpoints": [
            {
                "specification": mapping.SPECIFICATION,
                "url": base,
                "changeset": current,
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
        # not part of GeoReport v2: where a client finds the OpenAPI description of these endpoints
        "openapi": request.build_absolute_uri(reverse("open311:openapi")),
    }
    return render(fmt, "discovery", document)


def _categories() -> list[Category]:
    return list(Category.objects.filter(active=True).order_by("order", "code"))


@endpoint("GET", "HEAD")
def openapi_document(request: HttpRequest, fmt: str) -> HttpResponse:
    """The OpenAPI 3 description of these endpoints (JSON only)."""
    from django.http import JsonResponse

    from .openapi import document

    return JsonResponse(
        document(request.build_absolute_uri("/").rstrip("/")), json_dumps_params={"ensure_ascii": False}
    )


@endpoint("GET", "HEAD")
def service_list(request: HttpRequest, fmt: str) -> HttpResponse:
    categories = _categories()
    parents = {c.pk: c for c in Category.objects.filter(pk__in={c.parent_id for c in categories if c.parent_id})}
    return render(fmt, "services", [mapping.service(c, parents) for c in categories])


@endpoint("GET", "HEAD")
def service_definition(request: HttpRequest, service_code: str, fmt: str) -> HttpResponse:
    category = Category.objects.filter(code=service_code, active=True).first()
    if category is None:
        raise Open311Error(404, f"服务代码“{service_code}”不存在 / service_code {service_code!r} not found")
    return render(fmt, "service_definition", mapping.service_definition(category))


# --- who reads ------------------------------------------------------------------------------------


def _key_from(value: str | None) -> Any:
    """The key named by ``value`` (403 when one is given but is not an enabled key)."""
    if not (value or "").strip():
        return None
    key = keys.authenticate(value)
    if key is None:
        raise Open311Error(403, "api_key 无效或已停用 / api_key is invalid or disabled")
    return key


def _readable(request: HttpRequest) -> tuple[QuerySet[WorkOrder], bool]:
    """The orders the caller may read and whether only the public fields may be shown.

    With a key: the key's unit subtree (through its account's ``visible_to``). Without: the public
    scope (setting ``WORKORDERS_OPEN311_PUBLIC_UNIT``, none by default), minus complaints and
    reports, public fields only."""
    key = _key_from(request.GET.get("api_key"))
    base = WorkOrder.objects.select_related("category", "unit", "open311", "merged_into")
    if key is not None:
        return base.visible_to(keys.principal(key), Cap.VIEW_WORKORDER), False
    reader = keys.public_reader()
    if reader is None:
        return base.none(), True
    public = base.visible_to(reader, Cap.VIEW_WORKORDER).exclude(
        Q(category__is_complaint=True) | Q(complaint_about_officer=True) | Q(accused_unit__isnull=False)
    )
    return public, True


# --- requests: GET --------------------------------------------------------------------------------


def _moment(request: HttpRequest, name: str) -> datetime | None:
    text = (request.GET.get(name) or "").strip()
    if not text:
        return None
    try:
        moment = parse_datetime(text.replace(" ", "+", 1) if "T" in text and " " in text else text)
        if moment is None:
            day = parse_date(text)
            if day is not None:  # a bare date: from its start, or up to its end
                moment = datetime(day.year, day.month, day.day)
                if name == "end_date":
                    moment += timedelta(days=1, microseconds=-1)
    except ValueError:
        moment = None
    if moment is None:
        raise Open311Error(
            400, f"{name} 应为 ISO 8601 (W3C) 时间,如 2023-05-08T09:00:00+08:00 / {name} is not a W3C date-time"
        )
    return timezone.make_aware(moment, TZ) if timezone.is_naive(moment) else moment


def _span(start: datetime | None, end: datetime | None) -> tuple[datetime, datetime]:
    """No dates: the last 90 days; one date: the 90 days after the start or before the end."""
    if start is not None and end is not None:
        return start, end
    if start is not None:
        return start, start + MAX_SPAN
    end = end or timezone.now()
    return end - MAX_SPAN, end


def _listed(request: HttpRequest, qs: QuerySet[WorkOrder]) -> QuerySet[WorkOrder]:
    ids = [i.strip() for i in (request.GET.get("service_request_id") or "").split(",") if i.strip()]
    if ids:  # the spec: service_request_id overrides every other filter
        return qs.filter(number__in=ids[:MAX_REQUESTS])
    codes = [c.strip() for c in (request.GET.get("service_code") or "").split(",") if c.strip()]
    if codes:
        qs = qs.filter(category__code__in=codes)
    statuses = [s.strip().lower() for s in (request.GET.get("status") or "").split(",") if s.strip()]
    if statuses:
        unknown = sorted(set(statuses) - set(mapping.STATES_OF))
        if unknown:
            raise Open311Error(400, f"status 只能是 open 或 closed / status must be open or closed, not {unknown[0]!r}")
        qs = qs.filter(state__in=[state for s in set(statuses) for state in mapping.STATES_OF[s]])
    start, end = _span(_moment(request, "start_date"), _moment(request, "end_date"))
    if end < start:
        raise Open311Error(400, "end_date 早于 start_date / end_date is before start_date")
    if end - start > MAX_SPAN:
        raise Open311Error(400, "查询时间跨度不能超过90天 / start_date to end_date may not span more than 90 days")
    return qs.filter(received_at__gte=start, received_at__lte=end)


def _request_list(request: HttpRequest, fmt: str) -> HttpResponse:
    qs, public = _readable(request)
    orders = _listed(request, qs).order_by("-received_at", "-id")[:MAX_REQUESTS]
    return render(fmt, "service_requests", [mapping.service_request(o, public=public) for o in orders])


@endpoint("GET", "HEAD")
def request_detail(request: HttpRequest, service_request_id: str, fmt: str) -> HttpResponse:
    qs, public = _readable(request)
    order = qs.filter(number=service_request_id).first()
    if order is None:  # not found and out of scope answer alike
        raise Open311Error(
            404, f"服务请求“{service_request_id}”不存在 / service_request_id {service_request_id!r} not found"
        )
    return render(fmt, "service_requests", [mapping.service_request(order, public=public)])


# --- requests: POST -------------------------------------------------------------------------------


def _number(name: str, text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise Open311Error(400, f"{name}: 坐标应为数字 / {name} must be a decimal number")
    return value


def _location(data: Any) -> tuple[str, str, str]:
    """(address, lat, long) after the spec's rule: lat and long together, or address_string, or
    address_id (we keep no address register: the id is kept as the address text)."""
    lat, lng = (data.get("lat") or "").strip(), (data.get("long") or "").strip()
    address = (data.get("address_string") or "").strip()
    address_id = (data.get("address_id") or "").strip()
    if lat or lng:
        if not (lat and lng):
            raise Open311Error(400, "lat 与 long 须同时提供 / lat and long must be given together")
        _number("lat", lat)
        _number("long", lng)
    elif not address and not address_id:
        raise Open311Error(
            400,
            "请提供位置:lat/long、address_string 或 address_id / "
            "a location is required: lat and long, address_string or address_id",
        )
    if not address and address_id:
        address = f"地址编号 {address_id}"
    return address, lat, lng


def _name(data: Any) -> str:
    first, last = (data.get("first_name") or "").strip(), (data.get("last_name") or "").strip()
    if any("\u4e00" <= ch <= "\u9fff" for ch in first + last):
        return f"{last}{first}"  # Chinese order: family name first, no space
    return " ".join(part for part in (first, last) if part)


def _media_url(data: Any) -> str:
    url = (data.get("media_url") or "").strip()
    if url:
        try:
            URLValidator(schemes=["http", "https"])(url)
        except ValidationError:
            raise Open311Error(400, "media_url 应为 http(s) 链接 / media_url must be an http(s) URL") from None
        if len(url) > 500:
            raise Open311Error(400, "media_url 过长 / media_url is longer than 500 characters")
    return url


def _contact(data: Any) -> tuple[str, str]:
    """``email`` and ``device_id`` (both optional in the spec): checked, not stored."""
    email = (data.get("email") or "").strip()
    if email:
        if len(email) > MAX_EMAIL:
            raise Open311Error(400, f"email 不能超过{MAX_EMAIL}个字符 / email is longer than {MAX_EMAIL} characters")
        try:
            EmailValidator()(email)
        except ValidationError:
            raise Open311Error(400, "email 格式不正确 / email is not a valid address") from None
    device_id = (data.get("device_id") or "").strip()
    if device_id:
        if len(device_id) > MAX_DEVICE_ID:
            raise Open311Error(
                400, f"device_id 不能超过{MAX_DEVICE_ID}个字符 / device_id is longer than {MAX_DEVICE_ID} characters"
            )
        if not device_id.isprintable():
            raise Open311Error(400, "device_id 含有不可打印字符 / device_id has unprintable characters")
    return email, device_id


def _validation_errors(exc: ValidationError) -> Open311Error:
    found: list[tuple[int, str]] = []
    if hasattr(exc, "error_dict"):
        for name, messages in exc.message_dict.items():
            parameter = PARAMETER_OF.get(name, name)
            found += [(400, message if name == "__all__" else f"{parameter}: {message}") for message in messages]
    else:
        found = [(400, message) for message in exc.messages]
    if not found:
        found = [(400, "请求无效 / invalid request")]
    return Open311Error(found[0][0], found[0][1], *found[1:])


def _create(request: HttpRequest, fmt: str) -> HttpResponse:
    data = request.POST
    if not (data.get("api_key") or "").strip():
        raise Open311Error(403, "缺少 api_key / api_key was not provided")
    key = _key_from(data.get("api_key"))
    if not key.may_post:
        raise Open311Error(403, "该 api_key 无权提交服务请求 / this api_key may not submit service requests")
    code = (data.get("service_code") or "").strip()
    if not code:
        raise Open311Error(400, "缺少 service_code / service_code was not provided")
    category = Category.objects.filter(code=code, active=True).first()
    if category is None:
        raise Open311Error(404, f"服务代码“{code}”不存在 / service_code {code!r} not found")
    address, lat, lng = _location(data)
    description = (data.get("description") or "").strip()
    if len(description) > MAX_DESCRIPTION:
        raise Open311Error(400, f"description 不能超过{MAX_DESCRIPTION}字 / description is longer than 4000 characters")
    media_url = _media_url(data)
    _contact(data)
    account = keys.principal(key)
    try:
        with transaction.atomic():
            order = services.work_order_intake(
                actor=account,
                category=category,
                content=description,
                citizen_phone=data.get("phone") or "",
                citizen_name=_name(data),
                address=address,
                latitude=lat or None,
                longitude=lng or None,
                source=WorkOrder.Source.OPEN311,
                intake_unit=key.unit,
            ).order
            Open311Request.objects.create(order=order, api_key=key, media_url=media_url)
            audit.record(
                "workorders.open311_request",
                obj=order,
                actor=account,
                changes={"api_key": key.prefix, "media_url": media_url},
            )
    except ValidationError as exc:
        raise _validation_errors(exc) from None
    except (PermissionDenied, TransitionNotAllowed) as exc:
        raise Open311Error(403, f"该 api_key 无权在此提交 / this api_key may not submit here ({exc})") from None
    return render(fmt, "service_requests", [mapping.created(order)], status=201)


@endpoint("GET", "HEAD", "POST")
def requests(request: HttpRequest, fmt: str) -> HttpResponse:
    if request.method == "POST":
        return _create(request, fmt)
    return _request_list(request, fmt)


@csrf_exempt
def not_found(request: HttpRequest, rest: str = "") -> HttpResponse:
    """Any other path under /open311/v2/ (an unknown resource or format): the spec's 404."""
    suffix = rest.rsplit(".", 1)[-1] if "." in rest else ""
    fmt = suffix if suffix in FORMATS else "xml"
    return error_response(fmt, Open311Error(404, "资源不存在 / no such resource (use .json or .xml)"))
