"""Cases API, mounted at /api/v1/cases/."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter(use_regex_path=False)  # path converters: ids are <int:pk>
router.register("incidents", views.IncidentViewSet, basename="api-incident")
router.register("cases", views.CaseViewSet, basename="api-case")

urlpatterns = [
    path("figures/", views.CaseFiguresView.as_view(), name="api-case-figures"),
    *router.urls,
]
