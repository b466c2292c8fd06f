"""Pages of regional cooperation (线索协作) and special campaigns (专项行动).

Thin: reads through the models' ``visible_to`` querysets (an object outside the user's scope
answers 404), writes through ``services.cooperation`` / ``services.campaigns``; a missing capability
answers 403; anonymous users are sent to the login page. Figures come from the metrics registry.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q, Sum
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jingwu.core import metrics, views_metrics
from jingwu.org.forms import apply_service_errors
from jingwu.org.models import Person, Unit
from jingwu.org.roles import Cap

from . import metrics_campaigns
from .forms_cooperation import (
    CampaignForm,
    ClueCommentForm,
    ClueForm,
    ClueLinkForm,
    InspectionForm,
    OpenCaseForm,
    PatrolForm,
    SeizureForm,
)
from .models.campaigns import Campaign, Inspection, Patrol, SeizureTally
from .models.cooperation import Clue, bureau_path, user_bureau_paths
from .services import campaigns as campaign_services
from .services import cooperation as clue_services

View = Callable[..., HttpResponse]
PAGE_SIZE = 20


def require_cap(*capabilities: str) -> Callable[[View], View]:
    """Login first (anonymous → login page), then any one of the capabilities (missing → 403)."""

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not any(request.user.has_cap(c) for c in capabilities):  # type: ignore[union-attr]
                raise PermissionDenied("您没有访问此页面的权限 / you may not open this page")
            return view(request, *args, **kwargs)

        return login_required(wrapped)

    return decorator


def _get_or_404(queryset: Any, pk: int) -> Any:
    found = queryset.filter(pk=pk).first()
    if found is None:
        raise Http404("对象不存在或不在您的数据权限范围内 / not found")
    return found


def case_url(case: Any) -> str:
    """The case page (built by the case pages module), or "" while it does not exist."""
    try:
        return reverse("cases:case-detail", args=[case.pk])
    except NoReverseMatch:
        return ""


def _run(form: forms.BaseForm, call: Callable[[], Any]) -> tuple[bool, Any]:
    try:
        return True, call()
    except ValidationError as exc:
        apply_service_errors(form, exc)
    return False, None


# --- clue board --------------------------------------------------------------------------------


@require_cap(Cap.VIEW_CASE)
def clue_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    qs = clue_services.visible_clues(user).annotate(
        comment_count=Count("comments", distinct=True), share_count=Count("shares", distinct=True)
    )
    status = request.GET.get("status", "")
    if status in Clue.Status.values:
        qs = qs.filter(status=status)
    side = request.GET.get("side", "")
    mine = user_bureau_paths(user)
    own_q = Q(pk__in=[])
    for path in mine:
        own_q |= Q(owner_unit__path__startswith=path)
    if side == "own":
        qs = qs.filter(own_q)
    elif side == "shared":
        qs = qs.exclude(own_q)
    q = request.GET.get("q", "").strip()
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(content__icontains=q))
    page = Paginator(qs.order_by("-created_at", "-id"), PAGE_SIZE).get_page(request.GET.get("page"))
    for clue in page.object_list:
        clue.is_own = bureau_path(clue.owner_unit.path) in mine
    return render(
        request,
        "cases/clue_list.html",
        {
            "page": page,
            "statuses": Clue.Status.choices,
            "status": status,
            "side": side,
            "q": q,
            "can_create": clue_services.writable_units(user).exists(),
            "query": urlencode({k: v for k, v in (("status", status), ("side", side), ("q", q)) if v}),
        },
    )


@require_cap(Cap.HANDLE_CASE, Cap.APPROVE_CASE)
def clue_create(request: HttpRequest) -> HttpResponse:
    user = request.user
    units = clue_services.writable_units(user)
    if not units.exists():
        raise PermissionDenied("您没有可发布线索的单位 / no unit to publish for")
    partners = clue_services.partner_bureaus()
    mine = user_bureau_paths(user, Cap.HANDLE_CASE) | user_bureau_paths(user, Cap.APPROVE_CASE)
    partners = partners.exclude(path__in=mine)
    form = ClueForm(request.POST or None, units=units, partners=partners)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        ok, clue = _run(
            form,
            lambda: clue_services.clue_create(
                actor=user,
                owner_unit=data["owner_unit"],
                title=data["title"],
                content=data["content"],
                category=data["category"],
                share_with=list(data["share_with"]),
            ),
        )
        if ok:
            messages.success(request, _("线索已发布"))
            return redirect("cases:clue-detail", clue.pk)
    return render(request, "cases/clue_form.html", {"form": form, "title": _("发布线索")})


@require_cap(Cap.VIEW_CASE)
def clue_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    clue = _get_or_404(clue_services.visible_clues(user), pk)
    return _clue_page(request, clue)


def _clue_page(
    request: HttpRequest,
    clue: Clue,
    comment_form: ClueCommentForm | None = None,
    link_form: ClueLinkForm | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    links = clue_services.clue_links_for(user, clue)
    for link in links.own:
        link.case_url = case_url(link.case)  # type: ignore[attr-defined]
    can_link = user.has_cap(Cap.HANDLE_CASE)  # type: ignore[union-attr]
    is_owner_side = bureau_path(clue.owner_unit.path) in user_bureau_paths(user)
    return render(
        request,
        "cases/clue_detail.html",
        {
            "clue": clue,
            "shares": clue.shares.select_related("bureau"),
            "comments": clue.comments.select_related("bureau", "author", "author__person"),
            "links": links,
            "is_owner_side": is_owner_side,
            "can_edit": is_owner_side and clue_services.may_write_for(user, clue.owner_unit),
            "can_link": can_link,
            "comment_form": comment_form or ClueCommentForm(),
            "link_form": link_form or ClueLinkForm(),
            "recent_cases": clue_services.linkable_cases(user, clue).values_list("number", "title")[:30]
            if can_link
            else [],
        },
        status=status,
    )


@require_cap(Cap.HANDLE_CASE, Cap.APPROVE_CASE)
def clue_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    clue = _get_or_404(clue_services.visible_clues(user), pk)
    if not clue_services.may_write_for(user, clue.owner_unit):
        raise PermissionDenied("只有发布单位可以修改线索 / only the owner edits a clue")
    partners = clue_services.partner_bureaus(exclude=Unit.objects.get(path=bureau_path(clue.owner_unit.path)))
    initial = {
        "title": clue.title,
        "content": clue.content,
        "category": clue.category,
        "status": clue.status,
        "share_with": list(clue.shares.values_list("bureau_id", flat=True)),
    }
    form = ClueForm(request.POST or None, initial=initial, units=Unit.objects.none(), partners=partners, editing=True)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        ok, _clue = _run(
            form,
            lambda: clue_services.clue_update(
                actor=user,
                clue=clue,
                title=data["title"],
                content=data["content"],
                category=data["category"],
                status=data["status"] or clue.status,
                share_with=list(data["share_with"]),
            ),
        )
        if ok:
            messages.success(request, _("线索已保存"))
            return redirect("cases:clue-detail", clue.pk)
    return render(request, "cases/clue_form.html", {"form": form, "title": _("修改线索"), "clue": clue})


@require_POST
@require_cap(Cap.VIEW_CASE)
def clue_comment(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    clue = _get_or_404(clue_services.visible_clues(user), pk)
    form = ClueCommentForm(request.POST)
    if form.is_valid():
        ok, _c = _run(
            form, lambda: clue_services.clue_comment(actor=user, clue=clue, content=form.cleaned_data["content"])
        )
        if ok:
            messages.success(request, _("留言已发布"))
            return redirect(reverse("cases:clue-detail", args=[clue.pk]) + "#comments")
    return _clue_page(request, clue, comment_form=form, status=400)


@require_POST
@require_cap(Cap.HANDLE_CASE)
def clue_link(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    clue = _get_or_404(clue_services.visible_clues(user), pk)
    form = ClueLinkForm(request.POST)
    if form.is_valid():
        number = form.cleaned_data["case_number"].strip()
        case = clue_services.linkable_cases(user, clue).filter(number=number).first()
        if case is None:
            form.add_error("case_number", _("未找到本单位可关联的该编号案件 / no case of yours with this number"))
        else:
            ok, _link = _run(
                form,
                lambda: clue_services.clue_link_case(actor=user, clue=clue, case=case, note=form.cleaned_data["note"]),
            )
            if ok:
                messages.success(request, _("已关联本单位案件"))
                return redirect(reverse("cases:clue-detail", args=[clue.pk]) + "#links")
    return _clue_page(request, clue, link_form=form, status=400)


# --- campaigns ---------------------------------------------------------------------------------


@require_cap(Cap.VIEW_CASE)
def campaign_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    qs = campaign_services.visible_campaigns(user)
    q = request.GET.get("q", "").strip()
    if q:
        qs = qs.filter(name__icontains=q)
    page = Paginator(qs.order_by("-starts_on", "-id"), PAGE_SIZE).get_page(request.GET.get("page"))
    ids = [c.pk for c in page.object_list]
    # Counts inside the user's scope, one grouped query per kind of record (no N+1).
    patrols = _counts(Patrol.objects.visible_to(user, Cap.VIEW_CASE), ids)
    inspections = _counts(Inspection.objects.visible_to(user, Cap.VIEW_CASE), ids)
    seized = dict(
        SeizureTally.objects.visible_to(user, Cap.VIEW_CASE)
        .filter(campaign_id__in=ids)
        .order_by()
        .values_list("campaign_id")
        .annotate(n=Sum("quantity"))
    )
    today = timezone.localdate()
    for c in page.object_list:
        c.patrol_count = patrols.get(c.pk, 0)
        c.inspection_count = inspections.get(c.pk, 0)
        c.seized = seized.get(c.pk, 0)
        c.running = c.starts_on <= today <= c.ends_on
    return render(
        request,
        "cases/campaign_list.html",
        {
            "page": page,
            "q": q,
            "can_create": campaign_services.manageable_units(user).exists(),
            "query": urlencode({"q": q} if q else {}),
        },
    )


def _counts(qs: Any, ids: list[int]) -> dict[int, int]:
    return dict(qs.filter(campaign_id__in=ids).order_by().values_list("campaign_id").annotate(n=Count("pk")))


def _campaign_fields(data: dict[str, Any]) -> dict[str, Any]:
    """The fields of a campaign as the create and update services take them from the form."""
    fields = {name: data[name] for name in ("name", "starts_on", "ends_on", "goal", "departments")}
    return {**fields, "units": list(data["units"])}


@require_cap(Cap.HANDLE_CASE, Cap.APPROVE_CASE)
def campaign_create(request: HttpRequest) -> HttpResponse:
    user = request.user
    units = campaign_services.manageable_units(user)
    if not units.exists():
        raise PermissionDenied("您没有可牵头的单位 / no unit to lead a campaign")
    form = CampaignForm(request.POST or None, units=units)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        ok, campaign = _run(
            form,
            lambda: campaign_services.campaign_create(actor=user, unit=data["unit"], **_campaign_fields(data)),
        )
        if ok:
            messages.success(request, _("专项行动已创建"))
            return redirect("cases:campaign-detail", campaign.pk)
    return render(request, "cases/campaign_form.html", {"form": form, "title": _("新建专项行动")})


@require_cap(Cap.HANDLE_CASE, Cap.APPROVE_CASE)
def campaign_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    campaign = _get_or_404(campaign_services.visible_campaigns(user), pk)
    if not campaign_services.may_manage(user, campaign.unit):
        raise PermissionDenied("只有牵头单位可以修改专项行动 / only the leading unit edits the campaign")
    units = Unit.objects.filter(path__startswith=campaign.unit.path, retired_on__isnull=True).exclude(
        kind=Unit.Kind.PARTY_BRANCH
    )
    initial = {
        "name": campaign.name,
        "starts_on": campaign.starts_on,
        "ends_on": campaign.ends_on,
        "goal": campaign.goal,
        "departments": "、".join(campaign.departments),
        "units": list(campaign.units.values_list("pk", flat=True)),
    }
    form = CampaignForm(request.POST or None, initial=initial, units=units, editing=True)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        ok, _c = _run(
            form,
            lambda: campaign_services.campaign_update(actor=user, campaign=campaign, **_campaign_fields(data)),
        )
        if ok:
            messages.success(request, _("专项行动已保存"))
            return redirect("cases:campaign-detail", campaign.pk)
    return render(request, "cases/campaign_form.html", {"form": form, "title": _("修改专项行动"), "campaign": campaign})


SUMMARY = [
    ("patrols", "signpost-split"),
    ("inspections", "clipboard-check"),
    ("findings", "exclamation-triangle"),
    ("cases_opened", "folder-plus"),
    ("seizures", "box-seam"),
]


def _summary_unit(user: Any, campaign: Campaign) -> Unit | None:
    """The unit the summary is computed for: the leading unit, or the user's part of the campaign."""
    visible = Unit.objects.visible_to(user, Cap.VIEW_CASE)
    if visible.filter(pk=campaign.unit_id).exists():
        return campaign.unit
    return visible.filter(pk__in=campaign.units.values("pk")).order_by("depth", "path").first()


def _figure_link(campaign: Campaign, name: str, unit: Unit) -> str:
    query = urlencode({"unit": unit.code, "from": campaign.starts_on.isoformat(), "to": campaign.ends_on.isoformat()})
    return reverse("cases:campaign-figure", args=[campaign.pk, name]) + "?" + query


@require_cap(Cap.VIEW_CASE)
def campaign_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    campaign = _get_or_404(campaign_services.visible_campaigns(user), pk)
    unit = _summary_unit(user, campaign)
    figures = []
    seizure_figures = []
    if unit is not None:
        for base, icon in SUMMARY:
            name = metrics_campaigns.campaign_metric(base, campaign_id=campaign.pk)
            figure = metrics.compute(name, unit, campaign.starts_on, campaign.ends_on, user=user)
            label = metrics_campaigns.BASES[base]["label"]
            figures.append({"figure": figure, "label": label, "icon": icon, "url": _figure_link(campaign, name, unit)})
        for kind in campaign_services.active_seizure_kinds():
            name = metrics_campaigns.campaign_metric(
                "seizures", campaign_id=campaign.pk, seizure_kind=kind.code, kind_label=kind.name
            )
            figure = metrics.compute(name, unit, campaign.starts_on, campaign.ends_on, user=user)
            if figure.value:
                seizure_figures.append({"kind": kind, "figure": figure, "url": _figure_link(campaign, name, unit)})
    patrols = (
        Patrol.objects.visible_to(user, Cap.VIEW_CASE)
        .filter(campaign=campaign)
        .select_related("unit")
        .annotate(people_count=Count("people", distinct=True))
        .order_by("-started_at", "-id")[:50]
    )
    inspections = list(
        Inspection.objects.visible_to(user, Cap.VIEW_CASE)
        .filter(campaign=campaign)
        .select_related("unit", "case")
        .order_by("-inspected_at", "-id")[:50]
    )
    for inspection in inspections:
        inspection.case_url = case_url(inspection.case) if inspection.case_id else ""  # type: ignore[attr-defined]
    seizures = (
        SeizureTally.objects.visible_to(user, Cap.VIEW_CASE)
        .filter(campaign=campaign)
        .select_related("unit", "kind", "patrol", "inspection")
        .order_by("-recorded_at", "-id")[:50]
    )
    can_record = bool(campaign_services.recording_units(user, campaign))
    return render(
        request,
        "cases/campaign_detail.html",
        {
            "campaign": campaign,
            "participants": campaign.units.order_by("path"),
            "summary_unit": unit,
            "figures": figures,
            "seizure_figures": seizure_figures,
            "chart": [{"name": f["kind"].name, "value": int(f["figure"].value or 0)} for f in seizure_figures],
            "patrols": patrols,
            "inspections": inspections,
            "seizures": seizures,
            "can_edit": campaign_services.may_manage(user, campaign.unit),
            "can_record": can_record,
            "can_open_case": user.has_cap(Cap.HANDLE_CASE),  # type: ignore[union-attr]
        },
    )


@require_cap(Cap.VIEW_CASE)
def campaign_figure(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    """The drill-down of one campaign figure: the standard metric page, registered in this process."""
    campaign = _get_or_404(campaign_services.visible_campaigns(request.user), pk)
    resolved = metrics_campaigns.resolve(name)
    if resolved is None or not resolved.startswith(f"campaigns.c{campaign.pk}."):
        raise Http404("未定义的指标 / unknown metric")
    return views_metrics.metric_detail(request, resolved)


def _record_page(
    request: HttpRequest, pk: int, form_class: type, template_title: str, build: Callable[..., Any], **extra: Any
) -> HttpResponse:
    user = request.user
    campaign = _get_or_404(campaign_services.visible_campaigns(user), pk)
    units = campaign_services.recording_units(user, campaign)
    if not units:
        raise PermissionDenied("您不能为本专项行动登记 / you may not record for this campaign")
    kwargs = {k: (v(user, campaign) if callable(v) else v) for k, v in extra.items()}
    form = form_class(request.POST or None, units=units, **kwargs)
    if request.method == "POST" and form.is_valid():
        ok, _obj = _run(form, lambda: build(user, campaign, form.cleaned_data))
        if ok:
            messages.success(request, _("已登记"))
            return redirect("cases:campaign-detail", campaign.pk)
    return render(
        request,
        "cases/campaign_record_form.html",
        {"form": form, "title": template_title, "campaign": campaign},
        status=400 if request.method == "POST" else 200,
    )


def _people(user: Any, campaign: Campaign) -> Any:
    units = [campaign.unit.pk, *campaign.units.values_list("pk", flat=True)]
    return (
        Person.objects.visible_to(user)
        .filter(unit_id__in=units, status=Person.Status.ACTIVE)
        .select_related("unit")
        .order_by("unit__path", "police_number")
    )


@require_cap(Cap.HANDLE_CASE, Cap.APPROVE_CASE)
def patrol_add(request: HttpRequest, pk: int) -> HttpResponse:
    def build(user: Any, campaign: Campaign, d: dict[str, Any]) -> Any:
        return campaign_services.patrol_add(
            actor=user,
            campaign=campaign,
            unit=d["unit"],
            place=d["place"],
            started_at=d["started_at"],
            ended_at=d["ended_at"],
            people=list(d["people"]),
            notes=d["notes"],
        )

    return _record_page(request, pk, PatrolForm, _("登记巡查"), build, people=_people)


@require_cap(Cap.HANDLE_CASE, Cap.APPROVE_CASE)
def inspection_add(request: HttpRequest, pk: int) -> HttpResponse:
    def build(user: Any, campaign: Campaign, d: dict[str, Any]) -> Any:
        return campaign_services.inspection_add(
            actor=user,
            campaign=campaign,
            unit=d["unit"],
            target=d["target"],
            kind=d["kind"],
            inspected_at=d["inspected_at"],
            departments=d["departments"],
            has_finding=d["has_finding"],
            finding=d["finding"],
        )

    return _record_page(request, pk, InspectionForm, _("登记检查"), build)


@require_cap(Cap.HANDLE_CASE, Cap.APPROVE_CASE)
def seizure_add(request: HttpRequest, pk: int) -> HttpResponse:
    def build(user: Any, campaign: Campaign, d: dict[str, Any]) -> Any:
        return campaign_services.seizure_add(
            actor=user,
            campaign=campaign,
            unit=d["unit"],
            kind=d["kind"],
            quantity=d["quantity"],
            recorded_at=d["recorded_at"],
            patrol=d["patrol"],
            inspection=d["inspection"],
            notes=d["notes"],
        )

    return _record_page(
        request,
        pk,
        SeizureForm,
        _("登记收缴"),
        build,
        kinds=campaign_services.active_seizure_kinds(),
        patrols=lambda user, c: Patrol.objects.visible_to(user, Cap.VIEW_CASE).filter(campaign=c),
        inspections=lambda user, c: Inspection.objects.visible_to(user, Cap.VIEW_CASE).filter(campaign=c),
    )


@require_cap(Cap.HANDLE_CASE)
def inspection_open_case(request: HttpRequest, pk: int, inspection_pk: int) -> HttpResponse:
    user = request.user
    campaign = _get_or_404(campaign_services.visible_campaigns(user), pk)
    inspection = _get_or_404(
        Inspection.objects.visible_to(user, Cap.HANDLE_CASE).filter(campaign=campaign).select_related("unit"),
        inspection_pk,
    )
    officers = (
        Person.objects.visible_to(user)
        .filter(unit__path__startswith=inspection.unit.path, kind=Person.Kind.POLICE, status=Person.Status.ACTIVE)
        .order_by("police_number")
    )
    initial = {"title": f"{inspection.target}案", "kind": "administrative"}
    form = OpenCaseForm(request.POST or None, initial=initial, officers=officers)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        ok, case = _run(
            form,
            lambda: campaign_services.inspection_open_case(
                actor=user,
                inspection=inspection,
                kind=d["kind"],
                category=d["category"],
                title=d["title"],
                lead_officer=d["lead_officer"],
                handling_officers=list(d["handling_officers"]),
            ),
        )
        if ok:
            messages.success(request, _("已立案(受案登记),案件编号 %(n)s") % {"n": case.number})
            return redirect("cases:campaign-detail", campaign.pk)
    return render(
        request,
        "cases/campaign_record_form.html",
        {
            "form": form,
            "title": _("检查发现立案"),
            "campaign": campaign,
            "inspection": inspection,
        },
        status=400 if request.method == "POST" else 200,
    )
