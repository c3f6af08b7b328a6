"""/api/v1/tiles/ and /api/v1/idea-pool/ (included under api/v1/ by hotdash.urls)."""

from rest_framework.routers import SimpleRouter

from integrations.api import views

app_name = "integrations-api"

router = SimpleRouter()
router.register("tiles", views.TileViewSet, basename="tile")
router.register("idea-pool", views.IdeaPoolViewSet, basename="idea")

urlpatterns = router.urls
