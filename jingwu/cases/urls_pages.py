"""Pages of 警情与案件, mounted at /cases/ (namespace "cases")."""

from django.urls import path

from .views import cases, incidents, reviews, statistics

urlpatterns = [
    # 警情
    path("incidents/", incidents.incident_list, name="incident-list"),
    path("incidents/new/", incidents.incident_create, name="incident-create"),
    path("incidents/import/", incidents.incident_import, name="incident-import"),
    path("incidents/<int:pk>/", incidents.incident_detail, name="incident-detail"),
    path("incidents/<int:pk>/dispatch/", incidents.incident_dispatch, name="incident-dispatch"),
    path("incidents/<int:pk>/dispose/", incidents.incident_dispose, name="incident-dispose"),
    path("incidents/<int:pk>/convert/", incidents.incident_convert, name="incident-convert"),
    # 案件
    path("", cases.case_list, name="case-list"),
    path("new/", cases.case_create, name="case-create"),
    path("export/", cases.case_export, name="case-export"),
    path("statistics/", statistics.case_statistics, name="case-statistics"),
    path("centre-missing/", cases.centre_missing, name="centre-missing"),
    path("<int:pk>/", cases.case_detail, name="case-detail"),
    path("<int:pk>/action/<slug:name>/", cases.case_action, name="case-action"),
    path("<int:pk>/parties/new/", cases.party_add, name="party-add"),
    path("parties/<int:pk>/reveal/<slug:field>/", cases.party_reveal, name="party-reveal"),
    path("<int:pk>/reviews/new/", reviews.review_submit, name="review-submit"),
    path("reviews/<int:pk>/<slug:name>/", reviews.review_action, name="review-action"),
    path("<int:pk>/measures/new/", reviews.measure_request, name="measure-request"),
    path("measures/<int:pk>/<slug:name>/", reviews.measure_action, name="measure-action"),
    path("<int:pk>/centre/new/", reviews.centre_entry, name="centre-entry"),
    path("centre/<int:pk>/exit/", reviews.centre_exit, name="centre-exit"),
]
