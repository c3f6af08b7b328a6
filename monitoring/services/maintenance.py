"""Maintenance windows: while one is active its integrations show `maintenance`, alerts are
silenced and the time is left out of availability; when it ends with something still
down, the operators are told."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from integrations.models import Integration, IntegrationState
from monitoring.models import MaintenanceWindow, StateTransition

Status = IntegrationState.Status


def active_windows(moment=None):
    """The windows covering `moment` (recurring ones included)."""
    moment = moment or timezone.now()
    candidates = MaintenanceWindow.objects.filter(starts_at__lte=moment).prefetch_related(
        "integrations"
    )
    return [w for w in candidates if w.occurrence_at(moment)]


def in_maintenance(integration: Integration, moment=None) -> bool:
    return any(
        integration.pk in {i.pk for i in w.integrations.all()} for w in active_windows(moment)
    )


def maintenance_tick(moment=None) -> dict:
    """Move integrations into and out of `maintenance` to match the windows, and into and
    out of `disabled` to match their switch. Idempotent.

    Entering keeps nothing else; leaving sets `unknown` so the next probe decides
    afresh; if it is still failing (or its incident is still open) the operators are
    told at once. Returns {"entered", "left", "disabled", "enabled"}: lists of slugs.
    """
    moment = moment or timezone.now()
    covered = {i.pk for w in active_windows(moment) for i in w.integrations.all()}
    entered, left = [], []
    with transaction.atomic():
        states = IntegrationState.objects.select_for_update().select_related("integration")
        entering = states.filter(integration_id__in=covered, integration__enabled=True)
        for state in entering.exclude(status=Status.MAINTENANCE):
            _move(state, Status.MAINTENANCE, "maintenance window started", moment)
            entered.append(state.integration.slug)
        for state in states.filter(status=Status.MAINTENANCE).exclude(integration_id__in=covered):
            _move(state, Status.UNKNOWN, "maintenance window ended", moment)
            left.append(state.integration.slug)
            if state.consecutive_failures:
                _tell_still_down(state.integration)
    return {"entered": entered, "left": left, **_sync_disabled(moment)}


def _sync_disabled(moment) -> dict:
    """`disabled` follows Integration.enabled: switched off → disabled; on again → unknown."""
    disabled, enabled = [], []
    states = IntegrationState.objects.select_for_update().select_related("integration")
    with transaction.atomic():
        for state in states.filter(integration__enabled=False).exclude(status=Status.DISABLED):
            _move(state, Status.DISABLED, "integration disabled", moment)
            disabled.append(state.integration.slug)
        for state in states.filter(integration__enabled=True, status=Status.DISABLED):
            _move(state, Status.UNKNOWN, "integration enabled again", moment)
            enabled.append(state.integration.slug)
    return {"disabled": disabled, "enabled": enabled}


def _tell_still_down(integration: Integration) -> None:
    from monitoring.services.alerting import incident_notify  # alerting imports this module
    from monitoring.services.incidents import incident_open

    incident, _ = incident_open(
        integration=integration, reason="maintenance window ended while probes still fail"
    )
    incident_notify(incident=incident, event="maintenance_ended", slot=timezone.now().isoformat())


def _move(state: IntegrationState, to: str, cause: str, moment) -> None:
    StateTransition.objects.create(
        integration=state.integration,
        at=moment,
        from_status=state.status,
        to_status=to,
        cause=cause,
    )
    state.status, state.status_since = to, moment
    if to == Status.UNKNOWN:
        state.next_probe_at = moment  # probe at once to learn the truth
    state.save(update_fields=["status", "status_since", "next_probe_at"])
