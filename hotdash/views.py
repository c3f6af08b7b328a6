"""The platform's own liveness and readiness endpoints (no authentication)."""

from django.db import connection
from django.http import JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET
from django_q.models import Success
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from approvals.permissions import ReadOrOperate
from hotdash.identity import identity_ensure

HEARTBEAT_STALE_SECONDS = 180  # three missed one-minute heartbeats


@require_GET
def healthz(request):
    """Liveness: the process answers. Touches nothing else."""
    return JsonResponse({"status": "ok"})


@require_GET
def readyz(request):
    """Readiness: the database answers a query (503 with the reason otherwise).

    Also reports when the job cluster last ran its heartbeat; a silent cluster
    is reported but does not make the web node unready (it can still serve).
    """
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as exc:  # any database failure means not ready
        return JsonResponse({"status": "unavailable", "database": type(exc).__name__}, status=503)
    identity_ensure()  # for the job clusters to compare with (hotdash/identity.py)
    return JsonResponse({"status": "ok", "database": "ok", "jobs": _jobs_status()})


def _jobs_status() -> dict:
    last = (
        Success.objects.filter(func="hotdash.tasks.heartbeat_task")
        .order_by("-stopped")
        .values_list("stopped", flat=True)
        .first()
    )
    if last is None:
        return {"status": "never", "last_heartbeat": None}
    age = (timezone.now() - last).total_seconds()
    return {"status": "ok" if age < HEARTBEAT_STALE_SECONDS else "stale", "last_heartbeat": last}


API_LINKS = {
    "health_summary": "monitoring-api:health-summary",
    "integrations": "monitoring-api:integration-list",
    "incidents": "monitoring-api:incident-list",
    "checks": "monitoring-api:checkresult-list",
    "metrics": "monitoring-api:metrics",
    "rate_limits": "monitoring-api:rate-limits",
    "errors": "monitoring-api:errors",
    "dependencies": "monitoring-api:dependencies",
    "slo": "monitoring-api:slo",
    "findings": "monitoring-api:finding-list",
    "approvals": "approvals-api:approvalrequest-list",
    "flags": "approvals-api:featureflag-list",
    "audit": "approvals-api:auditevent-list",
    "tiles": "integrations-api:tile-list",
    "idea_pool": "integrations-api:idea-pool",
    "schema": "schema",
    "docs": "api-docs",
}


class ApiRootView(APIView):
    """GET /api/v1/: where everything is (any authenticated role)."""

    permission_classes = [ReadOrOperate]

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request):
        return Response(
            {name: request.build_absolute_uri(reverse(route)) for name, route in API_LINKS.items()}
        )
