"""Alerts: route an incident event to channels, store each alert as a row, send it in a job.

1. `incident_notify` picks the channels (severity, integration, escalation level),
   writes one Notification per channel with a unique dedupe key — so one event
   is never sent twice — and enqueues a send job for each after commit.
2. `notification_send` claims the row with a conditional update, sends it once,
   and records the vendor's answer; transient failures wait with backoff
   (honouring Retry-After), permanent ones fail at once. Either way the
   incident's timeline says what happened.
3. `notifications_sweep` re-enqueues rows whose job was lost or whose retry is due.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django_q.tasks import async_task

from integrations.http import GatewayError
from integrations.http.scrub import Scrubber
from integrations.models import Integration
from monitoring import channels as senders
from monitoring.models import Channel, Incident, IncidentEvent, Notification
from monitoring.services.incidents import event_add, incident_resolve
from monitoring.services.maintenance import in_maintenance

log = logging.getLogger(__name__)
SEND_TASK = "monitoring.tasks.notification_send_task"
BACKOFF_SECONDS = [30, 60, 120, 300, 600, 1800]


def channels_for(incident: Incident, level: int = 0):
    return (
        Channel.objects.filter(
            enabled=True, escalation_level=level, max_severity__gte=incident.severity
        )
        .filter(Q(integrations__isnull=True) | Q(integrations=incident.integration))
        .distinct()
    )


def policy_snapshot(incident: Incident) -> dict:
    """The routing and escalation policy as it stands when the incident opens."""
    return {
        "renotify_minutes": settings.INCIDENT_RENOTIFY_MINUTES,
        "escalate_after_minutes": settings.INCIDENT_ESCALATE_MINUTES,
        "levels": {
            str(level): list(channels_for(incident, level).values_list("pk", flat=True))
            for level in (0, 1)
        },
    }


# Events that tell people something new; "resolved" (and a ticket's follow-ups) go only
# to the channels that received one of these for the incident's current round.
OPENING_EVENTS = {"opened", "reopened", "paged", "escalated", "maintenance_ended", "updated"}
ONLY_WHERE_OPENED = {"resolved", "updated"}


def suppression_reason(incident: Incident, event: str) -> str:
    """Why this event must not page anyone ('' if it should). One policy for every cause:
    an incident explained by an upstream outage, or inside a maintenance window, is
    recorded but not paged; a resolution is never suppressed (it only goes where a page went)."""
    if event in ONLY_WHERE_OPENED:
        return ""
    if incident.caused_by_id:
        return f"caused by {incident.caused_by.name}, which has its own incident"
    if event != "maintenance_ended" and in_maintenance(incident.integration):
        return "the integration is in a maintenance window"
    return ""


def incident_notify(*, incident: Incident, event: str, level: int = 0, slot: str = "") -> int:
    """Queue one notification per routed channel for `event`. Returns how many were queued.

    `slot` tells repeats of the same event apart (a re-notification's time slot);
    the same (incident, event, round, slot, channel) is never queued twice. A
    "resolved" goes only to the channels an opening page of this round went to.
    """
    reason = suppression_reason(incident, event)
    if event in ONLY_WHERE_OPENED:
        channel_ids = paged_channels(incident)
    else:
        channel_ids = _routed(incident, level)
    queued = 0
    for channel_id in channel_ids:
        key = f"{incident.pk}:{event}:{incident.reopen_count}:{slot}:{channel_id}"
        payload = senders.payload(incident, event)
        queued += notification_queue(
            key=key,
            channel_id=channel_id,
            event=event,
            payload=payload,
            incident=incident,
            suppressed=reason,
        )
    if reason and channel_ids:
        event_add(incident, IncidentEvent.Kind.NOTE, f"{event}: not paged ({reason})")
    return queued


def notification_queue(
    *, key: str, channel_id: int, event: str, payload: dict, incident=None, suppressed: str = ""
) -> bool:
    """Write the notification row for `key` once (the row before anything is sent) and
    enqueue its send after commit; a `suppressed` reason stores it unsent. Returns whether
    a send was queued now (False for a key already written)."""
    note, created = Notification.objects.get_or_create(
        dedupe_key=key,
        defaults={
            "incident": incident,
            "channel_id": channel_id,
            "event": event,
            "payload": {**payload, "key": key},
            "status": Notification.Status.SUPPRESSED if suppressed else Notification.Status.QUEUED,
            "last_error": suppressed,
        },
    )
    if created and not suppressed:
        transaction.on_commit(lambda pk=note.pk: async_task(SEND_TASK, pk))
    return created and not suppressed


def incident_resolve_announced(*, incident_id: int, note: str = "", at=None) -> Incident:
    """Resolve (as the system) and send "resolved" to the channels its opening page went
    to, in one transaction. The one way the platform closes an incident by itself."""
    with transaction.atomic():
        incident = incident_resolve(incident_id=incident_id, note=note, at=at)
        incident_notify(incident=incident, event="resolved")
    return incident


def was_paged(incident: Incident) -> bool:
    """Whether an opening page of the incident's current round went (or is going) anywhere."""
    return bool(paged_channels(incident))


def paged_channels(incident: Incident) -> list[int]:
    """Channels that received (or are about to receive) an opening page this round."""
    rows = Notification.objects.filter(
        incident=incident,
        event__in=OPENING_EVENTS,
        status__in=[
            Notification.Status.QUEUED,
            Notification.Status.SENDING,
            Notification.Status.SENT,
        ],
    ).values_list("dedupe_key", "channel_id")
    current = str(incident.reopen_count)
    return sorted({channel for key, channel in rows if key.split(":")[2] == current})


def _routed(incident: Incident, level: int) -> list[int]:
    levels = (incident.escalation_policy or {}).get("levels")
    if levels is not None and str(level) in levels:
        live = Channel.objects.filter(pk__in=levels[str(level)], enabled=True)
        return list(live.values_list("pk", flat=True))
    return list(channels_for(incident, level).values_list("pk", flat=True))


def _claim(notification_id: int) -> bool:
    """Take the row for one attempt (counted now, so a worker that dies mid-send still
    uses up an attempt and a crashing send cannot loop forever)."""
    now = timezone.now()
    return bool(
        Notification.objects.filter(pk=notification_id, status=Notification.Status.QUEUED)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .update(
            status=Notification.Status.SENDING,
            claimed_until=now + timedelta(minutes=2),
            attempts=F("attempts") + 1,
        )
    )


def notification_send(notification_id: int) -> str:
    """Send one queued notification if it is ours to send. Returns its status afterwards.

    Never leaves the row in `sending`: every outcome, an unexpected exception included,
    ends `sent`, `queued` (a retry at a set time) or `failed`, with the error on the
    incident's timeline.
    """
    if not _claim(notification_id):
        return "not-claimed"
    note = Notification.objects.select_related("channel", "incident__integration").get(
        pk=notification_id
    )
    try:
        note.response = senders.send(note.channel, note.payload)[:500]
    except (GatewayError, senders.SendFailed) as exc:
        _failed(note, exc)
    except Exception as exc:  # a bug or a broken configuration: fail alone, and say so
        log.exception("notification %s to %s crashed", note.pk, note.channel)
        _failed(note, senders.SendFailed(f"{type(exc).__name__}: {exc}", retryable=False))
    else:
        note.status, note.sent_at, note.last_error = Notification.Status.SENT, timezone.now(), ""
        _timeline(note, IncidentEvent.Kind.NOTIFIED, f"{note.event} → {note.channel}")
    note.claimed_until = None
    note.save()
    return note.status


def _timeline(note: Notification, kind: str, message: str) -> None:
    if note.incident_id:  # the weekly report has no incident
        event_add(note.incident, kind, message)


def _failed(note: Notification, exc: Exception) -> None:
    detail = Scrubber()(getattr(exc, "detail", str(exc)))[:500]
    # An open circuit is the vendor being unwell, not this alert being wrong: wait it out.
    retryable = (
        getattr(exc, "retryable", False) or getattr(exc, "error_class", "") == "circuit_open"
    )
    note.last_error = detail
    gave_up = not retryable or note.attempts >= settings.NOTIFICATION_MAX_ATTEMPTS
    if gave_up:
        note.status = Notification.Status.FAILED
    else:
        wait = BACKOFF_SECONDS[min(note.attempts - 1, len(BACKOFF_SECONDS) - 1)]
        wait = max(wait, getattr(exc, "retry_after", None) or 0)
        note.status, note.next_attempt_at = (
            Notification.Status.QUEUED,
            timezone.now() + timedelta(seconds=wait),
        )
    outcome = "gave up" if gave_up else f"will retry at {note.next_attempt_at:%H:%M:%S}"
    _timeline(
        note,
        IncidentEvent.Kind.NOTIFY_FAILED,
        f"{note.event} → {note.channel}: {detail} (attempt {note.attempts}; {outcome})",
    )


def notifications_sweep() -> int:
    """Re-enqueue due retries and rows stuck in 'sending' by a dead worker; a row whose
    worker died on its last attempt fails, on the timeline. Returns how many were enqueued."""
    now = timezone.now()
    stuck = Notification.objects.filter(
        status=Notification.Status.SENDING, claimed_until__lt=now
    ).select_related("channel", "incident")
    for note in stuck:
        if note.attempts >= settings.NOTIFICATION_MAX_ATTEMPTS:
            _failed(note, senders.SendFailed("the worker sending it died", retryable=False))
            note.claimed_until = None
            note.save()
    stuck.filter(status=Notification.Status.SENDING).update(
        status=Notification.Status.QUEUED, claimed_until=None, next_attempt_at=now
    )
    lost = Q(next_attempt_at__isnull=True, created_at__lt=now - timedelta(seconds=60))
    due = Notification.objects.filter(status=Notification.Status.QUEUED).filter(
        Q(next_attempt_at__lte=now) | lost
    )
    ids = list(due.values_list("pk", flat=True)[:500])
    for pk in ids:
        async_task(SEND_TASK, pk)
    return len(ids)


def channels_seed() -> int:
    """The demo's default route: every incident to #ops through the Slack integration; and
    SLA_REPORT_RECIPIENTS as the e-mail channel "sla-report", which receives the weekly
    report and no incident (max_severity 0). Returns how many channels were created."""
    from monitoring.conf import sla_recipients

    created = 0
    slack = Integration.objects.filter(kind=Integration.Kind.SLACK).order_by("pk").first()
    if slack is not None:
        created += Channel.objects.get_or_create(
            name="ops-slack", defaults={"kind": Channel.Kind.SLACK, "slack_integration": slack}
        )[1]
    recipients = sla_recipients()
    if recipients:
        created += Channel.objects.update_or_create(
            name="sla-report",
            defaults={
                "kind": Channel.Kind.EMAIL,
                "recipients": "\n".join(recipients),
                "receives_reports": True,
                "max_severity": 0,
            },
        )[1]
    return created
