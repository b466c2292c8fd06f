"""执法公开: /disclosure/ is public (no login); /disclosure/codes/… are the handler's pages."""

from django.urls import path

from . import views

app_name = "disclosure"
urlpatterns = [
    path("", views.query, name="query"),
    path("codes/case/<int:case_pk>/", views.codes, name="codes"),
    path("codes/<int:pk>/revoke/", views.revoke, name="code-revoke"),
]
