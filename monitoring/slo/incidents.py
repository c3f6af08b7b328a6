"""Signal incidents (burn rate, anomaly, business flow) through the ordinary incident and
alert machinery: opened while the signal holds, resolved when it stops.

`signal_sync` is called on every evaluation, so it is quiet when nothing changes: no
timeline entry per minute, only on open, re-open, upgrade (ticket → page) and resolve.
A *ticket* notifies once and never re-notifies or escalates; a *page* follows the
escalation policy like an outage. While the integration has an open outage incident,
a signal incident is recorded but nobody is paged for it a second time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import transaction

from integrations.models import Integration
from monitoring.alerting import incident_notify, policy_snapshot
from monitoring.incidents import (
    OPEN_STATUSES,
    event_add,
    incident_open,
    incident_resolve,
    severity_for,
)
from monitoring.models import Incident, IncidentEvent
from monitoring.slo.maths import PAGE, TICKET

TICKET_SEVERITY = Incident.Severity.SEV4


@dataclass(frozen=True)
class Signal:
    """What an evaluation saw for one (integration, cause): `level` None means all clear."""

    integration: Integration
    cause: str
    level: str | None  # PAGE | TICKET | None
    title: str = ""
    summary: str = ""
    data: dict = field(default_factory=dict)


def signal_severity(integration: Integration, level: str) -> int:
    """A page keeps the integration's business weight; a ticket is SEV4."""
    return severity_for(integration) if level == PAGE else int(TICKET_SEVERITY)


def open_signal_incident(integration_id: int, cause: str) -> Incident | None:
    return (
        Incident.objects.filter(
            integration_id=integration_id, cause=cause, status__in=OPEN_STATUSES
        )
        .order_by("-opened_at")
        .first()
    )


def open_signal_incidents(cause: str) -> dict[int, Incident]:
    """{integration id: open incident} of one cause, in one query (for a whole evaluation)."""
    found = Incident.objects.filter(cause=cause, status__in=OPEN_STATUSES).order_by("opened_at")
    return {incident.integration_id: incident for incident in found}


_LOOK = object()


def signal_sync(signal: Signal, *, now: datetime, current=_LOOK) -> str:
    """Open, upgrade or resolve the signal's incident. Returns what happened:
    "opened" | "reopened" | "upgraded" | "resolved" | "unchanged".

    `current` is the open incident of (integration, cause) if the caller already read it
    (None: there is none); by default it is looked up.
    """
    if current is _LOOK:
        current = open_signal_incident(signal.integration.pk, signal.cause)
    if signal.level is None:
        return _resolve(current, signal, now) if current else "unchanged"
    if current is None:
        return _open(signal, now)
    if signal.level == PAGE and current.escalation_policy.get("alert") == TICKET:
        return _upgrade(current, signal, now)
    return "unchanged"


def _open(signal: Signal, now: datetime) -> str:
    with transaction.atomic():
        incident, what = incident_open(
            integration=signal.integration, reason=signal.summary, cause=signal.cause, at=now
        )
        if what == "confirmed":  # another evaluation opened it a moment ago
            return "unchanged"
        _set_level(incident, signal, now)
        _notify(incident, what)
    return what


def _upgrade(incident: Incident, signal: Signal, now: datetime) -> str:
    with transaction.atomic():
        _set_level(incident, signal, now)
        event_add(incident, IncidentEvent.Kind.NOTE, f"now a page: {signal.summary}", at=now)
        _notify(incident, "paged")
    return "upgraded"


def _set_level(incident: Incident, signal: Signal, now: datetime) -> None:
    incident.title = signal.title[:300] or incident.title
    incident.summary = signal.summary
    incident.severity = signal_severity(signal.integration, signal.level)
    policy = policy_snapshot(incident)
    policy |= {"alert": signal.level, "signal": signal.data}
    incident.escalation_policy = policy
    incident.next_notification_at = (
        now + timedelta(minutes=policy["escalate_after_minutes"]) if signal.level == PAGE else None
    )
    incident.save(
        update_fields=["title", "summary", "severity", "escalation_policy", "next_notification_at"]
    )


def _notify(incident: Incident, event: str) -> None:
    outage = open_signal_incident(incident.integration_id, Incident.Cause.DOWN)
    if outage is not None and incident.cause != Incident.Cause.DOWN:
        event_add(
            incident,
            IncidentEvent.Kind.NOTE,
            f"{event}: not paged (the outage has its own incident #{outage.pk})",
        )
        return
    incident_notify(incident=incident, event=event)


def _resolve(incident: Incident, signal: Signal, now: datetime) -> str:
    note = signal.summary or "back under every threshold"
    with transaction.atomic():
        resolved = incident_resolve(incident_id=incident.pk, note=note, at=now)
        incident_notify(incident=resolved, event="resolved")
    return "resolved"
