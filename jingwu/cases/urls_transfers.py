"""行刑衔接 pages (mounted at /cases/transfers/, namespace "cases")."""

from django.urls import path

from . import views_transfers as views

urlpatterns = [
    path("", views.transfer_list, name="transfer-list"),
    path("new/", views.transfer_create, name="transfer-new"),
    path("out/", views.transfer_out, name="transfer-out"),
    path("<int:pk>/", views.transfer_detail, name="transfer-detail"),
    path("<int:pk>/<str:action>/", views.transfer_action, name="transfer-action"),
]
