"""Every recurring job, declared in code and written with update_or_create.

django-q2's scheduler wakes about every 30 s and its finest schedule is one
minute; anything faster is a task that loops under a lease.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q
from django_q.models import Schedule

# Schedules named with these prefixes are the platform's own; others are left alone.
MANAGED_PREFIXES = ("hotdash.", "integrations.", "monitoring.", "approvals.")

# name -> (dotted task path, schedule type, minutes)
SCHEDULES: dict[str, tuple[str, str, int]] = {
    "hotdash.heartbeat": ("hotdash.tasks.heartbeat_task", Schedule.MINUTES, 1),
    "monitoring.probe_loop": ("monitoring.tasks.run_due_probes_task", Schedule.MINUTES, 1),
    "monitoring.rollups": ("monitoring.tasks.rollups_refresh_task", Schedule.MINUTES, 5),
    "monitoring.prune": ("monitoring.tasks.checks_prune_task", Schedule.HOURLY, 60),
    "monitoring.escalate": ("monitoring.tasks.incidents_escalate_task", Schedule.MINUTES, 1),
    "monitoring.transitions_sweep": (
        "monitoring.tasks.transitions_sweep_task",
        Schedule.MINUTES,
        1,
    ),
    "monitoring.notify_sweep": ("monitoring.tasks.notifications_sweep_task", Schedule.MINUTES, 1),
    "monitoring.maintenance": ("monitoring.tasks.maintenance_tick_task", Schedule.MINUTES, 1),
    "integrations.tiles_refresh": (
        "integrations.tasks.tiles_refresh_task",
        Schedule.MINUTES,
        1,
    ),
    "approvals.sweep": ("approvals.tasks.approvals_sweep_task", Schedule.MINUTES, 1),
    "integrations.webhooks_sweep": (
        "integrations.webhooks.tasks.webhooks_sweep_task",
        Schedule.MINUTES,
        1,
    ),
    "integrations.webhooks_prune": (
        "integrations.webhooks.tasks.webhooks_prune_task",
        Schedule.HOURLY,
        60,
    ),
    "approvals.audit_checkpoint": ("approvals.tasks.audit_checkpoint_task", Schedule.MINUTES, 5),
    # SLOs, anomalies and vendor signals (docs/slo.md).
    "monitoring.slo_evaluate": ("monitoring.tasks.slo_evaluate_task", Schedule.MINUTES, 1),
    "monitoring.flows": ("monitoring.tasks.flows_task", Schedule.MINUTES, 10),
    "monitoring.signals": ("monitoring.tasks.signals_task", Schedule.MINUTES, 5),
    "monitoring.reconcile": ("monitoring.tasks.reconcile_task", Schedule.HOURLY, 60),
    "monitoring.sla_report": ("monitoring.tasks.sla_report_task", Schedule.WEEKLY, 0),
}


@transaction.atomic
def schedules_ensure() -> list[str]:
    """Create or update the declared schedules; drop ours that are no longer declared.

    A schedule is matched by its name, so a task that moved module keeps its row and gets
    its new dotted path (and type and period) here: run it (`manage.py seed`) on every
    deploy, or the cluster keeps calling the old path. Returns the names written.
    """
    for name, (func, schedule_type, minutes) in SCHEDULES.items():
        Schedule.objects.update_or_create(
            name=name,
            defaults={
                "func": func,
                "schedule_type": schedule_type,
                "minutes": minutes,
                "repeats": -1,
            },
        )
    ours = Q()
    for prefix in MANAGED_PREFIXES:
        ours |= Q(name__startswith=prefix)
    Schedule.objects.filter(ours).exclude(name__in=SCHEDULES).delete()
    return list(SCHEDULES)
