"""Live recovery actions against the vendor sandbox over real HTTP, through approvals.

- `integration("llamaindex", mode="live")`: the catalogue entry saved, pointed at the sandbox.
- `approve(request, approver)`: the second person's approval; the execution job runs
  inline (django-q2 in sync mode), so the tests using it need `transaction=True`.
- `fly_calls(sandbox)`, `mgmt_calls(sandbox)`: what reached the sandbox vendors.
"""

from __future__ import annotations

import pytest
import requests
from django_q.conf import Conf

from approvals.models import AuditEvent
from approvals.services import approval_request_approve
from integrations.catalogue import CATALOGUE
from integrations.models import Integration, IntegrationState


@pytest.fixture
def integration(db, sandbox, settings):
    settings.SANDBOX_URL = sandbox.url
    settings.RECOVERY_ACTION_TIMEOUT_SECONDS = 1.5

    def make(slug: str, **overrides) -> Integration:
        entry = next(e for e in CATALOGUE if e["slug"] == slug)
        fields = {k: v for k, v in entry.items() if k != "depends_on"} | {"mode": "sandbox"}
        made = Integration.objects.create(**(fields | overrides))
        IntegrationState.objects.create(integration=made)
        return made

    return make


@pytest.fixture
def sync_jobs(monkeypatch):
    """django-q2 runs enqueued jobs at once, in this process."""
    monkeypatch.setattr(Conf, "SYNC", True)


def approve(request, approver):
    return approval_request_approve(request_id=request.pk, approver=approver)


def verbs(request) -> list[tuple[str, str]]:
    """(verb, outcome) of the request's audit events, oldest first."""
    events = AuditEvent.objects.filter(target_type="approvals.ApprovalRequest")
    events = events.filter(target_id=str(request.pk)).order_by("pk")
    return list(events.values_list("verb", "outcome"))


def fly_calls(sandbox) -> list[dict]:
    return sandbox.state()["fly"]["calls"]


def fly_restarts(sandbox) -> dict[str, int]:
    return sandbox.state()["fly"]["restarts"]


def mgmt_calls(sandbox) -> list[dict]:
    return sandbox.state()["supabase-mgmt"]["calls"]


def pause_project(sandbox) -> None:
    requests.post(f"{sandbox.url}/_control/supabase-mgmt/pause", timeout=5).raise_for_status()
