"""Monitoring's part of /api/v1/ (included by hotdash.urls)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from monitoring.api import views

app_name = "monitoring-api"

router = SimpleRouter()
router.register("integrations", views.IntegrationViewSet, basename="integration")
router.register("incidents", views.IncidentViewSet, basename="incident")
router.register("checks", views.CheckResultViewSet, basename="checkresult")

urlpatterns = [
    path("health/summary/", views.HealthSummaryView.as_view(), name="health-summary"),
    path("metrics/", views.MetricsView.as_view(), name="metrics"),
    path("rate-limits/", views.RateLimitsView.as_view(), name="rate-limits"),
    path("errors/", views.ErrorsView.as_view(), name="errors"),
    path("dependencies/", views.DependenciesView.as_view(), name="dependencies"),
    *router.urls,
]
