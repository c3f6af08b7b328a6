"""Monitoring's own actions (registered with approvals at start-up).

monitoring.reprobe   probe again with backoff until it answers (safe)
"""

from __future__ import annotations

import time

from django.conf import settings

from approvals import registry
from approvals.hooks import on_request_event
from integrations.selectors import SLUG_SCHEMA, integration_by_slug
from monitoring.engine import probe_now
from monitoring.services.recovery import request_event_to_timeline


def reprobe_perform(params: dict, idempotency_key: str) -> dict:
    """Probe up to len(RECOVERY_REPROBE_DELAYS) times, waiting between; stop at the first
    success. As a recovery step its checks are the verification (`recovery.PROBING_STEPS`)."""
    integration = integration_by_slug(params["slug"])
    for attempt, delay in enumerate(settings.RECOVERY_REPROBE_DELAYS, start=1):
        time.sleep(delay)
        check = probe_now([integration]).checks[0]
        if check.status != "fail":
            return {"slug": integration.slug, "recovered": True, "attempts": attempt}
    return {"slug": integration.slug, "recovered": False, "attempts": attempt}


def register_all() -> None:
    """Register re-probe, and the listener that puts decisions on and outcomes of
    incident-linked requests on the incident's timeline."""
    on_request_event(request_event_to_timeline)
    registry.register(
        "monitoring.reprobe",
        schema=SLUG_SCHEMA,
        risk=registry.SAFE,
        perform=reprobe_perform,
        target=lambda p: f"integrations.Integration:{p['slug']}",
        integration=lambda p: p["slug"],
        description="Probe again with backoff until the integration answers.",
        replace=True,
    )
