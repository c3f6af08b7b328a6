"""Signal incidents (burn rate, anomaly, business flow, findings) through the one incident
policy (docs/alerting.md): opened while the signal holds, resolved when it stops.

`signal_sync` is called on every evaluation, so it is quiet when nothing changes: no
timeline entry per minute, only on open, upgrade (ticket → page), update, join and resolve.
A *ticket* notifies once and never re-notifies or escalates; a *page* follows the
escalation policy like an outage. For the signals an outage explains (burn rate,
anomaly, business flow):
- while the integration has an open outage incident, the signal joins that incident's
  timeline (once per cause) instead of opening its own;
- while the integration or one it depends on is failing (a failed last probe, or down),
  the signal is held: the outage path decides first, so the same cause never pages twice;
- a burn-rate incident opens only on failures that no outage incident already covers,
  and once resolved stays resolved until a new failure comes (hysteresis).
Every cause keeps dependency suppression (`Incident.caused_by`) and "resolved goes only
where a page went" (monitoring.services.alerting).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Max, Q

from integrations.dependencies import upstream_ids
from integrations.models import Integration, IntegrationState
from monitoring.models import CheckResult, Incident, IncidentEvent
from monitoring.services.alerting import (
    incident_notify,
    incident_resolve_announced,
    policy_snapshot,
)
from monitoring.services.incidents import (
    OPEN_STATUSES,
    event_add,
    incident_open,
    severity_for,
)
from monitoring.slo.maths import PAGE, TICKET

TICKET_SEVERITY = Incident.Severity.SEV4
OUTAGE_EXPLAINS = (
    Incident.Cause.BURN_RATE,
    Incident.Cause.ANOMALY,
    Incident.Cause.BUSINESS_FLOW,
)


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
    """Open, upgrade, update or resolve the signal's incident. Returns what happened:
    "opened" | "upgraded" | "updated" | "resolved" | "joined" | "held" | "explained" |
    "settled" | "unchanged".

    `current` is the open incident of (integration, cause) if the caller already read it
    (None: there is none); by default it is looked up.
    """
    if current is _LOOK:
        current = open_signal_incident(signal.integration.pk, signal.cause)
    if signal.level is None:
        return _resolve(current, signal, now) if current else "unchanged"
    if current is None:
        blocked = _blocked(signal, now)
        return blocked or _open(signal, now)
    if signal.level == PAGE and current.escalation_policy.get("alert") == TICKET:
        return _upgrade(current, signal, now)
    if _new_members(current, signal):
        return _update(current, signal, now)
    return "unchanged"


def _blocked(signal: Signal, now: datetime) -> str:
    """Why the policy keeps this signal from opening an incident now ('' if it may)."""
    if signal.cause not in OUTAGE_EXPLAINS:
        return ""
    outage = open_signal_incident(signal.integration.pk, Incident.Cause.DOWN)
    if outage is not None:
        _join(outage, signal, now)
        return "joined"
    ids = [signal.integration.pk, *upstream_ids(signal.integration.pk)]
    failing = IntegrationState.objects.filter(integration_id__in=ids).filter(
        Q(status=IntegrationState.Status.DOWN) | Q(consecutive_failures__gt=0)
    )
    if failing.exists():
        return "held"
    if signal.cause == Incident.Cause.BURN_RATE and not _unexplained_failures(ids, signal):
        return "explained"
    if _settled(signal, now):
        return "settled"
    return ""


def _join(outage: Incident, signal: Signal, now: datetime) -> None:
    """Note the signal on the outage's timeline, once per cause per outage."""
    if outage.events.filter(data__joined=signal.cause).exists():
        return
    event_add(
        outage,
        IncidentEvent.Kind.NOTE,
        f"also: {signal.title or signal.cause} — {signal.summary}".strip(" —"),
        at=now,
        joined=signal.cause,
    )


def _unexplained_failures(ids: list[int], signal: Signal) -> bool:
    """Whether the integration failed after every outage (its own or an upstream's) that
    explains earlier failures, and after its last burn incident was resolved."""
    last_failure = CheckResult.objects.filter(
        integration_id=signal.integration.pk, status=CheckResult.Status.FAIL
    ).aggregate(at=Max("checked_at"))["at"]
    if last_failure is None:
        return False
    covered = Incident.objects.filter(
        integration_id__in=ids,
        cause=Incident.Cause.DOWN,
    ).aggregate(at=Max("resolved_at"))["at"]
    last_signal = Incident.objects.filter(
        integration_id=signal.integration.pk, cause=signal.cause
    ).aggregate(at=Max("resolved_at"))["at"]
    horizon = max((t for t in (covered, last_signal) if t is not None), default=None)
    return horizon is None or last_failure > horizon


def _settled(signal: Signal, now: datetime) -> bool:
    """Hysteresis for the other signals: one resolved within the cool-down stays resolved."""
    cooldown = timedelta(minutes=settings.INCIDENT_REOPEN_COOLDOWN_MINUTES)
    return Incident.objects.filter(
        integration_id=signal.integration.pk,
        cause=signal.cause,
        status=Incident.Status.RESOLVED,
        resolved_at__gte=now - cooldown,
    ).exists()


def _open(signal: Signal, now: datetime) -> str:
    with transaction.atomic():
        incident, what = incident_open(
            integration=signal.integration, reason=signal.summary, cause=signal.cause, at=now
        )
        if what == "confirmed":  # another evaluation opened it a moment ago
            return "unchanged"
        _set_level(incident, signal, now)
        incident_notify(incident=incident, event=what)
    return what


def _upgrade(incident: Incident, signal: Signal, now: datetime) -> str:
    with transaction.atomic():
        _set_level(incident, signal, now)
        event_add(incident, IncidentEvent.Kind.NOTE, f"now a page: {signal.summary}", at=now)
        incident_notify(incident=incident, event="paged")
    return "upgraded"


def _members(signal: Signal) -> list[str]:
    return [str(m) for m in signal.data.get("members", [])]


def _new_members(incident: Incident, signal: Signal) -> list[str]:
    known = set(incident.escalation_policy.get("members", []))
    return [m for m in _members(signal) if m not in known]


def _update(incident: Incident, signal: Signal, now: datetime) -> str:
    """Something new joined an open signal incident (a new finding): tell whoever was told."""
    added = _new_members(incident, signal)
    with transaction.atomic():
        incident.title = signal.title[:300] or incident.title
        incident.summary = signal.summary
        incident.escalation_policy = {**incident.escalation_policy, "members": _members(signal)}
        incident.save(update_fields=["title", "summary", "escalation_policy"])
        event_add(incident, IncidentEvent.Kind.NOTE, f"updated: {', '.join(added)}", at=now)
        incident_notify(incident=incident, event="updated", slot=",".join(sorted(added))[:80])
    return "updated"


def _set_level(incident: Incident, signal: Signal, now: datetime) -> None:
    incident.title = signal.title[:300] or incident.title
    incident.summary = signal.summary
    incident.severity = signal_severity(signal.integration, signal.level)
    policy = policy_snapshot(incident)
    policy |= {"alert": signal.level, "signal": signal.data, "members": _members(signal)}
    incident.escalation_policy = policy
    incident.next_notification_at = (
        now + timedelta(minutes=policy["escalate_after_minutes"]) if signal.level == PAGE else None
    )
    incident.save(
        update_fields=["title", "summary", "severity", "escalation_policy", "next_notification_at"]
    )


def _resolve(incident: Incident, signal: Signal, now: datetime) -> str:
    note = signal.summary or "back under every threshold"
    incident_resolve_announced(incident_id=incident.pk, note=note, at=now)
    return "resolved"
