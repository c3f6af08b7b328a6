"""Maintenance windows: while one is active its integrations show `maintenance`, alerts are
silenced and the time is left out of availability; when it ends with something still
down, the operators are told. An operator pauses an integration (`integration_pause`,
the console's pause control) with a one-off window that starts now."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from approvals.audit import audit_record
from hotdash.errors import ValidationFailed
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


PAUSE_MINUTES = (1, 24 * 60)


def integration_pause(
    *, integration: Integration, minutes: int, reason: str, user, request=None
) -> MaintenanceWindow:
    """Put the integration under maintenance from now for `minutes` (1 minute to 1 day):
    a one-off MaintenanceWindow, audited (`maintenance.pause`) and applied at once by
    `maintenance_tick`. Returns the window.

    Raises ValidationFailed for a duration out of range or an empty reason.
    """
    if not PAUSE_MINUTES[0] <= minutes <= PAUSE_MINUTES[1]:
        raise ValidationFailed("Pause for 1 to 1440 minutes.", code="invalid_duration")
    if not reason.strip():
        raise ValidationFailed("Say why the integration is paused.", code="reason_required")
    now = timezone.now()
    with transaction.atomic():
        window = MaintenanceWindow.objects.create(
            starts_at=now,
            ends_at=now + timedelta(minutes=minutes),
            owner=user.get_username(),
            reason=reason.strip()[:300],
            created_by=user,
        )
        window.integrations.add(integration)
        audit_record(
            actor=user,
            verb="maintenance.pause",
            target=integration,
            changes={"window": window.pk, "minutes": minutes, "ends_at": window.ends_at},
            reason=window.reason,
            request=request,
        )
    maintenance_tick(now)
    return window
