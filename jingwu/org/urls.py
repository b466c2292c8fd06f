from django.urls import path

from . import views, views_ledger

app_name = "org"
urlpatterns = [
    path("units/", views.unit_list, name="unit-list"),
    path("units/<int:pk>/", views.unit_detail, name="unit-detail"),
    path("units/<int:pk>/add/", views.unit_create, name="unit-create"),
    path("units/<int:pk>/edit/", views.unit_edit, name="unit-edit"),
    path("units/<int:pk>/move/", views.unit_move, name="unit-move"),
    path("units/<int:pk>/retire/", views.unit_retire, name="unit-retire"),
    path("people/", views.person_list, name="person-list"),
    path("people/new/", views.person_create, name="person-create"),
    path("people/import/", views_ledger.person_import, name="person-import"),
    path("people/export/", views_ledger.person_export, name="person-export"),
    path("people/<int:pk>/", views.person_detail, name="person-detail"),
    path("people/<int:pk>/edit/", views.person_edit, name="person-edit"),
    path("people/<int:pk>/reveal/<str:field>/", views.person_reveal, name="person-reveal"),
]
