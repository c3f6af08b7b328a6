"""HotDash URL map (see DESIGN.md's API map)."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from hotdash import views
from hotdash.apidocs import RedocView, not_found
from monitoring.api.report_views import PrometheusView

admin.site.site_header = "HotDash Operator Control Center"
admin.site.site_title = "HotDash"
admin.site.index_title = "Operator console"

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path("metrics", PrometheusView.as_view(), name="prometheus"),
    path("admin/", admin.site.urls),
    path("api/v1/", views.ApiRootView.as_view(), name="api-root"),
    path("api/v1/", include("approvals.api.urls")),
    path("api/v1/", include("monitoring.api.urls")),
    path("api/v1/", include("integrations.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # Split: the start-up script is a file of its own, so Swagger UI runs under the CSP.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    path("api/redoc/", RedocView.as_view(), name="api-redoc"),
]

handler404 = not_found

# Inbound webhooks (integrations.webhooks): Shopify, Chatwoot, gold replies.
urlpatterns += [path("", include("integrations.webhooks.urls"))]
