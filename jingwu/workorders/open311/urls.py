"""Open311 GeoReport v2 at /open311/v2/: each resource as .json or .xml (the format is the suffix)."""

from __future__ import annotations

from django.urls import path, re_path, register_converter

from . import views


class FormatConverter:
    regex = "json|xml"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(FormatConverter, "open311fmt")

app_name = "open311"

urlpatterns = [
    path("openapi.json", views.openapi_document, {"fmt": "json"}, name="openapi"),  # its refusals in JSON too
    path("discovery.<open311fmt:fmt>", views.discovery, name="discovery"),
    path("services.<open311fmt:fmt>", views.service_list, name="services"),
    path("services/<str:service_code>.<open311fmt:fmt>", views.service_definition, name="service"),
    path("requests.<open311fmt:fmt>", views.requests, name="requests"),
    path("requests/<str:service_request_id>.<open311fmt:fmt>", views.request_detail, name="request"),
    # any other path, a newline in it too (``.`` alone would leave it to Django's HTML 404)
    re_path(r"^(?P<rest>[\s\S]*)$", views.not_found, name="not-found"),
]
