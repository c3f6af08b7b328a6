"""/api/v1/tiles/ and /api/v1/idea-pool/ (included under api/v1/ by hotdash.urls)."""

from django.urls import path

from integrations.api import views

app_name = "integrations-api"

urlpatterns = [
    path("tiles/", views.TileListView.as_view(), name="tile-list"),
    path("tiles/<slug:key>/", views.TileDetailView.as_view(), name="tile-detail"),
    path("idea-pool/", views.IdeaPoolView.as_view(), name="idea-pool"),
]
