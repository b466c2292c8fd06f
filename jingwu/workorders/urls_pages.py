"""Pages of 接诉即办 (list, intake, detail with its actions, my work); included from the app's urls.py."""

from django.urls import path

from .views import actions, config, hotline, pages

urlpatterns = [
    path("", pages.order_list, name="list"),
    path("export/", pages.order_export, name="export"),
    path("intake/", pages.order_intake, name="intake"),
    path("import/", hotline.hotline_import_page, name="hotline-import"),
    path("import/<slug:platform>/", hotline.hotline_import_page, name="hotline-import-platform"),
    path("mine/", pages.my_work, name="my-work"),
    path("config/rules/", config.rule_list, name="rule-list"),
    path("config/rules/new/", config.rule_create, name="rule-create"),
    path("config/rules/<int:pk>/", config.rule_edit, name="rule-edit"),
    path("config/rules/<int:pk>/toggle/", config.rule_toggle, name="rule-toggle"),
    path("config/categories/", config.category_list, name="category-list"),
    path("config/categories/new/", config.category_create, name="category-create"),
    path("config/categories/<int:pk>/", config.category_edit, name="category-edit"),
    path("<int:pk>/", pages.order_detail, name="detail"),
    path("<int:pk>/repeats/", pages.order_repeats, name="repeats"),
    path("<int:pk>/reveal/", pages.order_reveal, name="reveal"),
    path("<int:pk>/act/<slug:action>/", actions.order_act, name="act"),
]
