"""Incident lifecycle: open (or confirm, or re-open), acknowledge, un-acknowledge, resolve.

Every transition takes the incident's row lock, so concurrent acknowledge and
auto-resolve are ordered: whichever comes second sees the first's result. Every
transition lands on the incident's timeline and on the audit trail.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from approvals.audit import audit_record
from hotdash.errors import Conflict
from integrations.dependencies import upstream_ids
from integrations.models import Integration, IntegrationState
from monitoring.models import Incident, IncidentEvent

OPEN_STATUSES = (Incident.Status.OPEN, Incident.Status.ACKNOWLEDGED)
SYSTEM = "system"


def severity_for(integration: Integration) -> int:
    """Business weight decides severity: orders and checkout page harder than social."""
    return int(integration.business_weight)


def upstream_down(integration: Integration) -> Integration | None:
    """The nearest integration this one depends on (transitively) that is down now."""
    ids = upstream_ids(integration.pk)
    if not ids:
        return None
    down = set(
        IntegrationState.objects.filter(
            integration_id__in=ids, status=IntegrationState.Status.DOWN
        ).values_list("integration_id", flat=True)
    )
    nearest = next((pk for pk in ids if pk in down), None)
    return Integration.objects.get(pk=nearest) if nearest else None


def event_add(incident: Incident, kind: str, message: str = "", *, user=None, at=None, **data):
    return IncidentEvent.objects.create(
        incident=incident,
        at=at or timezone.now(),
        kind=kind,
        actor=user,
        actor_name=user.get_username() if user else SYSTEM,
        message=message,
        data=data,
    )


def incident_open(
    *,
    integration: Integration,
    reason: str,
    cause: str = Incident.Cause.DOWN,
    at=None,
    started_at=None,
) -> tuple[Incident, str]:
    """Open an incident for (integration, cause), or confirm the open one, or — for an
    outage only — re-open one resolved inside the cool-down (flapping). Signal incidents
    never re-open: their hysteresis is the signal policy's (services/signal_incidents.py).
    Returns (incident, what) with what in {"opened", "reopened", "confirmed"}.

    `started_at` is when the trouble began (an outage's first failed check); it defaults
    to `at`, and downtime is measured from it.
    """
    at = at or timezone.now()
    with transaction.atomic():
        current = _locked_open(integration, cause)
        if current:
            event_add(current, IncidentEvent.Kind.CONFIRMED, reason, at=at)
            return current, "confirmed"
        recent = (
            _recently_resolved(integration, cause, at) if cause == Incident.Cause.DOWN else None
        )
        if recent:
            return _reopen(recent, reason, at, started_at or at), "reopened"
        try:
            with transaction.atomic():
                incident = _create(integration, cause, reason, at, started_at or at)
        except IntegrityError:  # another worker opened it a moment ago
            current = _locked_open(integration, cause)
            event_add(current, IncidentEvent.Kind.CONFIRMED, reason, at=at)
            return current, "confirmed"
    return incident, "opened"


def _locked_open(integration: Integration, cause: str) -> Incident | None:
    return (
        Incident.objects.select_for_update()
        .filter(integration=integration, cause=cause, status__in=OPEN_STATUSES)
        .first()
    )


def _recently_resolved(integration: Integration, cause: str, at: datetime) -> Incident | None:
    cooldown = timedelta(minutes=settings.INCIDENT_REOPEN_COOLDOWN_MINUTES)
    return (
        Incident.objects.select_for_update()
        .filter(
            integration=integration,
            cause=cause,
            status=Incident.Status.RESOLVED,
            resolved_at__gte=at - cooldown,
        )
        .order_by("-resolved_at")
        .first()
    )


def _create(
    integration: Integration, cause: str, reason: str, at: datetime, started_at: datetime
) -> Incident:
    upstream = upstream_down(integration)
    title = f"{integration.name} is {'down' if cause == Incident.Cause.DOWN else cause}"
    incident = Incident.objects.create(
        integration=integration,
        cause=cause,
        severity=severity_for(integration),
        title=title,
        summary=reason,
        caused_by=upstream,
        opened_at=at,
        started_at=min(started_at, at),
    )
    note = f"caused by {upstream.name} being down" if upstream else ""
    event_add(incident, IncidentEvent.Kind.OPENED, f"{reason} {note}".strip(), at=at)
    audit_record(actor=None, verb="incident.open", target=incident, changes={"reason": reason})
    return incident


def _reopen(incident: Incident, reason: str, at: datetime, started_at: datetime) -> Incident:
    """Flapping: the same incident again. Its downtime adds this streak to the earlier ones
    (kept on the timeline entry), so the up time in between is never counted."""
    before = incident.downtime_seconds or 0.0
    incident.status = Incident.Status.OPEN
    incident.started_at = min(started_at, at)
    incident.resolved_at = incident.resolved_by = incident.downtime_seconds = None
    incident.acknowledged_at = incident.acknowledged_by = None
    incident.escalation_level = 0
    incident.reopen_count += 1
    incident.save()
    event_add(
        incident,
        IncidentEvent.Kind.REOPENED,
        f"flapped back: {reason}",
        at=at,
        downtime_before=before,
    )
    audit_record(actor=None, verb="incident.reopen", target=incident, changes={"reason": reason})
    return incident


def downtime_seconds(incident: Incident) -> float:
    """From when the trouble began (an outage's first failed check) to its resolution (the
    first successful check, or when a person resolved it)."""
    began = incident.started_at or incident.opened_at
    earlier = incident.events.filter(kind=IncidentEvent.Kind.REOPENED).order_by("-at", "-pk")
    before = next(iter(earlier.values_list("data", flat=True)[:1]), {}).get("downtime_before", 0)
    return float(before) + max((incident.resolved_at - began).total_seconds(), 0.0)


def _locked(incident_id: int) -> Incident:
    return (
        Incident.objects.select_for_update(of=("self",))
        .select_related("integration")
        .get(pk=incident_id)
    )


def incident_acknowledge(*, incident_id: int, user, note: str = "") -> Incident:
    """Acknowledge: stops escalation, never monitoring. 409 on a resolved incident."""
    with transaction.atomic():
        incident = _locked(incident_id)
        if incident.status == Incident.Status.RESOLVED:
            raise Conflict("The incident is already resolved.", code="incident_resolved")
        if incident.status == Incident.Status.ACKNOWLEDGED:
            return incident
        incident.status = Incident.Status.ACKNOWLEDGED
        incident.acknowledged_at, incident.acknowledged_by = timezone.now(), user
        incident.next_notification_at = None
        incident.save()
        event_add(incident, IncidentEvent.Kind.ACKNOWLEDGED, note, user=user)
        audit_record(actor=user, verb="incident.acknowledge", target=incident, reason=note)
    return incident


def incident_unacknowledge(*, incident_id: int, user, note: str = "") -> Incident:
    """Hand an acknowledged incident back: escalation resumes from now."""
    with transaction.atomic():
        incident = _locked(incident_id)
        if incident.status != Incident.Status.ACKNOWLEDGED:
            raise Conflict("Only an acknowledged incident can be handed back.", code="not_acked")
        incident.status = Incident.Status.OPEN
        incident.acknowledged_at = incident.acknowledged_by = None
        incident.next_notification_at = timezone.now()
        incident.save()
        event_add(incident, IncidentEvent.Kind.UNACKNOWLEDGED, note, user=user)
        audit_record(actor=user, verb="incident.unacknowledge", target=incident, reason=note)
    return incident


def incident_resolve(*, incident_id: int, user=None, note: str = "", at=None) -> Incident:
    """Resolve with the downtime. By a person: 409 if already resolved; by the system: no-op.

    `at` is when recovery was observed (it sets the downtime); the timeline entry is
    stamped when the row lock is held, so it always sorts after what came before it.
    """
    with transaction.atomic():
        incident = _locked(incident_id)
        now = timezone.now()
        if incident.status == Incident.Status.RESOLVED:
            if user is not None:
                raise Conflict("The incident is already resolved.", code="incident_resolved")
            return incident
        incident.status = Incident.Status.RESOLVED
        incident.resolved_at, incident.resolved_by = at or now, user
        incident.downtime_seconds = downtime_seconds(incident)
        incident.next_notification_at = None
        incident.save()
        message = note or "recovered: probes succeed again"
        event_add(incident, IncidentEvent.Kind.RESOLVED, message, user=user, at=now)
        audit_record(
            actor=user,
            verb="incident.resolve",
            target=incident,
            changes={"downtime_seconds": incident.downtime_seconds},
            reason=note,
        )
    return incident
