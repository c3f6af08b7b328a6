"""What the platform does about what the probes saw: open, confirm and resolve incidents,
page people, and escalate while nobody acknowledges.

Called by the engine after each batch is stored (outside its transaction), and by the
escalation job every minute.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django_q.tasks import async_task

from integrations.models import IntegrationState
from monitoring.alerting import incident_notify, policy_snapshot
from monitoring.incidents import OPEN_STATUSES, event_add, incident_open, incident_resolve
from monitoring.models import CheckResult, Incident, IncidentEvent, StateTransition

Status = IntegrationState.Status
RECOVERED = {Status.OK, Status.DEGRADED}
RECOVERY_TASK = "monitoring.tasks.recovery_run_task"


def transitions_react(transitions: list[StateTransition], checks: list[CheckResult]) -> None:
    """Open incidents for moves to down, resolve them on recovery, confirm ongoing ones."""
    moved = set()
    for transition in transitions:
        moved.add(transition.integration_id)
        if transition.to_status == Status.DOWN:
            outage_begin(transition)
        elif transition.from_status == Status.DOWN and transition.to_status in RECOVERED:
            outage_end(transition)
    _confirm(
        [c for c in checks if c.status == CheckResult.Status.FAIL and c.integration_id not in moved]
    )


def outage_begin(transition: StateTransition) -> Incident:
    with transaction.atomic():
        incident, what = incident_open(
            integration=transition.integration, reason=transition.cause, at=transition.at
        )
        if what in {"opened", "reopened"}:
            incident.escalation_policy = policy_snapshot(incident)
            incident.next_notification_at = transition.at + timedelta(
                minutes=incident.escalation_policy["escalate_after_minutes"]
            )
            incident.save(update_fields=["escalation_policy", "next_notification_at"])
            incident_notify(incident=incident, event=what)
            transaction.on_commit(lambda: async_task(RECOVERY_TASK, incident.pk))
    return incident


def outage_end(transition: StateTransition) -> None:
    open_ = Incident.objects.filter(
        integration_id=transition.integration_id,
        cause=Incident.Cause.DOWN,
        status__in=OPEN_STATUSES,
    ).first()
    if open_ is None:
        return
    with transaction.atomic():
        incident = incident_resolve(incident_id=open_.pk, at=transition.at)
        incident_notify(incident=incident, event="resolved")


def _confirm(failed: list[CheckResult]) -> None:
    """Failing probes of a down integration confirm its open incident; if a person resolved
    it while the integration is still down, the next failure opens (or re-opens) one."""
    if not failed:
        return
    by_integration = {c.integration_id: c for c in failed}
    ongoing = Incident.objects.filter(
        integration_id__in=by_integration, cause=Incident.Cause.DOWN, status__in=OPEN_STATUSES
    )
    still_down = IntegrationState.objects.filter(
        pk__in=set(by_integration) - set(ongoing.values_list("integration_id", flat=True)),
        status=Status.DOWN,
    ).select_related("integration")
    for state in still_down:
        check = by_integration[state.pk]
        outage_begin(
            StateTransition(
                integration=state.integration,
                at=check.checked_at,
                from_status=Status.DOWN,
                to_status=Status.DOWN,
                cause=f"still down after being resolved: {check.error_class} {check.message}".strip(),
            )
        )
    for incident in ongoing:
        check = by_integration[incident.integration_id]
        event_add(
            incident,
            IncidentEvent.Kind.CONFIRMED,
            f"probe failed again: {check.error_class} {check.message}".strip(),
            at=check.checked_at,
        )


def incidents_escalate(now=None) -> int:
    """Re-notify or escalate open, unacknowledged incidents whose time has come. Returns count.

    Driven by `next_notification_at` in the database, so a restart loses nothing.
    """
    now = now or timezone.now()
    due = Incident.objects.filter(
        status=Incident.Status.OPEN, next_notification_at__lte=now, integration__enabled=True
    )
    handled = 0
    for incident_id in due.values_list("pk", flat=True):
        with transaction.atomic():
            incident = (
                Incident.objects.select_for_update(of=("self",))
                .select_related("integration", "caused_by")
                .get(pk=incident_id)
            )
            if incident.status != Incident.Status.OPEN or not incident.next_notification_at:
                continue
            _escalate_one(incident, now)
            handled += 1
    return handled


def _escalate_one(incident: Incident, now) -> None:
    policy = incident.escalation_policy or policy_snapshot(incident)
    slot = incident.next_notification_at.isoformat()
    if incident.escalation_level == 0 and policy["levels"].get("1"):
        incident.escalation_level = 1
        incident_notify(incident=incident, event="escalated", level=1, slot=slot)
        event_add(incident, IncidentEvent.Kind.NOTE, "nobody acknowledged: escalated to level 1")
    else:
        incident_notify(incident=incident, event="renotify", slot=slot)
    incident.next_notification_at = now + timedelta(minutes=policy["renotify_minutes"])
    incident.save(update_fields=["next_notification_at", "escalation_level"])
