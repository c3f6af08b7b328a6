"""What the platform does about what the probes saw: open, confirm and resolve incidents,
page people, and escalate while nobody acknowledges.

A state change is a durable work item (healthchecks' `Flip`): the engine stores each
`StateTransition` with `processed_at` empty, then `transitions_process` reacts to it.

1. Claim: a conditional UPDATE sets `claimed_until` on a transition nobody holds, so two
   workers never react to the same one.
2. React and mark in one transaction: the incident's change, its notification rows and
   `processed_at` commit together. A worker killed before the commit leaves the
   transition unprocessed and its claim expires; one killed after it leaves nothing
   undone (the sends are rows, re-enqueued by `notifications_sweep`).
3. An integration's transitions are reacted to in order: one waits while an earlier one
   of the same integration is unprocessed, so a resolve never overtakes its outage.
4. A reaction that raises fails alone: it is logged, its error recorded on the row and
   retried with backoff by `transitions_sweep`; the rest of the batch goes on.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django_q.tasks import async_task

from integrations.models import IntegrationState
from monitoring.models import CheckResult, Incident, IncidentEvent, StateTransition
from monitoring.services.alerting import (
    incident_notify,
    incident_resolve_announced,
    policy_snapshot,
    was_paged,
)
from monitoring.services.incidents import OPEN_STATUSES, event_add, incident_open

log = logging.getLogger(__name__)
Status = IntegrationState.Status
RECOVERED = {Status.OK, Status.DEGRADED}
RECOVERY_TASK = "monitoring.tasks.recovery_run_task"
CLAIM_SECONDS = 120
SWEEP_GRACE_SECONDS = 15  # the engine reacts right after its commit; the sweep waits this long
# Signals an outage explains: while it is open they join its timeline instead of paging.
MERGED_INTO_OUTAGE = (
    Incident.Cause.BURN_RATE,
    Incident.Cause.ANOMALY,
    Incident.Cause.BUSINESS_FLOW,
)


def transitions_react(transitions: list[StateTransition], checks: list[CheckResult]) -> None:
    """React to a batch the engine just stored, then confirm ongoing outages."""
    moved = list(dict.fromkeys(t.integration_id for t in transitions))  # in the batch's order
    transitions_process(moved)
    _confirm(
        [c for c in checks if c.status == CheckResult.Status.FAIL and c.integration_id not in moved]
    )


def transitions_process(integration_ids, *, now=None) -> int:
    """React, in order, to the unprocessed transitions of these integrations that nobody
    holds. Returns how many were processed."""
    done = 0
    for integration_id in integration_ids:
        pending = StateTransition.objects.filter(
            integration_id=integration_id, processed_at__isnull=True
        ).order_by("at", "pk")
        for transition_id in pending.values_list("pk", flat=True):
            outcome = transition_process(transition_id, now=now)
            if outcome != "processed":
                break  # the later ones wait for this one
            done += 1
    return done


def transition_process(transition_id: int, *, now=None) -> str:
    """Claim one transition, react and mark it processed in one transaction.

    Returns "processed", "held" (someone else holds it, or it is done), "waiting" (an
    earlier transition of the integration is unprocessed) or "failed" (retried later).
    """
    now = now or timezone.now()
    claimed = (
        StateTransition.objects.filter(pk=transition_id, processed_at__isnull=True)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .update(claimed_until=now + timedelta(seconds=CLAIM_SECONDS))
    )
    if not claimed:
        return "held"
    transition = StateTransition.objects.select_related("integration").get(pk=transition_id)
    earlier = StateTransition.objects.filter(
        integration_id=transition.integration_id, processed_at__isnull=True
    ).filter(Q(at__lt=transition.at) | Q(at=transition.at, pk__lt=transition.pk))
    if earlier.exists():
        StateTransition.objects.filter(pk=transition_id).update(claimed_until=None)
        return "waiting"
    try:
        with transaction.atomic():
            _react(transition)
            StateTransition.objects.filter(pk=transition_id).update(
                processed_at=timezone.now(), claimed_until=None, last_error=""
            )
    except Exception as exc:  # fails alone: recorded, retried by the sweep
        log.exception("reaction to transition %s failed", transition_id)
        attempts = transition.attempts + 1
        backoff = min(30 * 2 ** (attempts - 1), 600)
        StateTransition.objects.filter(pk=transition_id).update(
            attempts=attempts,
            last_error=f"{type(exc).__name__}: {exc}"[:500],
            claimed_until=timezone.now() + timedelta(seconds=backoff),
        )
        return "failed"
    return "processed"


def transitions_sweep(*, now=None) -> int:
    """React to transitions left unprocessed by a dead worker or a failed reaction."""
    now = now or timezone.now()
    grace = now - timedelta(seconds=SWEEP_GRACE_SECONDS)
    stale = (
        StateTransition.objects.filter(processed_at__isnull=True, at__lt=grace)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .values_list("integration_id", flat=True)
        .distinct()
    )
    return transitions_process(list(stale), now=now)


def _react(transition: StateTransition) -> None:
    if transition.to_status == Status.DOWN and transition.from_status != Status.DOWN:
        outage_begin(transition)
    elif transition.from_status == Status.DOWN and transition.to_status in RECOVERED:
        outage_end(transition)


def outage_started_at(integration_id: int, before) -> object:
    """The first failed check of the failure streak that ends at `before`."""
    checks = CheckResult.objects.filter(integration_id=integration_id, checked_at__lte=before)
    last_good = checks.exclude(status=CheckResult.Status.FAIL).order_by("-checked_at").first()
    streak = checks.filter(status=CheckResult.Status.FAIL)
    if last_good is not None:
        streak = streak.filter(checked_at__gt=last_good.checked_at)
    first = streak.order_by("checked_at").values_list("checked_at", flat=True).first()
    return first or before


def outage_begin(transition: StateTransition) -> Incident:
    """Open (or re-open) the outage incident, page, start recovery, and fold the signal
    incidents the outage explains into it."""
    started = outage_started_at(transition.integration_id, transition.at)
    with transaction.atomic():
        incident, what = incident_open(
            integration=transition.integration,
            reason=transition.cause,
            at=transition.at,
            started_at=started,
        )
        if what in {"opened", "reopened"}:
            incident.escalation_policy = policy_snapshot(incident)
            incident_notify(incident=incident, event=what)
            incident.next_notification_at = (
                transition.at
                + timedelta(minutes=incident.escalation_policy["escalate_after_minutes"])
                if was_paged(incident)
                else None  # nobody was paged (upstream outage, maintenance): nothing to escalate
            )
            incident.recovery_due_at = transition.at  # durable: swept if the enqueue is lost
            incident.save(
                update_fields=["escalation_policy", "next_notification_at", "recovery_due_at"]
            )
            signals_merge(incident)
            transaction.on_commit(lambda: async_task(RECOVERY_TASK, incident.pk))
    return incident


def signals_merge(outage: Incident) -> int:
    """Resolve the open signal incidents of the outage's integration into the outage: their
    cause is now the outage's, and a "resolved" goes only where they had paged."""
    merged = 0
    signals = Incident.objects.filter(
        integration_id=outage.integration_id,
        cause__in=MERGED_INTO_OUTAGE,
        status__in=OPEN_STATUSES,
    )
    for signal in signals:
        incident_resolve_announced(
            incident_id=signal.pk, note=f"merged into outage #{outage.pk}", at=outage.opened_at
        )
        event_add(outage, IncidentEvent.Kind.NOTE, f"joined: #{signal.pk} {signal.title}")
        merged += 1
    return merged


def outage_end(transition: StateTransition) -> None:
    open_ = Incident.objects.filter(
        integration_id=transition.integration_id,
        cause=Incident.Cause.DOWN,
        status__in=OPEN_STATUSES,
    ).first()
    if open_ is None:
        return
    incident_resolve_announced(incident_id=open_.pk, at=_first_success(transition))


def _first_success(transition: StateTransition):
    """When the check that ended the outage ran (the transition is stored after it)."""
    check = (
        CheckResult.objects.filter(
            integration_id=transition.integration_id, checked_at__lte=transition.at
        )
        .exclude(status=CheckResult.Status.FAIL)
        .order_by("-checked_at")
        .values_list("checked_at", flat=True)
        .first()
    )
    return check or transition.at


def _confirm(failed: list[CheckResult]) -> None:
    """Failing probes of a down integration confirm its open incident; if a person resolved
    it while the integration is still down, the next failure opens (or re-opens) one."""
    if not failed:
        return
    by_integration = {c.integration_id: c for c in failed}
    ongoing = Incident.objects.filter(
        integration_id__in=by_integration, cause=Incident.Cause.DOWN, status__in=OPEN_STATUSES
    )
    unreacted = StateTransition.objects.filter(
        integration_id__in=by_integration, processed_at__isnull=True
    ).values_list("integration_id", flat=True)
    still_down = (
        IntegrationState.objects.filter(
            pk__in=set(by_integration) - set(ongoing.values_list("integration_id", flat=True)),
            status=Status.DOWN,
        )
        .exclude(pk__in=unreacted)  # its own transition's reaction (or the sweep) opens it
        .select_related("integration")
    )
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
    if not was_paged(incident):  # nobody was told it opened: there is nothing to remind of
        incident.next_notification_at = None
        incident.save(update_fields=["next_notification_at"])
        return
    policy = incident.escalation_policy or policy_snapshot(incident)
    slot = incident.next_notification_at.isoformat()
    if incident.escalation_level == 0 and policy["levels"].get("1"):
        incident.escalation_level = 1
        incident_notify(incident=incident, event="escalated", level=1, slot=slot)
        event_add(incident, IncidentEvent.Kind.NOTE, "nobody acknowledged: escalated to level 1")
    else:
        incident_notify(incident=incident, event="renotify", slot=slot)
    incident.next_notification_at = now + timedelta(minutes=policy["renotify_minutes"])
    incident.save(update_fields=["next_notification_at"] + ["escalation_level"])
