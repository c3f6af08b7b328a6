"""The platform's own liveness and readiness endpoints (no authentication)."""

from django.db import connection
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.http import require_GET
from django_q.models import Success

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
