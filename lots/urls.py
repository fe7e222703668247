from django.urls import path

from . import views

urlpatterns = [
    path("", views.lot_map, name="lot_map"),
    path("map/", views.lot_map),
    path("map/results/", views.lot_map_results, name="lot_map_results"),
]
