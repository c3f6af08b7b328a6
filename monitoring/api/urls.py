"""Monitoring's part of /api/v1/ (included by hotdash.urls)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from monitoring.api import report_views, slo_views, views

app_name = "monitoring-api"

router = SimpleRouter()
router.register("integrations", views.IntegrationViewSet, basename="integration")
router.register("incidents", views.IncidentViewSet, basename="incident")
router.register("checks", views.CheckResultViewSet, basename="checkresult")
router.register("findings", slo_views.FindingViewSet, basename="finding")

urlpatterns = [
    path("health/summary/", views.HealthSummaryView.as_view(), name="health-summary"),
    path("metrics/", report_views.MetricsView.as_view(), name="metrics"),
    path("rate-limits/", report_views.RateLimitsView.as_view(), name="rate-limits"),
    path("errors/", report_views.ErrorsView.as_view(), name="errors"),
    path("dependencies/", report_views.DependenciesView.as_view(), name="dependencies"),
    path("slo/", slo_views.SloListView.as_view(), name="slo"),
    path("slo/report/", slo_views.SlaReportView.as_view(), name="slo-report"),
    path("slo/<slug:slug>/", slo_views.SloDetailView.as_view(), name="slo-detail"),
    *router.urls,
]
