"""接诉即办驾驶舱 and the monthly 通报 (mounted at /workorders/dashboard/, namespace "workorders")."""

from django.urls import path

from . import views_dashboard

urlpatterns = [
    path("", views_dashboard.dashboard, name="dashboard"),
    path("report.docx", views_dashboard.report_docx, name="dashboard-report"),
    path("rows/", views_dashboard.category_rows, name="dashboard-rows"),
]
