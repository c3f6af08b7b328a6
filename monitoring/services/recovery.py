"""Auto-recovery: a playbook per integration kind, each step an action from the registry.

`recovery_run(incident_id)`:
1. Stops at once if the incident is resolved, caused upstream (recovering the
   dependant cannot help), or the integration used up its steps for the hour.
2. Runs the playbook's steps in order. A `safe` step runs now (through
   approvals.action_run_safe, so it is recorded and audited like any action);
   then the integration's state decides whether to go on: a step that probes
   (`PROBING_STEPS`) is verified by its own check, any other by one probe. A
   `live` step becomes an approval request linked to the incident, and the
   playbook stops there: a human decides, and the next probe tells whether it worked.
3. Every step writes one line on the incident's timeline, stamped when the step
   started, so it sorts before the resolution it caused.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django_q.tasks import async_task

from approvals import registry
from approvals.audit import Actor
from approvals.services import action_run_safe, approval_request_create
from hotdash.errors import DomainError
from integrations.models import IntegrationState
from monitoring.engine import probe_now
from monitoring.models import Incident, IncidentEvent
from monitoring.services.incidents import event_add
from monitoring.services.reactions import RECOVERY_TASK

RECOVERY = Actor.system("auto-recovery")
COMMON = ["monitoring.reprobe", "integrations.circuit_reset"]
# Steps that probe the integration themselves (monitoring.actions.reprobe_perform): the
# check they stored already moved the state, so probing again would only add a check.
PROBING_STEPS = frozenset({"monitoring.reprobe"})
# Live steps come last and become approval requests (docs/recovery.md). Shopify has none:
# shopify.webhooks_register fixes lost webhook deliveries, not an outage, so only an
# operator requests it.
PLAYBOOKS: dict[str, list[str]] = {
    "shopify": COMMON,
    "chatwoot": COMMON,
    "ga4": ["integrations.token_refresh", *COMMON],
    # Resume the project if it was paused (the request is refused, with a note, otherwise).
    "supabase": [*COMMON, "supabase.project_resume"],
    "publer": COMMON,
    "slack": COMMON,
    # A fresh probe opens a fresh MCP session (initialize → initialized), so
    # re-probing is also the MCP "re-initialise the session" step. Restarting the
    # Fly app applies to servers hosted on Fly; for the others it is refused with a note.
    "mcp": [*COMMON, "fly.app_restart"],
    "llamaindex": [*COMMON, "fly.app_restart"],
    "http": COMMON,
}


def playbook_for(integration) -> list[str]:
    """The integration's own `config["playbook"]` if set, else its kind's."""
    steps = (integration.config or {}).get("playbook")
    return list(steps) if isinstance(steps, list) else PLAYBOOKS.get(integration.kind, COMMON)


def _steps_this_hour(integration) -> int:
    since = timezone.now() - timedelta(hours=1)
    return IncidentEvent.objects.filter(
        incident__integration=integration, kind=IncidentEvent.Kind.RECOVERY, at__gte=since
    ).count()


RECOVERY_LEASE = timedelta(minutes=10)


def recovery_run_due(incident_id: int) -> str:
    """Run the playbook if it is due and nobody else runs it (a conditional update pushes
    `recovery_due_at` forward by the lease), then mark it done. A worker that dies leaves
    it due again when the lease ends, for `recoveries_sweep`. Returns why it stopped."""
    now = timezone.now()
    claimed = Incident.objects.filter(pk=incident_id, recovery_due_at__lte=now).update(
        recovery_due_at=now + RECOVERY_LEASE
    )
    if not claimed:
        return "not due"
    try:
        return recovery_run(incident_id)
    finally:
        Incident.objects.filter(pk=incident_id).update(recovery_due_at=None)


def recoveries_sweep(*, now=None, grace_seconds: int = 60) -> int:
    """Enqueue the playbooks that are due but whose job was lost. Returns how many."""
    now = now or timezone.now()
    due = Incident.objects.filter(
        recovery_due_at__lte=now - timedelta(seconds=grace_seconds)
    ).values_list("pk", flat=True)
    ids = list(due[:100])
    for pk in ids:
        async_task(RECOVERY_TASK, pk)
    return len(ids)


def recovery_run(incident_id: int) -> str:
    """Run the incident's playbook. Returns why it stopped."""
    incident = Incident.objects.select_related("integration").get(pk=incident_id)
    integration = incident.integration
    if incident.status == Incident.Status.RESOLVED:
        return "resolved"
    if incident.caused_by_id:
        return _note(incident, "no auto-recovery: the cause is upstream")
    for index, name in enumerate(playbook_for(integration)):
        if _steps_this_hour(integration) >= settings.RECOVERY_MAX_STEPS_PER_HOUR:
            return _note(incident, "auto-recovery paused: step limit for this hour reached")
        action = registry.find(name)
        if action is None:
            _note(incident, f"playbook step {name} is not a registered action; skipped")
            continue
        if action.risk == registry.LIVE:
            return _request_approval(incident, name, index)
        if _run_safe(incident, name, index) and _verified(integration, after=name):
            return "recovered"
    return "playbook exhausted"


def _key(incident: Incident, index: int) -> str:
    return f"recovery:{incident.pk}:{incident.reopen_count}:{index}"


def _run_safe(incident: Incident, name: str, index: int) -> bool:
    """Run the step; write its one timeline line, stamped when it started (a step that
    probes may resolve the incident while it runs). True if it succeeded."""
    params = {"slug": incident.integration.slug}
    started = timezone.now()
    try:
        request = action_run_safe(
            action=name,
            params=params,
            actor=RECOVERY,
            reason=f"auto-recovery for incident #{incident.pk}",
            context={"incident": incident.pk},
            idempotency_key=_key(incident, index),
        )
    except DomainError as exc:
        message = f"{name}: refused ({exc.detail})"
        event_add(incident, IncidentEvent.Kind.RECOVERY, message, at=started)
        return False
    ok = request.status == request.Status.SUCCEEDED
    event_add(
        incident,
        IncidentEvent.Kind.RECOVERY,
        f"{name}: {request.status}",
        at=started,
        request=request.pk,
        result=request.result,
    )
    return ok


def _verified(integration, *, after: str) -> bool:
    """Whether the integration is up after the step `after`: read from its state, after
    one probe unless the step probed it itself (`PROBING_STEPS`)."""
    if after not in PROBING_STEPS:
        probe_now([integration])
    status = IntegrationState.objects.values_list("status", flat=True).get(pk=integration.pk)
    return status in (IntegrationState.Status.OK, IntegrationState.Status.DEGRADED)


def _request_approval(incident: Incident, name: str, index: int) -> str:
    try:
        request = approval_request_create(
            action=name,
            params={"slug": incident.integration.slug},
            requested_by=RECOVERY,
            reason=f"auto-recovery for incident #{incident.pk}: {incident.title}",
            context={"incident": incident.pk},
            idempotency_key=_key(incident, index),
        )
    except DomainError as exc:
        return _note(incident, f"{name}: could not request approval ({exc.detail})")
    event_add(
        incident,
        IncidentEvent.Kind.APPROVAL,
        f"{name} needs a human: approval request #{request.pk}",
        request=request.pk,
    )
    return "waiting for approval"


def _note(incident: Incident, message: str) -> str:
    event_add(incident, IncidentEvent.Kind.NOTE, message)
    return message


EVENT_WORDS = {
    "approve": "approved",
    "reject": "rejected",
    "expired": "expired without a decision",
    "succeeded": "performed",
    "failed": "failed",
    "unknown": "sent, outcome unknown (reconciliation will tell)",
}


def request_event_to_timeline(request, event: str, detail: str = "") -> None:
    """An approvals listener: decisions on and outcomes of requests made for an incident
    land on that incident's timeline. Safe requests (no approvals) are left out: they
    are recovery's own steps, which `_run_safe` puts on the timeline, once."""
    incident_id = (request.context or {}).get("incident")
    if not incident_id or request.required_approvals == 0:
        return
    incident = Incident.objects.filter(pk=incident_id).first()
    if incident is None:
        return
    words = EVENT_WORDS.get(event, event)
    message = f"#{request.pk} {request.action}: {words}" + (f" — {detail}" if detail else "")
    kind = (
        IncidentEvent.Kind.RECOVERY
        if event in {"succeeded", "failed", "unknown"}
        else IncidentEvent.Kind.APPROVAL
    )
    event_add(incident, kind, message, request=request.pk, event=event)
