"""Recovery stories against the vendor sandbox over real HTTP: an outage the safe steps
cannot fix waits for a person, whose approval runs the live step that fixes it."""

from __future__ import annotations

import pytest
import requests
from django.core.management import call_command

from approvals.models import ApprovalRequest
from approvals.services import approval_request_approve
from integrations.models import Integration
from monitoring.engine import probe_now
from monitoring.models import Incident

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def store(sandbox, settings, sync_jobs):
    """The seeded Hot Rod AN catalogue, talking to the sandbox."""
    settings.SANDBOX_URL = sandbox.url
    settings.RECOVERY_ACTION_TIMEOUT_SECONDS = 2
    call_command("seed")
    Integration.objects.update(failures_before_down=2, probe_timeout_seconds=2)
    return sandbox


def probe(slug: str):
    return probe_now([Integration.objects.get(slug=slug)]).checks[0]


def timeline(incident) -> list[tuple[str, str]]:
    return list(incident.events.order_by("pk").values_list("kind", "message"))


def steps() -> list[tuple[str, str]]:
    return list(ApprovalRequest.objects.order_by("pk").values_list("action", "status"))


def test_story__llamaindex_outage__approved_fly_restart_fixes_it(store, approver):
    # Given LlamaIndex down in the sandbox, probed until an incident opens
    store.set_faults("llamaindex", outage=True)
    for _ in range(2):
        probe("llamaindex")
    incident = Incident.objects.get(integration__slug="llamaindex")

    # Then the safe steps ran and failed, and the restart waits for a person
    assert steps() == [
        ("monitoring.reprobe", "succeeded"),
        ("integrations.circuit_reset", "succeeded"),
        ("fly.app_restart", "pending"),
    ]
    restart = ApprovalRequest.objects.get(action="fly.app_restart")
    assert restart.context == {"incident": incident.pk}
    assert store.state()["fly"]["restarts"] == {}
    assert any(kind == "approval" and "fly.app_restart" in m for kind, m in timeline(incident))

    # When another person approves, the job restarts the app's Machines
    approval_request_approve(request_id=restart.pk, approver=approver)
    restart.refresh_from_db()
    assert restart.status == "succeeded"
    assert len(store.state()["fly"]["restarts"]) == 2

    # Then the next probe is ok and the incident is resolved
    assert probe("llamaindex").status == "ok"
    incident.refresh_from_db()
    assert incident.status == "resolved"


def test_story__supabase_paused__approved_resume_brings_it_back(store, approver):
    requests.post(f"{store.url}/_control/supabase-mgmt/pause", timeout=5).raise_for_status()
    for _ in range(2):
        probe("supabase")
    resume = ApprovalRequest.objects.get(action="supabase.project_resume")
    assert (resume.status, resume.precondition["status"]) == ("pending", "INACTIVE")

    approval_request_approve(request_id=resume.pk, approver=approver)
    assert probe("supabase").status == "ok"
    assert Incident.objects.get(integration__slug="supabase").status == "resolved"


def test_story__supabase_down_but_not_paused__no_resume_requested(store):
    store.set_faults("supabase", outage=True)
    for _ in range(2):
        probe("supabase")
    incident = Incident.objects.get(integration__slug="supabase")
    assert not ApprovalRequest.objects.filter(action="supabase.project_resume").exists()
    assert any("not paused" in message for _, message in timeline(incident))


def test_story__mcp_server_not_on_fly__restart_refused_with_a_note(store):
    store.set_faults("mcp/github", outage=True)
    for _ in range(2):
        probe("mcp-github")
    incident = Incident.objects.get(integration__slug="mcp-github")
    assert not ApprovalRequest.objects.filter(action="fly.app_restart").exists()
    assert any("no Fly hosting" in message for _, message in timeline(incident))
