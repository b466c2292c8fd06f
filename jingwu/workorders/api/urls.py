"""接诉即办 API (mounted at /api/v1/workorders/)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter(use_regex_path=False)  # path converters: ids are <int:pk>
router.register("orders", views.WorkOrderViewSet, basename="api-workorder")

urlpatterns = [
    path("categories/", views.CategoryListView.as_view(), name="api-workorder-categories"),
    path("figures/", views.FiguresView.as_view(), name="api-workorder-figures"),
    *router.urls,
]
