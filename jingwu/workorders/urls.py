from django.urls import include, path

app_name = "workorders"
urlpatterns = [
    path("", include("jingwu.workorders.urls_pages")),
    path("dashboard/", include("jingwu.workorders.urls_dashboard")),
]
