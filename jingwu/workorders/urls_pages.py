"""Pages of 接诉即办 (list, intake, detail with its actions, my work); included from the app's urls.py."""

from django.urls import path

from .views import actions, hotline, pages

urlpatterns = [
    path("", pages.order_list, name="list"),
    path("export/", pages.order_export, name="export"),
    path("intake/", pages.order_intake, name="intake"),
    path("import/", hotline.hotline_import_page, name="hotline-import"),
    path("mine/", pages.my_work, name="my-work"),
    path("<int:pk>/", pages.order_detail, name="detail"),
    path("<int:pk>/repeats/", pages.order_repeats, name="repeats"),
    path("<int:pk>/reveal/", pages.order_reveal, name="reveal"),
    path("<int:pk>/act/<slug:action>/", actions.order_act, name="act"),
]
