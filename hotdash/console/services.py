"""The console's writes that no app service covers yet; each lands on the audit trail.

Probing (`monitoring.services.probing.integration_probe_now`) and live-mode requests go through
monitoring's and approvals' services; these only add what the console needs around them.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from approvals.audit import audit_record
from hotdash.errors import ValidationFailed
from integrations.models import Integration
from monitoring.models import MaintenanceWindow
from monitoring.services.maintenance import maintenance_tick

PAUSE_MINUTES = (1, 24 * 60)


def integration_pause(
    *, integration: Integration, minutes: int, reason: str, user, request=None
) -> MaintenanceWindow:
    """Put the integration under maintenance from now for `minutes` (1 minute to 1 day):
    a one-off MaintenanceWindow, applied at once by `maintenance_tick`. Returns the window.

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
