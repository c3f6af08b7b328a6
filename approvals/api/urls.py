"""/api/v1/approvals/, /api/v1/flags/, /api/v1/audit/ (included under api/v1/ by hotdash.urls)."""

from rest_framework.routers import SimpleRouter

from approvals.api import views

app_name = "approvals-api"

# SimpleRouter: no root view, so /api/v1/ stays free for the project's API root.
router = SimpleRouter()
router.register("approvals", views.ApprovalRequestViewSet, basename="approvalrequest")
router.register("flags", views.FeatureFlagViewSet, basename="featureflag")
router.register("audit", views.AuditEventViewSet, basename="auditevent")

urlpatterns = router.urls
