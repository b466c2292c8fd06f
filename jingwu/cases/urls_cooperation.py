"""Routes of regional cooperation (线索协作) and special campaigns (专项行动), under /cases/cooperation/."""

from django.urls import path

from . import views_cooperation as views

urlpatterns = [
    path("clues/", views.clue_list, name="clue-list"),
    path("clues/new/", views.clue_create, name="clue-create"),
    path("clues/<int:pk>/", views.clue_detail, name="clue-detail"),
    path("clues/<int:pk>/edit/", views.clue_edit, name="clue-edit"),
    path("clues/<int:pk>/comment/", views.clue_comment, name="clue-comment"),
    path("clues/<int:pk>/link/", views.clue_link, name="clue-link"),
    path("campaigns/", views.campaign_list, name="campaign-list"),
    path("campaigns/new/", views.campaign_create, name="campaign-create"),
    path("campaigns/<int:pk>/", views.campaign_detail, name="campaign-detail"),
    path("campaigns/<int:pk>/edit/", views.campaign_edit, name="campaign-edit"),
    path("campaigns/<int:pk>/patrols/new/", views.patrol_add, name="campaign-patrol-add"),
    path("campaigns/<int:pk>/inspections/new/", views.inspection_add, name="campaign-inspection-add"),
    path(
        "campaigns/<int:pk>/inspections/<int:inspection_pk>/case/",
        views.inspection_open_case,
        name="campaign-inspection-case",
    ),
    path("campaigns/<int:pk>/seizures/new/", views.seizure_add, name="campaign-seizure-add"),
    path("campaigns/<int:pk>/figures/<str:name>/", views.campaign_figure, name="campaign-figure"),
]
