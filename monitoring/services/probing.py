"""Probing an integration by hand (API and console alike): the probe, then its audit event."""

from __future__ import annotations

from approvals.audit import audit_record
from hotdash.errors import Conflict
from integrations.models import Integration
from monitoring.engine import probe_now
from monitoring.models import CheckResult


def integration_probe_now(*, integration: Integration, user, request=None) -> CheckResult:
    """Probe `integration` now (`engine.probe_now`) and write the `integration.probe`
    audit event with the check's status. Returns the stored CheckResult.

    Raises Conflict (`disabled`) for a disabled integration; nothing is probed or audited.
    """
    if not integration.enabled:
        raise Conflict(f"{integration.slug} is disabled; enable it first.", code="disabled")
    check = probe_now([integration]).checks[0]
    audit_record(
        actor=user,
        verb="integration.probe",
        target=integration,
        changes={"result": check.status},
        request=request,
    )
    return check
