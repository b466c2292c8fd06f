from django.urls import include, path

app_name = "cases"
urlpatterns = [
    path("", include("jingwu.cases.urls_pages")),
    path("transfers/", include("jingwu.cases.urls_transfers")),
    path("cooperation/", include("jingwu.cases.urls_cooperation")),
]
