"""HotDash URL map (see DESIGN.md's API map)."""

from django.contrib import admin
from django.urls import include, path

from hotdash import views

admin.site.site_header = "HotDash Operator Control Center"
admin.site.site_title = "HotDash"
admin.site.index_title = "Operator console"

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("approvals.api.urls")),
    path("api/v1/", include("monitoring.api.urls")),
]
